package engine

import (
	"fmt"
	"strings"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/kernels"
)

// Operator stacks (the paper's Table 1 setup, arch.CompileOps) run layer by
// layer: the NCHW input is converted to NHWC once (step "to_nhwc"), each
// layer is one step named after it ("layers.3", or "layers.3.mixer" and
// "layers.3.pw" for a mixer followed by a 1x1 conv), and the last map is
// written back NCHW (step "to_nchw"). The layout steps are not part of
// what the operators cost; OpSteps tells the two apart.
//
// A map is held as one or two NHWC sources. PConv split_cat writes the
// conv's c_p channels into a new map and copies the other C - c_p channels
// beside them, as torch.cat does. PConv slicing writes only the c_p
// channels, into their own buffer; the untouched channels stay where they
// are and the next layer reads both sources in place (the reference clones
// the tensor to protect it; nothing here writes the original channels, so
// the output is the same without the copy).

// opSrc is one part of a map: ch channels at pixel stride ld.
type opSrc struct {
	buf []float32
	ld  int
	ch  int
}

// opMap is a feature map made of one or two channel ranges.
type opMap struct {
	parts []opSrc // channels of parts[0] come first
}

func (m opMap) channels() int {
	n := 0
	for _, p := range m.parts {
		n += p.ch
	}
	return n
}

// BuildOps compiles an operator-stack graph made by arch.CompileOps with
// weights w (checked strictly) into a Program. Forward takes and returns
// NCHW tensors like Build's programs.
func BuildOps(g *arch.Graph, w Weights, opt Options) (*Program, error) {
	in := g.Shape(g.Input)
	if len(in) != 4 {
		return nil, fmt.Errorf("engine: %s: operator stacks take NCHW input, got %v", g.Spec.Name, []int(in))
	}
	return compile(g, w, opt, func(p *Program) error {
		ob := &opsBuilder{p: p, g: g, w: w, threads: p.pool.Threads(), n: in[0], c: in[1], h: in[2], wd: in[3]}
		return ob.emit()
	})
}

type opsBuilder struct {
	p           *Program
	g           *arch.Graph
	w           Weights
	threads     int
	n, c, h, wd int
	full        [2][]float32 // full maps, ping-pong
	slice       [2][]float32 // PConv slicing outputs, ping-pong
	scratch     [][]float32
	srcs        [][2]kernels.Src
	cur         opMap
	curFull     int // index of full[] holding cur's base, -1 if none
	curSlice    int // index of slice[] holding cur.parts[0] (slicing), -1 if none
}

func (b *opsBuilder) rows() int { return b.n * b.h * b.wd }

func (b *opsBuilder) needScratch(n int) {
	for i := range b.scratch {
		if len(b.scratch[i]) < n {
			b.scratch[i] = make([]float32, n)
		}
	}
}

func (b *opsBuilder) emit() error {
	g := b.g
	size := b.rows() * b.c
	b.full[0], b.full[1] = make([]float32, size), make([]float32, size)
	b.scratch = make([][]float32, b.threads)
	b.srcs = make([][2]kernels.Src, b.threads)
	n, c, h, wd := b.n, b.c, b.h, b.wd
	p := b.p
	dst := b.full[0]
	b.p.Steps = append(b.p.Steps, Step{Name: "to_nhwc", Kind: KindLayout, tasks: 1, run: func(int, int) {
		kernels.NCHWToNHWC(n, c, h, wd, p.input, dst)
	}})
	b.cur = opMap{parts: []opSrc{{buf: dst, ld: c, ch: c}}}
	b.curFull, b.curSlice = 0, -1
	ls := g.Layers
	for i := 0; i < len(ls); {
		l := &ls[i]
		var next int
		var err error
		switch {
		case l.Op == arch.OpSplit:
			next, err = b.pconvSplitCat(i)
		case l.Op == arch.OpConv && i+1 < len(ls) && ls[i+1].Op == arch.OpSliceSet:
			next, err = b.pconvSlicing(i)
		case l.Op == arch.OpConv && l.KH == 3:
			next, err = b.conv3(i)
		case l.Op == arch.OpConv && l.KH == 1:
			next, err = b.pointwise(i)
		default:
			return fmt.Errorf("engine: layer %s (%s) is not part of an operator stack", l.Name, l.Op)
		}
		if err != nil {
			return err
		}
		i = next
	}
	out := make([]float32, size)
	b.p.Outputs = []Output{{Shape: arch.Shape{n, c, h, wd}, Data: out}}
	cur := b.cur
	hw := h * wd
	b.p.Steps = append(b.p.Steps, Step{Name: "to_nchw", Kind: KindLayout, tasks: 1, run: func(int, int) {
		for im := 0; im < n; im++ {
			c0 := 0
			for _, part := range cur.parts {
				for px := 0; px < hw; px++ {
					row := part.buf[(im*hw+px)*part.ld:][:part.ch]
					for ch, v := range row {
						out[(im*c+c0+ch)*hw+px] = v
					}
				}
				c0 += part.ch
			}
		}
	}})
	return nil
}

