package lut

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fnlab/fnlab/arch"
)

func tinyGraph(t testing.TB, sets ...string) *arch.Graph {
	s, err := arch.Load("t0", append([]string{"embed_dim=8", "depths=[1,1,1,1]", "feature_dim=16", "num_classes=10", "input=3x32x32"}, sets...))
	if err != nil {
		t.Fatal(err)
	}
	g, err := arch.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestBuildPredictSaveLoad(t *testing.T) {
	a, b := tinyGraph(t), tinyGraph(t, "n_div=2")
	tab, err := Build([]Model{{"a", a}, {"b", b}}, Options{Threads: 1, Warmup: 1, Runs: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.BuiltFrom) != 2 || tab.Statistic != "p10" || tab.Threads != 1 || tab.MachineLine == "" {
		t.Errorf("table header %+v", tab)
	}
	for _, e := range tab.Entries {
		if e.Count < 3 || e.MinMS > e.P10MS || e.P10MS > e.MedianMS+1e-12 || e.StdMS < 0 {
			t.Errorf("entry %+v", e)
		}
	}
	pa, err := tab.Predict(a)
	if err != nil || !(pa > 0) {
		t.Fatalf("predict: %v %v", pa, err)
	}
	p := filepath.Join(t.TempDir(), "t.json")
	if err := tab.Save(p); err != nil {
		t.Fatal(err)
	}
	back, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if pb, _ := back.Predict(a); math.Abs(pb-pa) > 1e-12 {
		t.Errorf("loaded table predicts %g, built one %g", pb, pa)
	}
	_, err = back.Predict(tinyGraph(t, "mixer=conv"))
	if err == nil || !strings.Contains(err.Error(), "no entry for step") {
		t.Errorf("missing configuration: %v", err)
	}
	if _, err := Measure(a, Options{Threads: 1, Runs: 2}); err != nil {
		t.Error(err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ name, data, want string }{
		{"not json", "{", "not a latency table"},
		{"format", `{"format": "x", "version": 1}`, `format "x", expected "fnlab-lut"`},
		{"version", `{"format": "fnlab-lut", "version": 9}`, "version 9"},
		{"entry", `{"format": "fnlab-lut", "version": 1, "entries": [{"key": "", "count": 1}]}`, "entries[0]"},
		{"negative", `{"format": "fnlab-lut", "version": 1, "entries": [{"key": "a", "count": 1, "p10_ms": -1}]}`, "p10_ms: expected a finite time >= 0"},
		{"repeated", `{"format": "fnlab-lut", "version": 1, "entries": [{"key": "a", "count": 1}, {"key": "a", "count": 1}]}`, `entries[1]: key "a" appears twice`},
		{"statistic", `{"format": "fnlab-lut", "version": 1, "statistic": "max"}`, `statistic "max"`},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name+".json")
		os.WriteFile(p, []byte(c.data), 0o644)
		if _, err := Load(p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	for _, p := range []string{dir, "/dev/zero"} {
		if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "expected a regular file") {
			t.Errorf("%s: %v", p, err)
		}
	}
	if _, err := Load(filepath.Join(dir, "none.json")); err == nil || !strings.Contains(err.Error(), "none.json: no such file") {
		t.Errorf("missing file: %v", err)
	}
}

func TestFitLine(t *testing.T) {
	cases := []struct {
		xs, ys []float64
		a, b   float64
	}{
		{[]float64{1, 2, 3, 4}, []float64{3, 5, 7, 9}, 1, 2},
		{[]float64{5, 5, 5}, []float64{1, 2, 9}, 2, 0},
		{[]float64{1, 2}, []float64{1, 3}, 2, 0},
		{nil, nil, 0, 0},
	}
	for _, c := range cases {
		a, b := fitLine(c.xs, c.ys)
		if math.Abs(a-c.a) > 1e-9 || math.Abs(b-c.b) > 1e-9 {
			t.Errorf("fitLine(%v, %v) = %g, %g; want %g, %g", c.xs, c.ys, a, b, c.a, c.b)
		}
	}
}

// FuzzLoad: a bad table gives an error, and a table Load accepts can be
// used for prediction without a panic.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"format":"fnlab-lut","version":1,"statistic":"p10","entries":[{"key":"pool n1 16x1","count":1,"median_ms":0.1,"p10_ms":-3}]}`))
	f.Add([]byte(`{"format":"fnlab-lut","version":1,"overhead_ms":1e308,"overhead_per_step_ms":1e308}`))
	f.Add([]byte(`{"format":"fnlab-lut","version":1,"entries":[{"key":"a","count":1,"median_ms":0},{"key":"a","count":2,"median_ms":1}]}`))
	f.Add([]byte(`[]`))
	dir := f.TempDir()
	g := tinyGraph(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "t.json")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		tab, err := Load(p)
		if err != nil {
			return
		}
		tab.Predict(g)
	})
}

// TestPredictConcurrent: a table is read by many evaluation workers at
// once (go test -race would report the first-use index build racing).
func TestPredictConcurrent(t *testing.T) {
	tab := &Table{Statistic: "median", Entries: []Entry{{Key: "a", MedianMS: 1}, {Key: "b", MedianMS: 2}}}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if e := tab.Lookup("b"); e == nil || e.MedianMS != 2 {
				t.Error("lookup b failed")
			}
		}()
	}
	wg.Wait()
}
