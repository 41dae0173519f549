package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Pool is a fixed set of long-lived worker goroutines for fork/join
// parallelism with low hand-off latency. Run publishes a job by bumping a
// generation counter; idle workers spin on it for a short while (poolSpin)
// before parking on a channel, so back-to-back Runs (one per layer) hand
// off in well under a microsecond while an idle pool costs no CPU. Tasks are
// claimed dynamically from an atomic counter, and the calling goroutine
// works as worker 0.
//
// Run calls from several goroutines are serialised. Run must not be called
// from inside a job of the same pool (that deadlocks).
type Pool struct {
	threads int
	workers []poolWorker // workers[0] is unused (the caller)
	mu      sync.Mutex   // one Run at a time
	wg      sync.WaitGroup
	closed  atomic.Bool

	// The current job, written by Run before gen is bumped and read by the
	// workers after they see the new gen.
	job func(task, worker int)
	n   int64
	_   [64]byte
	gen atomic.Uint64 // bumped by Run to publish a job; workers spin on it
	_   [56]byte
	// next is the next unclaimed task.
	next atomic.Int64
	_    [56]byte
	// active counts workers that have not finished the current job.
	active       atomic.Int32
	callerParked atomic.Bool
	callerWake   chan struct{}
}

type poolWorker struct {
	parked atomic.Bool
	wake   chan struct{}
	_      [48]byte // keep workers' flags on separate cache lines
}

// poolSpin is how long an idle worker, or a caller waiting for stragglers,
// spins before parking. Longer than any gap between the Runs of a forward
// pass or of back-to-back passes (a one-task step such as a layout change
// takes up to 100 us): a parked worker is woken onto the caller's P and,
// on a VM, its core wakes late, so the caller ends up running the tasks
// alone. With 50 us, ten PConv layers at 384x14x14 on two threads took
// 1.56 ms (the caller ran 93% of the tasks); with 1 ms, 0.85-0.92 ms.
const poolSpin = time.Millisecond

// NewPool starts a pool of threads workers (the caller of Run counts as
// one). threads <= 0 means runtime.NumCPU(); threads == 1 runs every job
// inline.
func NewPool(threads int) *Pool {
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	p := &Pool{threads: threads, workers: make([]poolWorker, threads), callerWake: make(chan struct{}, 1)}
	for w := 1; w < threads; w++ {
		p.workers[w].wake = make(chan struct{}, 1)
		p.wg.Add(1)
		go p.work(w)
	}
	return p
}

// Threads reports the number of workers, the caller included.
func (p *Pool) Threads() int { return p.threads }

// Run calls job(t, w) for every task t in [0, n) and returns when all have
// returned. w in [0, Threads()) identifies the worker running the task (for
// per-worker scratch); no two tasks run concurrently with the same w. Run
// allocates nothing. After Close, Run runs everything inline.
func (p *Pool) Run(n int, job func(task, worker int)) {
	if n <= 0 {
		return
	}
	if p.threads == 1 || n == 1 {
		p.mu.Lock()
		defer p.mu.Unlock()
		for t := 0; t < n; t++ {
			job(t, 0)
		}
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed.Load() {
		for t := 0; t < n; t++ {
			job(t, 0)
		}
		return
	}
	p.job, p.n = job, int64(n)
	p.next.Store(0)
	p.active.Store(int32(p.threads - 1))
	p.gen.Add(1) // publish
	for w := 1; w < p.threads; w++ {
		// Load first: a spinning worker's flag stays in its cache. (A worker
		// that parks stores the flag before it re-reads gen, so either it
		// sees the new gen or this sees the flag.)
		if ws := &p.workers[w]; ws.parked.Load() && ws.parked.CompareAndSwap(true, false) {
			ws.wake <- struct{}{}
		}
	}
	for {
		t := p.next.Add(1) - 1
		if t >= p.n {
			break
		}
		job(int(t), 0)
	}
	p.waitDone()
	p.job = nil
}

// waitDone waits until every worker has finished the current job.
func (p *Pool) waitDone() {
	start := time.Now()
	for i := 1; p.active.Load() != 0; i++ {
		if i%64 == 0 {
			if time.Since(start) > poolSpin {
				break
			}
			runtime.Gosched()
		}
	}
	for p.active.Load() != 0 {
		p.callerParked.Store(true)
		if p.active.Load() == 0 {
			if p.callerParked.CompareAndSwap(true, false) {
				return
			}
			<-p.callerWake // a worker is sending
			return
		}
		<-p.callerWake
	}
}

func (p *Pool) work(w int) {
	defer p.wg.Done()
	ws := &p.workers[w]
	var seen uint64
	for {
		seen = p.waitGen(ws, seen)
		if p.closed.Load() {
			return
		}
		job, n := p.job, p.n
		for {
			t := p.next.Add(1) - 1
			if t >= n {
				break
			}
			job(int(t), w)
		}
		if p.active.Add(-1) == 0 && p.callerParked.CompareAndSwap(true, false) {
			p.callerWake <- struct{}{}
		}
	}
}

// waitGen waits for a generation other than seen: spinning first, then
// parked until Run wakes the worker.
func (p *Pool) waitGen(ws *poolWorker, seen uint64) uint64 {
	start := time.Now()
	for i := 1; ; i++ {
		if g := p.gen.Load(); g != seen {
			return g
		}
		if i%64 == 0 {
			if time.Since(start) > poolSpin {
				break
			}
			runtime.Gosched()
		}
	}
	for {
		ws.parked.Store(true)
		if g := p.gen.Load(); g != seen {
			if !ws.parked.CompareAndSwap(true, false) {
				<-ws.wake // Run saw us parked and is sending
			}
			return g
		}
		<-ws.wake
		if g := p.gen.Load(); g != seen {
			return g
		}
	}
}

// Close stops the workers. Later Runs run inline.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed.Swap(true) {
		return
	}
	p.gen.Add(1)
	for w := 1; w < p.threads; w++ {
		if ws := &p.workers[w]; ws.parked.CompareAndSwap(true, false) {
			ws.wake <- struct{}{}
		}
	}
	p.wg.Wait()
}