// stepName is the module a layer belongs to in the stack ("layers.3.mixer"
// for a pconv's partial_conv3, the layer itself otherwise).
func stepName(l *arch.Layer) string {
	if m, ok := strings.CutSuffix(l.Name, ".partial_conv3"); ok {
		return m
	}
	return l.Name
}

func (b *opsBuilder) newConv(l *arch.Layer) (*kernels.Conv3x3, error) {
	if l.KH != 3 || l.KW != 3 || l.Stride != 1 || l.Pad != 1 {
		return nil, fmt.Errorf("engine: %s: the engine runs 3x3 stride-1 pad-1 convolutions, got %dx%d stride %d pad %d", l.Name, l.KH, l.KW, l.Stride, l.Pad)
	}
	conv, err := kernels.NewConv3x3(b.w[l.Name+".weight"].Data, l.InC, l.OutC, l.Groups)
	if err != nil {
		return nil, fmt.Errorf("engine: %s: %v", l.Name, err)
	}
	b.needScratch(conv.ScratchLen(b.n, b.h, b.wd))
	return conv, nil
}

// convRun returns the tasks and the run function of conv l from src into
// dst (pixel stride ldo): split by rows, or by output channels when
// colSplitConv says so. after, if not nil, also runs in every task on
// pixels [p0, p1), the tasks' ranges covering the map once.
func (b *opsBuilder) convRun(l *arch.Layer, conv *kernels.Conv3x3, src opSrc, dst []float32, ldo int, after func(p0, p1 int)) (int, func(t, wk int), error) {
	n, h, wd := b.n, b.h, b.wd
	if colSplitConv(b.threads, l.InC, l.OutC, l.Groups, b.rows()) {
		cc, err := newConvCols(b.w[l.Name+".weight"].Data, l.InC, l.OutC, l.Groups, b.threads)
		if err != nil {
			return 0, nil, fmt.Errorf("engine: %s: %v", l.Name, err)
		}
		b.needScratch(cc.scratchLen(n, h, wd))
		parts, rows := len(cc.parts), b.rows()
		return parts, func(t, wk int) {
			cc.run(t, n, h, wd, src.buf, src.ld, dst, ldo, b.scratch[wk])
			if after != nil {
				after(rowSplit(rows, parts, t))
			}
		}, nil
	}
	grain := conv.RowGrain()
	tasks := convTasks(b.threads, h, grain, int64(b.rows())*int64(l.OutC*l.InC/l.Groups*9))
	return tasks, func(t, wk int) {
		y0, y1 := grainSplit(h, grain, tasks, t)
		conv.RunRows(n, h, wd, y0, y1, src.buf, src.ld, dst, ldo, nil, b.scratch[wk])
		if after != nil {
			for im := 0; im < n; im++ {
				after((im*h+y0)*wd, (im*h+y1)*wd)
			}
		}
	}, nil
}

// firstChannels returns the source holding channels [0, k) of the current
// map in one piece.
func (b *opsBuilder) firstChannels(k int, who string) (opSrc, error) {
	p0 := b.cur.parts[0]
	if p0.ch < k {
		return opSrc{}, fmt.Errorf("engine: %s reads %d channels in one piece, the map holds %d there", who, k, p0.ch)
	}
	return p0, nil
}

// conv3 emits a dense, grouped or depthwise 3x3 conv over the whole map.
func (b *opsBuilder) conv3(i int) (int, error) {
	l := &b.g.Layers[i]
	conv, err := b.newConv(l)
	if err != nil {
		return 0, err
	}
	src, err := b.firstChannels(l.InC, l.Name)
	if err != nil {
		return 0, err
	}
	di := 1 - b.curFull
	if b.curFull < 0 {
		di = 0
	}
	dst := b.full[di]
	cout := l.OutC
	tasks, run, err := b.convRun(l, conv, src, dst, cout, nil)
	if err != nil {
		return 0, err
	}
	b.p.Steps = append(b.p.Steps, Step{Name: stepName(l), Kind: KindOp, Layers: []string{l.Name}, tasks: tasks, run: run})
	b.cur = opMap{parts: []opSrc{{buf: dst, ld: cout, ch: cout}}}
	b.curFull, b.curSlice = di, -1
	return i + 1, nil
}

