package kernels

import "fmt"

// Conv3x3 is a 3x3 convolution with stride 1 and zero padding 1 over NHWC
// maps: dense (groups == 1), grouped (1 < groups) or depthwise
// (groups == cin == cout, which runs its own kernel). Weights are packed once
// by NewConv3x3; a Conv3x3 is read-only afterwards, so several goroutines may
// run it at once on disjoint outputs, each with its own scratch.
type Conv3x3 struct {
	cin, cout, groups int
	cg, cog           int        // channels per group
	b                 []*PackedB // dense/grouped: per group, (9*cg) x cog, rows ordered (dy, dx, ci)
	dw                *dwWeights // depthwise only
	wg                *wgWeights // at least wgMinC channels per group each way (or forced): Winograd
}

// NewConv3x3 packs w, a PyTorch weight [cout][cin/groups][3][3], for a 3x3
// convolution from cin to cout channels in groups groups.
func NewConv3x3(w []float32, cin, cout, groups int) (*Conv3x3, error) {
	if cin <= 0 || cout <= 0 || groups <= 0 {
		return nil, fmt.Errorf("kernels: NewConv3x3: cin=%d cout=%d groups=%d must be positive", cin, cout, groups)
	}
	if cin%groups != 0 || cout%groups != 0 {
		return nil, fmt.Errorf("kernels: NewConv3x3: groups=%d must divide cin=%d and cout=%d", groups, cin, cout)
	}
	cg, cog := cin/groups, cout/groups
	if len(w) != cout*cg*9 {
		return nil, fmt.Errorf("kernels: NewConv3x3: weight has %d floats, want %d*%d*3*3 = %d", len(w), cout, cg, cout*cg*9)
	}
	c := &Conv3x3{cin: cin, cout: cout, groups: groups, cg: cg, cog: cog}
	if groups == cin && cout == cin {
		c.dw = newDWWeights(w, cin)
		return c, nil
	}
	tmp := make([]float32, 9*cg*cog)
	c.b = make([]*PackedB, groups)
	for g := 0; g < groups; g++ {
		for co := 0; co < cog; co++ {
			for ci := 0; ci < cg; ci++ {
				src := w[((g*cog+co)*cg+ci)*9:][:9]
				for t, v := range src {
					tmp[(t*cg+ci)*cog+co] = v
				}
			}
		}
		c.b[g] = PackB(tmp, 9*cg, cog, cog)
	}
	if conv3x3Mode == convWinograd || min(cg, cog) >= wgMinC {
		c.wg = newWGWeights(w, cin, cout, groups)
	}
	return c, nil
}

// Cin, Cout and Groups report the convolution's shape.
func (c *Conv3x3) Cin() int    { return c.cin }
func (c *Conv3x3) Cout() int   { return c.cout }
func (c *Conv3x3) Groups() int { return c.groups }

// Depthwise reports whether c runs the depthwise kernel.
func (c *Conv3x3) Depthwise() bool { return c.dw != nil }

// Strategies: the implicit GEMMs and Winograd (see conv3x3Plan).
const (
	convAuto     = iota
	convDirect   // one GEMM per output row, M = w, written straight into out
	convExt      // one GEMM per chunk over padded rows, M = rows*(w+2)-2, then copied out
	convIm2col   // patches of a chunk of rows (several images) gathered, one GEMM per chunk, M = rows*w
	convWinograd // F(2x2, 3x3) tiles, 16 GEMMs per group and chunk of tile rows
)

// conv3x3Mode forces a strategy (tests and benchmarks); convAuto picks by shape.
var conv3x3Mode = convAuto

// conv3x3Budget is the number of floats of scratch a chunk aims to stay
// under, so the padded rows (and extended output) stay in L2.
var conv3x3Budget = 48 << 10

type conv3x3Plan struct {
	rows    int  // output rows per chunk
	ext     bool // convExt
	im2col  bool // convIm2col: rows counts image rows across images
	wino    bool // convWinograd: rows counts tile rows across images
	pad     int  // floats of padded input; the extended output follows
	scratch int  // floats
}

