package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnlab/fnlab/ablate"
	"github.com/fnlab/fnlab/fit"
	"github.com/fnlab/fnlab/internal/atomicfile"
)

var tinyAblate = []string{"ablate", "t0", "--set", "depths=[1,1,1,1]", "--set", "input=3x32x32", "--set", "embed_dim=16", "--mixers", "pconv,dwconv,conv",
	"--n-div", "2", "--runs", "2", "--seeds", "2", "--max-iter", "3", "--threads", "1", "--quick"}

func readDoc(t *testing.T, path string) *ablate.Doc {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d ablate.Doc
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

func TestAblateRunAndResume(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	args := append(append([]string(nil), tinyAblate...), "--out", dir)
	out, errText, code := run(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errText)
	}
	if !strings.Contains(out, "pconv n_div=2") || !strings.Contains(out, "report.md") {
		t.Errorf("summary:\n%s", out)
	}
	d := readDoc(t, filepath.Join(dir, "results.json"))
	if b, err := os.ReadFile(filepath.Join(dir, "results.json")); err == nil {
		checkSnakeKeys(t, string(b))
	}
	if !d.Complete || len(d.Variants) != 4 {
		t.Fatalf("complete %v, %d variants", d.Complete, len(d.Variants))
	}
	for _, v := range d.Variants {
		if !v.Measured || !v.Fitted || v.MedianMS <= 0 || v.MACs <= 0 || len(v.StageLosses) != 4 {
			t.Errorf("variant %+v not fully measured", v)
		}
	}
	rep, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	// Flags in name order, values quoted for a shell.
	regen := "Regenerate with `fnlab ablate t0 --max-iter 3 --mixers pconv,dwconv,conv --n-div 2 --out " + dir +
		" --quick --runs 2 --seeds 2 --set 'depths=[1,1,1,1]' --set input=3x32x32 --set embed_dim=16 --threads 1`"
	for _, want := range []string{regen, "Would DWConv beat PConv", "patch embedding", "memory access", "![ablate_latency](ablate_latency.png)", "ablate_fit_loss.png"} {
		if !strings.Contains(string(rep), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	for _, f := range []string{"ablate_latency.svg", "ablate_latency_vs_macs.png", "ablate_time_split.png", "ablate_loss.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	// A second run into the same folder must not overwrite it silently.
	if _, errText, code := run(t, args...); code != 2 || !strings.Contains(errText, "--resume") {
		t.Errorf("rerun without --resume: exit %d, %q", code, errText)
	}
	// Simulate an interruption: one variant unmeasured, nothing fitted,
	// the fit phase stopped after its first stage. A sentinel in a kept
	// row shows that resuming does not redo it.
	d.Complete = false
	keep := d.Variants[0].MedianMS
	d.Variants[1].Measured, d.Variants[1].MedianMS = false, 0
	for _, v := range d.Variants {
		v.Fitted = false
	}
	var rows []fit.Row
	for _, r := range d.Fit.Rows {
		if r.Stage == "1" {
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 || len(rows) == len(d.Fit.Rows) {
		t.Fatalf("fit rows by stage: %d of %d at stage 1", len(rows), len(d.Fit.Rows))
	}
	const sentinel = 0.123456
	rows[0].Normalised = sentinel
	kept := rows[0].Student
	d.Fit.Rows = rows
	if err := atomicfile.WriteJSON(filepath.Join(dir, "results.json"), d); err != nil {
		t.Fatal(err)
	}
	// Temporary files of a write killed in the first run.
	leftovers := []string{".results.json.tmp4242", ".report.md.tmp17"}
	for _, n := range leftovers {
		os.WriteFile(filepath.Join(dir, n), []byte("{"), 0o644)
	}
	if _, errText, code := run(t, append(args, "--resume")...); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, errText)
	}
	for _, n := range leftovers {
		if _, err := os.Stat(filepath.Join(dir, n)); !os.IsNotExist(err) {
			t.Errorf("%s left behind after a successful resume", n)
		}
	}
	d2 := readDoc(t, filepath.Join(dir, "results.json"))
	if !d2.Complete || d2.Variants[0].MedianMS != keep || d2.Variants[1].MedianMS <= 0 || !d2.Variants[2].Fitted {
		t.Errorf("resume did not keep/complete the results: %+v", d2.Variants)
	}
	var r *fit.Row
	for i := range d2.Fit.Rows {
		if d2.Fit.Rows[i].Student == kept && d2.Fit.Rows[i].Stage == "1" {
			r = &d2.Fit.Rows[i]
		}
	}
	if r == nil || r.Normalised != sentinel {
		t.Errorf("resume refitted the finished stage 1 of %s: %+v", kept, r)
	}
	if len(d2.Fit.Rows) != len(d.Fit.Rows)*4 {
		t.Errorf("resume left %d fit rows, want %d (every stage)", len(d2.Fit.Rows), len(d.Fit.Rows)*4)
	}
	// Resuming a different spec into the folder is refused.
	if _, errText, code := run(t, "ablate", "t1", "--quick", "--out", dir, "--resume"); code != 2 || !strings.Contains(errText, "holds a run of") {
		t.Errorf("resume with another spec: exit %d, %q", code, errText)
	}
	os.WriteFile(filepath.Join(dir, "results.json"), []byte("{broken"), 0o644)
	if _, errText, code := run(t, append(args, "--resume")...); code == 0 || !strings.Contains(errText, "not an ablate results file") {
		t.Errorf("corrupt results.json: exit %d, %q", code, errText)
	}
}

func TestAblateBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ablate", "--mixers", "winograd"}, "unknown mixer"},
		{[]string{"ablate", "--n-div", "0"}, "--n-div"},
		{[]string{"ablate", "--n-div", "1000"}, "larger than stage"},
		{[]string{"ablate", "t0", "t1"}, "at most one SPEC"},
		{[]string{"ablate", "--threads", "-2"}, "--threads"},
		{[]string{"ablate", "--format", "csv"}, "--format"},
		{[]string{"ablate", "--mixers", "", "--n-div", ""}, "nothing to compare"},
	} {
		_, errText, code := run(t, append(c.args, "--out", t.TempDir())...)
		if code != 2 || !strings.Contains(errText, c.want) {
			t.Errorf("%v: exit %d, %q; want exit 2 mentioning %q", c.args, code, errText, c.want)
		}
	}
}

func TestAblateResumeNothing(t *testing.T) {
	dir := t.TempDir()
	_, errText, code := run(t, append(append([]string(nil), tinyAblate...), "--out", dir, "--resume")...)
	if code != 2 || !strings.Contains(errText, "--resume: nothing to resume in "+dir+" (no results.json)") {
		t.Errorf("exit %d %q", code, errText)
	}
}
