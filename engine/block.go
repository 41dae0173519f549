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

// mixer emits a block's spatial mixer step; mlp then emits its MLP with
// BN folded, the activation fused and the residual added in place, tile
// by tile so the hidden activations never leave the cache.
func (b *builder) mixer(st *StepInfo) error {
	k := st.blk
	if err := k.check(b.g, st); err != nil {
		return err
	}
	x := b.cur
	if x.value != k.add.Inputs[0] {
		return fmt.Errorf("engine: block %s does not read the current feature map", k.add.Module)
	}
	n, c, h, w := x.n, x.c, x.h, x.w
	rows := x.rows()
	cp := k.mixer.OutC
	conv, err := kernels.NewConv3x3(b.w[k.mixer.Name+".weight"].Data, k.mixer.InC, k.mixer.OutC, k.mixer.Groups)
	if err != nil {
		return fmt.Errorf("engine: %s: %v", k.mixer.Name, err)
	}
	b.needScratch(conv.ScratchLen(n, h, w))
	mix := b.mix
	ldm := c
	slicing := k.sliceSet != nil
	splitCat := k.split != nil
	if slicing {
		ldm = cp
	}
	grain := conv.RowGrain()
	tasks := convTasks(b.threads, h, grain, int64(rows)*int64(k.mixer.OutC*k.mixer.InC/k.mixer.Groups*9))
	if colSplitConv(b.threads, k.mixer.InC, k.mixer.OutC, k.mixer.Groups, rows) {
		cc, err := newConvCols(b.w[k.mixer.Name+".weight"].Data, k.mixer.InC, k.mixer.OutC, k.mixer.Groups, b.threads)
		if err != nil {
			return fmt.Errorf("engine: %s: %v", k.mixer.Name, err)
		}
		b.needScratch(cc.scratchLen(n, h, w))
		parts := len(cc.parts)
		b.add(Step{tasks: parts, run: func(t, wk int) {
			cc.run(t, n, h, w, x.buf, c, mix, ldm, b.scratch[wk])
			if splitCat {
				p0, p1 := rowSplit(rows, parts, t)
				for p := p0; p < p1; p++ {
					copy(mix[p*c+cp:p*c+c], x.buf[p*c+cp:p*c+c])
				}
			}
		}})
	} else {
		b.add(Step{tasks: tasks, run: func(t, wk int) {
			y0, y1 := grainSplit(h, grain, tasks, t)
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
	return nil
}

// mlp emits the MLP step of the block whose mixer was emitted last.
func (b *builder) mlp(st *StepInfo) error {
	k := st.blk
	x := b.cur
	c, cp, rows := x.c, k.mixer.OutC, x.rows()
	slicing := k.sliceSet != nil
	mix := b.mix
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
	b.cur.value = k.add.Outputs[0]
	if runsWhole(rows, c, hidden) {
		b.add(b.mlpWhole(rows, c, cp, hidden, slicing, mix, x.buf, w0, b0, w3, act))
		return nil
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
	b.add(Step{tasks: ntiles, run: func(t, wk int) {
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
	return nil
}

// check refuses a block the engine's kernels do not run: a missing part, a
// layer of no part, or a mixer or MLP conv of another kernel size.
func (k *blockLayers) check(g *arch.Graph, st *StepInfo) error {
	if k.bad != nil {
		return fmt.Errorf("engine: %s (%s) is not part of a FasterNet block", k.bad.Name, k.bad.Op)
	}
	if k.mixer == nil || k.mlp0 == nil || k.bn == nil || k.act == nil || k.mlp3 == nil || k.add == nil ||
		k.mixer.KH != 3 || k.mixer.Stride != 1 || k.mixer.Pad != 1 || k.mlp0.KH != 1 || k.mlp3.KH != 1 {
		return fmt.Errorf("engine: block at %s does not have the FasterNet block structure", g.Layers[st.Index[0]].Name)
	}
	return nil
}

// outNorm emits a detection output: the unfused BatchNorm of the current
// map, written in PyTorch's NCHW layout.
func (b *builder) outNorm(st *StepInfo) error {
	l := &b.g.Layers[st.Index[0]]
	x := b.cur
	if x.value != l.Inputs[0] {
		return fmt.Errorf("engine: internal: %s does not read the current feature map", l.Name)
	}
	scale, shift := b.bnAffine(l.Name, x.c)
	out := make([]float32, x.n*x.c*x.h*x.w)
	b.p.Outputs = append(b.p.Outputs, Output{Shape: arch.Shape{x.n, x.c, x.h, x.w}, Data: out})
	tasks := b.rowTasks(x.h)
	n, c, h, w, in := x.n, x.c, x.h, x.w, x.buf
	b.add(Step{tasks: tasks, run: func(t, _ int) {
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
	return nil
}

// pool emits the head's global average pool. The head's two matrix
// products (fc) have one row per image, so their columns are split across
// the workers instead.
func (b *builder) pool(st *StepInfo) {
	x := b.cur
	n, c, hw, in := x.n, x.c, x.h*x.w, x.buf
	pooled := make([]float32, n*c)
	b.vec = pooled
	b.add(Step{tasks: 1, run: func(int, int) {
		kernels.GlobalAvgPool(n, hw, c, in, c, pooled)
	}})
}

// fc emits the pre-head 1x1 conv with its activation, or the linear
// classifier, on the head's vector; its result is the model's output
// unless a later fc step replaces it.
func (b *builder) fc(st *StepInfo) {
	l := &b.g.Layers[st.Index[0]]
	n := b.cur.n
	act, bias := kernels.ActNone, []float32(nil)
	if st.Kind == KindPreHead {
		act = kact(b.g.Layers[st.Index[1]].Act)
	} else {
		bias = b.w[l.Name+".bias"].Data
	}
	out := make([]float32, n*l.OutC)
	b.colGemm(n, b.vec, l.InC, b.w[l.Name+".weight"].Data, l.OutC, bias, act, out)
	b.vec = out
	b.head = &Output{Shape: arch.Shape{n, l.OutC}, Data: out}
}

// colGemm emits out[m][nOut] = act(a[m][k] * W^T + bias) with W given as
// [nOut][k], its columns split into one packed panel per worker.
func (b *builder) colGemm(m int, a []float32, k int, w []float32, nOut int, bias []float32, act kernels.Act, out []float32) {
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
	b.add(Step{tasks: parts, run: func(t, _ int) {
		kernels.Gemm(m, a, k, pbs[t], out[offs[t]:], nOut, &eps[t])
	}})
}
