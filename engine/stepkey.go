package engine

import (
	"fmt"
	"strings"

	"github.com/fnlab/fnlab/arch"
)

// StepInfo describes one step Build would emit for a graph, without
// weights or kernels: its name, the graph layers it covers and a key that
// identifies its configuration (everything that decides its running time
// apart from the thread count). Two steps with the same key run the same
// kernels on the same shapes.
type StepInfo struct {
	Name   string
	Layers []string
	Key    string
}

// PlanSteps lists the steps Build emits for g, in the same order, with
// their configuration keys. It is cheap (no weights, buffers or kernels),
// so the cost model and latency table use it; Build checks its own steps
// against it and copies the keys into Step.Key, so the two cannot drift.
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
	pending := map[int]*arch.Layer{}
	for i := range ls {
		if ls[i].Role == arch.RoleOutput {
			pending[ls[i].Inputs[0]] = &ls[i]
		}
	}
	produced := func(v int) {
		if l, ok := pending[v]; ok {
			sh := g.Shape(l.Inputs[0])
			out = append(out, StepInfo{Name: l.Name, Layers: []string{l.Name},
				Key: fmt.Sprintf("outnorm n%d %dx%dx%d", sh[0], sh[1], sh[2], sh[3])})
			delete(pending, v)
		}
	}
	following := func(i int) *arch.Layer {
		if i+1 < len(ls) && ls[i+1].Op == arch.OpBN && ls[i+1].Inputs[0] == ls[i].Outputs[0] {
			return &ls[i+1]
		}
		return nil
	}
	patch := func(i int, kind, name string) int {
		l := &ls[i]
		in := g.InShape(l)
		names := []string{l.Name}
		next := i + 1
		if bn := following(i); bn != nil {
			names, next = append(names, bn.Name), i+2
		}
		out = append(out, StepInfo{Name: name, Layers: names,
			Key: fmt.Sprintf("%s n%d %dx%dx%d k%d o%d", kind, in[0], in[1], in[2], in[3], l.KH, l.OutC)})
		produced(ls[next-1].Outputs[0])
		return next
	}
	for i := 0; i < len(ls); {
		l := &ls[i]
		switch {
		case l.Role == arch.RoleEmbed && l.Op == arch.OpConv:
			i = patch(i, "embed", "patch_embed")
		case l.Role == arch.RoleMerge && l.Op == arch.OpConv:
			i = patch(i, "merge", strings.TrimSuffix(l.Module, ".reduction"))
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
			out = append(out, StepInfo{Name: l.Name, Layers: []string{l.Name},
				Key: fmt.Sprintf("pool n%d %dx%d", in[0], in[1], in[2]*in[3])})
			conv, act := &ls[i+1], &ls[i+2]
			out = append(out, StepInfo{Name: conv.Name, Layers: []string{conv.Name, act.Name},
				Key: fmt.Sprintf("fc m%d k%d n%d %s nobias", in[0], conv.InC, conv.OutC, kact(act.Act))})
			i += 4
			if i < len(ls) && ls[i].Op == arch.OpLinear {
				lin := &ls[i]
				out = append(out, StepInfo{Name: lin.Name, Layers: []string{lin.Name},
					Key: fmt.Sprintf("fc m%d k%d n%d none bias", in[0], lin.InC, lin.OutC)})
				i++
			}
		case l.Role == arch.RoleOutput:
			i++
		default:
			return nil, fmt.Errorf("engine: layer %s (%s) is not part of a pattern the engine runs", l.Name, l.Op)
		}
	}
	return out, nil
}

// planBlock appends a block's mixer and MLP steps and returns the index
// of the first layer after the block.
func planBlock(g *arch.Graph, i int, out *[]StepInfo) (int, error) {
	ls := g.Layers
	st, bl := ls[i].Stage, ls[i].Block
	var mixer, mlp0, act *arch.Layer
	var names []string
	form := "full"
	j := i
	for ; j < len(ls) && ls[j].Stage == st && ls[j].Block == bl && (ls[j].Role == arch.RoleMixer || ls[j].Role == arch.RoleMLP); j++ {
		l := &ls[j]
		names = append(names, l.Name)
		switch {
		case l.Op == arch.OpConv && l.Role == arch.RoleMixer:
			mixer = l
		case l.Op == arch.OpSplit:
			form = "split_cat"
		case l.Op == arch.OpSliceSet:
			form = "slicing"
		case l.Op == arch.OpConv && mlp0 == nil:
			mlp0 = l
		case l.Op == arch.OpAct:
			act = l
		}
	}
	if mixer == nil || mlp0 == nil || act == nil {
		return 0, fmt.Errorf("engine: block at %s does not have the FasterNet block structure", ls[i].Name)
	}
	var prefix string
	if mixer.MixerKind == arch.PConv {
		prefix = strings.TrimSuffix(mixer.Name, ".partial_conv3")
	} else {
		prefix = strings.TrimSuffix(mixer.Name, ".conv")
	}
	var mixNames, mlpNames []string
	for _, nm := range names {
		if strings.HasPrefix(nm, prefix) {
			mixNames = append(mixNames, nm)
		} else {
			mlpNames = append(mlpNames, nm)
		}
	}
	in := g.Shape(ls[i].Inputs[0])
	n, c, h, w := in[0], in[1], in[2], in[3]
	kind := mixer.MixerKind
	if kind == "" {
		kind = arch.Conv
	}
	*out = append(*out, StepInfo{Name: prefix, Layers: mixNames,
		Key: fmt.Sprintf("mixer %s n%d %dx%dx%d in%d out%d g%d %s", kind, n, c, h, w, mixer.InC, mixer.OutC, mixer.Groups, form)})
	srcs := 1
	if form == "slicing" {
		srcs = 2
	}
	*out = append(*out, StepInfo{Name: ls[j-1].Module + ".mlp", Layers: mlpNames,
		Key: fmt.Sprintf("mlp n%d %dx%dx%d hid%d %s src%d", n, c, h, w, mlp0.OutC, kact(act.Act), srcs)})
	return j, nil
}
