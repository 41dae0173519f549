package fit

import (
	"math"
	"math/rand/v2"

	"github.com/fnlab/fnlab/kernels"
)

// block is a trainable part of the mixer: rows [r0, r0+rows) of M read
// patch features [f0, f0+len).
type block struct {
	r0, rows, f0, len int
	w                 []float64 // rows x len
	sbb               []float64 // Cholesky factor of S_bb + ridge
	dir               []float64 // search direction
	grad              []float64
	sRows, stRows     *kernels.PackedB // S_train[f0:f0+len, :] and st[f0:f0+len, :]
}

// als holds the student's mixer M (blocks and fixed centre-tap rows), the
// 1x1 conv W2 and cached products.
type als struct {
	pr     *Problem
	blocks []*block
	fixed  [][2]int  // (row, feature): M[row][feature] = 1
	w2     []float64 // c x c
	ms     []float32 // M S (c x 9c)
	msm    []float64 // M S M^T (c x c)
	mst    []float64 // M S T^T (c x c)
}

func (pr *Problem) newALS(s Student, seed uint64) *als {
	c := pr.c
	a := &als{pr: pr}
	add := func(r0, rows, f0, n int) {
		a.blocks = append(a.blocks, &block{r0: r0, rows: rows, f0: f0, len: n})
	}
	switch s.Kind {
	case KindPConv:
		cp := c / s.NDiv
		add(0, cp, 0, 9*cp)
		for r := cp; r < c; r++ {
			a.fixed = append(a.fixed, [2]int{r, 9*r + 4})
		}
	case KindGConv:
		cg := c / s.Groups
		for g := 0; g < s.Groups; g++ {
			add(g*cg, cg, 9*g*cg, 9*cg)
		}
	case KindDWConv:
		for r := 0; r < c; r++ {
			add(r, 1, 9*r, 9)
		}
	case "pwconv":
		for r := 0; r < c; r++ {
			a.fixed = append(a.fixed, [2]int{r, 9*r + 4})
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x696e6974))
	n9 := pr.n9
	for _, b := range a.blocks {
		b.w = make([]float64, b.rows*b.len)
		for i := range b.w {
			b.w[i] = rng.NormFloat64() / math.Sqrt(float64(b.len))
		}
		b.sbb = make([]float64, b.len*b.len)
		fill := func(ridge float64) {
			for i := 0; i < b.len; i++ {
				for j := 0; j < b.len; j++ {
					b.sbb[i*b.len+j] = float64(pr.train.s[(b.f0+i)*n9+b.f0+j])
				}
			}
			addRidge(b.len, b.sbb, ridge)
		}
		fill(pr.opt.Ridge)
		if err := pr.p.chol64(b.len, b.sbb); err != nil {
			// Constant features (e.g. an all-zero channel): lean on the ridge
			// harder, starting again from S (the failed factorisation
			// overwrote part of it).
			fill(pr.opt.Ridge)
			addRidge(b.len, b.sbb, 1e-3)
			_ = pr.p.chol64(b.len, b.sbb)
		}
		key := [2]int{b.f0, b.len}
		if b.rows >= 8 {
			if pr.stBlocks[key] == nil {
				pr.stBlocks[key] = kernels.PackB(pr.train.s[b.f0*n9:], b.len, n9, n9)
			}
			b.sRows = pr.stBlocks[key]
			key2 := [2]int{-1 - b.f0, b.len}
			if pr.stBlocks[key2] == nil {
				pr.stBlocks[key2] = kernels.PackB(pr.st[b.f0*c:], b.len, c, c)
			}
			b.stRows = pr.stBlocks[key2]
		}
	}
	a.ms = a.mulS(func(b *block) []float64 { return b.w }, true)
	return a
}

func addRidge(n int, a []float64, ridge float64) {
	tr := 0.0
	for i := 0; i < n; i++ {
		tr += a[i*n+i]
	}
	lam := ridge * tr / float64(n)
	if lam <= 0 {
		lam = 1e-12
	}
	for i := 0; i < n; i++ {
		a[i*n+i] += lam
	}
}

// mulS returns M' S (c x 9c) for the mixer whose block weights are w(b)
// (with the fixed rows if withFixed).
func (a *als) mulS(w func(*block) []float64, withFixed bool) []float32 {
	pr := a.pr
	n9 := pr.n9
	out := make([]float32, pr.c*n9)
	for _, b := range a.blocks {
		wb := w(b)
		if b.sRows != nil {
			w32 := make([]float32, len(wb))
			for i, v := range wb {
				w32[i] = float32(v)
			}
			pr.p.mm(b.rows, w32, b.len, b.sRows, out[b.r0*n9:], n9, false)
			continue
		}
		for r := 0; r < b.rows; r++ {
			dst := out[(b.r0+r)*n9 : (b.r0+r+1)*n9]
			for k := 0; k < b.len; k++ {
				coef := float32(wb[r*b.len+k])
				src := pr.train.s[(b.f0+k)*n9 : (b.f0+k+1)*n9]
				for j, v := range src {
					dst[j] += coef * v
				}
			}
		}
	}
	if withFixed {
		for _, fx := range a.fixed {
			copy(out[fx[0]*n9:(fx[0]+1)*n9], pr.train.s[fx[1]*n9:(fx[1]+1)*n9])
		}
	}
	return out
}

