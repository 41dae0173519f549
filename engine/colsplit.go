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

// convCols is a dense 3x3 conv split by output channels: part t is its own
// Conv3x3 for channels [off[t], off[t+1]), run over every row. Splitting
// rows instead makes each thread stream the whole weight for a row or two
// of a small map (768x7x7: 21 MB for 7 rows); by channels the threads share
// it. Each part gathers its own im2col patches, so parts = threads.
type convCols struct {
	parts []*kernels.Conv3x3
	off   []int
}

// colSplitConv reports whether a conv runs as convCols: several threads, a
// dense conv whose weight passes 1 MB, a map of at most 1024 pixels.
func colSplitConv(threads, cin, cout, groups, pixels int) bool {
	return threads > 1 && groups == 1 && 9*cin*cout >= 256<<10 && pixels <= 1024
}

// newConvCols splits w ([cout][cin][3][3]) into parts by output channel.
func newConvCols(w []float32, cin, cout, parts int) (*convCols, error) {
	off := colBounds(cout, parts)
	cc := &convCols{off: off, parts: make([]*kernels.Conv3x3, len(off)-1)}
	for t := range cc.parts {
		c, err := kernels.NewConv3x3(w[off[t]*cin*9:off[t+1]*cin*9], cin, off[t+1]-off[t], 1)
		if err != nil {
			return nil, err
		}
		cc.parts[t] = c
	}
	return cc, nil
}

// run computes part t over all rows into out (pixel stride ldo).
func (cc *convCols) run(t, n, h, w int, in []float32, ldi int, out []float32, ldo int, scratch []float32) {
	cc.parts[t].RunRows(n, h, w, 0, h, in, ldi, out[cc.off[t]:], ldo, nil, scratch)
}

// scratchLen is the scratch one part needs.
func (cc *convCols) scratchLen(n, h, w int) int {
	s := 0
	for _, c := range cc.parts {
		s = max(s, c.ScratchLen(n, h, w))
	}
	return s
}
