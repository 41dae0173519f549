package analyze

import (
	"fmt"
	"math"
	"time"

	"github.com/fnlab/fnlab/engine"
	"github.com/fnlab/fnlab/internal/timing"
	"github.com/fnlab/fnlab/kernels"
)

// Roofline is this machine's measured ceiling: attainable GFLOPS at
// arithmetic intensity I (FLOPs per byte moved) is min(PeakGFLOPS,
// BandwidthGBs * I). Both are measured, not taken from a data sheet.
type Roofline struct {
	PeakGFLOPS   float64 `json:"peak_gflops"`   // GEMM loop, 2 FLOPs per multiply-add
	BandwidthGBs float64 `json:"bandwidth_gbs"` // streaming triad a = b + s*c over 3 x 64 MiB, 12 bytes per element
	// CacheGBs is the same triad on 3 x 1 MiB per worker (cache-resident):
	// operators whose working set fits in cache may sit above the DRAM roof.
	CacheGBs float64 `json:"cache_bandwidth_gbs"`
	Ridge    float64 `json:"ridge"` // FLOPs/byte where the two meet
	Threads  int     `json:"threads"`
	SIMD     string  `json:"simd"`
}

// Attainable is the roofline's bound at intensity i (FLOPs per byte).
func (r Roofline) Attainable(i float64) float64 {
	return math.Min(r.PeakGFLOPS, r.BandwidthGBs*i)
}

// Roofline sizes: the GEMM works on cache-resident blocks (each worker its
// own A and C, B shared), the stream on arrays far larger than any cache.
const (
	roofM, roofK, roofN = 384, 256, 256
	streamFloats        = 16 << 20  // 64 MiB per array, three arrays
	cacheFloats         = 256 << 10 // 1 MiB per array and worker
)

// MeasureRoofline times a GEMM loop and a streaming kernel on threads
// workers (<= 0: all cores), each for about budget, and keeps the best of
// several repetitions (the ceiling, not the typical run).
func MeasureRoofline(threads int, budget time.Duration) Roofline {
	pool := kernels.NewPool(threads)
	defer pool.Close()
	t := pool.Threads()
	r := Roofline{Threads: t, SIMD: kernels.CurrentLevel().String()}
	r.PeakGFLOPS = gemmPeak(pool, budget)
	r.BandwidthGBs = streamBandwidth(pool, streamFloats, budget)
	r.CacheGBs = streamBandwidth(pool, cacheFloats*t, budget/2)
	if r.BandwidthGBs > 0 {
		r.Ridge = r.PeakGFLOPS / r.BandwidthGBs
	}
	return r
}

func gemmPeak(pool *kernels.Pool, budget time.Duration) float64 {
	t := pool.Threads()
	bw := make([]float32, roofK*roofN)
	for i := range bw {
		bw[i] = float32(i%7) * 0.01
	}
	pb := kernels.PackB(bw, roofK, roofN, roofN)
	as := make([][]float32, t)
	cs := make([][]float32, t)
	for i := range as {
		as[i] = make([]float32, roofM*roofK)
		for j := range as[i] {
			as[i][j] = float32(j%5) * 0.01
		}
		cs[i] = make([]float32, roofM*roofN)
	}
	const reps = 8 // GEMMs per task
	job := func(_, w int) {
		for k := 0; k < reps; k++ {
			kernels.Gemm(roofM, as[w], roofK, pb, cs[w], roofN, nil)
		}
	}
	flops := 2.0 * roofM * roofK * roofN * reps
	best := 0.0
	deadline := time.Now().Add(budget)
	for i := 0; i < 3 || time.Now().Before(deadline); i++ {
		t0 := time.Now()
		pool.Run(t, job)
		s := time.Since(t0).Seconds()
		best = math.Max(best, flops*float64(t)/s/1e9)
	}
	return best
}

// streamBandwidth times the triad over n floats per array, split evenly
// over the workers (each worker always gets the same part, so a small n
// stays in its cache).
func streamBandwidth(pool *kernels.Pool, n int, budget time.Duration) float64 {
	a := make([]float32, n)
	b := make([]float32, n)
	c := make([]float32, n)
	for i := range b {
		b[i], c[i] = 1, 2
	}
	tasks := pool.Threads()
	reps := max(1, streamFloats/n)
	job := func(task, _ int) {
		lo, hi := n*task/tasks, n*(task+1)/tasks
		for r := 0; r < reps; r++ {
			triad(a[lo:hi], b[lo:hi], c[lo:hi], 0.5)
		}
	}
	bytes := 12.0 * float64(n) * float64(reps)
	best := 0.0
	deadline := time.Now().Add(budget)
	for i := 0; i < 3 || time.Now().Before(deadline); i++ {
		t0 := time.Now()
		pool.Run(tasks, job)
		s := time.Since(t0).Seconds()
		best = math.Max(best, bytes/s/1e9)
	}
	return best
}

// triad computes a[i] = b[i] + s*c[i], four elements a step.
func triad(a, b, c []float32, s float32) {
	n := len(a)
	b, c = b[:n], c[:n]
	i := 0
	for ; i+4 <= n; i += 4 {
		a[i] = b[i] + s*c[i]
		a[i+1] = b[i+1] + s*c[i+1]
		a[i+2] = b[i+2] + s*c[i+2]
		a[i+3] = b[i+3] + s*c[i+3]
	}
	for ; i < n; i++ {
		a[i] = b[i] + s*c[i]
	}
}

// Timing is a latency distribution in milliseconds.
type Timing struct {
	Runs     int     `json:"runs"`
	MedianMS float64 `json:"median_ms"`
	P10MS    float64 `json:"p10_ms"`
	P90MS    float64 `json:"p90_ms"`
	MinMS    float64 `json:"min_ms"`
}

// TimeOptions bounds TimeSteps: at least MinRuns and at most MaxRuns timed
// passes, stopping early once Budget has been spent.
type TimeOptions struct {
	Warmup           int
	MinRuns, MaxRuns int
	Budget           time.Duration
}

// TimeSteps times forward passes of p and returns the distribution of the
// summed time of the steps for which count returns true (nil: all). Layout
// conversions of operator stacks are left out with
// count = func(s *engine.Step) bool { return s.Kind != engine.KindLayout }.
func TimeSteps(p *engine.Program, in []float32, o TimeOptions, count func(step *engine.Step) bool) (Timing, error) {
	if o.MaxRuns < 1 || o.MinRuns < 1 || o.MinRuns > o.MaxRuns {
		return Timing{}, fmt.Errorf("runs: expected 1 <= min %d <= max %d", o.MinRuns, o.MaxRuns)
	}
	keep := make([]bool, len(p.Steps))
	for i := range p.Steps {
		keep[i] = count == nil || count(&p.Steps[i])
	}
	steps := make([]time.Duration, len(p.Steps))
	tm, err := timing.RunSelf(timing.Options{Warmup: o.Warmup, Runs: o.MaxRuns, MinRuns: o.MinRuns, Budget: o.Budget}, func() (time.Duration, error) {
		if err := p.ForwardTimed(in, steps); err != nil {
			return 0, err
		}
		var sum time.Duration
		for i, d := range steps {
			if keep[i] {
				sum += d
			}
		}
		return sum, nil
	})
	if err != nil {
		return Timing{}, err
	}
	return Timing{Runs: tm.Runs, MedianMS: tm.MedianMS, P10MS: tm.P10MS, P90MS: tm.P90MS, MinMS: tm.MinMS}, nil
}
