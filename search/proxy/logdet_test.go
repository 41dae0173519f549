package proxy

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestLogDetTwinGonum: both paths of logDet agree with gonum's LU on
// agreement kernels of several batch sizes, on either side of luGonumMin.
func TestLogDetTwinGonum(t *testing.T) {
	for _, n := range []int{2, 5, 16, 40, luGonumMin - 1, luGonumMin, 100} {
		a := agreementKernel(n)
		var lu mat.LU
		lu.Factorize(mat.NewDense(n, n, append([]float64(nil), a...)))
		want, _ := lu.LogDet()
		for name, got := range map[string]float64{
			"logDet":   logDet(append([]float64(nil), a...), n),
			"luLogDet": luLogDet(append([]float64(nil), a...), n),
		} {
			if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Errorf("n=%d: %s = %.15g, gonum %.15g", n, name, got, want)
			}
		}
	}
	if got := logDet(make([]float64, luGonumMin*luGonumMin), luGonumMin); !math.IsInf(got, -1) {
		t.Errorf("zero %dx%d matrix: %g, want -Inf", luGonumMin, luGonumMin, got)
	}
}

// BenchmarkLogDet compares luLogDet with gonum's LU log-determinant on
// agreement kernels of NASWOT's batch sizes (luGonumMin is the crossover).
func BenchmarkLogDet(b *testing.B) {
	for _, n := range []int{16, 32, 48, 64, 128} {
		a := agreementKernel(n)
		work := make([]float64, len(a))
		b.Run(fmt.Sprintf("n=%d/hand", n), func(b *testing.B) {
			for b.Loop() {
				copy(work, a)
				luLogDet(work, n)
			}
		})
		b.Run(fmt.Sprintf("n=%d/gonum", n), func(b *testing.B) {
			var lu mat.LU
			for b.Loop() {
				copy(work, a)
				lu.Factorize(mat.NewDense(n, n, work))
				lu.LogDet()
			}
		})
	}
}

// agreementKernel is a NASWOT-like kernel: 256 units minus the Hamming
// distances of random codes (a Gram matrix, of full rank here).
func agreementKernel(n int) []float64 {
	r := rand.New(rand.NewPCG(uint64(n), 1))
	codes := make([][4]uint64, n)
	for i := range codes {
		for q := range codes[i] {
			codes[i][q] = r.Uint64()
		}
	}
	k := make([]float64, n*n)
	for i := range codes {
		for j := range codes {
			d := 0
			for q := range codes[i] {
				d += bits.OnesCount64(codes[i][q] ^ codes[j][q])
			}
			k[i*n+j] = float64(256 - d)
		}
	}
	return k
}
