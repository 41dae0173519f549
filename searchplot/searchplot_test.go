package searchplot

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot/cmpimg"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata from the current code")

// run is one search of testdata/runs.json: each point is its objective
// values, its mixer and whether it is on the front (from the journal of
// a `fnlab search` run of the embedded space).
type run struct {
	Objectives  []string     `json:"objectives"`
	Points      [][]any      `json:"points"`
	Hypervolume [][2]float64 `json:"hypervolume"`
}

func loadRuns(t *testing.T) map[string]run {
	raw, err := os.ReadFile(filepath.Join("testdata", "runs.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rs map[string]run
	if err := json.Unmarshal(raw, &rs); err != nil {
		t.Fatal(err)
	}
	return rs
}

// candidates turns a run's points into Candidates, params in millions
// (as fnlab search plots them).
func candidates(r run) []Candidate {
	var out []Candidate
	for _, p := range r.Points {
		n := len(r.Objectives)
		c := Candidate{Mixer: p[n].(string), Front: p[n+1].(bool)}
		for i, o := range r.Objectives {
			v := p[i].(float64)
			if o == "params" {
				v /= 1e6
			}
			c.V = append(c.V, v)
		}
		out = append(out, c)
	}
	return out
}

// checkGolden writes with fn to a PNG and an SVG and compares each with
// testdata/name_golden.* (cmpimg: PNG with a small tolerance, SVG byte for
// byte); -update rewrites the golden files; a mismatch leaves name_got.*.
func checkGolden(t *testing.T, name string, fn func(path string) error) {
	t.Helper()
	for _, ext := range []string{"png", "svg"} {
		got := filepath.Join(t.TempDir(), name+"."+ext)
		if err := fn(got); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(got)
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", name+"_golden."+ext)
		if *update {
			if err := os.WriteFile(golden, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (go test -update creates it)", err)
		}
		if ok, err := cmpimg.EqualApprox(ext, raw, want, 0.01); err != nil {
			t.Fatal(err)
		} else if !ok {
			failed := filepath.Join("testdata", name+"_got."+ext)
			_ = os.WriteFile(failed, raw, 0o644)
			t.Errorf("%s differs from %s (new image in %s; go test -update accepts it)", name, golden, failed)
		}
	}
}

func TestGolden(t *testing.T) {
	rs := loadRuns(t)
	ndiv, mixer := rs["t0_ndiv_depth"], rs["t0_mixer"]
	cases := []struct {
		name string
		draw func(path string) error
	}{
		{"front_2d", func(path string) error {
			return Front(path, FrontSpec{Title: "Pareto front: t0_ndiv_depth (300 feasible)", Points: candidates(ndiv), Axes: []Axis{
				{Label: "predicted latency (ms, lower is better)", Limit: 9, LimitLabel: "latency <= 9 ms"},
				{Label: "NASWOT score log|K| (higher is better)"},
			}})
		}},
		{"front_3d", func(path string) error {
			return Front(path, FrontSpec{Title: "Pareto front: t0_mixer (162 feasible), each pair of the 3 objectives", Points: candidates(mixer), Axes: []Axis{
				{Label: "predicted latency (ms, lower is better)"},
				{Label: "reconstruction loss (normalised MSE, lower is better)"},
				{Label: "params (M, lower is better)", Limit: 5, LimitLabel: "params <= 5 M"},
			}})
		}},
		{"hypervolume", func(path string) error {
			var ev []int
			var hv []float64
			for _, p := range ndiv.Hypervolume {
				ev, hv = append(ev, int(p[0])), append(hv, p[1])
			}
			return Hypervolume(path, "hypervolume of the front: t0_ndiv_depth", ev, hv)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkGolden(t, c.name, c.draw) })
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		err  error
	}{
		{"mismatched hypervolume lengths", Hypervolume(filepath.Join(dir, "hv.png"), "x", []int{1, 2}, []float64{0.1})},
		{"missing directory", Front(filepath.Join(dir, "missing", "f.png"), FrontSpec{Axes: []Axis{{}, {}}})},
		{"one axis", Front(filepath.Join(dir, "f.png"), FrontSpec{Axes: []Axis{{}}})},
		{"values for the wrong number of axes", Front(filepath.Join(dir, "f.png"), FrontSpec{Axes: []Axis{{}, {}}, Points: []Candidate{{V: []float64{1}}}})},
	} {
		if c.err == nil {
			t.Errorf("%s: want an error", c.name)
		}
	}
}
