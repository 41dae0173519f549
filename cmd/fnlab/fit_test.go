package main

import (
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnlab/fnlab/fit"
	"github.com/fnlab/fnlab/tensorio"
)

type fitJSON struct {
	Rows []struct {
		Student       string    `json:"student"`
		Stage         string    `json:"stage"`
		TestMSEMean   float64   `json:"test_mse_mean"`
		TestMSEStd    float64   `json:"test_mse_std"`
		Normalised    float64   `json:"normalised_mse"`
		TestPerSeed   []float64 `json:"test_mse_per_seed"`
		Curve         []float64 `json:"train_curve_seed0"`
		NormalisedStd float64   `json:"normalised_mse_std"`
	} `json:"rows"`
	Rankings map[string][]string `json:"rankings"`
}

func TestFitCommandGenerated(t *testing.T) {
	out, errText, code := run(t, "fit", "--stages", "16x6x6", "--seeds", "3", "--students", "pconv,gconv:4,dwconv,pwconv,conv",
		"--threads", "1", "--format", "json", "--out", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errText)
	}
	var d fitJSON
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Rows) != 5 || len(d.Rankings) != 1 {
		t.Fatalf("%d rows, rankings %v", len(d.Rows), d.Rankings)
	}
	for _, r := range d.Rows {
		if len(r.TestPerSeed) != 3 || r.TestMSEStd < 0 || r.Stage == "" {
			t.Errorf("%s: seeds %v std %g", r.Student, r.TestPerSeed, r.TestMSEStd)
		}
		if r.Student == "conv" && r.Normalised > 1e-3 {
			t.Errorf("full conv student: normalised MSE %g, want ~0", r.Normalised)
		}
		if r.Student != "conv" && (r.Normalised <= 1e-3 || r.Normalised >= 1) {
			t.Errorf("%s: normalised MSE %g outside (0, 1)", r.Student, r.Normalised)
		}
	}
	if rank := d.Rankings["16x6x6@redundancy=0.5"]; len(rank) != 5 || rank[0] != "conv" || rank[4] != "pwconv" {
		t.Errorf("ranking %v: want conv first and pwconv last", rank)
	}
}

// TestFitCommandRealData writes a teacher (.safetensors) and features
// (.npy) and fits on them.
func TestFitCommandRealData(t *testing.T) {
	dir := t.TempDir()
	c := 8
	st := tensorio.NewState()
	w := fit.RandomTeacher(c, 5)
	if err := st.Add("layer1.0.conv2.weight", &tensorio.Tensor{Shape: []int{c, c, 3, 3}, Data: w}); err != nil {
		t.Fatal(err)
	}
	if err := st.Add("bad", &tensorio.Tensor{Shape: []int{c, c, 1, 1}, Data: make([]float32, c*c)}); err != nil {
		t.Fatal(err)
	}
	wpath := filepath.Join(dir, "teacher.safetensors")
	if err := tensorio.WriteSafetensors(wpath, st); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 12*c*5*5)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	xpath := filepath.Join(dir, "x.npy")
	if err := tensorio.WriteNPYFile(xpath, &tensorio.Tensor{Shape: []int{12, c, 5, 5}, Data: x}); err != nil {
		t.Fatal(err)
	}
	out, errText, code := run(t, "fit", "--teacher", wpath+":layer1.0.conv2.weight", "--features", xpath, "--seeds", "3", "--format", "json", "--threads", "1", "--students", "pconv,gconv:4,dwconv,pwconv,conv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errText)
	}
	var d fitJSON
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Rows) != 5 {
		t.Fatalf("%d rows", len(d.Rows))
	}
	for _, row := range d.Rows {
		if row.Stage != "features" || (row.Student == "conv" && row.Normalised > 1e-3) {
			t.Errorf("row %+v", row)
		}
	}
	small := filepath.Join(dir, "small.npy")
	if err := tensorio.WriteNPYFile(small, &tensorio.Tensor{Shape: []int{2, c, 5, 5}, Data: x[:2*c*25]}); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "x4.npy")
	if err := tensorio.WriteNPYFile(other, &tensorio.Tensor{Shape: []int{3, 4, 5, 5}, Data: x[:3*4*25]}); err != nil {
		t.Fatal(err)
	}
	for _, cse := range []struct {
		args []string
		want string
	}{
		{[]string{"--teacher", wpath + ":nope"}, `no tensor "nope"`},
		{[]string{"--teacher", wpath + ":bad"}, "expected a 3x3 conv weight"},
		{[]string{"--teacher", wpath}, "expected FILE:KEY"},
		{[]string{"--teacher", filepath.Join(dir, "missing.pth") + ":k"}, "missing.pth"},
		{[]string{"--features", filepath.Join(dir, "missing.npy")}, "missing.npy"},
		{[]string{"--features", small}, "N >= 3 images"},
		{[]string{"--features", other, "--teacher", wpath + ":layer1.0.conv2.weight"}, "has 8 channels"},
	} {
		_, errText, code := run(t, append([]string{"fit", "--seeds", "1"}, cse.args...)...)
		if code == 0 || !strings.Contains(errText, cse.want) || strings.Contains(errText, "\n") {
			t.Errorf("%v: exit %d, %q; want an error mentioning %q", cse.args, code, errText, cse.want)
		}
	}
}

func TestFitBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"fit", "--stages", "5"}, "--stages"},
		{[]string{"fit", "--stages", "abc"}, "--stages"},
		{[]string{"fit", "--students", "winograd"}, "--students"},
		{[]string{"fit", "--students", "gconv:5", "--stages", "16x4x4"}, "does not fit"},
		{[]string{"fit", "--seeds", "0"}, "--seeds"},
		{[]string{"fit", "--redundancy", "1.5"}, "--redundancy"},
		{[]string{"fit", "--format", "yaml"}, "--format"},
		{[]string{"fit", "--samples", "0"}, "--samples"},
	} {
		_, errText, code := run(t, c.args...)
		if code != 2 || !strings.Contains(errText, c.want) {
			t.Errorf("%v: exit %d, %q; want exit 2 mentioning %q", c.args, code, errText, c.want)
		}
	}
}
