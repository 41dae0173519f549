package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// levels returns every SIMD level this build and CPU can run.
func levels() []Level {
	var ls []Level
	for l := Generic; l <= BestLevel(); l++ {
		ls = append(ls, l)
	}
	return ls
}

// withLevel runs f with the kernels switched to l.
func withLevel(t testing.TB, l Level, f func()) {
	t.Helper()
	old := CurrentLevel()
	if err := SetLevel(l); err != nil {
		t.Fatal(err)
	}
	defer SetLevel(old)
	f()
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

type gemmCase struct {
	m, n     int
	ks       []int // K of each source
	padA     int   // lda = K_s + padA
	padC     int
	bias     bool
	act      Act
	res      int // 0 none, 1 separate, 2 in place (C is the residual)
	packT    bool
	accumSrc bool
}

func (g gemmCase) String() string {
	return fmt.Sprintf("m%d_n%d_k%v_pa%d_pc%d_b%v_%v_r%d_T%v", g.m, g.n, g.ks, g.padA, g.padC, g.bias, g.act, g.res, g.packT)
}

// runGemmCase computes the case with Gemm/GemmSrc at the current level and
// with RefGemmSrc, and returns the worst error relative to the scale of
// the terms (sum |a||b| + |bias| + |res| + 1).
func runGemmCase(t *testing.T, r *rand.Rand, g gemmCase) {
	t.Helper()
	K := 0
	for _, k := range g.ks {
		K += k
	}
	var srcs []Src
	for _, k := range g.ks {
		lda := k + g.padA
		a := randSlice(r, max(0, (g.m-1)*lda+k))
		srcs = append(srcs, Src{A: a, LdA: lda, K: k})
	}
	braw := randSlice(r, K*g.n)
	var b *PackedB
	if g.packT {
		w := make([]float32, g.n*K) // [n][K]
		for k := 0; k < K; k++ {
			for j := 0; j < g.n; j++ {
				w[j*K+k] = braw[k*g.n+j]
			}
		}
		b = PackBT(w, g.n, K)
	} else {
		ldb := g.n + 3
		bb := make([]float32, max(0, (K-1)*ldb+g.n))
		for k := 0; k < K; k++ {
			copy(bb[k*ldb:k*ldb+g.n], braw[k*g.n:(k+1)*g.n])
		}
		b = PackB(bb, K, g.n, ldb)
	}
	for k := 0; k < K; k++ {
		for j := 0; j < g.n; j++ {
			if b.At(k, j) != braw[k*g.n+j] {
				t.Fatalf("packing: B[%d][%d] = %v, want %v", k, j, b.At(k, j), braw[k*g.n+j])
			}
		}
	}
	ldc := g.n + g.padC
	csize := (g.m-1)*ldc + g.n
	var ep *Epilogue
	var resv []float32
	if g.bias || g.act != ActNone || g.res != 0 {
		ep = &Epilogue{Act: g.act}
		if g.bias {
			ep.Bias = randSlice(r, g.n)
		}
		if g.res != 0 {
			resv = randSlice(r, csize)
			ep.Residual, ep.LdR = resv, ldc
		}
	}
	want := make([]float32, csize)
	for i := range want {
		want[i] = 12345 // the gaps between rows must stay untouched
	}
	got := append([]float32(nil), want...)
	RefGemmSrc(g.m, srcs, b, want, ldc, ep)
	var gep *Epilogue
	if ep != nil {
		e := *ep
		gep = &e
		if g.res == 2 { // in place: C starts as a copy of the residual, and is it
			copy(got, resv)
			gep.Residual = got
		}
	}
	if len(srcs) == 1 && !g.accumSrc {
		Gemm(g.m, srcs[0].A, srcs[0].LdA, b, got, ldc, gep)
	} else {
		GemmSrc(g.m, srcs, b, got, ldc, gep)
	}
	// scale[i][j] = 1 + sum_k |A[i][k] B[k][j]| + |bias[j]| + |R[i][j]|
	absA := make([]float64, g.m*K)
	for i := 0; i < g.m; i++ {
		k0 := 0
		for _, s := range srcs {
			for k := 0; k < s.K; k++ {
				absA[i*K+k0+k] = math.Abs(float64(s.A[i*s.LdA+k]))
			}
			k0 += s.K
		}
	}
	for i := 0; i < g.m; i++ {
		for j := 0; j < ldc && i*ldc+j < csize; j++ {
			idx := i*ldc + j
			if j >= g.n {
				want := float32(12345)
				if g.res == 2 {
					want = resv[idx]
				}
				if got[idx] != want {
					t.Fatalf("%v: wrote outside C at (%d,%d): %v", g, i, j, got[idx])
				}
				continue
			}
			scale := 1.0
			for k := 0; k < K; k++ {
				scale += absA[i*K+k] * math.Abs(float64(braw[k*g.n+j]))
			}
			if ep != nil && ep.Bias != nil {
				scale += math.Abs(float64(ep.Bias[j]))
			}
			if resv != nil {
				scale += math.Abs(float64(resv[idx]))
			}
			d := math.Abs(float64(got[idx])-float64(want[idx])) / scale
			if !(d <= 4e-6) {
				t.Fatalf("%v: C[%d][%d] = %v, want %v (rel err %.3g)", g, i, j, got[idx], want[idx], d)
			}
		}
	}
}

// TestGemmConformance runs every available level against RefGemmSrc on
// random shapes, strides, source splits and every epilogue combination.
func TestGemmConformance(t *testing.T) {
	dims := []int{1, 2, 3, 5, 7, 11, 12, 13, 16, 17, 24, 31, 32, 33, 37, 47, 48, 64, 70}
	acts := []Act{ActNone, ActReLU, ActGELU}
	for _, l := range levels() {
		t.Run(l.String(), func(t *testing.T) {
			withLevel(t, l, func() {
				r := rand.New(rand.NewPCG(1, uint64(l)))
				n := 0
				// Every epilogue combination on a few shapes.
				for _, shape := range [][3]int{{13, 10, 37}, {25, 40, 80}, {7, 33, 17}, {1, 5, 70}} {
					for _, bias := range []bool{false, true} {
						for _, act := range acts {
							for res := 0; res < 3; res++ {
								g := gemmCase{m: shape[0], ks: []int{shape[1]}, n: shape[2], padA: 3, padC: 2, bias: bias, act: act, res: res}
								runGemmCase(t, r, g)
								g.ks = []int{shape[1]/2 + 1, shape[1] - shape[1]/2 - 1, 0}
								g.packT = true
								runGemmCase(t, r, g)
								n += 2
							}
						}
					}
				}
				// Random shapes.
				for it := 0; it < 300; it++ {
					g := gemmCase{
						m:     dims[r.IntN(len(dims))],
						n:     dims[r.IntN(len(dims))],
						padA:  r.IntN(3) * 5,
						padC:  r.IntN(3) * 3,
						bias:  r.IntN(2) == 0,
						act:   acts[r.IntN(3)],
						res:   r.IntN(3),
						packT: r.IntN(2) == 0,
					}
					ns := 1 + r.IntN(4)
					if it%10 == 0 {
						ns = 1 + r.IntN(20) // beyond one kernel pass's sources
					}
					for s := 0; s < ns; s++ {
						g.ks = append(g.ks, r.IntN(dims[r.IntN(len(dims))]+1))
					}
					if g.ks[0] == 0 {
						g.ks[0] = 1
					}
					g.accumSrc = ns > 1
					runGemmCase(t, r, g)
					n++
				}
				t.Logf("%d cases", n)
			})
		})
	}
}

// TestGemmBig covers large K and N, many row blocks, and more sources than
// one kernel pass takes (several passes over C; with the residual in place
// the portable kernel takes over).
func TestGemmBig(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	cases := []gemmCase{
		{m: 29, ks: []int{1000}, n: 150, padA: 1, bias: true, act: ActGELU, res: 1},
		{m: 29, ks: []int{1000}, n: 150, bias: true, act: ActGELU, res: 2},
		{m: 26, ks: []int{400, 500}, n: 330, act: ActReLU, res: 2},
		{m: 200, ks: []int{40}, n: 80, bias: true, act: ActGELU},
		{m: 14, ks: []int{640, 640, 640, 640, 640, 640, 640, 640, 640}, n: 41, padA: 7, bias: true, res: 2},
		{m: 150, ks: []int{80}, n: 40, bias: true, res: 2},
		// Rows of A 4 KiB apart run in blocks of at most 8 rows.
		{m: 49, ks: []int{1024}, n: 70, bias: true, act: ActGELU, res: 2},
		{m: 29, ks: []int{2048}, n: 40, res: 2},
		{m: 37, ks: []int{13}, n: 33, padA: 1011, bias: true, act: ActReLU},
		{m: 23, ks: []int{1024, 100}, n: 48, packT: true, res: 1},
		{m: 30, ks: []int{3, 5, 1, 7, 2, 2, 9, 4, 4, 1, 6, 3, 3, 8, 2, 5, 7, 1, 2, 10}, n: 45, bias: true, act: ActGELU, res: 1},
		{m: 30, ks: []int{3, 5, 1, 7, 2, 2, 9, 4, 4, 1, 6, 3, 3, 8, 2, 5, 7, 1, 2, 10}, n: 45, bias: true, act: ActGELU, res: 2},
		{m: 30, ks: []int{3, 5, 1, 7, 2, 2, 9, 4, 4, 1, 6, 3, 3, 8, 2, 5, 7, 1, 2, 10}, n: 45, act: ActReLU},
	}
	for _, l := range levels() {
		t.Run(l.String(), func(t *testing.T) {
			withLevel(t, l, func() {
				r := rand.New(rand.NewPCG(2, 3))
				for _, g := range cases {
					runGemmCase(t, r, g)
				}
			})
		})
	}
}

func TestGemmZeroK(t *testing.T) {
	for _, l := range levels() {
		withLevel(t, l, func() {
			b := PackB(nil, 0, 5, 5)
			c := make([]float32, 2*5)
			res := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
			Gemm(2, nil, 0, b, c, 5, &Epilogue{Bias: []float32{-1, 0, 1, 2, 3}, Act: ActReLU, Residual: res, LdR: 5})
			want := []float32{1, 2, 4, 6, 8, 6, 7, 9, 11, 13}
			for i := range c {
				if c[i] != want[i] {
					t.Fatalf("%v: c = %v, want %v", l, c, want)
				}
			}
		})
	}
}

func TestGemmNoAlloc(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	m, k, n := 50, 70, 90
	a := randSlice(r, m*k)
	b := PackB(randSlice(r, k*n), k, n, n)
	c := make([]float32, m*n)
	ep := &Epilogue{Bias: randSlice(r, n), Act: ActGELU, Residual: c, LdR: n}
	src := []Src{{A: a, LdA: k, K: 30}, {A: a[30:], LdA: k, K: 40}}
	small := PackB(randSlice(r, 5*40), 5, 40, 40)
	for _, l := range levels() {
		withLevel(t, l, func() {
			if got := testing.AllocsPerRun(20, func() {
				Gemm(m, a, k, b, c, n, ep)
				GemmSrc(m, src, b, c, n, ep)
			}); got != 0 {
				t.Errorf("%v: %v allocations per call", l, got)
			}
			// Nothing escapes: stack arrays and a per-call Epilogue stay on the stack.
			if got := testing.AllocsPerRun(20, func() {
				var as [3 * 5]float32
				var cs [3 * 40]float32
				srcs := [2]Src{{A: as[:], LdA: 5, K: 2}, {A: as[2:], LdA: 5, K: 3}}
				e := Epilogue{Bias: ep.Bias, Act: ActReLU, Residual: cs[:], LdR: 40}
				GemmSrc(3, srcs[:], small, cs[:], 40, &e)
			}); got != 0 {
				t.Errorf("%v: %v allocations with stack operands", l, got)
			}
		})
	}
}

// TestGemmConcurrent runs Gemm on disjoint row ranges of one C from several
// goroutines sharing one PackedB (meaningful under -race).
func TestGemmConcurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	m, k, n := 96, 40, 80
	a := randSlice(r, m*k)
	b := PackB(randSlice(r, k*n), k, n, n)
	want := make([]float32, m*n)
	RefGemm(m, a, k, b, want, n, nil)
	c := make([]float32, m*n)
	p := NewPool(4)
	defer p.Close()
	p.Run(8, func(task, _ int) {
		i0 := task * 12
		Gemm(12, a[i0*k:], k, b, c[i0*n:], n, nil)
	})
	for i := range c {
		if d := math.Abs(float64(c[i] - want[i])); d > 1e-3 {
			t.Fatalf("c[%d] = %v, want %v", i, c[i], want[i])
		}
	}
}

func TestGemmPanicsOnShortSlices(t *testing.T) {
	b := PackB(make([]float32, 6), 2, 3, 3)
	for name, f := range map[string]func(){
		"a":    func() { Gemm(2, make([]float32, 3), 2, b, make([]float32, 6), 3, nil) },
		"c":    func() { Gemm(2, make([]float32, 4), 2, b, make([]float32, 5), 3, nil) },
		"bias": func() { Gemm(2, make([]float32, 4), 2, b, make([]float32, 6), 3, &Epilogue{Bias: []float32{1}}) },
		"k":    func() { GemmSrc(2, []Src{{A: make([]float32, 4), LdA: 2, K: 1}}, b, make([]float32, 6), 3, nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
