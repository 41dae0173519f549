package lut

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var errKilled = errors.New("killed")

// TestBuildResume kills a build after its first model (OnModel fails after
// saving it), then resumes: the saved model is not measured again, the
// table covers every model, and the progress file is gone after Finish.
func TestBuildResume(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "t.lut.json")
	models := []Model{{"a", tinyGraph(t)}, {"b", tinyGraph(t, "n_div=2")}, {"c", tinyGraph(t, "mixer=dwconv")}}
	h := ProgressHeader{Space: "tiny", SpaceHash: "x", Threads: 1, Warmup: 0, Runs: 2, Statistic: "p10"}
	// A temporary file of a killed Save of out, and a user's file that
	// only looks alike.
	os.WriteFile(filepath.Join(dir, ".t.lut.json.tmp123"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, ".t.lut.json.tmpnotes"), []byte("mine"), 0o644)

	p, done, err := OpenProgress(out, h, false)
	if err != nil || len(done) != 0 {
		t.Fatalf("open: %v, %d done", err, len(done))
	}
	if _, err := os.Stat(filepath.Join(dir, ".t.lut.json.tmp123")); !os.IsNotExist(err) {
		t.Error("temporary file of a killed save left behind")
	}
	if _, err := os.Stat(filepath.Join(dir, ".t.lut.json.tmpnotes")); err != nil {
		t.Error("user's file removed")
	}
	// A second build of the same table while this one runs is refused.
	if _, _, err := OpenProgress(out, h, true); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("in use by fnlab process %d", os.Getpid())) {
		t.Fatalf("second build: %v", err)
	}
	n := 0
	o := Options{Threads: 1, Runs: 2, OnModel: func(r *ModelResult) error {
		if err := p.Append(r); err != nil {
			return err
		}
		n++
		if n == 1 {
			return errKilled
		}
		return nil
	}}
	if _, err := Build(models, o); !errors.Is(err, errKilled) {
		t.Fatalf("build: %v", err)
	}
	p.Close()
	// A torn line, as a kill in the middle of a write leaves.
	f, _ := os.OpenFile(PartialPath(out), os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"name":"b","thr`)
	f.Close()

	// Without resume the interrupted build is refused and kept.
	if _, _, err := OpenProgress(out, h, false); !errors.Is(err, ErrProgressExists) {
		t.Fatalf("new build over an interrupted one: %v", err)
	}
	// Resuming with other settings is refused, naming the setting.
	h2 := h
	h2.Runs = 3
	if _, _, err := OpenProgress(out, h2, true); !errors.Is(err, ErrProgressOther) || !strings.Contains(err.Error(), "runs 2, this build has 3") {
		t.Fatalf("resume with other runs: %v", err)
	}
	p, done, err = OpenProgress(out, h, true)
	if err != nil || len(done) != 1 || done["a"] == nil {
		t.Fatalf("resume: %v, done %v", err, done)
	}
	measured := 0
	o = Options{Threads: 1, Runs: 2, Done: done, OnModel: func(r *ModelResult) error {
		measured++
		if r.Name == "a" {
			t.Error("model a measured again")
		}
		return p.Append(r)
	}}
	tab, err := Build(models, o)
	if err != nil {
		t.Fatal(err)
	}
	if measured != 2 || len(tab.BuiltFrom) != 3 {
		t.Errorf("measured %d models, table built from %v", measured, tab.BuiltFrom)
	}
	if err := tab.Save(out); err != nil {
		t.Fatal(err)
	}
	if err := p.Finish(); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{PartialPath(out), out + ".lock"} {
		if _, err := os.Stat(q); !os.IsNotExist(err) {
			t.Errorf("%s left behind", q)
		}
	}
}

func TestProgressHostileFiles(t *testing.T) {
	dir := t.TempDir()
	h := ProgressHeader{Space: "tiny", SpaceHash: "x", Threads: 1, Runs: 2}
	cases := []struct{ name, data, want string }{
		{"not a progress file", "{}\n", "not a lut build progress file"},
		{"bad record", `{"format":"fnlab-lut-progress","space_hash":"x","threads":1,"runs":2}` + "\n" + `{"name":""}` + "\n", "line 2: not a measured model"},
		{"negative time", `{"format":"fnlab-lut-progress","space_hash":"x","threads":1,"runs":2}` + "\n" + `{"name":"a","keys":["k"],"samples_ms":[[-1]]}` + "\n", "expected a finite time >= 0"},
	}
	for _, c := range cases {
		out := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".json")
		os.WriteFile(PartialPath(out), []byte(c.data), 0o644)
		if _, _, err := OpenProgress(out, h, true); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		if b, _ := os.ReadFile(PartialPath(out)); string(b) != c.data {
			t.Errorf("%s: file changed", c.name)
		}
	}
}

// FuzzParseProgress: any progress file gives models or a one-line error.
func FuzzParseProgress(f *testing.F) {
	h := ProgressHeader{Format: ProgressFormat, SpaceHash: "x", Threads: 1, Runs: 2}
	f.Add([]byte(`{"format":"fnlab-lut-progress","space_hash":"x","threads":1,"runs":2}` + "\n" + `{"name":"a","threads":1,"keys":["k"],"samples_ms":[[0.1,0.2]],"whole_ms":0.3}` + "\n"))
	f.Add([]byte("{}\n{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		done, good, err := parseProgress("p.partial", data, h)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if good > int64(len(data)) {
			t.Fatalf("good length %d past the %d bytes", good, len(data))
		}
		for n, r := range done {
			if n == "" || len(r.Keys) != len(r.Samples) {
				t.Fatalf("inconsistent model %q", n)
			}
		}
	})
}
