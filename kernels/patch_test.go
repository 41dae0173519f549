package kernels

import (
	"fmt"
	"math/rand"
	"testing"
)

type patchCase struct {
	cin, cout, k int
	n, h, w      int
}

var patchNCHWCases = []patchCase{
	{3, 5, 4, 1, 8, 8}, {3, 17, 4, 2, 9, 13}, {3, 40, 4, 1, 16, 12}, {1, 3, 4, 1, 4, 4},
	{3, 7, 4, 1, 3, 9}, {2, 6, 2, 2, 5, 4}, {3, 10, 3, 1, 7, 6}, {5, 33, 1, 1, 2, 3},
}

var patchNHWCCases = []patchCase{
	{5, 7, 2, 1, 4, 4}, {17, 34, 2, 2, 7, 5}, {40, 80, 2, 1, 6, 6}, {10, 20, 2, 2, 2, 3},
	{3, 5, 3, 1, 7, 6}, {8, 16, 4, 1, 9, 8}, {6, 4, 1, 2, 3, 2}, {5, 5, 2, 1, 1, 4},
}

func patchRef(t *testing.T, rng *rand.Rand, pc patchCase) (wt, x, ref, mag []float32, oh, ow int) {
	wt = randF32(rng, pc.cout*pc.cin*pc.k*pc.k)
	x = randF32(rng, pc.n*pc.cin*pc.h*pc.w)
	ref, oh, ow = RefConv2d(pc.n, pc.cin, pc.h, pc.w, x, wt, pc.cout, pc.k, pc.k, pc.k, 0, 1)
	mag, _, _ = RefConv2d(pc.n, pc.cin, pc.h, pc.w, absF32(x), absF32(wt), pc.cout, pc.k, pc.k, pc.k, 0, 1)
	if oh != pc.h/pc.k || ow != pc.w/pc.k {
		t.Fatalf("ref size %dx%d", oh, ow)
	}
	return
}

func forPatchModes(t *testing.T, f func(t *testing.T)) {
	for _, mode := range []int{patchSrc, patchIm2col} {
		t.Run(fmt.Sprintf("mode%d", mode), func(t *testing.T) {
			old := patchMode
			patchMode = mode
			defer func() { patchMode = old }()
			forLevels(t, f)
		})
	}
}

func TestPatchConvNCHW(t *testing.T) {
	forPatchModes(t, func(t *testing.T) {
		rng := rand.New(rand.NewSource(5))
		for i, pc := range patchNCHWCases {
			wt, x, ref, mag, oh, ow := patchRef(t, rng, pc)
			p, err := NewPatchConv(wt, pc.cin, pc.cout, pc.k)
			if err != nil {
				t.Fatal(err)
			}
			for j, ec := range epCases {
				if (i+j)%2 == 1 {
					continue
				}
				ldo := pc.cout + j%3
				off := min(j%2, ldo-pc.cout)
				npix := pc.n * oh * ow
				out := stridedOut(max(npix, 1), ldo)
				ep, _, _ := epSetup(rng, ec, pc.cout, npix)
				scratch := make([]float32, p.ScratchLen(pc.n, pc.h, pc.w))
				if j%3 == 0 && oh >= 2 {
					p.RunNCHWRows(pc.n, pc.h, pc.w, 1, oh, x, out[off:], ldo, ep, scratch)
					p.RunNCHWRows(pc.n, pc.h, pc.w, 0, 1, x, out[off:], ldo, ep, scratch)
				} else {
					p.RunNCHW(pc.n, pc.h, pc.w, x, out[off:], ldo, ep, scratch)
				}
				checkConv(t, fmt.Sprintf("%+v ep=%s", pc, ec.name), out, ldo, off, ref, mag, pc.n, pc.cout, oh, ow, ep)
			}
		}
	})
}