// plan picks the strategy of a call computing output rows [y0, y1) of n
// images of h x w pixels.
func (c *Conv3x3) plan(n, h, w, y0, y1 int) conv3x3Plan {
	if c.dw != nil {
		return conv3x3Plan{rows: h}
	}
	if c.wg != nil && (conv3x3Mode == convWinograd || conv3x3Mode == convAuto && c.wgAuto(n*((y1+1)/2-y0/2)*((w+1)/2))) {
		return c.wgPlan(h, w)
	}
	return c.gemmPlan(h, w)
}

// gemmPlan is the implicit-GEMM plan for h x w maps.
func (c *Conv3x3) gemmPlan(h, w int) conv3x3Plan {
	ext, im2col := false, false
	switch conv3x3Mode {
	case convDirect:
	case convExt:
		ext = true
	case convIm2col:
		im2col = true
	default:
		// Few channels make short GEMMs whose per-call cost shows; the
		// extended rows waste only 2/(w+2) of the work on wide images.
		ext = w >= 28 && c.cg*c.cog <= 256
		// A GEMM of M = w rows streams all of B for each image row: with
		// B over 512 KiB (384 channels: 5.3 MB, 14 times per image) the
		// copy of 9 taps per pixel costs far less than that. Below, B
		// stays in L2 and the per-row GEMMs measured as fast or faster
		// (96 channels at 14x14, batch 8: 11 ms against 12 for im2col).
		im2col = !ext && w < 28 && 9*c.cg*c.cog >= 128<<10
	}
	if im2col {
		// rows may exceed h: a chunk of whole images spans images
		r := max(1, conv3x3Im2colBudget/(w*9*c.cg))
		return conv3x3Plan{rows: r, im2col: true, scratch: r * w * 9 * c.cg}
	}
	w2 := w + 2
	per := w2 * c.cin
	if ext {
		per += w2 * c.cout
	}
	r := (conv3x3Budget - 2*w2*c.cin) / per
	r = max(1, min(r, h))
	nch := (h + r - 1) / r
	r = (h + nch - 1) / nch
	p := conv3x3Plan{rows: r, ext: ext, pad: (r + 2) * w2 * c.cin}
	p.scratch = p.pad
	if ext {
		p.scratch += r * w2 * c.cout
	}
	return p
}

// ScratchLen is the number of floats of scratch Run and RunRows need for
// images of h x w pixels (the same for any n and any row range: enough for
// either strategy when the choice depends on them). Depthwise convolutions
// need none.
func (c *Conv3x3) ScratchLen(n, h, w int) int {
	if h <= 0 || w <= 0 || c.dw != nil {
		return 0
	}
	s := c.gemmPlan(h, w).scratch
	if c.wg != nil {
		s = max(s, c.wgPlan(h, w).scratch)
	}
	return s
}

// RowGrain is the row count that splits into row ranges (RunRows) should
// be multiples of: 2 where the convolution may run in Winograd's 2x2
// tiles, 1 otherwise.
func (c *Conv3x3) RowGrain() int {
	if c.wg != nil && conv3x3Mode != convDirect && conv3x3Mode != convExt && conv3x3Mode != convIm2col {
		return 2
	}
	return 1
}

// Run convolves n NHWC images of h x w pixels: in has c.Cin() channels at
// pixel stride ldi, out gets c.Cout() channels at pixel stride ldo (element
// (b, y, x, ch) at ((b*h+y)*w+x)*ld + ch; a channel slice is the same
// storage offset by its first channel). ep (optional) adds Bias[co], applies
// Act, then adds Residual[((b*h+y)*w+x)*LdR+co]. out must not overlap in.
// scratch holds at least ScratchLen(n, h, w) floats. Run does not allocate.
func (c *Conv3x3) Run(n, h, w int, in []float32, ldi int, out []float32, ldo int, ep *Epilogue, scratch []float32) {
	c.RunRows(n, h, w, 0, h, in, ldi, out, ldo, ep, scratch)
}

