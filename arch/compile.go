package arch

import "fmt"

// MaxModelBytes bounds what a compiled model may need at float32:
// parameters plus three times its largest activation (a forward pass
// holds about that many at once). Larger specs are refused at compile
// time rather than failing in an allocation.
const MaxModelBytes = 16 << 30

type builder struct {
	g            *Graph
	stage, block int
}

func (b *builder) value(s Shape, producer int) int {
	id := len(b.g.Values)
	b.g.Values = append(b.g.Values, Value{ID: id, Shape: s, Producer: producer})
	return id
}

func (b *builder) module(path, typ string) {
	b.g.Modules = append(b.g.Modules, Module{Path: path, Type: typ})
}

// add appends l, creating one output value of shape out, and returns its ID.
func (b *builder) add(l Layer, out Shape) int {
	l.Stage, l.Block = b.stage, b.block
	idx := len(b.g.Layers)
	id := b.value(out, idx)
	l.Outputs = []int{id}
	b.g.Layers = append(b.g.Layers, l)
	return id
}

func convOut(in, k, s, p int) int { return (in+2*p-k)/s + 1 }

// conv adds a convolution reading inC channels of value in from channel off.
func (b *builder) conv(name string, in, off, inC, outC, k, s, p, groups int, bias bool, role Role) int {
	sh := b.g.Values[in].Shape
	out := Shape{sh[0], outC, convOut(sh[2], k, s, p), convOut(sh[3], k, s, p)}
	l := Layer{Name: name, Module: name, Op: OpConv, Inputs: []int{in},
		InC: inC, OutC: outC, KH: k, KW: k, Stride: s, Pad: p, Groups: groups, InOffset: off, Bias: bias, Role: role,
		Params: []Param{{Name: name + ".weight", Shape: Shape{outC, inC / groups, k, k}}}}
	if bias {
		l.Params = append(l.Params, Param{Name: name + ".bias", Shape: Shape{outC}})
	}
	b.module(name, "Conv2d")
	return b.add(l, out)
}

func (b *builder) bn(name string, in int, role Role) int {
	sh := b.g.Values[in].Shape
	c := sh[1]
	b.module(name, "BatchNorm2d")
	return b.add(Layer{Name: name, Module: name, Op: OpBN, Inputs: []int{in}, InC: c, OutC: c, Role: role,
		Params: []Param{
			{Name: name + ".weight", Shape: Shape{c}},
			{Name: name + ".bias", Shape: Shape{c}},
			{Name: name + ".running_mean", Shape: Shape{c}, Buffer: true},
			{Name: name + ".running_var", Shape: Shape{c}, Buffer: true},
		}}, sh)
}

func (b *builder) act(name string, a Act, in int, role Role) int {
	typ := "ReLU"
	if a == GELU {
		typ = "GELU"
	}
	b.module(name, typ)
	sh := b.g.Values[in].Shape
	return b.add(Layer{Name: name, Module: name, Op: OpAct, Act: a, Inputs: []int{in}, InC: sh[1], OutC: sh[1], Role: role}, sh)
}

