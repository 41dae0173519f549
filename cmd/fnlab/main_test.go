package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fnlab/fnlab/tensorio"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// run executes fnlab in-process and returns stdout, the error text as main
// prints it, and the exit code.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	root := newRoot()
	var out, stderr bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	if slices.Contains(args, "json") {
		// Warnings (a busy machine) go to stderr and must not break the JSON.
		root.SetErr(&stderr)
	}
	root.SetArgs(args)
	err := root.Execute()
	if err != nil {
		return out.String(), err.Error(), exitCode(err)
	}
	if slices.Contains(args, "json") && slices.Contains(args, "--format") {
		checkSnakeKeys(t, out.String())
	}
	return out.String(), "", 0
}

var snakeKey = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// dataKeyed are the objects whose keys are data (stage shapes such as
// "16x6x6"), not field names.
var dataKeyed = map[string]bool{"$.rankings": true, "$.pixels": true, "$.fit.rankings": true, "$.fit.pixels": true}

// checkSnakeKeys fails t if a JSON document (or a JSON Lines stream) has
// an object key that is not snake_case. Every command's --format json
// output passes through it (see run).
func checkSnakeKeys(t *testing.T, text string) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(text))
	for dec.More() {
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Errorf("JSON output does not parse: %v", err)
			return
		}
		var walk func(path string, v any)
		walk = func(path string, v any) {
			switch x := v.(type) {
			case map[string]any:
				for k, c := range x {
					if !snakeKey.MatchString(k) && !dataKeyed[path] {
						t.Errorf("JSON key %q at %s is not snake_case", k, path)
					}
					walk(path+"."+k, c)
				}
			case []any:
				for i, c := range x {
					walk(fmt.Sprintf("%s[%d]", path, i), c)
				}
			}
		}
		walk("$", v)
	}
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
		{[]string{"analyze", "t0", "--batch", "-3"}, 2, `--batch -3: expected a batch size from 1 to 4096`},
		{[]string{"analyze", "t0", "--batch", "0"}, 2, `--batch 0: expected a batch size from 1 to 4096`},
		{[]string{"analyze", "t0", "--batch", "5000"}, 2, `--batch 5000: expected a batch size from 1 to 4096`},
		// A bad --set or --input value is a bad invocation (2), like any flag.
		{[]string{"analyze", "t0", "--input", "3x10x10"}, 2, `--input 3x10x10: input 10x10 is too small for fasternet_t0: patch embedding (4/4) and 3 merges (2/2) need at least 32x32`},
		{[]string{"analyze", "t0", "--input", "3x64x"}, 2, `--input "3x64x": expected CxHxW or HxW`},
		{[]string{"analyze", "t0", "--input", "3x20000x64"}, 2, `--input "3x20000x64": height must be from 1 to 16384`},
		{[]string{"analyze", "t0", "--set", "mixer=mlp"}, 2, `--set mixer: mixer: expected one of pconv, conv, dwconv, gconv, found "mlp"`},
		{[]string{"analyze", "t0", "--set", "foo"}, 2, `--set "foo": expected key=value`},
		{[]string{"analyze", "t0", "--set", "nokey=3"}, 2, `--set: nokey: unknown key`},
		{[]string{"nosuch"}, 2, `unknown command "nosuch"`},
		{[]string{"analyze", "t0", "--style", "torch"}, 2, `--style "torch": expected fnlab or fvcore`},
		{[]string{"analyze", "t0", "--diff", "nosuch.yaml"}, 1, `spec nosuch.yaml: no such file or directory`},
		{[]string{"analyze", "t0", "--frobnicate"}, 2, `unknown flag: --frobnicate`},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate" for "fnlab"`},
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
		{[]string{"infer", "t0", "--input", small, "--output", filepath.Join(dir, "y.npy")}, "small.npy: shape [1 3 16 16]: input 16x16 is too small for fasternet_t0"},
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

