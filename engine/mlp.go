package engine

import "github.com/fnlab/fnlab/kernels"

// mlpWhole emits a block's MLP over all its rows at once (rows <=
// mlpWholeRows) as two phases split over output columns: phase 1 writes
// hidden = act(in*W0 + b0) into hiddenAll, task t computing hidden columns
// [h_t, h_t+1); phase 2 adds hidden*W3 to the map in place, task t owning
// map columns [c_t, c_t+1). Each task streams only its share of the
// weights (packed per part at build time), so two threads read each
// weight once between them, where row tiles would read it once per tile.
// in is the mixer's output (ld c, or cp with slicing, the other c-cp
// channels then read from the map itself).
func (b *builder) mlpWhole(rows, c, cp, hidden int, slicing bool, mix, x []float32, w0, b0, w3 []float32, act kernels.Act) Step {
	src := []kernels.Src{{A: mix, LdA: c, K: c}}
	if slicing {
		src = []kernels.Src{{A: mix, LdA: cp, K: cp}, {A: x[cp:], LdA: c, K: c - cp}}
	}
	hb := b.hiddenAll[:rows*hidden]
	parts := 1
	if b.threads > 1 {
		parts = 2 * b.threads // finer than threads: a busy core takes fewer
	}
	h := colBounds(hidden, parts)
	pb0 := make([]*kernels.PackedB, len(h)-1)
	ep0 := make([]kernels.Epilogue, len(h)-1)
	for t := range pb0 {
		pb0[t] = kernels.PackBT(w0[h[t]*c:h[t+1]*c], h[t+1]-h[t], c)
		ep0[t] = kernels.Epilogue{Bias: b0[h[t]:h[t+1]], Act: act}
	}
	o := colBounds(c, parts)
	pb3 := make([]*kernels.PackedB, len(o)-1)
	ep3 := make([]kernels.Epilogue, len(o)-1)
	for t := range pb3 {
		pb3[t] = kernels.PackBT(w3[o[t]*hidden:o[t+1]*hidden], o[t+1]-o[t], hidden)
		ep3[t] = kernels.Epilogue{Residual: x[o[t]:], LdR: c}
	}
	return Step{tasks: len(pb0), run: func(t, _ int) {
		kernels.GemmSrc(rows, src, pb0[t], hb[h[t]:], hidden, &ep0[t])
	}, then: []phase{{tasks: len(pb3), run: func(t, _ int) {
		kernels.Gemm(rows, hb, hidden, pb3[t], x[o[t]:], c, &ep3[t])
	}}}}
}