// RunRows is Run restricted to output rows [y0, y1) of every image; calls
// on disjoint row ranges write disjoint outputs and may run in parallel,
// each with its own scratch. Arguments are the same as Run's (whole
// tensors, not the row range).
func (c *Conv3x3) RunRows(n, h, w, y0, y1 int, in []float32, ldi int, out []float32, ldo int, ep *Epilogue, scratch []float32) {
	y0, y1 = max(y0, 0), min(y1, h)
	if n <= 0 || w <= 0 || y0 >= y1 {
		return
	}
	if ldi < c.cin || ldo < c.cout {
		panic(fmt.Sprintf("kernels: Conv3x3: ldi=%d < cin=%d or ldo=%d < cout=%d", ldi, c.cin, ldo, c.cout))
	}
	npix := n * h * w
	if len(in) < (npix-1)*ldi+c.cin || len(out) < (npix-1)*ldo+c.cout {
		panic(fmt.Sprintf("kernels: Conv3x3: in (%d) or out (%d) too short for %dx%dx%d", len(in), len(out), n, h, w))
	}
	if ep != nil && ep.Residual != nil && len(ep.Residual) < (npix-1)*ep.LdR+c.cout {
		panic("kernels: Conv3x3: residual too short")
	}
	if c.dw != nil {
		c.dw.run(n, h, w, y0, y1, in, ldi, out, ldo, ep)
		return
	}
	p := c.plan(n, h, w, y0, y1)
	if len(scratch) < p.scratch {
		panic(fmt.Sprintf("kernels: Conv3x3: scratch has %d floats, need %d", len(scratch), p.scratch))
	}
	if p.wino {
		c.runWinograd(p.rows, n, h, w, y0, y1, in, ldi, out, ldo, ep, scratch)
		return
	}
	if p.im2col {
		c.runIm2col(p.rows, n, h, w, y0, y1, in, ldi, out, ldo, ep, scratch)
		return
	}
	for b := 0; b < n; b++ {
		for ya := y0; ya < y1; ya += p.rows {
			yb := min(ya+p.rows, y1)
			c.fillPad(scratch, in, ldi, b, h, w, ya, yb)
			if p.ext {
				c.chunkExt(scratch, scratch[p.pad:], b, h, w, ya, yb, out, ldo, ep)
			} else {
				c.chunkDirect(scratch, b, h, w, ya, yb, out, ldo, ep)
			}
		}
	}
}

// fillPad copies input rows [ya-1, yb] of image b into pad, zero-bordered:
// group g occupies yb-ya+2 rows of w+2 pixels of cg channels, groups one
// after another; padded pixel q of a row is input pixel q-1.
func (c *Conv3x3) fillPad(pad []float32, in []float32, ldi, b, h, w, ya, yb int) {
	cg := c.cg
	rows := yb - ya + 2
	rs := (w + 2) * cg
	gsz := rows * rs
	for g := 0; g < c.groups; g++ {
		pg := pad[g*gsz : (g+1)*gsz]
		for r := 0; r < rows; r++ {
			y := ya - 1 + r
			row := pg[r*rs : (r+1)*rs]
			if y < 0 || y >= h {
				clear(row)
				continue
			}
			clear(row[:cg])
			clear(row[rs-cg:])
			copyPixels(row[cg:], cg, in[((b*h+y)*w)*ldi+g*cg:], ldi, w, cg)
		}
	}
}

// tapSources sets the nine GEMM sources of a 3x3 convolution over the
// padded rows of one group (rs floats apart) whose top-left tap is at off:
// source dy*3+dx is the padded map shifted by (dy, dx). (Sources with
// LdA < K, which would let the three horizontal taps form one source of
// K = 3*cg, are not allowed by GemmSrc.)
func tapSources(src *[9]Src, pg []float32, off, rs, cg int) []Src {
	for dy := 0; dy < 3; dy++ {
		for dx := 0; dx < 3; dx++ {
			src[dy*3+dx] = Src{A: pg[off+dy*rs+dx*cg:], LdA: cg, K: cg}
		}
	}
	return src[:]
}

