package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// ---- helpers shared by the spatial kernels' tests ----

func randF32(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.Float64()*2 - 1)
	}
	return s
}

func absF32(s []float32) []float32 {
	a := make([]float32, len(s))
	for i, v := range s {
		a[i] = float32(math.Abs(float64(v)))
	}
	return a
}

// sentinel marks floats a kernel must neither read (input padding: NaN
// poisons any output that reads it) nor write (output padding).
var sentinel = float32(math.NaN())

const outGuard = float32(-7777)

// toStrided lays NCHW x out as NHWC with pixel stride ld and channels at
// offset off; everything else is NaN.
func toStrided(x []float32, n, c, h, w, ld, off int) []float32 {
	d := make([]float32, n*h*w*ld)
	for i := range d {
		d[i] = sentinel
	}
	for b := 0; b < n; b++ {
		for ch := 0; ch < c; ch++ {
			for p := 0; p < h*w; p++ {
				d[(b*h*w+p)*ld+off+ch] = x[(b*c+ch)*h*w+p]
			}
		}
	}
	return d
}

func stridedOut(npix, ld int) []float32 {
	d := make([]float32, npix*ld)
	for i := range d {
		d[i] = outGuard
	}
	return d
}

type epCase struct {
	name  string
	bias  bool
	act   Act
	resid bool
}

var epCases = []epCase{
	{"none", false, ActNone, false},
	{"bias", true, ActNone, false},
	{"bias+relu", true, ActReLU, false},
	{"gelu", false, ActGELU, false},
	{"resid", false, ActNone, true},
	{"bias+relu+resid", true, ActReLU, true},
	{"bias+gelu+resid", true, ActGELU, true},
}

func geluRef(v float64) float64 { return 0.5 * v * (1 + math.Erf(v/math.Sqrt2)) }

// epSetup builds an Epilogue for cout channels over npix pixels; the
// residual has pixel stride cout+3 and channel offset 1.
func epSetup(rng *rand.Rand, ec epCase, cout, npix int) (*Epilogue, []float32, []float32) {
	if !ec.bias && ec.act == ActNone && !ec.resid {
		return nil, nil, nil
	}
	ep := &Epilogue{Act: ec.act}
	var bias, res []float32
	if ec.bias {
		bias = randF32(rng, cout)
		ep.Bias = bias
	}
	if ec.resid {
		ldr := cout + 3
		res = randF32(rng, max(npix, 1)*ldr)
		ep.Residual = res[1:]
		ep.LdR = ldr
	}
	return ep, bias, res
}