// gram returns X M'^T (c x c) for X = some product M S (c x 9c).
func (a *als) gram(x []float32, w func(*block) []float64, withFixed bool) []float64 {
	pr := a.pr
	c, n9 := pr.c, pr.n9
	out := make([]float64, c*c)
	var o32 []float32
	for _, b := range a.blocks {
		wb := w(b)
		if b.rows >= 8 {
			if o32 == nil {
				o32 = make([]float32, c*c)
			}
			w32 := make([]float32, len(wb))
			for i, v := range wb {
				w32[i] = float32(v)
			}
			pr.p.mm(c, x[b.f0:], n9, kernels.PackBT(w32, b.rows, b.len), o32[b.r0:], c, false)
			for i := 0; i < c; i++ {
				for r := b.r0; r < b.r0+b.rows; r++ {
					out[i*c+r] = float64(o32[i*c+r])
				}
			}
			continue
		}
		for i := 0; i < c; i++ {
			xi := x[i*n9+b.f0 : i*n9+b.f0+b.len]
			for r := 0; r < b.rows; r++ {
				wr := wb[r*b.len : (r+1)*b.len]
				var s float64
				for k, v := range xi {
					s += float64(v) * wr[k]
				}
				out[i*c+b.r0+r] = s
			}
		}
	}
	if withFixed {
		for _, fx := range a.fixed {
			for i := 0; i < c; i++ {
				out[i*c+fx[0]] = float64(x[i*n9+fx[1]])
			}
		}
	}
	return out
}

// mulST returns M S T^T (c x c).
func (a *als) mulST() []float64 {
	pr := a.pr
	c := pr.c
	out := make([]float64, c*c)
	for _, b := range a.blocks {
		if b.stRows != nil {
			w32 := make([]float32, len(b.w))
			for i, v := range b.w {
				w32[i] = float32(v)
			}
			o32 := make([]float32, b.rows*c)
			pr.p.mm(b.rows, w32, b.len, b.stRows, o32, c, false)
			for i, v := range o32 {
				out[b.r0*c+i] = float64(v)
			}
			continue
		}
		for r := 0; r < b.rows; r++ {
			dst := out[(b.r0+r)*c : (b.r0+r+1)*c]
			for k := 0; k < b.len; k++ {
				coef := b.w[r*b.len+k]
				src := pr.st[(b.f0+k)*c : (b.f0+k+1)*c]
				for j, v := range src {
					dst[j] += coef * float64(v)
				}
			}
		}
	}
	for _, fx := range a.fixed {
		for j := 0; j < c; j++ {
			out[fx[0]*c+j] = float64(pr.st[fx[1]*c+j])
		}
	}
	return out
}

// solveW2 sets W2 = (M S T^T)^T (M S M^T + ridge)^{-1}, the exact
// minimiser for the current mixer, and returns the training MSE.
func (a *als) solveW2() (float64, error) {
	pr := a.pr
	c := pr.c
	ident := func(b *block) []float64 { return b.w }
	a.msm = a.gram(a.ms, ident, true)
	a.mst = a.mulST()
	w2 := make([]float64, c*c)
	for o := 0; o < c; o++ {
		for r := 0; r < c; r++ {
			w2[o*c+r] = a.mst[r*c+o]
		}
	}
	if err := pr.p.spdSolveRows(c, a.msm, pr.opt.Ridge, c, w2); err != nil {
		return 0, err
	}
	a.w2 = w2
	// loss = [tr(T S T^T) - 2 tr(W2 M S T^T) + tr(W2 MSM W2^T)] / c
	var cross, quad float64
	wm := pr.mm64(c, c, c, w2, a.msm)
	for o := 0; o < c; o++ {
		wo := w2[o*c : (o+1)*c]
		for r := 0; r < c; r++ {
			cross += wo[r] * a.mst[r*c+o]
		}
		quad += dot64(wm[o*c:(o+1)*c], wo)
	}
	return (pr.ttr - 2*cross + quad) / float64(c), nil
}