func TestPatchConvNHWC(t *testing.T) {
	forPatchModes(t, func(t *testing.T) {
		rng := rand.New(rand.NewSource(6))
		for i, pc := range patchNHWCCases {
			wt, x, ref, mag, oh, ow := patchRef(t, rng, pc)
			p, err := NewPatchConv(wt, pc.cin, pc.cout, pc.k)
			if err != nil {
				t.Fatal(err)
			}
			for j, ec := range epCases {
				ldi, offIn := pc.cin, 0
				if (i+j)%2 == 1 {
					ldi, offIn = pc.cin+3, 2
				}
				in := toStrided(x, pc.n, pc.cin, pc.h, pc.w, ldi, offIn)
				ldo := pc.cout + j%3
				off := min(j%2, ldo-pc.cout)
				npix := pc.n * oh * ow
				out := stridedOut(max(npix, 1), ldo)
				ep, _, _ := epSetup(rng, ec, pc.cout, npix)
				scratch := make([]float32, p.ScratchLen(pc.n, pc.h, pc.w))
				if j%3 == 0 && oh >= 2 {
					p.RunNHWCRows(pc.n, pc.h, pc.w, 1, oh, in[offIn:], ldi, out[off:], ldo, ep, scratch)
					p.RunNHWCRows(pc.n, pc.h, pc.w, 0, 1, in[offIn:], ldi, out[off:], ldo, ep, scratch)
				} else {
					p.RunNHWC(pc.n, pc.h, pc.w, in[offIn:], ldi, out[off:], ldo, ep, scratch)
				}
				checkConv(t, fmt.Sprintf("%+v ldi=%d ep=%s", pc, ldi, ec.name), out, ldo, off, ref, mag, pc.n, pc.cout, oh, ow, ep)
			}
		}
	})
}

func TestPatchConvChunks(t *testing.T) {
	old, oldM := patchBudget, patchMode
	defer func() { patchBudget, patchMode = old, oldM }()
	patchBudget, patchMode = 1, patchIm2col
	rng := rand.New(rand.NewSource(7))
	pc := patchCase{3, 6, 2, 2, 9, 7}
	wt, x, ref, mag, oh, ow := patchRef(t, rng, pc)
	p, _ := NewPatchConv(wt, pc.cin, pc.cout, pc.k)
	scratch := make([]float32, p.ScratchLen(pc.n, pc.h, pc.w))
	out := stridedOut(pc.n*oh*ow, pc.cout)
	p.RunNCHW(pc.n, pc.h, pc.w, x, out, pc.cout, nil, scratch)
	checkConv(t, "nchw", out, pc.cout, 0, ref, mag, pc.n, pc.cout, oh, ow, nil)
	out = stridedOut(pc.n*oh*ow, pc.cout)
	p.RunNHWC(pc.n, pc.h, pc.w, toStrided(x, pc.n, pc.cin, pc.h, pc.w, pc.cin, 0), pc.cin, out, pc.cout, nil, scratch)
	checkConv(t, "nhwc", out, pc.cout, 0, ref, mag, pc.n, pc.cout, oh, ow, nil)
}

func TestPatchConvErrors(t *testing.T) {
	if _, err := NewPatchConv(make([]float32, 5), 3, 4, 4); err == nil {
		t.Error("short weight accepted")
	}
	if _, err := NewPatchConv(nil, 3, 4, 0); err == nil {
		t.Error("k=0 accepted")
	}
}

func TestPatchConvNoAlloc(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	for _, mode := range []int{patchSrc, patchIm2col} {
		old := patchMode
		patchMode = mode
		p, _ := NewPatchConv(randF32(rng, 8*3*16), 3, 8, 4)
		img := randF32(rng, 3*16*12)
		out := make([]float32, 4*3*8)
		q, _ := NewPatchConv(randF32(rng, 8*4*4), 4, 8, 2)
		in := randF32(rng, 8*6*4)
		out2 := make([]float32, 4*3*8)
		ep := &Epilogue{Bias: randF32(rng, 8), Act: ActReLU, Residual: randF32(rng, 12*8), LdR: 8}
		scratch := make([]float32, max(p.ScratchLen(1, 16, 12), q.ScratchLen(1, 8, 6)))
		a := testing.AllocsPerRun(10, func() {
			p.RunNCHW(1, 16, 12, img, out, 8, ep, scratch)
			q.RunNHWC(1, 8, 6, in, 4, out2, 8, ep, scratch)
		})
		patchMode = old
		if a != 0 {
			t.Errorf("mode %d: %v allocations per run", mode, a)
		}
	}
}
