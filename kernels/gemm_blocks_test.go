package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemmBlocks checks gemmBlocks, where it runs, against RefGemmSrc block
// by block: blocks further apart than their rows (a padded map), several
// sources, K passes (K > gemmKSplit), every epilogue including the
// residual in place, and the 32-, 16- and 8-column panels.
func TestGemmBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, g := range []struct {
		mr, nblk, gap, n int
		ks               []int
		res              int // 0 none, 1 separate, 2 in place
		act              Act
	}{
		{7, 7, 2, 48, []int{48, 48, 48, 48, 48, 48, 48, 48, 48}, 0, ActReLU},
		{7, 4, 2, 48, []int{48, 48, 48}, 2, ActNone},
		{12, 3, 5, 40, []int{9, 9, 9}, 1, ActGELU},
		{1, 5, 0, 8, []int{3}, 1, ActNone},
		{5, 2, 3, 100, []int{600, 600}, 2, ActNone},
		{3, 6, 1, 33, []int{700, 500}, 1, ActReLU},
	} {
		name := fmt.Sprintf("mr%d_nblk%d_gap%d_n%d_k%v_r%d_%v", g.mr, g.nblk, g.gap, g.n, g.ks, g.res, g.act)
		t.Run(name, func(t *testing.T) {
			K := 0
			for _, k := range g.ks {
				K += k
			}
			// Each source: rows of LdA = its K, blocks (mr+gap) rows apart.
			ablk := 0
			src := make([]Src, len(g.ks))
			for i, k := range g.ks {
				src[i] = Src{LdA: k, K: k}
			}
			// One ablk for all sources, in floats: the widest source's.
			for _, k := range g.ks {
				ablk = max(ablk, (g.mr+g.gap)*k)
			}
			for i, k := range g.ks {
				src[i].A = randSlice(r, (g.nblk-1)*ablk+(g.mr-1)*k+k)
			}
			b := PackB(randSlice(r, K*g.n), K, g.n, g.n)
			m := g.mr * g.nblk
			ep := &Epilogue{Bias: randSlice(r, g.n), Act: g.act}
			c0 := randSlice(r, m*g.n)
			if g.res == 1 {
				ep.Residual, ep.LdR = randSlice(r, m*g.n), g.n
			}
			// The reference, a block at a time.
			want := append([]float32(nil), c0...)
			for i := 0; i < g.nblk; i++ {
				bs := make([]Src, len(src))
				for s := range src {
					bs[s] = Src{A: src[s].A[i*ablk:], LdA: src[s].LdA, K: src[s].K}
				}
				e := *ep
				if g.res == 2 {
					e.Residual, e.LdR = want[i*g.mr*g.n:], g.n
				} else if g.res == 1 {
					e.Residual = ep.Residual[i*g.mr*g.n:]
				}
				RefGemmSrc(g.mr, bs, b, want[i*g.mr*g.n:], g.n, &e)
			}
			for _, l := range levels() {
				withLevel(t, l, func() {
					c := append([]float32(nil), c0...)
					e := *ep
					if g.res == 2 {
						e.Residual, e.LdR = c, g.n
					}
					if !gemmBlocks(g.mr, g.nblk, ablk, src, b, c, g.n, &e) {
						for i := range c {
							if c[i] != c0[i] {
								t.Fatalf("%v: gemmBlocks declined but wrote C[%d]", l, i)
							}
						}
						return
					}
					for i := range c {
						tol := 1e-4 * (math.Sqrt(float64(K)) + 1)
						if d := math.Abs(float64(c[i] - want[i])); d > tol*(1+math.Abs(float64(want[i]))) {
							t.Fatalf("%v: C[%d] = %v, want %v", l, i, c[i], want[i])
						}
					}
				})
			}
		})
	}
}

// TestGemmBlocksBounds: sources too short for their blocks panic before
// any kernel runs.
func TestGemmBlocksBounds(t *testing.T) {
	b := PackB(make([]float32, 4*16), 4, 16, 16)
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	gemmBlocks(2, 3, 10, []Src{{A: make([]float32, 2*10+4), LdA: 4, K: 4}}, b, make([]float32, 6*16), 16, nil)
}