// stepW1 takes one block-Newton step on the mixer with W2 fixed: per block
// d_b = -(A_b^T A_b)^{-1} g_b S_bb^{-1} (c/2) with A_b = W2[:, rows_b] and g_b
// the gradient, then the exact minimiser along d (the loss is quadratic in
// the step length).
func (a *als) stepW1() error {
	pr := a.pr
	c, n9 := pr.c, pr.n9
	// The gradient of block b is
	// g_b = (2/c) (W2^T W2 M S - W2^T T S)[R_b, F_b], computed for the
	// block's own rows and features only.
	w2t := make([]float64, c*c)
	for o := 0; o < c; o++ {
		for r := 0; r < c; r++ {
			w2t[r*c+o] = a.w2[o*c+r]
		}
	}
	gm := pr.mm64(c, c, c, w2t, a.w2) // W2^T W2
	var slope float64
	for _, b := range a.blocks {
		b.grad = make([]float64, b.rows*b.len)
		// Rows are independent: spread them over the pool (each row's sums
		// run in the same order whatever the thread count).
		tasks := min(b.rows, 4*pr.p.pool.Threads())
		pr.p.pool.Run(tasks, func(t, _ int) {
			g := make([]float64, b.len)
			for r := b.rows * t / tasks; r < b.rows*(t+1)/tasks; r++ {
				clear(g)
				gr := gm[(b.r0+r)*c : (b.r0+r+1)*c]
				for q, v := range gr {
					if v == 0 {
						continue
					}
					src := a.ms[q*n9+b.f0 : q*n9+b.f0+b.len]
					for k, m := range src {
						g[k] += v * float64(m)
					}
				}
				for k := 0; k < b.len; k++ {
					st := pr.st[(b.f0+k)*c : (b.f0+k+1)*c]
					wr := w2t[(b.r0+r)*c : (b.r0+r+1)*c]
					var s float64
					for o, v := range st {
						s += wr[o] * float64(v)
					}
					b.grad[r*b.len+k] = (g[k] - s) * 2 / float64(c)
				}
			}
		})
		// A_b^T A_b (rows x rows).
		ata := make([]float64, b.rows*b.rows)
		for o := 0; o < c; o++ {
			row := a.w2[o*c+b.r0 : o*c+b.r0+b.rows]
			for i, vi := range row {
				for j, vj := range row {
					ata[i*b.rows+j] += vi * vj
				}
			}
		}
		// X = (A^T A)^{-1} G column by column: solve X^T (A^T A) = G^T.
		gt := make([]float64, b.len*b.rows)
		for r := 0; r < b.rows; r++ {
			for k := 0; k < b.len; k++ {
				gt[k*b.rows+r] = b.grad[r*b.len+k]
			}
		}
		if err := pr.p.spdSolveRows(b.rows, ata, pr.opt.Ridge, b.len, gt); err != nil {
			return err
		}
		b.dir = make([]float64, b.rows*b.len)
		for r := 0; r < b.rows; r++ {
			d := b.dir[r*b.len : (r+1)*b.len]
			for k := range d {
				d[k] = gt[k*b.rows+r]
			}
		}
		pr.p.cholSolveRows(b.len, b.sbb, b.rows, b.dir) // the rows are independent
		for r := 0; r < b.rows; r++ {
			d := b.dir[r*b.len : (r+1)*b.len]
			for k := range d {
				d[k] *= -float64(c) / 2
			}
			slope += dot64(d, b.grad[r*b.len:(r+1)*b.len])
		}
	}
	if slope >= 0 {
		return nil
	}
	dir := func(b *block) []float64 { return b.dir }
	ds := a.mulS(dir, false)
	n := a.gram(ds, dir, false)
	// curvature = (2/c) tr(W2 N W2^T)
	var curv float64
	wn := pr.mm64(c, c, c, a.w2, n)
	for o := 0; o < c; o++ {
		curv += dot64(wn[o*c:(o+1)*c], a.w2[o*c:(o+1)*c])
	}
	curv *= 2 / float64(c)
	alpha := 1.0
	if curv > 0 {
		alpha = -slope / curv
	}
	for _, b := range a.blocks {
		for i, d := range b.dir {
			b.w[i] += alpha * d
		}
	}
	for i, v := range ds {
		a.ms[i] += float32(alpha) * v
	}
	return nil
}

// mm64 returns A B (m x n) for float64 A (m x k) and B (k x n), computed
// by the float32 GEMM (these products feed step directions and losses, not
// the final evaluation).
func (pr *Problem) mm64(m, k, n int, a, b []float64) []float64 {
	a32 := make([]float32, m*k)
	for i, v := range a[:m*k] {
		a32[i] = float32(v)
	}
	b32 := make([]float32, k*n)
	for i, v := range b[:k*n] {
		b32[i] = float32(v)
	}
	c32 := make([]float32, m*n)
	pr.p.mm(m, a32, k, kernels.PackB(b32, k, n, n), c32, n, false)
	out := make([]float64, m*n)
	for i, v := range c32 {
		out[i] = float64(v)
	}
	return out
}

// dense returns K = W2 M (c x 9c).
func (a *als) dense() []float64 {
	pr := a.pr
	c, n9 := pr.c, pr.n9
	k := make([]float64, c*n9)
	for o := 0; o < c; o++ {
		ko := k[o*n9 : (o+1)*n9]
		for _, b := range a.blocks {
			for r := 0; r < b.rows; r++ {
				wv := a.w2[o*c+b.r0+r]
				if wv == 0 {
					continue
				}
				src := b.w[r*b.len : (r+1)*b.len]
				dst := ko[b.f0 : b.f0+b.len]
				for q, v := range src {
					dst[q] += wv * v
				}
			}
		}
		for _, fx := range a.fixed {
			ko[fx[1]] += a.w2[o*c+fx[0]]
		}
	}
	return k
}
