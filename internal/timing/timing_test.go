package timing

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

func TestOf(t *testing.T) {
	for _, c := range []struct {
		name string
		ms   []float64
		want Timing
	}{
		{"empty", nil, Timing{}},
		{"one", []float64{2}, Timing{Runs: 1, MinMS: 2, P10MS: 2, MedianMS: 2, P90MS: 2, MeanMS: 2}},
		// numpy: percentile([4,1,3,2], [10,50,90]) = 1.3, 2.5, 3.7; std(ddof=1) = sqrt(5/3)
		{"even", []float64{4, 1, 3, 2}, Timing{Runs: 4, MinMS: 1, P10MS: 1.3, MedianMS: 2.5, P90MS: 3.7, MeanMS: 2.5, StdMS: math.Sqrt(5.0 / 3)}},
		{"odd", []float64{5, 1, 3}, Timing{Runs: 3, MinMS: 1, P10MS: 1.4, MedianMS: 3, P90MS: 4.6, MeanMS: 3, StdMS: 2}},
	} {
		in := slices.Clone(c.ms)
		got := Of(in)
		if !slices.Equal(in, c.ms) || !slices.Equal(got.Samples, c.ms) {
			t.Errorf("%s: samples reordered: %v", c.name, got.Samples)
		}
		got.Samples = nil
		w := c.want
		if got.Runs != w.Runs || !near(got.MinMS, w.MinMS) || !near(got.P10MS, w.P10MS) || !near(got.MedianMS, w.MedianMS) ||
			!near(got.P90MS, w.P90MS) || !near(got.MeanMS, w.MeanMS) || !near(got.StdMS, w.StdMS) {
			t.Errorf("%s: Of(%v) = %+v, want %+v", c.name, c.ms, got, w)
		}
	}
}

func TestMedianAndQuantile(t *testing.T) {
	for _, c := range []struct {
		s    []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1}, 2}, {[]float64{0.1, 0.7, 0.3}, 0.3}, {[]float64{4, 2, 8, 6}, 5}} {
		in := slices.Clone(c.s)
		if got := Median(in); got != c.want || !slices.Equal(in, c.s) {
			t.Errorf("Median(%v) = %g, want %g (input unchanged)", c.s, got, c.want)
		}
	}
	if got := Quantile([]float64{1, 2, 3, 4, 5}, 0.25); got != 2 {
		t.Errorf("Quantile(1..5, 0.25) = %g, want 2", got)
	}
}

func TestGFLOPSAndStatistic(t *testing.T) {
	if got := GFLOPS(2e9, 1000); got != 2 {
		t.Errorf("GFLOPS(2e9 flops, 1000 ms) = %g, want 2", got)
	}
	tm := Timing{MinMS: 1, P10MS: 2, MedianMS: 4, MeanMS: 5}
	if got := tm.GFLOPS(8e6); !near(got, 2) {
		t.Errorf("GFLOPS at a 4 ms median = %g, want 2", got)
	}
	for _, c := range []struct {
		s     Statistic
		want  float64
		valid bool
	}{{StatP10, 2, true}, {StatMedian, 4, true}, {StatMean, 5, true}, {StatMin, 1, true}, {"p99", 2, false}, {DefaultStatistic, 2, true}} {
		if got := c.s.Of(tm); got != c.want || c.s.Valid() != c.valid {
			t.Errorf("%q: Of = %g, Valid %v; want %g, %v", c.s, got, c.s.Valid(), c.want, c.valid)
		}
	}
}

func TestRunSelf(t *testing.T) {
	boom := errors.New("boom")
	for _, c := range []struct {
		name               string
		o                  Options
		failAt             int // call that fails (0: none)
		wantCalls, wantRun int
		wantErr            bool
	}{
		{"warmup and runs", Options{Warmup: 2, Runs: 5}, 0, 7, 5, false},
		{"min runs without budget", Options{Runs: 5, MinRuns: 2}, 0, 2, 2, false},
		{"budget left", Options{Runs: 5, MinRuns: 2, Budget: time.Hour}, 0, 5, 5, false},
		{"min above max", Options{Runs: 2, MinRuns: 3}, 0, 0, 0, true},
		{"no runs", Options{}, 0, 0, 0, true},
		{"warm-up error", Options{Warmup: 2, Runs: 3}, 1, 1, 0, true},
		{"run error", Options{Warmup: 1, Runs: 3}, 3, 3, 0, true},
	} {
		calls, progress := 0, 0
		c.o.Progress = func(done, total int) {
			progress++
			if done != progress || total != c.o.Runs {
				t.Errorf("%s: progress %d/%d after %d", c.name, done, total, progress)
			}
		}
		tm, err := RunSelf(c.o, func() (time.Duration, error) {
			calls++
			if calls == c.failAt {
				return 0, boom
			}
			return time.Duration(calls) * time.Millisecond, nil
		})
		if (err != nil) != c.wantErr || calls != c.wantCalls || tm.Runs != c.wantRun {
			t.Errorf("%s: err %v, %d calls, %d runs; want error %v, %d calls, %d runs", c.name, err, calls, tm.Runs, c.wantErr, c.wantCalls, c.wantRun)
		}
		if err == nil && (progress != tm.Runs || tm.MinMS != float64(c.o.Warmup+1)) {
			t.Errorf("%s: %d progress calls, min %g ms: warm-up calls timed?", c.name, progress, tm.MinMS)
		}
	}
}

func TestRunWallClock(t *testing.T) {
	tm, err := Run(Options{Runs: 3}, func() error { time.Sleep(time.Millisecond); return nil })
	if err != nil || tm.Runs != 3 || tm.MinMS < 1 {
		t.Fatalf("Run: %+v, %v; want 3 runs of at least 1 ms", tm, err)
	}
}
