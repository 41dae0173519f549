package proxy

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// luGonumMin is the size from which gonum's blocked LU is faster than
// luLogDet (BenchmarkLogDet: gonum 3x slower at the default batch of 16,
// about even at 48, 1.5-2x faster from 64).
const luGonumMin = 64

// logDet returns log|det A| of the n x n matrix a (destroyed) by LU
// decomposition with partial pivoting; -Inf for a singular matrix.
func logDet(a []float64, n int) float64 {
	if n < luGonumMin {
		return luLogDet(a, n)
	}
	var lu mat.LU
	lu.Factorize(mat.NewDense(n, n, a))
	ld, _ := lu.LogDet()
	return ld
}

// luLogDet is logDet's unblocked elimination, for small n.
func luLogDet(a []float64, n int) float64 {
	var ld float64
	for col := 0; col < n; col++ {
		p := col
		for r := col + 1; r < n; r++ {
			if math.Abs(a[r*n+col]) > math.Abs(a[p*n+col]) {
				p = r
			}
		}
		if a[p*n+col] == 0 {
			return math.Inf(-1)
		}
		if p != col {
			for q := 0; q < n; q++ {
				a[p*n+q], a[col*n+q] = a[col*n+q], a[p*n+q]
			}
		}
		piv := a[col*n+col]
		ld += math.Log(math.Abs(piv))
		for r := col + 1; r < n; r++ {
			m := a[r*n+col] / piv
			if m == 0 {
				continue
			}
			for q := col; q < n; q++ {
				a[r*n+q] -= m * a[col*n+q]
			}
		}
	}
	return ld
}
