package fit

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fnlab/fnlab/kernels"
)

// spd returns a random symmetric positive definite n x n matrix.
func spd(n int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]float64, n*n)
	for i := range b {
		b[i] = r.NormFloat64()
	}
	a := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			for k := 0; k < n; k++ {
				s += b[i*n+k] * b[j*n+k]
			}
			a[i*n+j] = s
		}
		a[i*n+i] += float64(n)
	}
	return a
}

// TestChol64Threads: the pooled factorisation and solves give the same
// bits as one thread, and solve the system.
func TestChol64Threads(t *testing.T) {
	const n, r = 600, 7 // columns of 600 rows reach the pooled path
	a := spd(n, 3)
	pool := kernels.NewPool(2)
	defer pool.Close()
	one, two := append([]float64(nil), a...), append([]float64(nil), a...)
	if err := (par{}).chol64(n, one); err != nil {
		t.Fatal(err)
	}
	if err := (par{pool: pool}).chol64(n, two); err != nil {
		t.Fatal(err)
	}
	for i := range one {
		if one[i] != two[i] {
			t.Fatalf("factor differs at %d: %g vs %g", i, one[i], two[i])
		}
	}
	// X A = B for random B: check X A against B.
	rng := rand.New(rand.NewPCG(4, 1))
	b := make([]float64, r*n)
	for i := range b {
		b[i] = rng.NormFloat64()
	}
	x := append([]float64(nil), b...)
	if err := (par{pool: pool}).spdSolveRows(n, a, 0, r, x); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < r; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			for k := 0; k < n; k++ {
				s += x[i*n+k] * a[k*n+j]
			}
			if math.Abs(s-b[i*n+j]) > 1e-9*float64(n) {
				t.Fatalf("row %d col %d: (XA) = %g, B = %g", i, j, s, b[i*n+j])
			}
		}
	}
	bad := spd(4, 5)
	bad[0] = -1
	if err := (par{pool: pool}).chol64(4, bad); err == nil {
		t.Error("indefinite matrix: want an error")
	}
}
