package engine_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/engine"
	"github.com/fnlab/fnlab/kernels"
)

// refOps runs an operator stack with kernels.RefConv2d in NCHW.
func refOps(t *testing.T, g *arch.Graph, w engine.Weights, x []float32) []float32 {
	t.Helper()
	in := g.Shape(g.Input)
	n, c, h, wd := in[0], in[1], in[2], in[3]
	hw := h * wd
	for _, l := range g.Layers {
		if l.Op != arch.OpConv {
			continue
		}
		wt := w[l.Name+".weight"].Data
		if l.InC == c {
			x, _, _ = kernels.RefConv2d(n, c, h, wd, x, wt, l.OutC, l.KH, l.KW, l.Stride, l.Pad, l.Groups)
			continue
		}
		// Partial conv: the first InC channels, the rest copied.
		cp := l.InC
		part := make([]float32, n*cp*hw)
		for im := 0; im < n; im++ {
			copy(part[im*cp*hw:(im+1)*cp*hw], x[im*c*hw:im*c*hw+cp*hw])
		}
		y, _, _ := kernels.RefConv2d(n, cp, h, wd, part, wt, cp, 3, 3, 1, 1, 1)
		nx := append([]float32(nil), x...)
		for im := 0; im < n; im++ {
			copy(nx[im*c*hw:im*c*hw+cp*hw], y[im*cp*hw:(im+1)*cp*hw])
		}
		x = nx
	}
	return x
}

func TestBuildOpsMatchesReference(t *testing.T) {
	type tc struct {
		op      string
		fwd     arch.Forward
		c, h, w int
		layers  int
		batch   int
		threads int
	}
	var cases []tc
	for _, op := range arch.OpNames {
		cases = append(cases, tc{op, arch.SplitCat, 32, 9, 7, 3, 2, 2})
		if strings.HasPrefix(op, "pconv") {
			cases = append(cases, tc{op, arch.Slicing, 32, 9, 7, 3, 2, 2}, tc{op, arch.Slicing, 48, 5, 11, 2, 1, 1})
		}
	}
	cases = append(cases, tc{"conv", arch.SplitCat, 16, 30, 30, 2, 1, 3}, tc{"dwconv+pwconv", arch.SplitCat, 40, 6, 6, 4, 1, 1})
	// Weights over 1 MB on small maps: convs split by output channels.
	cases = append(cases, tc{"conv", arch.SplitCat, 192, 7, 5, 2, 2, 2},
		tc{"pconv", arch.SplitCat, 704, 5, 3, 2, 1, 2}, tc{"pconv", arch.Slicing, 704, 5, 3, 2, 1, 2},
		tc{"gconv", arch.SplitCat, 768, 5, 3, 2, 2, 2}) // grouped: split by rows
	for _, c := range cases {
		name := c.op + "/" + string(c.fwd)
		t.Run(name, func(t *testing.T) {
			g, err := arch.CompileOps(arch.OpStack{Op: c.op, Channels: c.c, Height: c.h, Width: c.w, Layers: c.layers, Batch: c.batch, Forward: c.fwd})
			if err != nil {
				t.Fatal(err)
			}
			w := engine.RandomWeights(g, 7)
			p, err := engine.BuildOps(g, w, engine.Options{Threads: c.threads})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			r := rand.New(rand.NewPCG(1, 2))
			x := make([]float32, g.Shape(g.Input).Numel())
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			if err := p.Forward(x); err != nil {
				t.Fatal(err)
			}
			want := refOps(t, g, w, append([]float32(nil), x...))
			got := p.Outputs[0].Data
			var maxErr, maxRef float64
			for i := range want {
				maxErr = math.Max(maxErr, math.Abs(float64(got[i]-want[i])))
				maxRef = math.Max(maxRef, math.Abs(float64(want[i])))
			}
			if maxErr > 1e-4*math.Max(1, maxRef) {
				t.Fatalf("max |engine - reference| = %g (reference scale %g)", maxErr, maxRef)
			}
			if a := testing.AllocsPerRun(2, func() { p.Forward(x) }); a != 0 {
				t.Errorf("Forward allocates %.0f times per call", a)
			}
			ops := 0
			for _, s := range p.Steps {
				if s.Kind != engine.KindLayout {
					ops++
				}
			}
			want2 := c.layers
			if strings.Contains(c.op, "+") {
				want2 *= 2
			}
			if ops != want2 {
				t.Errorf("%d operator steps, want %d", ops, want2)
			}
		})
	}
}

func TestBuildOpsRejects(t *testing.T) {
	g, err := arch.CompileOps(arch.OpStack{Op: "conv", Channels: 8, Height: 4, Width: 4, Layers: 1})
	if err != nil {
		t.Fatal(err)
	}
	w := engine.RandomWeights(g, 1)
	delete(w, g.Params()[0].Name)
	if _, err := engine.BuildOps(g, w, engine.Options{Threads: 1}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing weight: got %v", err)
	}
	s, _ := arch.Load("t0", []string{"depths=[1,1,1,1]"})
	fg, _ := arch.Compile(s)
	if _, err := engine.BuildOps(fg, engine.RandomWeights(fg, 1), engine.Options{Threads: 1}); err == nil {
		t.Fatal("a FasterNet graph is not an operator stack: want an error")
	}
}
