package kernels

import (
	"math/rand"
	"testing"
)

func TestLayoutRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(10))
	for _, tc := range []struct{ n, c, h, w int }{
		{1, 3, 224, 224}, {2, 3, 5, 7}, {1, 40, 9, 11}, {2, 17, 1, 1}, {1, 1, 3, 2}, {2, 33, 17, 3},
	} {
		sz := tc.n * tc.c * tc.h * tc.w
		x := randF32(rng, sz)
		y := make([]float32, sz)
		NCHWToNHWC(tc.n, tc.c, tc.h, tc.w, x, y)
		for b := 0; b < tc.n; b++ {
			for ch := 0; ch < tc.c; ch++ {
				for p := 0; p < tc.h*tc.w; p++ {
					if y[(b*tc.h*tc.w+p)*tc.c+ch] != x[(b*tc.c+ch)*tc.h*tc.w+p] {
						t.Fatalf("%+v: NCHWToNHWC wrong at b=%d c=%d p=%d", tc, b, ch, p)
					}
				}
			}
		}
		z := make([]float32, sz)
		NHWCToNCHW(tc.n, tc.c, tc.h, tc.w, y, z)
		for i := range x {
			if x[i] != z[i] {
				t.Fatalf("%+v: round trip differs at %d", tc, i)
			}
		}
	}
}

func TestCopyPixels(t *testing.T) {
	forLevels(t, func(t *testing.T) {
		rng := rand.New(rand.NewSource(11))
		for _, c := range []int{1, 5, 15, 16, 17, 40, 80} {
			for _, npix := range []int{1, 3, 9} {
				lds, ldd, ldr := c+3, c+1, c+2
				src := randF32(rng, npix*lds)
				res := randF32(rng, npix*ldr)
				dst := stridedOut(npix, ldd)
				copyPixels(dst, ldd, src, lds, npix, c)
				for p := 0; p < npix; p++ {
					for j := 0; j < ldd; j++ {
						want := outGuard
						if j < c {
							want = src[p*lds+j]
						}
						if dst[p*ldd+j] != want {
							t.Fatalf("copyPixels c=%d npix=%d p=%d j=%d", c, npix, p, j)
						}
					}
				}
				dst = stridedOut(npix, ldd)
				copyAddPixels(dst, ldd, src, lds, res, ldr, npix, c)
				for p := 0; p < npix; p++ {
					for j := 0; j < ldd; j++ {
						want := outGuard
						if j < c {
							want = src[p*lds+j] + res[p*ldr+j]
						}
						if dst[p*ldd+j] != want {
							t.Fatalf("copyAddPixels c=%d npix=%d p=%d j=%d", c, npix, p, j)
						}
					}
				}
			}
		}
	})
}
