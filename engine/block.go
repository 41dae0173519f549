package engine

import (
	"fmt"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/kernels"
)

func kact(a arch.Act) kernels.Act {
	if a == arch.GELU {
		return kernels.ActGELU
	}
	return kernels.ActReLU
}

// blockLayers are the layers of one FasterNet block, found by role and op.
type blockLayers struct {
	mixer, split, cat, sliceSet *arch.Layer
	mlp0, bn, act, mlp3, scale  *arch.Layer
	add                         *arch.Layer
	names                       []string
}

// block emits a FasterNet block as two steps: the spatial mixer, then the
// MLP with BN folded, the activation fused and the residual added in place,
// tile by tile so the hidden activations never leave the cache.
func (b *builder) block(i int) (int, error) {
	g := b.g
	ls := g.Layers
	st, bl := ls[i].Stage, ls[i].Block
	var k blockLayers
	j := i
	for ; j < len(ls) && ls[j].Stage == st && ls[j].Block == bl && (ls[j].Role == arch.RoleMixer || ls[j].Role == arch.RoleMLP); j++ {
		l := &ls[j]
		k.names = append(k.names, l.Name)
		switch {
		case l.Op == arch.OpConv && l.Role == arch.RoleMixer:
			k.mixer = l
		case l.Op == arch.OpSplit:
			k.split = l
		case l.Op == arch.OpCat:
			k.cat = l
		case l.Op == arch.OpSliceSet:
			k.sliceSet = l
		case l.Op == arch.OpConv && k.mlp0 == nil:
			k.mlp0 = l
		case l.Op == arch.OpBN:
			k.bn = l
		case l.Op == arch.OpAct:
			k.act = l
		case l.Op == arch.OpConv:
			k.mlp3 = l
		case l.Op == arch.OpScale:
			k.scale = l
		case l.Op == arch.OpAdd:
			k.add = l
		default:
			return 0, fmt.Errorf("engine: %s (%s) is not part of a FasterNet block", l.Name, l.Op)
		}
	}
	if k.mixer == nil || k.mlp0 == nil || k.bn == nil || k.act == nil || k.mlp3 == nil || k.add == nil ||
		k.mixer.KH != 3 || k.mixer.Stride != 1 || k.mixer.Pad != 1 || k.mlp0.KH != 1 || k.mlp3.KH != 1 {
		return 0, fmt.Errorf("engine: block at %s does not have the FasterNet block structure", ls[i].Name)
	}
	x := b.cur
	if x.value != k.add.Inputs[0] {
		return 0, fmt.Errorf("engine: block %s does not read the current feature map", k.add.Module)
	}
	n, c, h, w := x.n, x.c, x.h, x.w
	rows := x.rows()
	cp := k.mixer.OutC

	// Mixer step.
	conv, err := kernels.NewConv3x3(b.w[k.mixer.Name+".weight"].Data, k.mixer.InC, k.mixer.OutC, k.mixer.Groups)
	if err != nil {
		return 0, fmt.Errorf("engine: %s: %v", k.mixer.Name, err)
	}
	b.needScratch(conv.ScratchLen(n, h, w))
	mix := b.mix
	ldm := c
	slicing := k.sliceSet != nil
	splitCat := k.split != nil
	if slicing {
		ldm = cp
	}
	tasks := b.rowTasks(h)
	mixerName := k.mixer.Module
	if k.mixer.MixerKind == arch.PConv {
		mixerName = k.mixer.Name[:len(k.mixer.Name)-len(".partial_conv3")]
	} else {
		mixerName = k.mixer.Name[:len(k.mixer.Name)-len(".conv")]
	}
	var mixNames []string
	for _, nm := range k.names {
		if len(nm) >= len(mixerName) && nm[:len(mixerName)] == mixerName {
			mixNames = append(mixNames, nm)
		}
	}
	if colSplitConv(b.threads, k.mixer.InC, k.mixer.OutC, k.mixer.Groups, rows) {
		cc, err := newConvCols(b.w[k.mixer.Name+".weight"].Data, k.mixer.InC, k.mixer.OutC, b.threads)
		if err != nil {
			return 0, fmt.Errorf("engine: %s: %v", k.mixer.Name, err)
		}
		b.needScratch(cc.scratchLen(n, h, w))
		parts := len(cc.parts)
		b.add(Step{Name: mixerName, Layers: mixNames, tasks: parts, run: func(t, wk int) {
			cc.run(t, n, h, w, x.buf, c, mix, ldm, b.scratch[wk])
			if splitCat {
				p0, p1 := rowSplit(rows, parts, t)
				for p := p0; p < p1; p++ {
					copy(mix[p*c+cp:p*c+c], x.buf[p*c+cp:p*c+c])
				}
			}
		}})
	} else {
		b.add(Step{Name: mixerName, Layers: mixNames, tasks: tasks, run: func(t, wk int) {
			y0, y1 := rowSplit(h, tasks, t)
			conv.RunRows(n, h, w, y0, y1, x.buf, c, mix, ldm, nil, b.scratch[wk])
			if splitCat {
				// The concatenation copies the untouched channels next to the conv's output.
				for im := 0; im < n; im++ {
					for p := (im*h + y0) * w; p < (im*h+y1)*w; p++ {
						copy(mix[p*c+cp:p*c+c], x.buf[p*c+cp:p*c+c])
					}
				}
			}
		}})
	}

	// MLP step.
	hidden := k.mlp0.OutC
	w0, b0 := b.foldBN(b.w[k.mlp0.Name+".weight"].Data, hidden, k.bn.Name)
	w3 := b.w[k.mlp3.Name+".weight"].Data
	if k.scale != nil {
		ls := b.w[k.scale.Params[0].Name].Data
		scaled := make([]float32, len(w3))
		for o := 0; o < c; o++ {
			for q := 0; q < hidden; q++ {
				scaled[o*hidden+q] = w3[o*hidden+q] * ls[o]
			}
		}
		w3 = scaled
	}
	act := kact(k.act.Act)
	var mlpNames []string
	for _, nm := range k.names {
		if !contains(mixNames, nm) {
			mlpNames = append(mlpNames, nm)
		}
	}
	name := k.add.Module + ".mlp"
	if rows <= mlpWholeRows {
		b.add(b.mlpWhole(name, mlpNames, rows, c, cp, hidden, slicing, mix, x.buf, w0, b0, w3, act))
		b.produced(k.add.Outputs[0])
		return j, nil
	}
	pb0 := kernels.PackBT(w0, hidden, c)
	pb3 := kernels.PackBT(w3, c, hidden)
	ntiles := (rows + mlpTile - 1) / mlpTile
	if b.threads > 1 {
		ntiles = max(ntiles, b.threads)
		ntiles = (ntiles + b.threads - 1) / b.threads * b.threads
		ntiles = min(ntiles, rows)
	}
	eps := make([]kernels.Epilogue, b.threads)
	ep0 := &kernels.Epilogue{Bias: b0, Act: act}
	b.add(Step{Name: name, Layers: mlpNames, tasks: ntiles, run: func(t, wk int) {
		r0, r1 := rowSplit(rows, ntiles, t)
		m := r1 - r0
		src := &b.srcs[wk]
		ns := 1
		if slicing {
			src[0] = kernels.Src{A: mix[r0*cp:], LdA: cp, K: cp}
			src[1] = kernels.Src{A: x.buf[r0*c+cp:], LdA: c, K: c - cp}
			ns = 2
		} else {
			src[0] = kernels.Src{A: mix[r0*c:], LdA: c, K: c}
		}
		hb := b.hidden[wk]
		kernels.GemmSrc(m, src[:ns], pb0, hb, hidden, ep0)
		out := x.buf[r0*c:]
		ep := &eps[wk]
		ep.Residual, ep.LdR = out, c
		kernels.Gemm(m, hb, hidden, pb3, out, c, ep)
	}})
	b.produced(k.add.Outputs[0])
	return j, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// outNorm emits a detection output: the unfused BatchNorm of the current
// map, written in PyTorch's NCHW layout.
func (b *builder) outNorm(l *arch.Layer) {
	x := b.cur
	scale, shift := b.bnAffine(l.Name, x.c)
	out := make([]float32, x.n*x.c*x.h*x.w)
	b.p.Outputs = append(b.p.Outputs, Output{Shape: arch.Shape{x.n, x.c, x.h, x.w}, Data: out})
	tasks := b.rowTasks(x.h)
	n, c, h, w, in := x.n, x.c, x.h, x.w, x.buf
	b.add(Step{Name: l.Name, Layers: []string{l.Name}, tasks: tasks, run: func(t, _ int) {
		y0, y1 := rowSplit(h, tasks, t)
		for im := 0; im < n; im++ {
			for y := y0; y < y1; y++ {
				for xx := 0; xx < w; xx++ {
					p := (im*h+y)*w + xx
					src := in[p*c : p*c+c]
					for ch, v := range src {
						out[((im*c+ch)*h+y)*w+xx] = v*scale[ch] + shift[ch]
					}
				}
			}
		}
	}})
}

// head emits global pooling, the pre-head 1x1 conv with its activation and
// the linear classifier. The two matrix products have one row per image, so
// their columns are split across the workers instead.
func (b *builder) head(i int) (int, error) {
	g := b.g
	ls := g.Layers
	pool := &ls[i]
	if i+3 >= len(ls) || ls[i+1].Op != arch.OpConv || ls[i+2].Op != arch.OpAct || ls[i+3].Op != arch.OpFlatten {
		return 0, fmt.Errorf("engine: head at %s does not have the FasterNet head structure", pool.Name)
	}
	conv, act := &ls[i+1], &ls[i+2]
	x := b.cur
	n, c := x.n, x.c
	pooled := make([]float32, n*c)
	in := x.buf
	hw := x.h * x.w
	b.add(Step{Name: pool.Name, Layers: []string{pool.Name}, tasks: 1, run: func(int, int) {
		kernels.GlobalAvgPool(n, hw, c, in, c, pooled)
	}})
	f := conv.OutC
	feat := make([]float32, n*f)
	b.colGemm(conv.Name, []string{conv.Name, act.Name}, n, pooled, c, b.w[conv.Name+".weight"].Data, f, nil, kact(act.Act), feat)
	next := i + 4
	out := Output{Shape: arch.Shape{n, f}, Data: feat}
	if next < len(ls) && ls[next].Op == arch.OpLinear {
		lin := &ls[next]
		logits := make([]float32, n*lin.OutC)
		b.colGemm(lin.Name, []string{lin.Name}, n, feat, f, b.w[lin.Name+".weight"].Data, lin.OutC, b.w[lin.Name+".bias"].Data, kernels.ActNone, logits)
		out = Output{Shape: arch.Shape{n, lin.OutC}, Data: logits}
		next++
	}
	b.p.Outputs = append(b.p.Outputs, out)
	return next, nil
}

// colGemm emits out[m][nOut] = act(a[m][k] * W^T + bias) with W given as
// [nOut][k], its columns split into one packed panel per worker.
func (b *builder) colGemm(name string, layers []string, m int, a []float32, k int, w []float32, nOut int, bias []float32, act kernels.Act, out []float32) {
	parts := min(b.threads, max(1, nOut/64))
	pbs := make([]*kernels.PackedB, parts)
	eps := make([]kernels.Epilogue, parts)
	offs := make([]int, parts+1)
	for t := 0; t < parts; t++ {
		j0, j1 := rowSplit(nOut, parts, t)
		offs[t], offs[t+1] = j0, j1
		pbs[t] = kernels.PackBT(w[j0*k:j1*k], j1-j0, k)
		eps[t].Act = act
		if bias != nil {
			eps[t].Bias = bias[j0:j1]
		}
	}
	b.add(Step{Name: name, Layers: layers, tasks: parts, run: func(t, _ int) {
		kernels.Gemm(m, a, k, pbs[t], out[offs[t]:], nOut, &eps[t])
	}})
}
