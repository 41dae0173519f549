package engine

import "github.com/fnlab/fnlab/kernels"

// colBounds splits n columns into at most parts ranges on 32-column panel
// boundaries (the packed panel width): range t is [b[t], b[t+1]).
func colBounds(n, parts int) []int {
	panels := (n + 31) / 32
	parts = max(1, min(parts, panels))
	b := make([]int, parts+1)
	for t := 1; t <= parts; t++ {
		b[t] = min(n, panels*t/parts*32)
	}
	return b
}

// convCols is a dense or grouped 3x3 conv split by output channels: part t
// is its own Conv3x3 for output channels [off[t], off[t+1]) reading input
// channels from in[t], run over every row. Splitting rows instead makes
// each thread stream the whole weight for a row or two of a small map
// (768x7x7: 21 MB for 7 rows), and 7 rows split 4:3 over two threads; by
// channels the threads share the weight and the work evenly. A grouped
// conv splits on group boundaries, so each part is a grouped conv of its
// own. Each part gathers its own patches, so parts = threads.
type convCols struct {
	parts []*kernels.Conv3x3
	off   []int // output channel bounds
	in    []int // first input channel of each part
}

// colSplitConv reports whether a conv runs as convCols: several threads, a
// dense or grouped (not depthwise) conv whose weight passes 1 MB and with
// at least one group per thread, a map of at most 1024 pixels.
func colSplitConv(threads, cin, cout, groups, pixels int) bool {
	depthwise := groups == cin && groups == cout
	return threads > 1 && !depthwise && groups >= threads && 9*cin*cout/groups >= 256<<10 && pixels <= 1024
}

// newConvCols splits w ([cout][cin/groups][3][3]) into parts by output
// channel: on 32-channel panel boundaries when dense, on group boundaries
// when grouped.
func newConvCols(w []float32, cin, cout, groups, parts int) (*convCols, error) {
	cc := &convCols{}
	if groups == 1 {
		cc.off = colBounds(cout, parts)
		cc.in = make([]int, len(cc.off)-1)
	} else {
		parts = max(1, min(parts, groups))
		cg, cog := cin/groups, cout/groups
		for t := 0; t <= parts; t++ {
			g := groups * t / parts
			cc.off = append(cc.off, g*cog)
			if t < parts {
				cc.in = append(cc.in, g*cg)
			}
		}
	}
	kk := cin / groups * 9 // weight floats per output channel
	cc.parts = make([]*kernels.Conv3x3, len(cc.off)-1)
	for t := range cc.parts {
		o0, o1 := cc.off[t], cc.off[t+1]
		pg := groups * (o1 - o0) / cout // groups in this part
		c, err := kernels.NewConv3x3(w[o0*kk:o1*kk], cin*pg/groups, o1-o0, pg)
		if err != nil {
			return nil, err
		}
		cc.parts[t] = c
	}
	return cc, nil
}

// run computes part t over all rows into out (pixel stride ldo).
func (cc *convCols) run(t, n, h, w int, in []float32, ldi int, out []float32, ldo int, scratch []float32) {
	cc.parts[t].RunRows(n, h, w, 0, h, in[cc.in[t]:], ldi, out[cc.off[t]:], ldo, nil, scratch)
}

// scratchLen is the scratch one part needs.
func (cc *convCols) scratchLen(n, h, w int) int {
	s := 0
	for _, c := range cc.parts {
		s = max(s, c.ScratchLen(n, h, w))
	}
	return s
}