// Compile turns a validated spec into a graph named and shaped as the
// reference implementation's modules.
func Compile(s *Spec) (*Graph, error) {
	g := &Graph{Spec: s}
	b := &builder{g: g, stage: -1, block: -1}
	in := s.Input
	x := b.value(Shape{in.Batch, in.Channels, in.Height, in.Width}, -1)
	g.Input = x
	b.module("", "FasterNet")

	b.module("patch_embed", "PatchEmbed")
	x = b.conv("patch_embed.proj", x, 0, in.Channels, s.EmbedDim, s.PatchSize, s.PatchStride, 0, 1, false, RoleEmbed)
	if s.PatchNorm {
		x = b.bn("patch_embed.norm", x, RoleEmbed)
	}

	b.module("stages", "Sequential")
	outIdx := map[int]bool{}
	if s.ForkFeat {
		for i := range s.Depths {
			outIdx[2*i] = true
		}
	}
	var feats []int
	for i, st := range s.Stages {
		dim := s.StageDim(i)
		idx := 2 * i
		b.stage = i
		b.module(fmt.Sprintf("stages.%d", idx), "BasicStage")
		b.module(fmt.Sprintf("stages.%d.blocks", idx), "Sequential")
		for j := 0; j < st.Depth; j++ {
			b.block = j
			x = b.block1(fmt.Sprintf("stages.%d.blocks.%d", idx, j), x, dim, st)
		}
		b.block = -1
		if outIdx[idx] {
			feats = append(feats, x)
		}
		if i < len(s.Stages)-1 {
			p := fmt.Sprintf("stages.%d", idx+1)
			b.module(p, "PatchMerging")
			x = b.conv(p+".reduction", x, 0, dim, 2*dim, s.PatchSize2, s.PatchStride2, 0, 1, false, RoleMerge)
			x = b.bn(p+".norm", x, RoleMerge)
		}
	}
	b.stage = -1
	if s.ForkFeat {
		for i, f := range feats {
			g.Outputs = append(g.Outputs, b.bn(fmt.Sprintf("norm%d", 2*i), f, RoleOutput))
		}
	} else {
		nf := s.StageDim(len(s.Stages) - 1)
		b.module("avgpool_pre_head", "Sequential")
		b.module("avgpool_pre_head.0", "AdaptiveAvgPool2d")
		sh := g.Values[x].Shape
		x = b.add(Layer{Name: "avgpool_pre_head.0", Module: "avgpool_pre_head.0", Op: OpAvgPool, Inputs: []int{x},
			InC: nf, OutC: nf, Role: RoleHead}, Shape{sh[0], nf, 1, 1})
		x = b.conv("avgpool_pre_head.1", x, 0, nf, s.FeatureDim, 1, 1, 0, 1, false, RoleHead)
		x = b.act("avgpool_pre_head.2", s.Act, x, RoleHead)
		x = b.add(Layer{Name: "flatten", Module: "", Op: OpFlatten, Inputs: []int{x}, InC: s.FeatureDim, OutC: s.FeatureDim, Role: RoleHead},
			Shape{sh[0], s.FeatureDim})
		if s.NumClasses > 0 {
			b.module("head", "Linear")
			x = b.add(Layer{Name: "head", Module: "head", Op: OpLinear, Inputs: []int{x}, InC: s.FeatureDim, OutC: s.NumClasses,
				Bias: true, Groups: 1, KH: 1, KW: 1, Stride: 1, Role: RoleHead,
				Params: []Param{{Name: "head.weight", Shape: Shape{s.NumClasses, s.FeatureDim}}, {Name: "head.bias", Shape: Shape{s.NumClasses}}}},
				Shape{sh[0], s.NumClasses})
		}
		g.Outputs = []int{x}
	}
	if err := checkSize(g); err != nil {
		return nil, err
	}
	return g, nil
}

// block1 adds one FasterNet block: x + mlp(mixer(x)), with optional layer scale.
func (b *builder) block1(p string, x, dim int, st StageSpec) int {
	s := b.g.Spec
	sh := b.g.Values[x].Shape
	b.module(p, "MLPBlock")
	b.module(p+".mlp", "Sequential")
	// The mixer runs first but the reference registers it after the MLP:
	// build it, then move its modules behind the MLP's.
	nMod := len(b.g.Modules)
	m := b.mixerOp(p+".spatial_mixing", x, dim, st)
	mixerMods := append([]Module(nil), b.g.Modules[nMod:]...)
	b.g.Modules = b.g.Modules[:nMod]

	hidden := s.Hidden(dim)
	h := b.conv(p+".mlp.0", m, 0, dim, hidden, 1, 1, 0, 1, false, RoleMLP)
	h = b.bn(p+".mlp.1", h, RoleMLP)
	h = b.act(p+".mlp.2", s.Act, h, RoleMLP)
	y := b.conv(p+".mlp.3", h, 0, hidden, dim, 1, 1, 0, 1, false, RoleMLP)
	b.g.Modules = append(b.g.Modules, mixerMods...)
	if s.LayerScaleInitValue > 0 {
		y = b.add(Layer{Name: p + ".layer_scale", Module: p, Op: OpScale, Inputs: []int{y}, InC: dim, OutC: dim, Role: RoleMLP,
			Params: []Param{{Name: p + ".layer_scale", Shape: Shape{dim}}}}, sh)
	}
	return b.add(Layer{Name: p + ".add", Module: p, Op: OpAdd, Inputs: []int{x, y}, InC: dim, OutC: dim, Role: RoleMLP}, sh)
}

