package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnlab/fnlab/tensorio"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// run executes fnlab in-process and returns stdout, the error text as main
// prints it, and the exit code.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	if err != nil {
		return out.String(), err.Error(), exitCode(err)
	}
	return out.String(), "", 0
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test -update and review the diff):\n%s", p, got)
	}
}

func TestGoldenOutputs(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"analyze_t0", []string{"analyze", "t0"}},
		{"analyze_seed_fvcore", []string{"analyze", "t2", "--set", "depths=[1,1,1,1]", "--input", "3x256x256", "--bn", "train", "--style", "fvcore"}},
		{"analyze_seed_conv_fvcore", []string{"analyze", "t2", "--set", "depths=[1,1,1,1]", "--input", "3x256x256", "--bn", "train", "--style", "fvcore", "--set", "mixer=conv"}},
		{"analyze_diff", []string{"analyze", "t0", "--diff", "t0_dwconv", "--set", "depths=[1,1,1,1]"}},
		{"analyze_csv", []string{"analyze", "t0", "--set", "depths=[1,0,0,1]", "--input", "64x64", "--format", "csv"}},
		{"specs", []string{"specs"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errText, code := run(t, c.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errText)
			}
			golden(t, c.name, out)
		})
	}
}

func TestAnalyzeJSON(t *testing.T) {
	out, errText, code := run(t, "analyze", "t0", "--format", "json")
	if code != 0 {
		t.Fatal(errText)
	}
	var doc struct {
		Totals map[string]float64 `json:"totals"`
		Layers []map[string]any   `json:"layers"`
		Mods   []map[string]any   `json:"modules"`
		Input  []int              `json:"input"`
		Other  map[string]any     `json:"-"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Totals["macs"] != 335422720 || doc.Totals["fvcore_flops"] != 338041280 || doc.Totals["params"] != 3905500 {
		t.Errorf("totals %v", doc.Totals)
	}
	for _, k := range []string{"name", "op", "out_shape", "params", "macs", "flops", "fvcore_flops", "activations", "bytes_read", "bytes_written"} {
		if _, ok := doc.Layers[0][k]; !ok {
			t.Errorf("layer field %q missing", k)
		}
		if _, ok := doc.Totals[k]; !ok && k != "name" && k != "op" && k != "out_shape" {
			t.Errorf("totals field %q missing", k)
		}
	}
}

func TestUserErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("extends: t0\nn_div: 0\n"), 0o644)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"analyze"}, 2, "fnlab analyze: expected SPEC, got 0 argument(s)"},
		{[]string{"analyze", "t9"}, 1, `spec "t9": not a preset`},
		{[]string{"analyze", bad}, 1, "bad.yaml:2: n_div: expected an integer from 1 to 65536, found 0"},
		{[]string{"analyze", "t0", "--format", "xml"}, 2, `--format "xml": expected table, json, csv`},
		{[]string{"analyze", "t0", "--bn", "frozen"}, 2, `--bn "frozen": expected train, eval or fused`},
		{[]string{"analyze", "t0", "--batch", "x"}, 2, `invalid argument "x" for "--batch" flag`},
		{[]string{"analyze", "t0", "--batch", "-3"}, 2, `--batch -3: expected a positive batch size`},
		// A bad --set or --input value is a bad invocation (2), like any flag.
		{[]string{"analyze", "t0", "--input", "3x10x10"}, 2, `--input 3x10x10: input.height: 10 is too small`},
		{[]string{"analyze", "t0", "--set", "mixer=mlp"}, 2, `--set mixer: mixer: expected one of pconv, conv, dwconv, gconv, found "mlp"`},
		{[]string{"analyze", "t0", "--set", "foo"}, 2, `--set "foo": expected key=value`},
		{[]string{"analyze", "t0", "--set", "nokey=3"}, 2, `--set: nokey: unknown key`},
		{[]string{"nosuch"}, 2, `unknown command "nosuch"`},
		{[]string{"analyze", "t0", "--style", "torch"}, 2, `--style "torch": expected fnlab or fvcore`},
		{[]string{"analyze", "t0", "--diff", "nosuch.yaml"}, 1, `spec nosuch.yaml: no such file or directory`},
		{[]string{"analyze", "t0", "--frobnicate"}, 2, `unknown flag: --frobnicate`},
	}
	for _, c := range cases {
		_, errText, code := run(t, c.args...)
		if code != c.code || !strings.Contains(errText, c.want) {
			t.Errorf("fnlab %s: exit %d %q, want exit %d containing %q", strings.Join(c.args, " "), code, errText, c.code, c.want)
		}
		if strings.Contains(errText, "\n") {
			t.Errorf("fnlab %s: multi-line error %q", strings.Join(c.args, " "), errText)
		}
	}
}

// tinySets are the --set overrides of the golden tiny models (see testdata/golden/manifest.json).
var tinySets = []string{"--set", "embed_dim=16", "--set", "depths=[1,2,1,1]", "--set", "feature_dim=32", "--set", "num_classes=10"}

func TestInferGolden(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "y.npy")
	args := append([]string{"infer", "t0", "--weights", "../../testdata/golden/tiny_pconv.pth", "--input", "../../testdata/golden/tiny_input.npy",
		"--output", out, "--format", "json"}, tinySets...)
	stdout, errText, code := run(t, args...)
	if code != 0 {
		t.Fatal(errText)
	}
	if !strings.Contains(stdout, `"shape": [`) {
		t.Errorf("json output: %s", stdout)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile("../../testdata/golden/tiny_pconv_logits.npy")
	if len(got) != len(want) {
		t.Fatalf("output file %d bytes, reference %d", len(got), len(want))
	}
	// Detection model: one file per feature map.
	args = append([]string{"infer", "t0", "--weights", "../../testdata/golden/tiny_features.safetensors", "--input", "../../testdata/golden/tiny_input.npy",
		"--output", filepath.Join(dir, "f.npy"), "--set", "fork_feat=true"}, tinySets...)
	if _, errText, code := run(t, args...); code != 0 {
		t.Fatal(errText)
	}
	for i := 0; i < 4; i++ {
		if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("f_out%d.npy", i))); err != nil {
			t.Error(err)
		}
	}
}

func TestInferErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.npy")
	os.WriteFile(junk, []byte("not a numpy file"), 0o644)
	in := "../../testdata/golden/tiny_input.npy"
	small := filepath.Join(dir, "small.npy")
	if err := tensorio.WriteNPYFile(small, &tensorio.Tensor{Shape: []int{1, 3, 16, 16}, Data: make([]float32, 3*16*16)}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"infer", "t0", "--input", junk, "--output", filepath.Join(dir, "y.npy")}, "junk.npy"},
		{[]string{"infer", "t0", "--output", "y.npy"}, "--input X.npy and --output Y.npy are required"},
		{append([]string{"infer", "t0", "--weights", "../../testdata/golden/tiny_conv.safetensors", "--input", in, "--output", filepath.Join(dir, "y.npy")}, tinySets...),
			"weights do not fit model"},
		{[]string{"infer", "t0", "--input", "../../testdata/golden/tiny_pconv_logits.npy", "--output", filepath.Join(dir, "y.npy")}, "shape [1 10]: expected an NCHW (or CHW) image tensor"},
		{[]string{"infer", "t0", "--input", small, "--output", filepath.Join(dir, "y.npy")}, "input.height: 16 is too small"},
		{[]string{"infer", "t0", "--weights", "nope.pth", "--input", in, "--output", filepath.Join(dir, "y.npy")}, "nope.pth"},
	}
	for _, c := range cases {
		_, errText, code := run(t, c.args...)
		if code == 0 || !strings.Contains(errText, c.want) || strings.Contains(errText, "\n") {
			t.Errorf("fnlab %s: exit %d %q, want an error containing %q", strings.Join(c.args, " "), code, errText, c.want)
		}
	}
}

func TestBenchJSON(t *testing.T) {
	args := append([]string{"bench", "t0", "--runs", "3", "--warmup", "1", "--per-layer", "--format", "json", "--input", "3x64x64"}, tinySets...)
	out, errText, code := run(t, args...)
	if code != 0 {
		t.Fatal(errText)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"median_ms", "p10_ms", "p90_ms", "min_ms", "images_per_s", "gflops", "threads", "batch", "machine", "layers"} {
		if _, ok := r[k]; !ok {
			t.Errorf("bench json lacks %q", k)
		}
	}
	if r["median_ms"].(float64) <= 0 || r["gflops"].(float64) <= 0 {
		t.Errorf("bench json %v", r)
	}
	if _, errText, code := run(t, "bench", "t0", "--runs", "0"); code != 2 || !strings.Contains(errText, "--runs 0") {
		t.Errorf("--runs 0: exit %d %q", code, errText)
	}
}
