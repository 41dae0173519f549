package analyze

import (
	"math"
	"testing"
	"time"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/engine"
)

func TestRooflineAttainable(t *testing.T) {
	r := Roofline{PeakGFLOPS: 100, BandwidthGBs: 20}
	for _, c := range []struct{ i, want float64 }{{0.5, 10}, {5, 100}, {10, 100}, {0, 0}} {
		if got := r.Attainable(c.i); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Attainable(%g) = %g, want %g", c.i, got, c.want)
		}
	}
}

func TestMeasureRooflineSane(t *testing.T) {
	if testing.Short() {
		t.Skip("measures the machine")
	}
	r := MeasureRoofline(1, 10*time.Millisecond)
	if r.PeakGFLOPS < 0.5 || r.BandwidthGBs < 0.5 || r.Ridge <= 0 || r.Threads != 1 {
		t.Fatalf("implausible roofline %+v", r)
	}
}

func TestTriad(t *testing.T) {
	for _, n := range []int{0, 1, 3, 4, 7, 9} {
		a, b, c := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range b {
			b[i], c[i] = float32(i), 2
		}
		triad(a, b, c, 0.5)
		for i := range a {
			if a[i] != float32(i)+1 {
				t.Fatalf("n=%d: a[%d] = %g", n, i, a[i])
			}
		}
	}
}

func TestTimeSteps(t *testing.T) {
	g, err := arch.CompileOps(arch.OpStack{Op: "pconv", Channels: 16, Height: 8, Width: 8, Layers: 2})
	if err != nil {
		t.Fatal(err)
	}
	p, err := engine.BuildOps(g, engine.RandomWeights(g, 1), engine.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	in := make([]float32, g.Shape(g.Input).Numel())
	tm, err := TimeSteps(p, in, TimeOptions{Warmup: 1, MinRuns: 5, MaxRuns: 7, Budget: time.Hour}, func(s *engine.Step) bool { return s.Kind != engine.KindLayout })
	if err != nil {
		t.Fatal(err)
	}
	if tm.Runs != 7 || tm.MinMS > tm.P10MS || tm.P10MS > tm.MedianMS || tm.MedianMS > tm.P90MS || tm.MinMS <= 0 {
		t.Fatalf("bad timing %+v", tm)
	}
	if _, err := TimeSteps(p, in, TimeOptions{MinRuns: 3, MaxRuns: 2}, nil); err == nil {
		t.Fatal("min > max runs: want an error")
	}
}
