package onnx_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fnlab/fnlab/engine"
	"github.com/fnlab/fnlab/onnx"
	"github.com/fnlab/fnlab/tensorio"
)

// The tests in this file run exported models in ONNX Runtime (npm's
// onnxruntime-node, installed by `npm ci` in tools/ort, as .ci/run does) and
// check them with the onnx package's checker (Debian's python3-onnx). Without
// them they skip, saying what is missing; under CI they fail instead.

const ortTools = "../tools/ort"

func need(t *testing.T, what, how string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing in CI: %s", what, how)
	}
	t.Skipf("%s not installed: %s", what, how)
}

// ortRunner returns a function running a model file on one input in ONNX
// Runtime and returning its outputs by name.
func ortRunner(t *testing.T) func(model string, x *tensorio.Tensor) map[string]*tensorio.Tensor {
	t.Helper()
	dir := ortTools
	if d := os.Getenv("FNLAB_ORT"); d != "" {
		dir = d
	}
	node, err := exec.LookPath("node")
	if err != nil {
		need(t, "node", "apt-get install nodejs")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "onnxruntime-node", "package.json")); err != nil {
		need(t, "onnxruntime-node", "cd tools/ort && ONNXRUNTIME_NODE_INSTALL=skip npm ci --ignore-scripts")
	}
	script, _ := filepath.Abs(filepath.Join(dir, "run.mjs"))
	return func(model string, x *tensorio.Tensor) map[string]*tensorio.Tensor {
		t.Helper()
		tmp := t.TempDir()
		in := filepath.Join(tmp, "input.npy")
		if err := tensorio.WriteNPYFile(in, x); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(node, script, model, in, tmp).CombinedOutput()
		if err != nil {
			t.Fatalf("onnxruntime on %s: %v\n%s", model, err, out)
		}
		var doc struct {
			Outputs []struct{ Name string } `json:"outputs"`
		}
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatalf("onnxruntime output %q: %v", out, err)
		}
		res := map[string]*tensorio.Tensor{}
		for _, o := range doc.Outputs {
			y, err := tensorio.ReadNPYFile(filepath.Join(tmp, o.Name+".npy"))
			if err != nil {
				t.Fatal(err)
			}
			res[o.Name] = y
		}
		return res
	}
}

// checkModels runs onnx.checker.check_model(full_check=True) on each file.
func checkModels(t *testing.T, paths []string) {
	t.Helper()
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		py = "python3"
	}
	if err := exec.Command(py, "-I", "-c", "import onnx").Run(); err != nil {
		need(t, "python3-onnx", "apt-get install python3-onnx")
	}
	args := append([]string{"-I", "-c", `import sys, onnx
for p in sys.argv[1:]:
    onnx.checker.check_model(onnx.load(p), full_check=True)
`}, paths...)
	if out, err := exec.Command(py, args...).CombinedOutput(); err != nil {
		t.Fatalf("onnx.checker: %v\n%s", err, out)
	}
}

// TestGoldenInORT exports every golden model (PyTorch weights) under every
// option set, runs it in ONNX Runtime and compares with PyTorch's outputs.
// The dynamic-batch exports also run at batch 2 against the engine.
func TestGoldenInORT(t *testing.T) {
	run := ortRunner(t)
	dir := t.TempDir()
	var files []string
	models := manifest(t)
	for _, name := range slices.Sorted(maps.Keys(models)) {
		m := models[name]
		g := compile(t, "t0", goldenSets(m)...)
		w, err := engine.LoadWeights(filepath.Join(golden, name+".safetensors"), g)
		if err != nil {
			t.Fatal(err)
		}
		input := "tiny_input.npy"
		if m.InputShape[0] == 2 {
			input = "tiny_batch2_input.npy"
		}
		x, err := tensorio.ReadNPYFile(filepath.Join(golden, input))
		if err != nil {
			t.Fatal(err)
		}
		var want []*tensorio.Tensor
		if g.Spec.ForkFeat {
			for i := range g.Outputs {
				want = append(want, readGolden(t, fmt.Sprintf("%s_out%d.npy", name, i)))
			}
		} else {
			want = append(want, readGolden(t, name+"_logits.npy"))
		}
		for _, v := range variants {
			opt := withBatch(v.opt, g)
			path := save(t, dir, name+"_"+v.name, export(t, g, w, opt))
			if opt.Opset < 20 {
				files = append(files, path)
			}
			got := run(path, x)
			names := outputNamesOf(t, path)
			for i, wt := range want {
				y := got[names[i]]
				if y == nil || fmt.Sprint(y.Shape) != fmt.Sprint(wt.Shape) {
					t.Fatalf("%s %s: output %s missing or mis-shaped", name, v.name, names[i])
				}
				e := relErr(y.Data, wt.Data)
				t.Logf("%-18s %-11s %-7s max |ORT - PyTorch| = %.2e of max |PyTorch|", name, v.name, names[i], e)
				if e > 1e-4 || math.IsNaN(e) {
					t.Errorf("%s %s %s: error %.2e above 1e-4", name, v.name, names[i], e)
				}
			}
		}
		if m.InputShape[0] == 1 {
			// The dynamic batch: the same file at batch 2, against the engine.
			path := filepath.Join(dir, name+"_default.onnx")
			g2 := compile(t, "t0", append(goldenSets(m), "input.batch=2")...)
			x2, err := tensorio.ReadNPYFile(filepath.Join(golden, "tiny_batch2_input.npy"))
			if err != nil {
				t.Fatal(err)
			}
			if x2.Shape[1] != x.Shape[1] || x2.Shape[2] != x.Shape[2] {
				continue
			}
			outs := engineOutputs(t, g2, w, x2.Data)
			got := run(path, x2)
			for i, name2 := range outputNamesOf(t, path) {
				e := relErr(got[name2].Data, outs[i].Data)
				t.Logf("%-18s batch 2     %-7s max |ORT - fnlab| = %.2e", name, name2, e)
				if e > 1e-4 {
					t.Errorf("%s at batch 2: %s error %.2e", name, name2, e)
				}
			}
		}
	}
	checkModels(t, files)
}

func readGolden(t *testing.T, name string) *tensorio.Tensor {
	t.Helper()
	x, err := tensorio.ReadNPYFile(filepath.Join(golden, name))
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func outputNamesOf(t *testing.T, path string) []string {
	t.Helper()
	m, err := onnx.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range m.Summary().Outputs {
		names = append(names, o.Name)
	}
	return names
}

// TestSpecsInORT runs the models beyond the golden set in ONNX Runtime
// against the engine, and checks every file with the ONNX checker.
func TestSpecsInORT(t *testing.T) {
	run := ortRunner(t)
	dir := t.TempDir()
	var files []string
	for _, c := range specCases {
		g := compile(t, c.ref, smallSets(c.sets)...)
		w := engine.RandomWeights(g, 7)
		x := seededInput(g)
		want := engineOutputs(t, g, w, x.Data)
		for _, v := range variants {
			opt := withBatch(v.opt, g)
			path := save(t, dir, c.name+"_"+v.name, export(t, g, w, opt))
			if opt.Opset < 20 {
				files = append(files, path)
			}
			got := run(path, x)
			for i, name := range outputNamesOf(t, path) {
				e := relErr(got[name].Data, want[i].Data)
				if e > 1e-4 || math.IsNaN(e) {
					t.Errorf("%s %s %s: max |ORT - fnlab| %.2e", c.name, v.name, name, e)
				}
			}
		}
	}
	checkModels(t, files)
}
