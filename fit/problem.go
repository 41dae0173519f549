package fit

import (
	"fmt"
	"math"

	"github.com/fnlab/fnlab/kernels"
)

// Options configures fitting.
type Options struct {
	Threads int // worker threads of a pool of the problem's own, <= 0: all cores
	// Pool, if set, runs the problem's products and solves on these workers
	// instead (Threads is then ignored): an experiment's problems share one
	// pool. Close leaves a shared pool running.
	Pool    *kernels.Pool
	MaxIter int     // alternating iterations at most (default 25)
	Tol     float64 // stop when an iteration improves the training loss by less than Tol (relative; default 1e-4)
	Ridge   float64 // ridge added to every solve, relative to the mean diagonal (default 1e-5)
}

func (o Options) withDefaults() Options {
	if o.MaxIter <= 0 {
		o.MaxIter = 25
	}
	if o.Tol <= 0 {
		o.Tol = 1e-4
	}
	if o.Ridge <= 0 {
		o.Ridge = 1e-5
	}
	return o
}

// Result is one student fitted once.
type Result struct {
	Student    string    `json:"student"`
	TrainMSE   float64   `json:"train_mse"`
	ValMSE     float64   `json:"val_mse"`
	TestMSE    float64   `json:"test_mse"`
	TeacherVar float64   `json:"teacher_var"` // variance of the teacher's output on the test split
	Normalised float64   `json:"normalised_mse"`
	Params     int64     `json:"params"`
	Iters      int       `json:"iters"`
	Curve      []float64 `json:"train_curve"` // training MSE after each iteration
	Method     string    `json:"method"`
}

// moments are the sufficient statistics of one split: S = E[p p^T] over
// its pixels' 3x3 patches p (9c values, channel-major: p[9*ch+3*dy+dx]).
type moments struct {
	pixels int
	s      []float32 // 9c x 9c
	mu     []float64 // E[p]
	packed *kernels.PackedB
}

// Problem is one teacher on one data set, reduced to the moments of the
// train, validation and test splits. A Problem is used by one goroutine.
type Problem struct {
	c, n9            int
	t                []float32 // teacher as c x 9c
	train, val, test *moments
	st               []float32 // S_train T^T, 9c x c
	p                par
	ownPool          bool
	opt              Options
	stBlocks         map[[2]int]*kernels.PackedB // packed rows of S_train and of st
	ttr              float64                     // tr(T S_train T^T)
}

// NewProblem splits d's images 70/10/20 (seeded) and accumulates the
// moments. teacher is a [c][c][3][3] weight.
func NewProblem(d *Data, teacher []float32, seed uint64, opt Options) (*Problem, error) {
	if len(teacher) != d.C*d.C*9 {
		return nil, fmt.Errorf("teacher has %d weights, a 3x3 conv %d -> %d has %d", len(teacher), d.C, d.C, d.C*d.C*9)
	}
	tr, va, te, err := Split(d.N, seed)
	if err != nil {
		return nil, err
	}
	pr := &Problem{c: d.C, n9: 9 * d.C, t: teacher, p: par{opt.Pool}, opt: opt.withDefaults(), stBlocks: map[[2]int]*kernels.PackedB{}}
	if pr.p.pool == nil {
		pr.p.pool, pr.ownPool = kernels.NewPool(opt.Threads), true
	}
	pr.train = pr.moments(d, tr)
	pr.val = pr.moments(d, va)
	pr.test = pr.moments(d, te)
	pr.st = make([]float32, pr.n9*pr.c)
	pr.p.mm(pr.n9, pr.train.s, pr.n9, kernels.PackBT(teacher, pr.c, pr.n9), pr.st, pr.c, false)
	for o := 0; o < pr.c; o++ {
		for f := 0; f < pr.n9; f++ {
			pr.ttr += float64(teacher[o*pr.n9+f]) * float64(pr.st[f*pr.c+o])
		}
	}
	return pr, nil
}

// Close stops the worker pool, unless it came from Options.Pool.
func (pr *Problem) Close() {
	if pr.ownPool {
		pr.p.pool.Close()
	}
}

// Pixels reports the pixels of the train, validation and test splits.
func (pr *Problem) Pixels() [3]int { return [3]int{pr.train.pixels, pr.val.pixels, pr.test.pixels} }

// moments accumulates S = (1/N) sum P P^T with P the im2col patches of the
// given images, batched so each GEMM has K >= 1024 pixels.
func (pr *Problem) moments(d *Data, imgs []int) *moments {
	c, h, w, n9 := d.C, d.H, d.W, pr.n9
	hw := h * w
	per := max(1, min(len(imgs), (1024+hw-1)/hw))
	m := &moments{s: make([]float32, n9*n9), mu: make([]float64, n9)}
	pt := make([]float32, n9*per*hw)
	for b0 := 0; b0 < len(imgs); b0 += per {
		b1 := min(b0+per, len(imgs))
		k := (b1 - b0) * hw
		for bi, im := range imgs[b0:b1] {
			x := d.X[im*c*hw : (im+1)*c*hw]
			for ch := 0; ch < c; ch++ {
				plane := x[ch*hw : (ch+1)*hw]
				for t := 0; t < 9; t++ {
					dy, dx := t/3-1, t%3-1
					row := pt[(ch*9+t)*k+bi*hw : (ch*9+t)*k+(bi+1)*hw]
					for y := 0; y < h; y++ {
						sy := y + dy
						for xx := 0; xx < w; xx++ {
							sx := xx + dx
							v := float32(0)
							if sy >= 0 && sy < h && sx >= 0 && sx < w {
								v = plane[sy*w+sx]
							}
							row[y*w+xx] = v
						}
					}
				}
			}
		}
		a := pt[:n9*k]
		for f := 0; f < n9; f++ {
			var s float64
			for _, v := range a[f*k : (f+1)*k] {
				s += float64(v)
			}
			m.mu[f] += s
		}
		pr.p.syrk(n9, a, k, m.s)
		m.pixels += k
	}
	mirrorLower(n9, m.s)
	inv := 1 / float64(m.pixels)
	for i := range m.s {
		m.s[i] = float32(float64(m.s[i]) * inv)
	}
	for i := range m.mu {
		m.mu[i] *= inv
	}
	return m
}