// pconvSplitCat emits split, partial conv and cat as one step.
func (b *opsBuilder) pconvSplitCat(i int) (int, error) {
	ls := b.g.Layers
	if i+2 >= len(ls) || ls[i+1].Op != arch.OpConv || ls[i+2].Op != arch.OpCat {
		return 0, fmt.Errorf("engine: %s is not followed by a partial conv and a cat", ls[i].Name)
	}
	l := &ls[i+1]
	conv, err := b.newConv(l)
	if err != nil {
		return 0, err
	}
	if len(b.cur.parts) != 1 {
		return 0, fmt.Errorf("engine: %s: split_cat needs a whole map", l.Name)
	}
	src := b.cur.parts[0]
	di := 1 - b.curFull
	dst := b.full[di]
	c, cp := b.c, l.OutC
	tasks, run, err := b.convRun(l, conv, src, dst, c, func(p0, p1 int) {
		for px := p0; px < p1; px++ {
			copy(dst[px*c+cp:px*c+c], src.buf[px*src.ld+cp:px*src.ld+c])
		}
	})
	if err != nil {
		return 0, err
	}
	b.p.Steps = append(b.p.Steps, Step{Name: stepName(l), Kind: KindOp, Layers: []string{ls[i].Name, l.Name, ls[i+2].Name}, tasks: tasks, run: run})
	b.cur = opMap{parts: []opSrc{{buf: dst, ld: c, ch: c}}}
	b.curFull, b.curSlice = di, -1
	return i + 3, nil
}

// pconvSlicing emits the partial conv of the slicing forward: only the c_p
// channels are written, into their own buffer.
func (b *opsBuilder) pconvSlicing(i int) (int, error) {
	ls := b.g.Layers
	l := &ls[i]
	conv, err := b.newConv(l)
	if err != nil {
		return 0, err
	}
	cp := l.OutC
	src, err := b.firstChannels(cp, l.Name)
	if err != nil {
		return 0, err
	}
	if b.slice[0] == nil {
		b.slice[0], b.slice[1] = make([]float32, b.rows()*cp), make([]float32, b.rows()*cp)
	}
	si := 0
	if b.curSlice == 0 {
		si = 1
	}
	dst := b.slice[si]
	// The untouched channels: everything of the current map after cp.
	var rest []opSrc
	if p0 := b.cur.parts[0]; p0.ch > cp {
		rest = append(rest, opSrc{buf: p0.buf[cp:], ld: p0.ld, ch: p0.ch - cp})
	}
	rest = append(rest, b.cur.parts[1:]...)
	if len(rest) > 1 {
		return 0, fmt.Errorf("engine: %s: map in more than two pieces", l.Name)
	}
	tasks, run, err := b.convRun(l, conv, src, dst, cp, nil)
	if err != nil {
		return 0, err
	}
	b.p.Steps = append(b.p.Steps, Step{Name: stepName(l), Kind: KindOp, Layers: []string{l.Name, ls[i+1].Name}, tasks: tasks, run: run})
	b.cur = opMap{parts: append([]opSrc{{buf: dst, ld: cp, ch: cp}}, rest...)}
	b.curSlice = si
	// curFull still holds the untouched channels and must not be overwritten
	// until a whole map is written again (pointwise writes the other one).
	return i + 2, nil
}

// pointwise emits a 1x1 conv reading the map's one or two sources in place.
func (b *opsBuilder) pointwise(i int) (int, error) {
	l := &b.g.Layers[i]
	if l.Groups != 1 || l.Stride != 1 || l.Pad != 0 || l.InC != b.cur.channels() {
		return 0, fmt.Errorf("engine: %s: the engine runs dense 1x1 convs over the whole map", l.Name)
	}
	pb := kernels.PackBT(b.w[l.Name+".weight"].Data, l.OutC, l.InC)
	di := 1 - b.curFull
	if b.curFull < 0 {
		di = 0
	}
	dst := b.full[di]
	parts := b.cur.parts
	rows, cout := b.rows(), l.OutC
	// About 64-row tiles, at least one per thread.
	tasks := max(1, min(rows, max(b.threads, rows/64)))
	if b.threads == 1 {
		tasks = 1
	}
	b.p.Steps = append(b.p.Steps, Step{Name: stepName(l), Kind: KindOp, Layers: []string{l.Name}, tasks: tasks, run: func(t, wk int) {
		r0, r1 := rowSplit(rows, tasks, t)
		src := &b.srcs[wk]
		for k, part := range parts {
			src[k] = kernels.Src{A: part.buf[r0*part.ld:], LdA: part.ld, K: part.ch}
		}
		kernels.GemmSrc(r1-r0, src[:len(parts)], pb, dst[r0*cout:], cout, nil)
	}})
	b.cur = opMap{parts: []opSrc{{buf: dst, ld: cout, ch: cout}}}
	b.curFull, b.curSlice = di, -1
	return i + 1, nil
}
