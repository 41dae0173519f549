package kernels

import (
	"runtime"
	"sync"
	"time"
)

// PeakGFLOPS is the float32 FMA throughput of threads cores (threads < 1:
// one per CPU), measured once per process and thread count and cached: the
// ceiling against which a kernel's GFLOPS reads as a share of peak.
//
// Each of threads goroutines, locked to its OS thread, runs the FMA loop of
// the best SIMD level the CPU supports (24 independent zmm FMAs per
// iteration for AVX-512, 12 ymm ones for AVX2; the BenchmarkFMAPeak loop)
// for a short warm-up (frequency and AVX-512 licence transitions), then
// times short bursts and keeps its fastest; the result is the sum over the
// threads. Best-of-bursts makes it the ceiling rather than the typical rate
// when other processes share the cores. It takes about 10 ms of every
// thread. Without assembly (noasm builds, non-amd64) it times a pure-Go
// loop of independent multiply-adds, the ceiling of the portable kernels.
func PeakGFLOPS(threads int) float64 {
	if threads < 1 {
		threads = runtime.NumCPU()
	}
	peakMu.Lock()
	defer peakMu.Unlock()
	if v, ok := peakCache[threads]; ok {
		return v
	}
	v := measurePeak(threads)
	peakCache[threads] = v
	return v
}

var (
	peakMu    sync.Mutex
	peakCache = map[int]float64{}
)

// Peak measurement: burst length in loop iterations (about 0.1 ms at 4 GHz
// for AVX-512) and number of bursts after the warm-up.
const (
	peakIters  = 40000
	peakWarmup = 20
	peakBursts = 60
)

func measurePeak(threads int) float64 {
	rates := make([]float64, threads)
	var wg sync.WaitGroup
	for t := range rates {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for i := 0; i < peakWarmup; i++ {
				peakBurst(best)
			}
			for i := 0; i < peakBursts; i++ {
				t0 := time.Now()
				flops := peakBurst(best)
				if s := time.Since(t0).Seconds(); s > 0 {
					rates[t] = max(rates[t], flops/s/1e9)
				}
			}
		}()
	}
	wg.Wait()
	sum := 0.0
	for _, r := range rates {
		sum += r
	}
	return sum
}

// peakBurst runs one burst of the calibration loop of level l and returns
// its flops.
func peakBurst(l Level) float64 {
	if f := fmaPeakLoop(l, peakIters); f > 0 {
		return f
	}
	return fmaPeakGo(peakIters / 8)
}

// peakSink keeps the pure-Go loop's result alive.
var peakSink float32

// fmaPeakGo runs n iterations of 8 independent multiply-add chains over
// 4-float groups (64 flops an iteration) in plain Go.
func fmaPeakGo(n int) float64 {
	var a [32]float32
	for i := range a {
		a[i] = float32(i) * 1e-3
	}
	x, y := float32(0.999), float32(1e-4)
	for i := 0; i < n; i++ {
		for j := 0; j < 32; j += 8 {
			a[j] = a[j]*x + y
			a[j+1] = a[j+1]*x + y
			a[j+2] = a[j+2]*x + y
			a[j+3] = a[j+3]*x + y
			a[j+4] = a[j+4]*x + y
			a[j+5] = a[j+5]*x + y
			a[j+6] = a[j+6]*x + y
			a[j+7] = a[j+7]*x + y
		}
	}
	s := float32(0)
	for _, v := range a {
		s += v
	}
	peakSink = s
	return 64 * float64(n)
}
