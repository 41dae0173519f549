package fit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fnlab/fnlab/kernels"
	"gonum.org/v1/gonum/mat"
)

// gonumChol factors the n x n SPD matrix a (row-major) with gonum, the
// float64 reference the hand-written solvers are checked against.
func gonumChol(t testing.TB, n int, a []float64) *mat.Cholesky {
	var c mat.Cholesky
	if !c.Factorize(mat.NewSymDense(n, append([]float64(nil), a...))) {
		t.Fatal("gonum: matrix not positive definite")
	}
	return &c
}

// TestCholTwinGonum: chol64 matches gonum's float64 Cholesky to rounding,
// and chol32 with cholSolve32 (the float32 solver of the fit) matches it
// to float32 precision, factor and solution alike.
func TestCholTwinGonum(t *testing.T) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	for _, c := range []struct {
		n, r int
	}{{1, 1}, {5, 3}, {97, 4}, {250, 33}} {
		a := spd(c.n, uint64(c.n))
		ref := gonumChol(t, c.n, a)
		var lref mat.TriDense
		ref.LTo(&lref)
		scale := 0.0
		for i := 0; i < c.n; i++ {
			scale = math.Max(scale, math.Sqrt(a[i*c.n+i]))
		}

		l64 := append([]float64(nil), a...)
		if err := (par{pool: pool}).chol64(c.n, l64); err != nil {
			t.Fatal(err)
		}
		l32 := make([]float32, len(a))
		for i, v := range a {
			l32[i] = float32(v)
		}
		if err := (par{pool: pool}).chol32(c.n, l32); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < c.n; i++ {
			for j := 0; j <= i; j++ {
				want := lref.At(i, j)
				if d := math.Abs(l64[i*c.n+j] - want); d > 1e-12*scale {
					t.Fatalf("n=%d: chol64 L[%d,%d] = %g, gonum %g", c.n, i, j, l64[i*c.n+j], want)
				}
				if d := math.Abs(float64(l32[i*c.n+j]) - want); d > 1e-5*scale {
					t.Fatalf("n=%d: chol32 L[%d,%d] = %g, gonum %g", c.n, i, j, l32[i*c.n+j], want)
				}
			}
		}

		rng := rand.New(rand.NewPCG(uint64(c.r), 2))
		b := make([]float64, c.n*c.r)
		for i := range b {
			b[i] = rng.NormFloat64()
		}
		var x mat.Dense
		if err := ref.SolveTo(&x, mat.NewDense(c.n, c.r, append([]float64(nil), b...))); err != nil {
			t.Fatal(err)
		}
		b32 := make([]float32, len(b))
		for i, v := range b {
			b32[i] = float32(v)
		}
		(par{pool: pool}).cholSolve32(c.n, l32, c.r, b32)
		xmax := mat.Norm(&x, math.Inf(1))
		for i := 0; i < c.n; i++ {
			for j := 0; j < c.r; j++ {
				if d := math.Abs(float64(b32[i*c.r+j]) - x.At(i, j)); d > 1e-4*xmax {
					t.Fatalf("n=%d: cholSolve32 X[%d,%d] = %g, gonum %g", c.n, i, j, b32[i*c.r+j], x.At(i, j))
				}
			}
		}
	}
}

// BenchmarkChol64 compares the hand-written float64 Cholesky (one thread
// and a pool of two) with gonum's, at the sizes the fit factors (a block
// of channels up to 9c features).
func BenchmarkChol64(b *testing.B) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	for _, n := range []int{32, 144, 600} {
		a := spd(n, 3)
		work := make([]float64, len(a))
		for _, c := range []struct {
			name string
			p    par
		}{{"hand-1", par{}}, {"hand-2", par{pool: pool}}} {
			b.Run(fmt.Sprintf("n=%d/%s", n, c.name), func(b *testing.B) {
				for b.Loop() {
					copy(work, a)
					if err := c.p.chol64(n, work); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(fmt.Sprintf("n=%d/gonum", n), func(b *testing.B) {
			sym := mat.NewSymDense(n, work)
			var ch mat.Cholesky
			for b.Loop() {
				copy(work, a)
				if !ch.Factorize(sym) {
					b.Fatal("not positive definite")
				}
			}
		})
	}
}

// BenchmarkSPDSolveRows compares spdSolveRows (factor, then solve r
// rows) with gonum's Cholesky factor and solve.
func BenchmarkSPDSolveRows(b *testing.B) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	for _, c := range []struct{ n, r int }{{64, 64}, {256, 256}, {600, 64}} {
		n, r := c.n, c.r
		a := spd(n, 3)
		rng := rand.New(rand.NewPCG(4, 1))
		rhs := make([]float64, r*n)
		for i := range rhs {
			rhs[i] = rng.NormFloat64()
		}
		x := make([]float64, len(rhs))
		for _, h := range []struct {
			name string
			p    par
		}{{"hand-1", par{}}, {"hand-2", par{pool: pool}}} {
			b.Run(fmt.Sprintf("n=%d,r=%d/%s", n, r, h.name), func(b *testing.B) {
				for b.Loop() {
					copy(x, rhs)
					if err := h.p.spdSolveRows(n, a, 0, r, x); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(fmt.Sprintf("n=%d,r=%d/gonum", n, r), func(b *testing.B) {
			var ch mat.Cholesky
			var out mat.Dense
			for b.Loop() {
				if !ch.Factorize(mat.NewSymDense(n, append([]float64(nil), a...))) {
					b.Fatal("not positive definite")
				}
				// X A = B is A X^T = B^T.
				out.Reset()
				if err := ch.SolveTo(&out, mat.NewDense(r, n, rhs).T()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
