package fit

import (
	"fmt"
	"math"

	"github.com/fnlab/fnlab/kernels"
)

// par runs float32 matrix products on a kernels.Pool, rows split across
// the workers.
type par struct {
	pool *kernels.Pool
}

// mm computes C[m x b.N] = A*B (acc false) or C += A*B (acc true); A is
// row-major with stride lda, C with stride ldc.
func (p par) mm(m int, a []float32, lda int, b *kernels.PackedB, c []float32, ldc int, acc bool) {
	if m <= 0 || b.N == 0 {
		return
	}
	tasks := 1
	if m >= 48 && p.pool.Threads() > 1 {
		tasks = min(m/24, 4*p.pool.Threads())
	}
	p.pool.Run(tasks, func(t, _ int) {
		r0, r1 := m*t/tasks, m*(t+1)/tasks
		if r0 == r1 {
			return
		}
		var ep *kernels.Epilogue
		if acc {
			ep = &kernels.Epilogue{Residual: c[r0*ldc:], LdR: ldc}
		}
		kernels.Gemm(r1-r0, a[r0*lda:], lda, b, c[r0*ldc:], ldc, ep)
	})
}

// syrkBlock is the row and column block of syrk: a multiple of the GEMM's
// 32-column panels.
const syrkBlock = 192

// syrk accumulates C += A A^T for A (n x k, row-major, stride k) and C
// (n x n), computing only the blocks on and below the diagonal (about
// half the work); the caller mirrors the lower triangle when it is done
// accumulating.
func (p par) syrk(n int, a []float32, k int, c []float32) {
	nb := (n + syrkBlock - 1) / syrkBlock
	packs := make([]*kernels.PackedB, nb)
	for j := range packs {
		j0, j1 := j*syrkBlock, min(n, (j+1)*syrkBlock)
		packs[j] = kernels.PackBT(a[j0*k:j1*k], j1-j0, k)
	}
	blocks := make([][2]int, 0, nb*(nb+1)/2)
	for i := 0; i < nb; i++ {
		for j := 0; j <= i; j++ {
			blocks = append(blocks, [2]int{i, j})
		}
	}
	p.pool.Run(len(blocks), func(t, _ int) {
		i, j := blocks[t][0], blocks[t][1]
		i0, i1, j0 := i*syrkBlock, min(n, (i+1)*syrkBlock), j*syrkBlock
		off := i0*n + j0
		kernels.Gemm(i1-i0, a[i0*k:], k, packs[j], c[off:], n, &kernels.Epilogue{Residual: c[off:], LdR: n})
	})
}

// mirrorLower copies the strict lower triangle of the n x n matrix c into
// its upper triangle.
func mirrorLower(n int, c []float32) {
	for i := 0; i < n; i++ {
		for j := 0; j < i; j++ {
			c[j*n+i] = c[i*n+j]
		}
	}
}

// chol64 factors the symmetric positive definite n x n matrix a (row-major,
// lower triangle used) in place into L with a = L L^T, and mirrors L^T
// into the upper triangle so both substitutions read rows. Hand-written:
// measured faster than gonum's mat.Cholesky at the fit's block sizes
// (BenchmarkChol64; 3x at n = 32); TestCholTwinGonum checks it against it.
func (p par) chol64(n int, a []float64) error {
	if err := p.chol64Lower(n, a); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		for j := 0; j < i; j++ {
			a[j*n+i] = a[i*n+j]
		}
	}
	return nil
}

// chol64Lower is the column-by-column (left-looking) Cholesky. The
// entries below each pivot are independent, so long columns are spread
// over the pool; every entry is computed exactly as on one thread.
func (p par) chol64Lower(n int, a []float64) error {
	threads := 1
	if p.pool != nil {
		threads = p.pool.Threads()
	}
	for j := 0; j < n; j++ {
		rj := a[j*n : j*n+j]
		d := a[j*n+j] - dot64(rj, rj)
		if !(d > 0) {
			return fmt.Errorf("fit: matrix not positive definite at pivot %d of %d (%g)", j, n, d)
		}
		d = math.Sqrt(d)
		a[j*n+j] = d
		below := func(i0, i1 int) {
			for i := i0; i < i1; i++ {
				a[i*n+j] = (a[i*n+j] - dot64(a[i*n:i*n+j], rj)) / d
			}
		}
		rest := n - j - 1
		if threads == 1 || rest*j < 1<<16 {
			below(j+1, n)
			continue
		}
		tasks := 2 * threads
		p.pool.Run(tasks, func(t, _ int) { below(j+1+rest*t/tasks, j+1+rest*(t+1)/tasks) })
	}
	return nil
}

func dot64(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return s0 + s1 + s2 + s3
}

// cholSolve64 solves L L^T x = b in place for one right-hand side.
func cholSolve64(n int, l []float64, b []float64) {
	for i := 0; i < n; i++ {
		b[i] = (b[i] - dot64(l[i*n:i*n+i], b[:i])) / l[i*n+i]
	}
	for i := n - 1; i >= 0; i-- {
		b[i] = (b[i] - dot64(l[i*n+i+1:i*n+n], b[i+1:n])) / l[i*n+i]
	}
}

// spdSolveRows solves X A = B for X (r x n) with A symmetric positive
// definite (n x n, not modified) plus ridge*mean(diag(A))*I: each row of B
// is one right-hand side (A symmetric, so x A = b is A x^T = b^T).
// Hand-written: on the fit's pool it is as fast as gonum's factor and solve
// or faster (BenchmarkSPDSolveRows), with bits independent of the threads.
func (p par) spdSolveRows(n int, a []float64, ridge float64, r int, b []float64) error {
	l := append([]float64(nil), a...)
	tr := 0.0
	for i := 0; i < n; i++ {
		tr += l[i*n+i]
	}
	lam := ridge * tr / float64(n)
	if lam == 0 {
		lam = 1e-30
	}
	for i := 0; i < n; i++ {
		l[i*n+i] += lam
	}
	if err := p.chol64(n, l); err != nil {
		return err
	}
	p.cholSolveRows(n, l, r, b)
	return nil
}