// TestInputAndBatchCombine: --input and --batch combine in any order, with
// --set, whatever form the spec's own input key has.
func TestInputAndBatchCombine(t *testing.T) {
	dir := t.TempDir()
	scalar := filepath.Join(dir, "scalar.yaml")
	os.WriteFile(scalar, []byte("extends: t2\ninput: 3x128x128\n"), 0o644)
	for _, args := range [][]string{
		{"analyze", "t2", "--input", "3x92x76", "--batch", "2", "--format", "json"},
		{"analyze", "t2", "--batch", "2", "--input", "3x92x76", "--format", "json"},
		{"analyze", scalar, "--batch", "2", "--input", "92x76", "--format", "json"},
		{"analyze", "t2", "--set", "input.batch=5", "--batch", "2", "--input", "3x92x76", "--format", "json"},
	} {
		out, errText, code := run(t, args...)
		if code != 0 {
			t.Errorf("%v: exit %d %s", args, code, errText)
			continue
		}
		var doc struct {
			Input []int `json:"input"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(doc.Input) != "[2 3 92 76]" {
			t.Errorf("%v: input %v, want [2 3 92 76]", args, doc.Input)
		}
	}
}

// TestHelpValueNames: flag value names in --help are words, not command
// fragments that cobra lifted from backticks in a usage string.
func TestHelpValueNames(t *testing.T) {
	out, _, _ := run(t, "search", "--help")
	if !strings.Contains(out, "--lut FILE") || strings.Contains(out, "--lut fnlab") {
		t.Errorf("search --help shows --lut as:\n%s", out)
	}
}

// TestJSONOfTheRest runs the commands no other test runs with --format json,
// so that run checks their keys too.
func TestJSONOfTheRest(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"specs", "--format", "json"},
		{"infer", "t0", "--input", "../../testdata/golden/tiny_input.npy", "--output", filepath.Join(dir, "y.npy"), "--set", "embed_dim=16",
			"--set", "depths=[1,2,1,1]", "--set", "feature_dim=32", "--set", "num_classes=10", "--format", "json"},
		{"infer", "t0", "--input", "../../testdata/golden/tiny_input.npy", "--output", filepath.Join(dir, "f.npy"), "--set", "embed_dim=16",
			"--set", "depths=[1,2,1,1]", "--set", "fork_feat=true", "--format", "json"},
	} {
		if _, errText, code := run(t, args...); code != 0 {
			t.Errorf("%v: exit %d %s", args, code, errText)
		}
	}
}

// checkClose compares two .npy files within 1e-4 of the reference's magnitude.
func checkClose(t *testing.T, what, gotPath, wantPath string) {
	t.Helper()
	got, err := tensorio.ReadNPYFile(gotPath)
	if err != nil {
		t.Fatal(err)
	}
	want, err := tensorio.ReadNPYFile(wantPath)
	if err != nil {
		t.Fatal(err)
	}
	var d, m float64
	for i := range want.Data {
		d = max(d, math.Abs(float64(got.Data[i]-want.Data[i])))
		m = max(m, math.Abs(float64(want.Data[i])))
	}
	if len(got.Data) != len(want.Data) || d > 1e-4*m {
		t.Errorf("%s: %d values, max error %.2e of %.2e", what, len(got.Data), d, m)
	}
}

// TestInferSpecFromWeights: without --set, infer reads the spec's keys from
// the checkpoint's shapes (every golden model) and reproduces PyTorch's
// outputs. The activation leaves no trace in a state dict: the ReLU model
// runs on t2, whose activation is ReLU.
func TestInferSpecFromWeights(t *testing.T) {
	dir := t.TempDir()
	const g = "../../testdata/golden/"
	for _, c := range []struct{ model, input, want string }{
		{"tiny_pconv.pth", "tiny_input.npy", "tiny_pconv_logits.npy"},
		{"tiny_conv.safetensors", "tiny_input.npy", "tiny_conv_logits.npy"},
		{"tiny_dwconv.safetensors", "tiny_input.npy", "tiny_dwconv_logits.npy"},
		{"tiny_gconv.pth", "tiny_input.npy", "tiny_gconv_logits.npy"},
		{"tiny_features.safetensors", "tiny_input.npy", "tiny_features_out3.npy"},
	} {
		out := filepath.Join(dir, c.model+".npy")
		stdout, errText, code := run(t, "infer", "t0", "--weights", g+c.model, "--input", g+c.input, "--output", out, "--format", "json")
		if code != 0 {
			t.Fatalf("%s: exit %d %s", c.model, code, errText)
		}
		if !strings.Contains(stdout, `"sets_from_weights": [`) {
			t.Errorf("no sets_from_weights in %s", stdout)
		}
		if strings.Contains(c.want, "_out3") {
			out = strings.TrimSuffix(out, ".npy") + "_out3.npy"
		}
		checkClose(t, c.model, out, g+c.want)
	}
	// With a batch-2 ReLU model on t2 (ReLU, like the checkpoint).
	out := filepath.Join(dir, "r.npy")
	if _, errText, code := run(t, "infer", "t2", "--weights", g+"tiny_relu_batch2.pth", "--input", g+"tiny_batch2_input.npy", "--output", out); code != 0 {
		t.Fatal(errText)
	}
	checkClose(t, "relu batch 2", out, g+"tiny_relu_batch2_logits.npy")
	// A checkpoint that does not fit a spec given with --set says what would fit.
	_, errText, _ := run(t, "infer", "t0", "--set", "n_div=4", "--weights", g+"tiny_pconv.pth", "--input", g+"tiny_input.npy", "--output", out)
	if !strings.Contains(errText, "the weights' shapes say embed_dim 16 (the spec has 40), depths [1,2,1,1] (the spec has [1,2,8,2])") {
		t.Errorf("mismatch error: %s", errText)
	}
}

// TestInterruptSaysHowToResume runs fnlab as a process (this test binary,
// re-executed as main), interrupts a lut build with SIGINT, and checks that
// it says what was saved and the command that continues it, exits 130, and
// that the command it names finishes the table.
func TestInterruptSaysHowToResume(t *testing.T) {
	dir := t.TempDir()
	tab := filepath.Join(dir, "t.lut.json")
	args := []string{"lut", "build", "../../search/testdata/tiny.yaml", "--runs", "40", "--warmup", "0", "--out", tab}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "FNLAB_AS_MAIN=1") // see TestMain
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once the progress file holds a model.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, _ := os.ReadFile(tab + ".partial"); bytes.Count(b, []byte("\n")) >= 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Skipf("the build finished before the interrupt (%v): %s", err, stderr.String())
	}
	msg := stderr.String()
	want := "continue with: fnlab lut build ../../search/testdata/tiny.yaml --out " + tab + " --runs 40 --warmup 0 --resume"
	if !strings.Contains(msg, "fnlab: interrupted: ") || !strings.Contains(msg, "models are measured and saved") || !strings.Contains(msg, want) {
		t.Fatalf("interrupt message %q, want it to contain %q", msg, want)
	}
	if _, errText, code := run(t, append(args, "--resume")...); code != 0 {
		t.Fatalf("the resume command: exit %d %s", code, errText)
	}
}
