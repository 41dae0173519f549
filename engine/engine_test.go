package engine_test

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
	"github.com/fnlab/fnlab/kernels"
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

// goldenGraph compiles a golden model's config on top of t0.
func goldenGraph(t testing.TB, m manifestEntry, extra ...string) *arch.Graph {
	c := m.Config
	in := m.InputShape
	sets := []string{
		"depths=" + num(c["depths"]), "embed_dim=" + num(c["embed_dim"]), "mlp_ratio=" + num(c["mlp_ratio"]),
		"n_div=" + num(c["n_div"]), "feature_dim=" + num(c["feature_dim"]), "num_classes=" + num(c["num_classes"]),
		"act_layer=" + c["act"].(string),
		fmt.Sprintf("input={batch: %d, channels: %d, height: %d, width: %d}", in[0], in[1], in[2], in[3]),
	}
	if v, ok := c["mixer"]; ok {
		sets = append(sets, "mixer="+v.(string))
	}
	if v, ok := c["groups"]; ok {
		sets = append(sets, "groups="+num(v))
	}
	if v, ok := c["fork_feat"]; ok && v.(bool) {
		sets = append(sets, "fork_feat=true")
	}
	s, err := arch.Load("t0", append(sets, extra...))
	if err != nil {
		t.Fatal(err)
	}
	g, err := arch.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func readNPY(t testing.TB, name string) *tensorio.Tensor {
	x, err := tensorio.ReadNPYFile(filepath.Join(golden, name))
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// maxRelErr is max|got-want| / max|want|.
func maxRelErr(got, want []float32) float64 {
	var d, m float64
	for i := range want {
		d = math.Max(d, math.Abs(float64(got[i])-float64(want[i])))
		m = math.Max(m, math.Abs(float64(want[i])))
	}
	return d / m
}

func checkGoldenModel(t *testing.T, name string, m manifestEntry, ext string, threads int, extra ...string) {
	g := goldenGraph(t, m, extra...)
	w, err := engine.LoadWeights(filepath.Join(golden, name+ext), g)
	if err != nil {
		t.Fatal(err)
	}
	p, err := engine.Build(g, w, engine.Options{Threads: threads})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	input := "tiny_input.npy"
	if m.InputShape[0] == 2 {
		input = "tiny_batch2_input.npy"
	}
	x := readNPY(t, input)
	if err := p.Forward(x.Data); err != nil {
		t.Fatal(err)
	}
	var wants []string
	if strings.Contains(name, "features") {
		for i := 0; i < 4; i++ {
			wants = append(wants, fmt.Sprintf("%s_out%d.npy", name, i))
		}
	} else {
		wants = []string{name + "_logits.npy"}
	}
	if len(p.Outputs) != len(wants) {
		t.Fatalf("%d outputs, want %d", len(p.Outputs), len(wants))
	}
	for i, wf := range wants {
		want := readNPY(t, wf)
		got := p.Outputs[i]
		if fmt.Sprint(got.Shape) != fmt.Sprint(arch.Shape(want.Shape)) {
			t.Fatalf("output %d shape %v, want %v", i, got.Shape, want.Shape)
		}
		if e := maxRelErr(got.Data, want.Data); e > 1e-4 || math.IsNaN(e) {
			t.Errorf("%s: max abs error %.3g of the reference's largest magnitude (limit 1e-4)", wf, e)
		} else {
			t.Logf("%s: max error %.2g of max |ref|", wf, e)
		}
	}
}

// Every golden model, from .safetensors and from .pth, single- and
// multi-threaded, at every SIMD level this machine has.
func TestGoldenModels(t *testing.T) {
	levels := []kernels.Level{kernels.Generic}
	if kernels.BestLevel() != kernels.Generic {
		levels = append(levels, kernels.BestLevel())
	}
	defer kernels.SetLevel(kernels.BestLevel())
	for _, lv := range levels {
		if err := kernels.SetLevel(lv); err != nil {
			t.Fatal(err)
		}
		for name, m := range manifest(t) {
			for _, ext := range []string{".safetensors", ".pth"} {
				for _, threads := range []int{1, 2} {
					t.Run(fmt.Sprintf("%s/%s%s/threads%d", lv, name, ext, threads), func(t *testing.T) {
						checkGoldenModel(t, name, m, ext, threads)
					})
				}
			}
		}
	}
}

// The slicing forward gives the split_cat output (the reference's maxdiff is 0).
func TestSlicingMatchesSplitCat(t *testing.T) {
	m := manifest(t)
	for _, name := range []string{"tiny_pconv", "tiny_relu_batch2", "tiny_features"} {
		t.Run(name, func(t *testing.T) {
			checkGoldenModel(t, name, m[name], ".safetensors", 2, "pconv_fw_type=slicing")
		})
	}
}

// Wide models on small maps take other paths with several threads (MLPs,
// merges and convs split by output channels): their outputs must agree
// with one thread's, and Forward must not allocate on either.
func TestThreadsAgree(t *testing.T) {
	for _, c := range []struct {
		ref, name string
		sets      []string
	}{
		{"t0_conv", "t0_conv", nil}, {"t2", "t2", nil},
		{"t2", "t2_gconv16", []string{"mixer=gconv", "groups=16"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := arch.Load(c.ref, append([]string{"input.height=64", "input.width=64", "input.batch=2"}, c.sets...))
			if err != nil {
				t.Fatal(err)
			}
			g, err := arch.Compile(s)
			if err != nil {
				t.Fatal(err)
			}
			w := engine.RandomWeights(g, 3)
			var outs [][]float32
			for _, threads := range []int{1, 2} {
				p, err := engine.Build(g, w, engine.Options{Threads: threads})
				if err != nil {
					t.Fatal(err)
				}
				in := make([]float32, g.Shape(g.Input).Numel())
				for i := range in {
					in[i] = float32(i%23)/23 - 0.5
				}
				if err := p.Forward(in); err != nil {
					t.Fatal(err)
				}
				outs = append(outs, append([]float32(nil), p.Outputs[0].Data...))
				if a := testing.AllocsPerRun(3, func() { p.Forward(in) }); a != 0 {
					t.Errorf("%d threads: Forward allocates %.0f times per call", threads, a)
				}
				p.Close()
			}
			if e := maxRelErr(outs[1], outs[0]); e > 1e-5 {
				t.Errorf("2 threads differ from 1 by %.2g of max |out|", e)
			} else {
				t.Logf("2 threads vs 1: %.2g", e)
			}
		})
	}
}

// Programs built on one shared pool run on its workers, give the output of
// a program with its own pool, and leave the pool running when closed.
func TestSharedPool(t *testing.T) {
	s, err := arch.Load("t0", []string{"input.height=64", "input.width=64"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := arch.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	w := engine.RandomWeights(g, 5)
	in := make([]float32, g.Shape(g.Input).Numel())
	for i := range in {
		in[i] = float32(i%17)/17 - 0.5
	}
	own, err := engine.Build(g, w, engine.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	if err := own.Forward(in); err != nil {
		t.Fatal(err)
	}
	pool := kernels.NewPool(2)
	defer pool.Close()
	for round := 0; round < 2; round++ {
		p, err := engine.Build(g, w, engine.Options{Pool: pool})
		if err != nil {
			t.Fatal(err)
		}
		if p.Threads() != 2 {
			t.Errorf("round %d: %d threads, want the pool's 2", round, p.Threads())
		}
		if err := p.Forward(in); err != nil {
			t.Fatal(err)
		}
		if e := maxRelErr(p.Outputs[0].Data, own.Outputs[0].Data); e != 0 {
			t.Errorf("round %d: shared pool differs from an own pool by %.2g", round, e)
		}
		p.Close() // leaves the pool to the next round
	}
}
