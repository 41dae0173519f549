package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// geluTol is the accepted GELU error relative to max(1, |x|); the measured
// maximum is about 2e-7 (logged by TestGELUAccuracy).
const geluTol = 1e-6

func geluRef64(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }

// geluInputs is a dense grid over [-10, 10] plus random and special values.
func geluInputs() []float32 {
	var xs []float32
	for i := -200000; i <= 200000; i++ {
		xs = append(xs, float32(i)*5e-5)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		xs = append(xs, float32(r.NormFloat64()*3))
	}
	xs = append(xs, 0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 5.656854, -5.656854, 5.7, -5.7,
		30, -30, 1e10, -1e10, 1e30, -1e30, math.MaxFloat32, -math.MaxFloat32, float32(math.Inf(1)))
	return xs
}

// TestGELUAccuracy checks ApplyAct(ActGELU) at every level against the
// float64 formula, with the scalar kernel and the vector kernels (including
// their masked tails: the slice length is odd).
func TestGELUAccuracy(t *testing.T) {
	xs := geluInputs()
	for _, l := range levels() {
		withLevel(t, l, func() {
			y := append([]float32(nil), xs...)
			ApplyAct(ActGELU, y)
			worst, at := 0.0, float32(0)
			for i, x := range xs {
				want := geluRef64(float64(x))
				if math.IsInf(float64(x), 1) {
					if !math.IsInf(float64(y[i]), 1) {
						t.Errorf("%v: GELU(+Inf) = %v", l, y[i])
					}
					continue
				}
				e := math.Abs(float64(y[i])-want) / math.Max(1, math.Abs(float64(x)))
				if !(e <= geluTol) {
					t.Errorf("%v: GELU(%v) = %v, want %v (err %.3g)", l, x, y[i], want, e)
				}
				if e > worst {
					worst, at = e, x
				}
			}
			t.Logf("%v: max GELU error %.3g (relative to max(1,|x|)) at x=%v", l, worst, at)
			// Far left GELU is exactly 0, far right exactly x.
			for _, x := range []float32{-6, -30, -1e30, -math.MaxFloat32} {
				z := []float32{x}
				ApplyAct(ActGELU, z)
				if z[0] != 0 {
					t.Errorf("%v: GELU(%v) = %v, want 0", l, x, z[0])
				}
			}
			for _, x := range []float32{6, 30, 1e30} {
				z := []float32{x}
				ApplyAct(ActGELU, z)
				if z[0] != x {
					t.Errorf("%v: GELU(%v) = %v, want %v", l, x, z[0], x)
				}
			}
			z := []float32{float32(math.NaN()), 1}
			ApplyAct(ActGELU, z)
			if !math.IsNaN(float64(z[0])) {
				t.Errorf("%v: GELU(NaN) = %v", l, z[0])
			}
		})
	}
}

// TestApplyAct compares ApplyAct with RefAct at every level and length
// (vector bodies and tails), and checks it stays inside the slice.
func TestApplyAct(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for _, l := range levels() {
		withLevel(t, l, func() {
			for _, a := range []Act{ActNone, ActReLU, ActGELU} {
				for n := 0; n <= 150; n++ {
					buf := randSlice(r, n+2)
					buf[0], buf[n+1] = 777, 777
					x := buf[1 : n+1 : n+1]
					want := append([]float32(nil), x...)
					RefAct(a, want)
					ApplyAct(a, x)
					if buf[0] != 777 || buf[n+1] != 777 {
						t.Fatalf("%v %v n=%d: wrote outside the slice", l, a, n)
					}
					for i := range x {
						if d := math.Abs(float64(x[i] - want[i])); d > geluTol*math.Max(1, math.Abs(float64(want[i]))) {
							t.Fatalf("%v %v n=%d: x[%d] = %v, want %v", l, a, n, i, x[i], want[i])
						}
					}
				}
			}
			// ReLU keeps NaN and -0 as they are, like max(x, 0) in PyTorch.
			z := []float32{float32(math.NaN()), -1, 2}
			ApplyAct(ActReLU, z)
			if !math.IsNaN(float64(z[0])) || z[1] != 0 || z[2] != 2 {
				t.Errorf("%v: ReLU([NaN -1 2]) = %v", l, z)
			}
		})
	}
}

// TestGemmGELUEpilogue checks the GEMM's fused GELU over a wide input range
// (K=1, A=1, B=x: C = GELU(x + bias)).
func TestGemmGELUEpilogue(t *testing.T) {
	const n = 1000
	bv := make([]float32, n)
	bias := make([]float32, n)
	for j := range bv {
		bv[j] = float32(j-n/2) * 0.02 // [-10, 10)
		bias[j] = 0.003
	}
	b := PackB(bv, 1, n, n)
	a := []float32{1, 1, 1}
	for _, l := range levels() {
		withLevel(t, l, func() {
			c := make([]float32, 3*n)
			Gemm(3, a, 1, b, c, n, &Epilogue{Bias: bias, Act: ActGELU})
			for i := 0; i < 3; i++ {
				for j := 0; j < n; j++ {
					x := float64(bv[j]) + 0.003
					if e := math.Abs(float64(c[i*n+j])-geluRef64(x)) / math.Max(1, math.Abs(x)); e > geluTol {
						t.Fatalf("%v: GELU(%v) = %v, want %v", l, x, c[i*n+j], geluRef64(x))
					}
				}
			}
		})
	}
}
