package timing

import (
	"fmt"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat"
)

// Options configures Run and RunSelf.
type Options struct {
	Warmup int // untimed calls first
	Runs   int // the most timed calls (>= 1)
	// MinRuns calls are always timed (0: Runs); more, up to Runs, while
	// the time since the first timed call is under Budget.
	MinRuns  int
	Budget   time.Duration
	Progress func(done, total int) // optional, after each timed call; total = Runs
}

// Timing is the distribution of the timed calls, in milliseconds.
type Timing struct {
	Samples  []float64 // in call order
	Runs     int
	MinMS    float64
	P10MS    float64
	MedianMS float64
	P90MS    float64
	MeanMS   float64
	StdMS    float64
}

// Run times o.Runs calls of f (after o.Warmup untimed ones) by the wall
// clock. An error from f stops the sampling and is returned.
func Run(o Options, f func() error) (Timing, error) {
	return RunSelf(o, func() (time.Duration, error) {
		t0 := time.Now()
		err := f()
		return time.Since(t0), err
	})
}

// RunSelf is Run for an f that measures itself: each call returns the
// time to record.
func RunSelf(o Options, f func() (time.Duration, error)) (Timing, error) {
	minRuns := o.MinRuns
	if minRuns == 0 {
		minRuns = o.Runs
	}
	if o.Runs < 1 || minRuns < 1 || minRuns > o.Runs {
		return Timing{}, fmt.Errorf("runs: expected 1 <= min %d <= max %d", minRuns, o.Runs)
	}
	for i := 0; i < o.Warmup; i++ {
		if _, err := f(); err != nil {
			return Timing{}, err
		}
	}
	ms := make([]float64, 0, o.Runs)
	start := time.Now()
	for len(ms) < o.Runs && (len(ms) < minRuns || time.Since(start) < o.Budget) {
		d, err := f()
		if err != nil {
			return Timing{}, err
		}
		ms = append(ms, MS(d))
		if o.Progress != nil {
			o.Progress(len(ms), o.Runs)
		}
	}
	return Of(ms), nil
}

// Of summarises samples in milliseconds (kept, not reordered, as
// Samples). No samples give the zero Timing.
func Of(ms []float64) Timing {
	t := Timing{Samples: ms, Runs: len(ms)}
	if len(ms) == 0 {
		return t
	}
	sorted := slices.Clone(ms)
	slices.Sort(sorted)
	t.MinMS = sorted[0]
	t.P10MS = Quantile(sorted, 0.1)
	t.MedianMS = Quantile(sorted, 0.5)
	t.P90MS = Quantile(sorted, 0.9)
	t.MeanMS = stat.Mean(ms, nil)
	if len(ms) > 1 {
		t.StdMS = stat.StdDev(ms, nil)
	}
	return t
}

// GFLOPS is the rate of flops floating-point operations at the median.
func (t Timing) GFLOPS(flops float64) float64 { return GFLOPS(flops, t.MedianMS) }

// GFLOPS is the rate of flops floating-point operations done in ms
// milliseconds.
func GFLOPS(flops, ms float64) float64 { return flops / (ms / 1e3) / 1e9 }

// MS converts d to milliseconds.
func MS(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// Quantile interpolates linearly between the order statistics of sorted
// (ascending) data: position q*(n-1), as numpy's default. Empty data gives 0.
// Hand-written: gonum's stat.Quantile offers no estimator that matches numpy's.
func Quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	if len(sorted) == 1 {
		return sorted[0]
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	f := pos - float64(lo)
	return sorted[lo]*(1-f) + sorted[hi]*f
}

// Median is the median of s (the mean of the middle two for even n),
// without reordering s. Empty s gives 0.
func Median(s []float64) float64 {
	sorted := slices.Clone(s)
	slices.Sort(sorted)
	return Quantile(sorted, 0.5)
}

// Statistic names what a latency table sums of each entry's samples.
type Statistic string

// The statistics a Timing offers.
const (
	StatP10    Statistic = "p10"
	StatMedian Statistic = "median"
	StatMean   Statistic = "mean"
	StatMin    Statistic = "min"
	// DefaultStatistic is StatP10: robust to other processes on a shared
	// machine.
	DefaultStatistic = StatP10
)

// Statistics lists every Statistic.
var Statistics = []Statistic{StatP10, StatMedian, StatMean, StatMin}

// Valid reports whether s is one of Statistics.
func (s Statistic) Valid() bool { return slices.Contains(Statistics, s) }

// Of returns statistic s of t (p10 for an unknown s).
func (s Statistic) Of(t Timing) float64 {
	switch s {
	case StatMedian:
		return t.MedianMS
	case StatMean:
		return t.MeanMS
	case StatMin:
		return t.MinMS
	}
	return t.P10MS
}
