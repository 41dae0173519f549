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

// convCols is a 3x3 conv split by output channels: part t is its own
// Conv3x3 for channels [off[t], off[t+1]), run over every row, reading
// input channels from in[t] on (dense: all of them; grouped: its groups').
// Splitting rows instead makes each thread stream the whole weight for a
// row or two of a small map (768x7x7: 21 MB for 7 rows), and splits a 7x7
// map's rows 4:3; by channels the threads share the weight evenly. Each
// part gathers its own patches.
type convCols struct {
	parts []*kernels.Conv3x3
	off   []int
	in    []int
}

// colSplitConv reports whether a conv runs as convCols: several threads
// and a map of at most 1024 pixels, with a dense conv whose weight passes
// 1 MB, or a grouped one (not depthwise) with a group a thread on a map of
// at most 64 pixels.
func colSplitConv(threads, cin, cout, groups, pixels int) bool {
	if threads == 1 || pixels > 1024 {
		return false
	}
	if groups == 1 {
		return 9*cin*cout >= 256<<10
	}
	return groups < cin && groups >= threads && pixels <= 64
}

// newConvCols splits w ([cout][cin/groups][3][3]) into one part a thread
// by output channel: on 32-column panel bounds when dense, on group bounds
// when grouped.
func newConvCols(w []float32, cin, cout, groups, threads int) (*convCols, error) {
	cg, cog := cin/groups, cout/groups
	var off, in []int
	if groups == 1 {
		off = colBounds(cout, threads)
		in = make([]int, len(off))
	} else {
		for t := 0; t <= threads; t++ {
			g := groups * t / threads
			off = append(off, g*cog)
			in = append(in, g*cg)
		}
	}
	cc := &convCols{off: off, in: in, parts: make([]*kernels.Conv3x3, len(off)-1)}
	for t := range cc.parts {
		pg := 1 // groups of the part
		if groups > 1 {
			pg = (off[t+1] - off[t]) / cog
		}
		c, err := kernels.NewConv3x3(w[off[t]*cg*9:off[t+1]*cg*9], pg*cg, off[t+1]-off[t], pg)
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