// mse is E||y - K p||^2 / c over split m for the student K = T - dt,
// computed as tr(D S D^T)/c from the difference D (no cancellation).
func (pr *Problem) mse(m *moments, dt []float32) float64 {
	if m.packed == nil {
		m.packed = kernels.PackB(m.s, pr.n9, pr.n9, pr.n9)
	}
	ds := make([]float32, pr.c*pr.n9)
	pr.p.mm(pr.c, dt, pr.n9, m.packed, ds, pr.n9, false)
	var s float64
	for i, v := range ds {
		s += float64(v) * float64(dt[i])
	}
	return s / float64(pr.c)
}

// teacherVar is the per-channel variance of the teacher output on split m.
func (pr *Problem) teacherVar(m *moments) float64 {
	e2 := pr.mse(m, pr.t)
	var mean2 float64
	for o := 0; o < pr.c; o++ {
		var s float64
		for f := 0; f < pr.n9; f++ {
			s += float64(pr.t[o*pr.n9+f]) * m.mu[f]
		}
		mean2 += s * s
	}
	return e2 - mean2/float64(pr.c)
}

// finish evaluates a dense student K (c x 9c) on every split.
func (pr *Problem) finish(r *Result, k []float64) {
	d := make([]float32, len(k))
	for i := range d {
		d[i] = float32(float64(pr.t[i]) - k[i])
	}
	r.TrainMSE = pr.mse(pr.train, d)
	r.ValMSE = pr.mse(pr.val, d)
	r.TestMSE = pr.mse(pr.test, d)
	r.TeacherVar = pr.teacherVar(pr.test)
	if r.TeacherVar > 0 {
		r.Normalised = r.TestMSE / r.TeacherVar
	}
}

// Fit trains student s (initialised from seed) and evaluates it.
func (pr *Problem) Fit(s Student, seed uint64) (Result, error) {
	c := pr.c
	r := Result{Student: s.Name()}
	switch s.Kind {
	case KindConv:
		r.Params = int64(c) * int64(pr.n9)
		r.Method = "closed-form least squares (Cholesky)"
		k, err := pr.fullConv()
		if err != nil {
			return r, err
		}
		pr.finish(&r, k)
		r.Iters, r.Curve = 1, []float64{r.TrainMSE}
		return r, nil
	case KindPConv:
		if s.NDiv < 1 || s.NDiv > c {
			return r, fmt.Errorf("student %s: n_div %d must be in 1..%d", s.Name(), s.NDiv, c)
		}
	case KindGConv:
		if s.Groups < 1 || c%s.Groups != 0 {
			return r, fmt.Errorf("student %s: groups %d must divide %d channels", s.Name(), s.Groups, c)
		}
	case KindDWConv, KindPWConv:
	default:
		return r, fmt.Errorf("unknown student kind %q", s.Kind)
	}
	a := pr.newALS(s, seed)
	if len(a.blocks) == 0 {
		r.Method = "closed-form least squares"
	} else {
		r.Method = "alternating least squares: exact 1x1 solve, block-Newton mixer step with exact line search"
	}
	r.Params = int64(c) * int64(c)
	for _, b := range a.blocks {
		r.Params += int64(b.rows * b.len)
	}
	prev := math.Inf(1)
	for it := 0; it < pr.opt.MaxIter; it++ {
		loss, err := a.solveW2()
		if err != nil {
			return r, err
		}
		r.Curve = append(r.Curve, loss)
		r.Iters = it + 1
		if len(a.blocks) == 0 || prev-loss < pr.opt.Tol*math.Abs(loss) {
			break
		}
		prev = loss
		if err := a.stepW1(); err != nil {
			return r, err
		}
	}
	pr.finish(&r, a.dense())
	return r, nil
}

// fullConv solves min_K E||T p - K p||^2 + ridge: K^T = (S + lam I)^{-1} S T^T.
func (pr *Problem) fullConv() ([]float64, error) {
	n := pr.n9
	a := append([]float32(nil), pr.train.s...)
	tr := 0.0
	for i := 0; i < n; i++ {
		tr += float64(a[i*n+i])
	}
	lam := float32(pr.opt.Ridge * tr / float64(n))
	for i := 0; i < n; i++ {
		a[i*n+i] += lam
	}
	if err := pr.p.chol32(n, a); err != nil {
		return nil, err
	}
	x := append([]float32(nil), pr.st...) // 9c x c
	pr.p.cholSolve32(n, a, pr.c, x)
	k := make([]float64, pr.c*n)
	for f := 0; f < n; f++ {
		for o := 0; o < pr.c; o++ {
			k[o*n+f] = float64(x[f*pr.c+o])
		}
	}
	return k, nil
}
