package kernels

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func checkRun(t *testing.T, p *Pool, n int) {
	t.Helper()
	counts := make([]atomic.Int32, n)
	busy := make([]atomic.Int32, p.Threads())
	var bad atomic.Int32
	p.Run(n, func(task, w int) {
		if w < 0 || w >= p.Threads() {
			bad.Add(1)
			return
		}
		if busy[w].Add(1) != 1 {
			bad.Add(1) // two tasks at once on one worker id
		}
		counts[task].Add(1)
		busy[w].Add(-1)
	})
	if bad.Load() != 0 {
		t.Fatalf("n=%d: %d bad worker ids", n, bad.Load())
	}
	for i := range counts {
		if c := counts[i].Load(); c != 1 {
			t.Fatalf("n=%d: task %d ran %d times", n, i, c)
		}
	}
}

func TestPool(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 8} {
		t.Run(fmt.Sprint(threads), func(t *testing.T) {
			p := NewPool(threads)
			defer p.Close()
			if p.Threads() != threads {
				t.Fatalf("Threads() = %d", p.Threads())
			}
			p.Run(0, func(int, int) { t.Error("ran a task of an empty job") })
			for _, n := range []int{1, 2, 3, 7, 100, 1000} {
				checkRun(t, p, n)
			}
			for i := 0; i < 2000; i++ {
				checkRun(t, p, 1+i%9)
			}
			// Let the workers park, then run again.
			time.Sleep(3 * poolSpin)
			checkRun(t, p, 17)
			time.Sleep(3 * poolSpin)
			checkRun(t, p, 1)
			checkRun(t, p, 5)
		})
	}
}

func TestPoolDefaultThreads(t *testing.T) {
	p := NewPool(0)
	defer p.Close()
	if p.Threads() < 1 {
		t.Fatalf("Threads() = %d", p.Threads())
	}
	checkRun(t, p, 10)
}

// TestPoolConcurrentRuns calls Run from several goroutines at once.
func TestPoolConcurrentRuns(t *testing.T) {
	p := NewPool(3)
	defer p.Close()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				checkRun(t, p, 1+i%13)
			}
		}()
	}
	wg.Wait()
}

func TestPoolClose(t *testing.T) {
	p := NewPool(4)
	checkRun(t, p, 50)
	p.Close()
	p.Close()
	checkRun(t, p, 50) // inline after Close
}

func TestPoolNoAlloc(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	var sum atomic.Int64
	job := func(task, _ int) { sum.Add(int64(task)) }
	if a := testing.AllocsPerRun(100, func() { p.Run(8, job) }); a != 0 {
		t.Errorf("%v allocations per Run", a)
	}
}

// BenchmarkPoolRun measures the fork/join overhead of one Run with one
// empty task per worker (workers spinning, as between layers).
func BenchmarkPoolRun(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprint(threads), func(b *testing.B) {
			p := NewPool(threads)
			defer p.Close()
			job := func(task, w int) {}
			for i := 0; i < b.N; i++ {
				p.Run(threads, job)
			}
		})
	}
}

// BenchmarkPoolRunParked measures a Run that has to wake parked workers.
func BenchmarkPoolRunParked(b *testing.B) {
	p := NewPool(2)
	defer p.Close()
	job := func(task, w int) {}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		time.Sleep(2 * poolSpin)
		b.StartTimer()
		p.Run(2, job)
	}
}
