package proxy

import (
	"fmt"
	"sync"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/fit"
)

// Fitted scores a stage by its measured reconstruction loss: the stage's
// mixer followed by a 1x1 conv is fitted (package fit, exact alternating
// least squares) to a seeded random 3x3 conv of the stage's width, on
// generated features of the stage's map size, and the score is the
// normalised test MSE, mean over Seeds seeds (fnlab fit's method). A full
// conv scores 0 without fitting (it reconstructs the teacher exactly).
//
// Each distinct stage is fitted once and cached (safe for concurrent
// use); fits run on one thread so that scores do not depend on how many
// searches run at once.
type Fitted struct {
	Seeds   int     // default 2
	MaxIter int     // alternating iterations; default 8
	Samples float64 // generated training pixels per input dimension; default 1.5

	mu    sync.Mutex
	cache map[fittedKey]*fittedEntry
	fits  int // fits run (tests)
}

type fittedKey struct {
	c, h, w int
	student fit.Student
}

type fittedEntry struct {
	once sync.Once
	v    float64
	err  error
}

func (f *Fitted) params() (int, int, float64) {
	seeds, iters, samples := f.Seeds, f.MaxIter, f.Samples
	if seeds <= 0 {
		seeds = 2
	}
	if iters <= 0 {
		iters = 8
	}
	if samples <= 0 {
		samples = 1.5
	}
	return seeds, iters, samples
}

// Name implements ReconScorer.
func (f *Fitted) Name() string {
	seeds, iters, samples := f.params()
	return fmt.Sprintf("fit(seeds=%d,max_iter=%d,samples=%g)", seeds, iters, samples)
}

// StageScore implements ReconScorer.
func (f *Fitted) StageScore(st Stage) (float64, error) {
	if st.Mixer == arch.Conv {
		return 0, nil
	}
	stu, err := fit.StudentFor(st.Mixer, st.NDiv, st.Groups)
	if err != nil {
		return 0, fmt.Errorf("proxy: no reconstruction fit for mixer %q", st.Mixer)
	}
	k := fittedKey{c: st.Width, h: st.MapH, w: st.MapW, student: stu}
	f.mu.Lock()
	if f.cache == nil {
		f.cache = map[fittedKey]*fittedEntry{}
	}
	e, ok := f.cache[k]
	if !ok {
		e = &fittedEntry{}
		f.cache[k] = e
	}
	f.mu.Unlock()
	e.once.Do(func() {
		seeds, iters, samples := f.params()
		gen := fit.DefaultGen
		gen.Samples = samples
		x := &fit.Experiment{
			Stages:     []fit.Stage{{Name: fmt.Sprintf("%dx%dx%d", k.c, k.h, k.w), C: k.c, H: k.h, W: k.w}},
			Students:   []fit.Student{stu},
			Seeds:      seeds,
			Redundancy: []float64{gen.Redundancy},
			Gen:        gen,
			Options:    fit.Options{Threads: 1, MaxIter: iters},
		}
		rep, err := x.Run()
		if err != nil {
			e.err = fmt.Errorf("proxy: fitting %s at %dx%dx%d: %v", stu.Name(), k.c, k.h, k.w, err)
			return
		}
		e.v = rep.Rows[0].Normalised
		f.mu.Lock()
		f.fits++
		f.mu.Unlock()
	})
	return e.v, e.err
}
