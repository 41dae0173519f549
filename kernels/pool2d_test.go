package kernels

import (
	"math"
	"math/rand"
	"testing"
)

func TestGlobalAvgPool(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for _, tc := range []struct{ n, hw, c, ld int }{
		{1, 1, 1, 1}, {2, 49, 320, 320}, {2, 7, 70, 75}, {1, 3136, 40, 40}, {3, 6, 130, 131},
	} {
		in := randF32(rng, tc.n*tc.hw*tc.ld)
		out := make([]float32, tc.n*tc.c)
		GlobalAvgPool(tc.n, tc.hw, tc.c, in, tc.ld, out)
		for b := 0; b < tc.n; b++ {
			for ch := 0; ch < tc.c; ch++ {
				var s float64
				for p := 0; p < tc.hw; p++ {
					s += float64(in[(b*tc.hw+p)*tc.ld+ch])
				}
				want := s / float64(tc.hw)
				if g := out[b*tc.c+ch]; math.Abs(float64(g)-want) > 1e-7*(1+math.Abs(want)) {
					t.Fatalf("%+v b=%d c=%d: got %v want %v", tc, b, ch, g, want)
				}
			}
		}
	}
	in, out := randF32(rng, 49*320), make([]float32, 320)
	if a := testing.AllocsPerRun(5, func() {
		GlobalAvgPool(1, 49, 320, in, 320, out)
	}); a != 0 {
		t.Error(a)
	}
}