// mixerOp adds a spatial mixer as module mp over value x of width dim.
// PConv registers mp as Partial_conv3 with child partial_conv3; the other
// mixers register mp with child conv.
func (b *builder) mixerOp(mp string, x, dim int, st StageSpec) int {
	sh := b.g.Values[x].Shape
	first := len(b.g.Layers)
	var m int
	switch st.Mixer {
	case PConv:
		b.module(mp, "Partial_conv3")
		cp := dim / st.NDiv
		name := mp + ".partial_conv3"
		if b.g.Spec.PConvFwType == Slicing {
			y := b.conv(name, x, 0, cp, cp, 3, 1, 1, 1, false, RoleMixer)
			m = b.add(Layer{Name: mp + ".slice_write", Module: mp, Op: OpSliceSet, Inputs: []int{x, y},
				InC: dim, OutC: dim, ChannelsSplit: cp, Role: RoleMixer}, sh)
		} else {
			idx := len(b.g.Layers)
			x1 := b.value(Shape{sh[0], cp, sh[2], sh[3]}, idx)
			x2 := b.value(Shape{sh[0], dim - cp, sh[2], sh[3]}, idx)
			b.g.Layers = append(b.g.Layers, Layer{Name: mp + ".split", Module: mp, Op: OpSplit, Inputs: []int{x}, Outputs: []int{x1, x2},
				InC: dim, OutC: dim, ChannelsSplit: cp, Role: RoleMixer, Stage: b.stage, Block: b.block})
			y := b.conv(name, x1, 0, cp, cp, 3, 1, 1, 1, false, RoleMixer)
			m = b.add(Layer{Name: mp + ".cat", Module: mp, Op: OpCat, Inputs: []int{y, x2},
				InC: dim, OutC: dim, ChannelsSplit: cp, Role: RoleMixer}, sh)
		}
	default:
		groups := 1
		switch st.Mixer {
		case DWConv:
			groups = dim
		case GConv:
			groups = st.Groups
		}
		b.module(mp, "Mixer")
		m = b.conv(mp+".conv", x, 0, dim, dim, 3, 1, 1, groups, false, RoleMixer)
	}
	for i := first; i < len(b.g.Layers); i++ {
		b.g.Layers[i].MixerKind = st.Mixer
	}
	return m
}

func checkSize(g *Graph) error {
	var params, largest int64
	for _, l := range g.Layers {
		for _, p := range l.Params {
			params += p.Shape.Numel()
		}
	}
	for _, v := range g.Values {
		if n := v.Shape.Numel(); n > largest {
			largest = n
		}
	}
	need := 4 * (params + 3*largest)
	if need > MaxModelBytes || params > 1<<31 || largest > 1<<31 {
		return fmt.Errorf("%s: the model needs %.1f GiB at float32 (%d parameters, largest activation %d elements, held about 3 at a time), above fnlab's %d GiB bound; reduce embed_dim, depths, input size or batch",
			g.Spec.Source, float64(need)/(1<<30), params, largest, MaxModelBytes>>30)
	}
	return nil
}