// chunkDirect computes rows [ya, yb) with one GEMM per group and row, its
// sources the padded rows y-1, y, y+1 (see tapSources), or, where the
// kernels take row blocks (gemmBlocks), one GEMM per group over all the
// rows, a block per row: at 7x7 the per-call cost of a GEMM per row was a
// tenth of the time. Groups outer: a group's packed weights are read from
// L3 once per chunk and stay in L2 across its rows.
func (c *Conv3x3) chunkDirect(pad []float32, b, h, w, ya, yb int, out []float32, ldo int, ep *Epilogue) {
	cg, cog := c.cg, c.cog
	rs := (w + 2) * cg
	gsz := (yb - ya + 2) * rs
	var src [9]Src
	var e Epilogue
	for g := 0; g < c.groups; g++ {
		pix := (b*h + ya) * w
		ss := tapSources(&src, pad[g*gsz:(g+1)*gsz], 0, rs, cg)
		if gemmBlocks(w, yb-ya, rs, ss, c.b[g], out[pix*ldo+g*cog:], ldo, subEpilogue(ep, g*cog, pix, &e)) {
			continue
		}
		for y := ya; y < yb; y++ {
			pix := (b*h + y) * w
			ss := tapSources(&src, pad[g*gsz:(g+1)*gsz], (y-ya)*rs, rs, cg)
			GemmSrc(w, ss, c.b[g], out[pix*ldo+g*cog:], ldo, subEpilogue(ep, g*cog, pix, &e))
		}
	}
}

// chunkExt computes rows [ya, yb) with one GEMM per group over the padded
// rows as if they were w+2 wide (M = rows*(w+2)-2; the two extra outputs
// per row are discarded) into t (row stride cout), then copies the valid
// pixels to out, adding the residual.
func (c *Conv3x3) chunkExt(pad, t []float32, b, h, w, ya, yb int, out []float32, ldo int, ep *Epilogue) {
	cg, cog := c.cg, c.cog
	w2 := w + 2
	rs := w2 * cg
	rows := yb - ya
	gsz := (rows + 2) * rs
	m := rows*w2 - 2
	var src [9]Src
	var e Epilogue
	for g := 0; g < c.groups; g++ {
		ss := tapSources(&src, pad[g*gsz:(g+1)*gsz], 0, rs, cg)
		var pe *Epilogue
		if ep != nil && (ep.Bias != nil || ep.Act != ActNone) {
			e = Epilogue{Act: ep.Act}
			if ep.Bias != nil {
				e.Bias = ep.Bias[g*cog:]
			}
			pe = &e
		}
		GemmSrc(m, ss, c.b[g], t[g*cog:], c.cout, pe)
	}
	var res []float32
	ldr := 0
	for y := ya; y < yb; y++ {
		pix := (b*h + y) * w
		if ep != nil && ep.Residual != nil {
			res, ldr = ep.Residual[pix*ep.LdR:], ep.LdR
		}
		copyAddPixels(out[pix*ldo:], ldo, t[(y-ya)*w2*c.cout:], c.cout, res, ldr, w, c.cout)
	}
}

// subEpilogue is ep seen from output column col and output pixel pix.
func subEpilogue(ep *Epilogue, col, pix int, dst *Epilogue) *Epilogue {
	if ep == nil {
		return nil
	}
	*dst = Epilogue{Act: ep.Act, LdR: ep.LdR}
	if ep.Bias != nil {
		dst.Bias = ep.Bias[col:]
	}
	if ep.Residual != nil {
		dst.Residual = ep.Residual[pix*ep.LdR+col:]
	}
	return dst
}
