package engine

import (
	"fmt"
	"strings"

	"github.com/fnlab/fnlab/arch"
)

// StepKind is what a program step computes.
type StepKind int

const (
	KindUnknown    StepKind = iota
	KindPatchEmbed          // the stem's patch conv (+ BN)
	KindMixer               // a block's spatial mixer
	KindMLP                 // a block's MLP with its residual add
	KindMerge               // a downsampling patch conv (+ BN)
	KindOutNorm             // a detection output's BatchNorm
	KindPool                // global average pool before the head
	KindPreHead             // the pre-head 1x1 conv and its activation
	KindClassifier          // the linear classifier
	KindLayout              // an operator stack's NCHW/NHWC conversion
	KindOp                  // one layer of an operator stack
)

var kindNames = [...]string{
	KindUnknown:    "unknown",
	KindPatchEmbed: "patch_embed",
	KindMixer:      "mixer",
	KindMLP:        "mlp",
	KindMerge:      "merge",
	KindOutNorm:    "out_norm",
	KindPool:       "pool",
	KindPreHead:    "pre_head",
	KindClassifier: "classifier",
	KindLayout:     "layout",
	KindOp:         "op",
}

func (k StepKind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("StepKind(%d)", int(k))
	}
	return kindNames[k]
}

// Head reports whether k is part of the classification head or the
// detection outputs (what follows the last stage).
func (k StepKind) Head() bool {
	return k == KindOutNorm || k == KindPool || k == KindPreHead || k == KindClassifier
}

// StepInfo describes one step Build emits for a graph, without weights or
// kernels: its kind, name, the graph layers it covers (by name and by
// index into Graph.Layers) and a key that identifies its configuration
// (everything that decides its running time apart from the thread count).
// Two steps with the same key run the same kernels on the same shapes.
type StepInfo struct {
	Name   string
	Layers []string
	Key    string
	Kind   StepKind
	Index  []int // Layers as indices into Graph.Layers

	blk *blockLayers // mixer and MLP steps: their block, matched once
}

// blockLayers are the layers of one FasterNet block, found by role and op.
type blockLayers struct {
	mixer, split, cat, sliceSet *arch.Layer
	mlp0, bn, act, mlp3, scale  *arch.Layer
	add                         *arch.Layer
	bad                         *arch.Layer // a layer that is no part of a block
}

// PlanSteps is the engine's one walk over g: the steps Build emits, in
// order, with their kinds, layers and configuration keys. It is cheap (no
// weights, buffers or kernels), so the cost model and latency table use it,
// and Build compiles exactly this plan, so the two cannot drift.
//
// Key formats (n: batch, c x h x w: the step's input map):
//
//	embed n{n} {c}x{h}x{w} k{k} o{cout}
//	mixer {pconv|conv|dwconv|gconv} n{n} {c}x{h}x{w} in{cin} out{cout} g{groups} {split_cat|slicing|full}
//	mlp n{n} {c}x{h}x{w} hid{hidden} {relu|gelu} src{1|2}
//	merge n{n} {c}x{h}x{w} k{k} o{cout}
//	outnorm n{n} {c}x{h}x{w}
//	pool n{n} {c}x{hw}
//	fc m{rows} k{k} n{cols} {act} {bias|nobias}
func PlanSteps(g *arch.Graph) ([]StepInfo, error) {
	var out []StepInfo
	ls := g.Layers
	step := func(kind StepKind, name, key string, idx ...int) {
		names := make([]string, len(idx))
		for k, i := range idx {
			names[k] = ls[i].Name
		}
		out = append(out, StepInfo{Name: name, Layers: names, Key: key, Kind: kind, Index: idx})
	}
	// A detection output's norm runs as soon as the map it reads exists.
	pending := map[int]int{}
	for i := range ls {
		if ls[i].Role == arch.RoleOutput {
			pending[ls[i].Inputs[0]] = i
		}
	}
	produced := func(v int) {
		if i, ok := pending[v]; ok {
			sh := g.Shape(v)
			step(KindOutNorm, ls[i].Name, fmt.Sprintf("outnorm n%d %dx%dx%d", sh[0], sh[1], sh[2], sh[3]), i)
			delete(pending, v)
		}
	}
	patch := func(i int, kind StepKind, key, name string) int {
		l := &ls[i]
		in := g.InShape(l)
		idx := []int{i}
		if i+1 < len(ls) && ls[i+1].Op == arch.OpBN && ls[i+1].Inputs[0] == l.Outputs[0] {
			idx = append(idx, i+1)
		}
		step(kind, name, fmt.Sprintf("%s n%d %dx%dx%d k%d o%d", key, in[0], in[1], in[2], in[3], l.KH, l.OutC), idx...)
		last := idx[len(idx)-1]
		produced(ls[last].Outputs[0])
		return last + 1
	}
	for i := 0; i < len(ls); {
		l := &ls[i]
		switch {
		case l.Role == arch.RoleEmbed && l.Op == arch.OpConv:
			i = patch(i, KindPatchEmbed, "embed", "patch_embed")
		case l.Role == arch.RoleMerge && l.Op == arch.OpConv:
			i = patch(i, KindMerge, "merge", strings.TrimSuffix(l.Module, ".reduction"))
		case l.Role == arch.RoleMixer:
			next, err := planBlock(g, i, &out)
			if err != nil {
				return nil, err
			}
			produced(ls[next-1].Outputs[0])
			i = next
		case l.Role == arch.RoleHead && l.Op == arch.OpAvgPool:
			if i+3 >= len(ls) || ls[i+1].Op != arch.OpConv || ls[i+2].Op != arch.OpAct || ls[i+3].Op != arch.OpFlatten {
				return nil, fmt.Errorf("engine: head at %s does not have the FasterNet head structure", l.Name)
			}
			in := g.InShape(l)
			step(KindPool, l.Name, fmt.Sprintf("pool n%d %dx%d", in[0], in[1], in[2]*in[3]), i)
			conv, act := &ls[i+1], &ls[i+2]
			step(KindPreHead, conv.Name, fmt.Sprintf("fc m%d k%d n%d %s nobias", in[0], conv.InC, conv.OutC, kact(act.Act)), i+1, i+2)
			i += 4 // the flatten is free: the pre-head output is already [N, F]
			if i < len(ls) && ls[i].Op == arch.OpLinear {
				lin := &ls[i]
				step(KindClassifier, lin.Name, fmt.Sprintf("fc m%d k%d n%d none bias", in[0], lin.InC, lin.OutC), i)
				i++
			}
		case l.Role == arch.RoleOutput:
			i++ // planned when its input was produced
		default:
			return nil, fmt.Errorf("engine: layer %s (%s) is not part of a pattern the engine runs", l.Name, l.Op)
		}
	}
	return out, nil
}