// checkConv compares the NHWC output got (pixel stride ldo, offset off)
// with the NCHW reference ref (sum of |x||w| in mag), after the epilogue.
func checkConv(t *testing.T, what string, got []float32, ldo, off int, ref, mag []float32, n, cout, oh, ow int, ep *Epilogue) {
	t.Helper()
	bad := 0
	for b := 0; b < n; b++ {
		for p := 0; p < oh*ow; p++ {
			pix := b*oh*ow + p
			for i := 0; i < ldo; i++ {
				g := got[pix*ldo+i]
				co := i - off
				if co < 0 || co >= cout {
					if g != outGuard {
						t.Errorf("%s: pixel %d float %d outside the output channels was written: %v", what, pix, i, g)
						return
					}
					continue
				}
				want := float64(ref[(b*cout+co)*oh*ow+p])
				tol := float64(mag[(b*cout+co)*oh*ow+p])
				if ep != nil {
					if ep.Bias != nil {
						want += float64(ep.Bias[co])
						tol += math.Abs(float64(ep.Bias[co]))
					}
					switch ep.Act {
					case ActReLU:
						want = max(want, 0)
					case ActGELU:
						want = geluRef(want)
					}
					if ep.Residual != nil {
						r := float64(ep.Residual[pix*ep.LdR+co])
						want += r
						tol += math.Abs(r)
					}
				}
				tol = 2e-6*tol + 1e-6
				if !(math.Abs(float64(g)-want) <= tol) {
					if bad < 5 {
						t.Errorf("%s: b=%d pixel %d co=%d: got %v want %v (tol %.2g)", what, b, p, co, g, want, tol)
					}
					bad++
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d mismatches", what, bad)
	}
}

// forLevels runs f at every SIMD level this CPU and build support.
func forLevels(t *testing.T, f func(t *testing.T)) {
	var levels []Level
	for l := BestLevel(); ; l-- {
		levels = append(levels, l)
		if l == Generic {
			break
		}
	}
	for _, l := range levels {
		t.Run(l.String(), func(t *testing.T) {
			old := CurrentLevel()
			if err := SetLevel(l); err != nil {
				t.Fatal(err)
			}
			defer SetLevel(old)
			f(t)
		})
	}
}

// ---- Conv3x3 ----

type convShape struct{ n, h, w int }

var convShapes = []convShape{{1, 1, 1}, {2, 2, 3}, {1, 3, 2}, {2, 5, 7}, {1, 7, 7}, {1, 6, 13}, {2, 9, 4}, {1, 1, 9}, {1, 10, 1}}

type convCh struct{ cin, cout, groups int }

var convChs = []convCh{
	{1, 1, 1}, {5, 5, 1}, {10, 10, 1}, {5, 7, 1}, {17, 17, 1}, {16, 32, 1}, {40, 40, 1},
	{10, 10, 2}, {8, 12, 4}, {40, 40, 4}, {10, 20, 10}, {6, 3, 3},
	{5, 5, 5}, {16, 16, 16}, {17, 17, 17}, {40, 40, 40}, {33, 33, 33},
}

func runConvCase(t *testing.T, rng *rand.Rand, ch convCh, sh convShape, ec epCase, ldiExtra, offIn, ldoExtra, offOut int, split bool) {
	t.Helper()
	cg := ch.cin / ch.groups
	wt := randF32(rng, ch.cout*cg*9)
	x := randF32(rng, sh.n*ch.cin*sh.h*sh.w)
	ref, oh, ow := RefConv2d(sh.n, ch.cin, sh.h, sh.w, x, wt, ch.cout, 3, 3, 1, 1, ch.groups)
	mag, _, _ := RefConv2d(sh.n, ch.cin, sh.h, sh.w, absF32(x), absF32(wt), ch.cout, 3, 3, 1, 1, ch.groups)
	if oh != sh.h || ow != sh.w {
		t.Fatalf("ref size %dx%d", oh, ow)
	}
	c, err := NewConv3x3(wt, ch.cin, ch.cout, ch.groups)
	if err != nil {
		t.Fatal(err)
	}
	ldi, ldo := ch.cin+ldiExtra, ch.cout+ldoExtra
	in := toStrided(x, sh.n, ch.cin, sh.h, sh.w, ldi, offIn)
	npix := sh.n * sh.h * sh.w
	out := stridedOut(npix, ldo)
	ep, _, _ := epSetup(rng, ec, ch.cout, npix)
	scratch := make([]float32, c.ScratchLen(sh.n, sh.h, sh.w))
	if split && sh.h >= 3 {
		a, b := sh.h/3, 2*sh.h/3
		c.RunRows(sh.n, sh.h, sh.w, b, sh.h, in[offIn:], ldi, out[offOut:], ldo, ep, scratch)
		c.RunRows(sh.n, sh.h, sh.w, 0, a, in[offIn:], ldi, out[offOut:], ldo, ep, scratch)
		c.RunRows(sh.n, sh.h, sh.w, a, b, in[offIn:], ldi, out[offOut:], ldo, ep, scratch)
	} else {
		c.Run(sh.n, sh.h, sh.w, in[offIn:], ldi, out[offOut:], ldo, ep, scratch)
	}
	what := fmt.Sprintf("cin=%d cout=%d g=%d n=%d %dx%d ldi=%d+%d ldo=%d+%d ep=%s split=%v",
		ch.cin, ch.cout, ch.groups, sh.n, sh.h, sh.w, ldi, offIn, ldo, offOut, ec.name, split)
	checkConv(t, what, out, ldo, offOut, ref, mag, sh.n, ch.cout, sh.h, sh.w, ep)
}

// forConvModes runs f under every implicit-GEMM strategy, im2col and
// Winograd also with chunks of a few rows (chunks that end inside an image
// and that span images).
func forConvModes(t *testing.T, f func(t *testing.T)) {
	for _, mode := range []int{convDirect, convExt, convIm2col, convIm2col + 100, convWinograd, convWinograd + 100} {
		t.Run(fmt.Sprintf("mode%d", mode), func(t *testing.T) {
			old, oldB, oldW := conv3x3Mode, conv3x3Im2colBudget, wgBudget
			conv3x3Mode = mode
			if mode > 100 {
				conv3x3Mode, conv3x3Im2colBudget, wgBudget = mode-100, 1000, 1
			}
			defer func() { conv3x3Mode, conv3x3Im2colBudget, wgBudget = old, oldB, oldW }()
			f(t)
		})
	}
}

func TestConv3x3(t *testing.T) {
	forConvModes(t, func(t *testing.T) {
		forLevels(t, func(t *testing.T) {
			rng := rand.New(rand.NewSource(1))
			for _, ch := range convChs {
				for si, sh := range convShapes {
					ec := epCases[(si+ch.cin)%len(epCases)]
					runConvCase(t, rng, ch, sh, ec, 0, 0, 0, 0, false)
					// PConv-style: a channel slice of a wider map, written into a wider map.
					runConvCase(t, rng, ch, sh, ec, 3*ch.cin+1, 2, 5, 3, si%2 == 0)
				}
				for _, ec := range epCases {
					runConvCase(t, rng, ch, convShape{2, 4, 5}, ec, 1, 1, 2, 2, true)
				}
			}
		})
	})
}

// TestConv3x3Chunks forces one-row chunks so chunk edges meet everywhere.
func TestConv3x3Chunks(t *testing.T) {
	oldB := conv3x3Budget
	defer func() { conv3x3Budget = oldB }()
	conv3x3Budget = 1
	forConvModes(t, func(t *testing.T) {
		rng := rand.New(rand.NewSource(2))
		for _, ch := range []convCh{{5, 7, 1}, {8, 12, 4}, {10, 10, 1}} {
			runConvCase(t, rng, ch, convShape{2, 7, 5}, epCases[6], 2, 1, 1, 1, true)
			runConvCase(t, rng, ch, convShape{1, 5, 3}, epCases[4], 0, 0, 0, 0, false)
		}
	})
}

func TestConv3x3PConv(t *testing.T) {
	// PConv as FasterNet uses it: the first C/4 channels of a C-channel map,
	// written into a concatenation buffer (ldo = C) or a separate one.
	forLevels(t, func(t *testing.T) {
		rng := rand.New(rand.NewSource(3))
		for _, C := range []int{40, 20} {
			cp := C / 4
			for _, ldo := range []int{C, cp} {
				runConvCase(t, rng, convCh{cp, cp, 1}, convShape{2, 7, 6}, epCases[0], C-cp, 0, ldo-cp, 0, false)
			}
		}
	})
}

func TestConv3x3Errors(t *testing.T) {
	if _, err := NewConv3x3(make([]float32, 9*4*6), 6, 4, 4); err == nil {
		t.Error("groups not dividing cin accepted")
	}
	if _, err := NewConv3x3(make([]float32, 10), 2, 2, 1); err == nil {
		t.Error("short weight accepted")
	}
	if _, err := NewConv3x3(nil, 0, 2, 1); err == nil {
		t.Error("cin=0 accepted")
	}
}

func TestConv3x3NoAlloc(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	for _, ch := range []convCh{{10, 10, 1}, {8, 8, 4}, {16, 16, 16}} {
		for _, mode := range []int{convDirect, convExt, convIm2col, convWinograd} {
			old := conv3x3Mode
			conv3x3Mode = mode
			c, _ := NewConv3x3(randF32(rng, ch.cout*ch.cin/ch.groups*9), ch.cin, ch.cout, ch.groups)
			n, h, w := 1, 6, 5
			in := randF32(rng, n*h*w*ch.cin)
			out := make([]float32, n*h*w*ch.cout)
			ep := &Epilogue{Bias: randF32(rng, ch.cout), Act: ActReLU, Residual: randF32(rng, n*h*w*ch.cout), LdR: ch.cout}
			ep2 := &Epilogue{Act: ActGELU, Residual: ep.Residual, LdR: ch.cout}
			scratch := make([]float32, c.ScratchLen(n, h, w))
			a := testing.AllocsPerRun(10, func() {
				c.Run(n, h, w, in, ch.cin, out, ch.cout, ep, scratch)
				c.RunRows(n, h, w, 1, 3, in, ch.cin, out, ch.cout, nil, scratch)
				c.RunRows(n, h, w, 3, 6, in, ch.cin, out, ch.cout, ep2, scratch)
			})
			conv3x3Mode = old
			if a != 0 {
				t.Errorf("%+v mode %d: %v allocations per Run", ch, mode, a)
			}
		}
	}
}

// TestConv3x3Parallel runs RunRows on disjoint row ranges from several
// goroutines (one scratch each) and compares with a single Run.
func TestConv3x3Parallel(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	for _, ch := range []convCh{{10, 10, 1}, {16, 16, 4}, {24, 24, 24}} {
		n, h, w := 2, 11, 9
		c, _ := NewConv3x3(randF32(rng, ch.cout*ch.cin/ch.groups*9), ch.cin, ch.cout, ch.groups)
		in := randF32(rng, n*h*w*ch.cin)
		want := make([]float32, n*h*w*ch.cout)
		ep := &Epilogue{Bias: randF32(rng, ch.cout), Act: ActReLU}
		c.Run(n, h, w, in, ch.cin, want, ch.cout, ep, make([]float32, c.ScratchLen(n, h, w)))
		got := make([]float32, len(want))
		done := make(chan struct{})
		parts := []int{0, 3, 4, 8, h}
		for i := 0; i+1 < len(parts); i++ {
			go func(y0, y1 int) {
				c.RunRows(n, h, w, y0, y1, in, ch.cin, got, ch.cout, ep, make([]float32, c.ScratchLen(n, h, w)))
				done <- struct{}{}
			}(parts[i], parts[i+1])
		}
		for i := 0; i+1 < len(parts); i++ {
			<-done
		}
		// The plan depends on the range (Winograd needs tiles enough; its
		// GEMMs' row blocks follow the range): the split run agrees to
		// float32 rounding, not bit for bit.
		for i := range want {
			if d := math.Abs(float64(got[i] - want[i])); !(d <= 1e-5*max(1, math.Abs(float64(want[i])))) {
				t.Fatalf("%+v: element %d: parallel %v, serial %v", ch, i, got[i], want[i])
			}
		}
	}
}

// TestConv3x3ResidualInPlace adds a residual that is the output buffer
// itself, under every strategy, and compares with a separate residual.
func TestConv3x3ResidualInPlace(t *testing.T) {
	forConvModes(t, func(t *testing.T) {
		rng := rand.New(rand.NewSource(13))
		for _, ch := range []convCh{{10, 10, 1}, {16, 24, 2}, {9, 9, 1}} {
			n, h, w := 2, 7, 5
			c, _ := NewConv3x3(randF32(rng, ch.cout*ch.cin/ch.groups*9), ch.cin, ch.cout, ch.groups)
			in := randF32(rng, n*h*w*ch.cin)
			res := randF32(rng, n*h*w*ch.cout)
			for _, act := range []Act{ActNone, ActReLU} {
				bias := randF32(rng, ch.cout)
				want := make([]float32, len(res))
				scratch := make([]float32, c.ScratchLen(n, h, w))
				c.Run(n, h, w, in, ch.cin, want, ch.cout, &Epilogue{Bias: bias, Act: act, Residual: res, LdR: ch.cout}, scratch)
				got := append([]float32(nil), res...)
				c.Run(n, h, w, in, ch.cin, got, ch.cout, &Epilogue{Bias: bias, Act: act, Residual: got, LdR: ch.cout}, scratch)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%+v act %v: element %d: in place %v, separate %v", ch, act, i, got[i], want[i])
					}
				}
			}
		}
	})
}
