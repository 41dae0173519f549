package onnx_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/engine"
	"github.com/fnlab/fnlab/onnx"
	"github.com/fnlab/fnlab/tensorio"
)

const golden = "../testdata/golden"

type manifestEntry struct {
	Config     map[string]any `json:"config"`
	InputShape []int          `json:"input_shape"`
}

func manifest(t testing.TB) map[string]manifestEntry {
	data, err := os.ReadFile(filepath.Join(golden, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]manifestEntry
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func num(v any) string { b, _ := json.Marshal(v); return string(b) }

// goldenSets are the spec overrides (on t0) of a golden model's config.
func goldenSets(m manifestEntry) []string {
	c, in := m.Config, m.InputShape
	sets := []string{
		"depths=" + num(c["depths"]), "embed_dim=" + num(c["embed_dim"]), "mlp_ratio=" + num(c["mlp_ratio"]),
		"n_div=" + num(c["n_div"]), "feature_dim=" + num(c["feature_dim"]), "num_classes=" + num(c["num_classes"]),
		"act_layer=" + c["act"].(string),
		fmt.Sprintf("input={batch: %d, channels: %d, height: %d, width: %d}", in[0], in[1], in[2], in[3]),
	}
	for _, k := range []string{"mixer", "groups"} {
		if v, ok := c[k]; ok {
			sets = append(sets, k+"="+strings.Trim(num(v), `"`))
		}
	}
	if v, ok := c["fork_feat"]; ok && v.(bool) {
		sets = append(sets, "fork_feat=true")
	}
	return sets
}

func compile(t testing.TB, ref string, sets ...string) *arch.Graph {
	t.Helper()
	s, err := arch.Load(ref, sets)
	if err != nil {
		t.Fatal(err)
	}
	g, err := arch.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// relErr is max|got-want| / max|want|.
func relErr(got []float32, want []float32) float64 {
	var d, m float64
	for i := range want {
		d = math.Max(d, math.Abs(float64(got[i])-float64(want[i])))
		m = math.Max(m, math.Abs(float64(want[i])))
	}
	return d / m
}

func export(t testing.TB, g *arch.Graph, w engine.Weights, opt onnx.Options) *onnx.Model {
	t.Helper()
	m, err := onnx.Export(g, w, opt)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func save(t testing.TB, dir, name string, m *onnx.Model) string {
	t.Helper()
	path := filepath.Join(dir, name+".onnx")
	if err := onnx.WriteFile(path, m, false); err != nil {
		t.Fatal(err)
	}
	return path
}

// engineOutputs runs g on x with fnlab's engine.
func engineOutputs(t testing.TB, g *arch.Graph, w engine.Weights, x []float32) []engine.Output {
	t.Helper()
	p, err := engine.Build(g, w, engine.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	if err := p.Forward(x); err != nil {
		t.Fatal(err)
	}
	return p.Outputs
}

func seededInput(g *arch.Graph) *tensorio.Tensor {
	sh := g.Shape(g.Input)
	x := &tensorio.Tensor{Shape: append([]int(nil), sh...), Data: make([]float32, sh.Numel())}
	for i := range x.Data {
		x.Data[i] = float32(math.Sin(float64(i)*0.37)) * 1.5
	}
	return x
}

// variants are the export options every model is checked under.
var variants = []struct {
	name string
	opt  onnx.Options
}{
	{"default", onnx.Options{}},
	{"keep_bn", onnx.Options{KeepBN: true}},
	{"opset20", onnx.Options{Opset: 20}},
	{"batch_fixed", onnx.Options{Batch: -1}}, // -1: the graph's own batch, fixed
}

func withBatch(opt onnx.Options, g *arch.Graph) onnx.Options {
	if opt.Batch == -1 {
		opt.Batch = g.Shape(g.Input)[0]
	}
	return opt
}

// specCases are models beyond the golden set, checked against the engine
// (which the golden tests tie to PyTorch).
var specCases = []struct {
	name string
	ref  string
	sets []string
}{
	{"pconv", "t0", nil},
	{"slicing", "t0_slicing", nil},
	{"layer_scale", "t0", []string{"layer_scale_init_value=0.5"}},
	{"relu_no_patch_norm", "t0", []string{"act_layer=RELU", "patch_norm=false"}},
	{"no_classes", "t0", []string{"num_classes=0"}},
	{"fork_feat", "t0", []string{"fork_feat=true"}},
	{"per_stage", "t0", []string{"stages.1.mixer=dwconv", "stages.2.mixer=gconv", "stages.2.groups=4", "stages.3.n_div=2"}},
}

func smallSets(sets []string) []string {
	return append([]string{"embed_dim=16", "depths=[1,2,1,1]", "feature_dim=64", "num_classes=10",
		"input={batch: 2, channels: 3, height: 32, width: 48}"}, sets...)
}

// TestInterpretedMatchesEngine runs exported models in a naive float64
// interpreter of the ONNX operators and compares them with the engine: the
// check of the export's semantics that needs no ONNX Runtime.
func TestInterpretedMatchesEngine(t *testing.T) {
	for _, c := range specCases {
		g := compile(t, c.ref, smallSets(c.sets)...)
		w := engine.RandomWeights(g, 7)
		x := seededInput(g)
		want := engineOutputs(t, g, w, x.Data)
		for _, v := range variants {
			t.Run(c.name+"/"+v.name, func(t *testing.T) {
				m := export(t, g, w, withBatch(v.opt, g))
				xin := &tensor{shape: x.Shape, data: make([]float64, len(x.Data))}
				for i, f := range x.Data {
					xin.data[i] = float64(f)
				}
				got, err := interpret(m.Proto, xin)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Fatalf("%d outputs, engine %d", len(got), len(want))
				}
				for i := range want {
					g32 := make([]float32, len(got[i].data))
					for k, f := range got[i].data {
						g32[k] = float32(f)
					}
					if fmt.Sprint(got[i].shape) != fmt.Sprint([]int(want[i].Shape)) {
						t.Fatalf("output %d shape %v, engine %v", i, got[i].shape, want[i].Shape)
					}
					if e := relErr(g32, want[i].Data); e > 1e-4 || math.IsNaN(e) {
						t.Errorf("output %d: max error %.2e of the output's magnitude", i, e)
					}
				}
			})
		}
	}
}

// TestOpStacksInterpreted checks the paper's Table 1 operator stacks.
func TestOpStacksInterpreted(t *testing.T) {
	for _, op := range []string{"conv", "gconv", "dwconv", "pconv", "pconv+pwconv"} {
		for _, fw := range []arch.Forward{arch.SplitCat, arch.Slicing} {
			if fw == arch.Slicing && !strings.HasPrefix(op, "pconv") {
				continue
			}
			g, err := arch.CompileOps(arch.OpStack{Op: op, Channels: 32, Height: 9, Width: 7, Layers: 3, Groups: 4, Forward: fw})
			if err != nil {
				t.Fatal(err)
			}
			w := engine.RandomWeights(g, 3)
			x := seededInput(g)
			p, err := engine.BuildOps(g, w, engine.Options{Threads: 1})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Forward(x.Data); err != nil {
				t.Fatal(err)
			}
			want := p.Outputs[0].Data
			m := export(t, g, w, onnx.Options{})
			xin := &tensor{shape: x.Shape, data: make([]float64, len(x.Data))}
			for i, f := range x.Data {
				xin.data[i] = float64(f)
			}
			got, err := interpret(m.Proto, xin)
			p.Close()
			if err != nil {
				t.Fatal(err)
			}
			g32 := make([]float32, len(got[0].data))
			for k, f := range got[0].data {
				g32[k] = float32(f)
			}
			if e := relErr(g32, want); e > 1e-4 {
				t.Errorf("%s %s: max error %.2e", op, fw, e)
			}
		}
	}
}
