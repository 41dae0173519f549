package engine_test

import (
	"fmt"
	"testing"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/engine"
)

func buildPreset(tb testing.TB, ref string, threads int) (*engine.Program, int64) {
	s, err := arch.Load(ref, nil)
	if err != nil {
		tb.Fatal(err)
	}
	g, err := arch.Compile(s)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := engine.Build(g, engine.RandomWeights(g, 1), engine.Options{Threads: threads})
	if err != nil {
		tb.Fatal(err)
	}
	return p, analyze.Count(g, analyze.BNFused).Totals.MACs
}

// BenchmarkForward times one batch-1 224x224 forward pass of T0 with each
// mixer, reporting achieved GFLOPS (2 x MACs / time).
func BenchmarkForward(b *testing.B) {
	for _, ref := range []string{"t0", "t0_conv", "t0_dwconv", "t0_gconv", "t0_slicing"} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", ref, threads), func(b *testing.B) {
				p, macs := buildPreset(b, ref, threads)
				defer p.Close()
				in := make([]float32, 3*224*224)
				for i := range in {
					in[i] = float32(i%17) / 17
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := p.Forward(in); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(2*float64(macs)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
			})
		}
	}
}

func TestForwardDoesNotAllocate(t *testing.T) {
	p, _ := buildPreset(t, "t0", 2)
	defer p.Close()
	in := make([]float32, 3*224*224)
	allocs := testing.AllocsPerRun(5, func() {
		if err := p.Forward(in); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Forward allocates %.0f times per call", allocs)
	}
}