// planBlock appends a block's mixer and MLP steps and returns the index
// of the first layer after the block. The mixer step covers the block's
// mixer-role layers, the MLP step the rest.
func planBlock(g *arch.Graph, i int, out *[]StepInfo) (int, error) {
	ls := g.Layers
	st, bl := ls[i].Stage, ls[i].Block
	k := &blockLayers{}
	form := "full"
	var mixIdx, mlpIdx []int
	j := i
	for ; j < len(ls) && ls[j].Stage == st && ls[j].Block == bl && (ls[j].Role == arch.RoleMixer || ls[j].Role == arch.RoleMLP); j++ {
		l := &ls[j]
		if l.Role == arch.RoleMixer {
			mixIdx = append(mixIdx, j)
		} else {
			mlpIdx = append(mlpIdx, j)
		}
		switch {
		case l.Op == arch.OpConv && l.Role == arch.RoleMixer:
			k.mixer = l
		case l.Op == arch.OpSplit:
			k.split, form = l, "split_cat"
		case l.Op == arch.OpCat:
			k.cat = l
		case l.Op == arch.OpSliceSet:
			k.sliceSet, form = l, "slicing"
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
		case k.bad == nil:
			k.bad = l
		}
	}
	if k.mixer == nil || k.mlp0 == nil || k.act == nil {
		return 0, fmt.Errorf("engine: block at %s does not have the FasterNet block structure", ls[i].Name)
	}
	in := g.Shape(ls[i].Inputs[0])
	n, c, h, w := in[0], in[1], in[2], in[3]
	kind := k.mixer.MixerKind
	if kind == "" {
		kind = arch.Conv
	}
	names := func(idx []int) []string {
		s := make([]string, len(idx))
		for q, x := range idx {
			s[q] = ls[x].Name
		}
		return s
	}
	*out = append(*out, StepInfo{Name: mixerModule(k.mixer), Layers: names(mixIdx), Kind: KindMixer, Index: mixIdx, blk: k,
		Key: fmt.Sprintf("mixer %s n%d %dx%dx%d in%d out%d g%d %s", kind, n, c, h, w, k.mixer.InC, k.mixer.OutC, k.mixer.Groups, form)})
	srcs := 1
	if form == "slicing" {
		srcs = 2
	}
	*out = append(*out, StepInfo{Name: ls[j-1].Module + ".mlp", Layers: names(mlpIdx), Kind: KindMLP, Index: mlpIdx, blk: k,
		Key: fmt.Sprintf("mlp n%d %dx%dx%d hid%d %s src%d", n, c, h, w, k.mlp0.OutC, kact(k.act.Act), srcs)})
	return j, nil
}

// mixerModule is the module of a block's mixer conv (the step's name):
// PConv's conv is its module's "partial_conv3", the other mixers' "conv".
func mixerModule(conv *arch.Layer) string {
	if conv.MixerKind == arch.PConv {
		return strings.TrimSuffix(conv.Name, ".partial_conv3")
	}
	return strings.TrimSuffix(conv.Name, ".conv")
}