// cholSolveRows solves L L^T x = b in place for each of the r rows of b
// (n floats each), rows spread over the pool: each row is solved exactly
// as cholSolve64 would, so results do not depend on the thread count.
func (p par) cholSolveRows(n int, l []float64, r int, b []float64) {
	if p.pool == nil || r < 2 {
		for i := 0; i < r; i++ {
			cholSolve64(n, l, b[i*n:(i+1)*n])
		}
		return
	}
	tasks := min(r, 4*p.pool.Threads())
	p.pool.Run(tasks, func(t, _ int) {
		for i := r * t / tasks; i < r*(t+1)/tasks; i++ {
			cholSolve64(n, l, b[i*n:(i+1)*n])
		}
	})
}

// chol32 factors the symmetric positive definite n x n float32 matrix a
// in place into its lower Cholesky factor (upper triangle left as is),
// blocked: diagonal blocks and panels in float64 loops, the trailing
// update A22 -= L21 L21^T as a GEMM. gonum has no float32 Cholesky; its
// float64 one is the reference twin (TestCholTwinGonum).
func (p par) chol32(n int, a []float32) error {
	const nb = 96
	neg := make([]float32, n*nb)
	blk := make([]float64, nb*nb)
	for k0 := 0; k0 < n; k0 += nb {
		k1 := min(k0+nb, n)
		kb := k1 - k0
		for i := 0; i < kb; i++ {
			for j := 0; j < kb; j++ {
				blk[i*kb+j] = float64(a[(k0+i)*n+k0+j])
			}
		}
		if err := (par{}).chol64Lower(kb, blk[:kb*kb]); err != nil {
			return fmt.Errorf("fit: Cholesky: %v (block at %d)", err, k0)
		}
		for i := 0; i < kb; i++ {
			for j := 0; j <= i; j++ {
				a[(k0+i)*n+k0+j] = float32(blk[i*kb+j])
			}
		}
		m := n - k1
		if m == 0 {
			break
		}
		// Panel: L21 = A21 L11^{-T}, row by row (forward substitution).
		p.pool.Run(min(m, 4*p.pool.Threads()), func(t, _ int) {
			tasks := min(m, 4*p.pool.Threads())
			row := make([]float64, nb)
			for i := k1 + m*t/tasks; i < k1+m*(t+1)/tasks; i++ {
				for j := 0; j < kb; j++ {
					s := float64(a[i*n+k0+j])
					for q := 0; q < j; q++ {
						s -= row[q] * blk[j*kb+q]
					}
					row[j] = s / blk[j*kb+j]
				}
				for j := 0; j < kb; j++ {
					a[i*n+k0+j] = float32(row[j])
					neg[(i-k1)*kb+j] = -float32(row[j])
				}
			}
		})
		l21 := make([]float32, m*kb)
		for i := 0; i < m; i++ {
			for j := 0; j < kb; j++ {
				l21[i*kb+j] = -neg[i*kb+j]
			}
		}
		pb := kernels.PackBT(l21, m, kb) // B = L21^T
		p.mm(m, neg, kb, pb, a[k1*n+k1:], n, true)
	}
	return nil
}

// cholSolve32 solves L L^T X = B in place for B (n x r, row-major) with L
// from chol32, blocked with GEMM updates.
func (p par) cholSolve32(n int, l []float32, r int, b []float32) {
	const nb = 96
	// Forward: L Y = B.
	for k0 := 0; k0 < n; k0 += nb {
		k1 := min(k0+nb, n)
		for i := k0; i < k1; i++ {
			d := float64(l[i*n+i])
			for j := 0; j < r; j++ {
				s := float64(b[i*r+j])
				for q := k0; q < i; q++ {
					s -= float64(l[i*n+q]) * float64(b[q*r+j])
				}
				b[i*r+j] = float32(s / d)
			}
		}
		if k1 < n {
			negY := make([]float32, (k1-k0)*r)
			for i := range negY {
				negY[i] = -b[k0*r+i]
			}
			pb := kernels.PackB(negY, k1-k0, r, r)
			p.mm(n-k1, l[k1*n+k0:], n, pb, b[k1*r:], r, true)
		}
	}
	// Backward: L^T X = Y, with U = L^T formed block column by block column.
	for k1 := n; k1 > 0; k1 -= nb {
		k0 := max(0, k1-nb)
		for i := k1 - 1; i >= k0; i-- {
			d := float64(l[i*n+i])
			for j := 0; j < r; j++ {
				s := float64(b[i*r+j])
				for q := i + 1; q < k1; q++ {
					s -= float64(l[q*n+i]) * float64(b[q*r+j])
				}
				b[i*r+j] = float32(s / d)
			}
		}
		if k0 > 0 {
			// Y[0:k0] -= L[k0:k1, 0:k0]^T X[k0:k1]: A = L[k0:k1,0:k0]^T (k0 x kb).
			kb := k1 - k0
			at := make([]float32, k0*kb)
			for q := 0; q < kb; q++ {
				row := l[(k0+q)*n : (k0+q)*n+k0]
				for i, v := range row {
					at[i*kb+q] = v
				}
			}
			negX := make([]float32, kb*r)
			for i := range negX {
				negX[i] = -b[k0*r+i]
			}
			pb := kernels.PackB(negX, kb, r, r)
			p.mm(k0, at, kb, pb, b, r, true)
		}
	}
}
