package analyze

import (
	"fmt"
	"strings"

	"github.com/fnlab/fnlab/arch"
)

// BNMode says how BatchNorm layers are counted.
type BNMode string

const (
	BNTrain BNMode = "train" // batch statistics: fvcore counts 5 per element
	BNEval  BNMode = "eval"  // affine with running statistics: 2 per element
	BNFused BNMode = "fused" // folded into the preceding conv: the conv gains a bias, the BN costs nothing
)

// ParseBNMode reads "train", "eval" or "fused"; its error quotes the
// value and lets the caller name where it came from.
func ParseBNMode(s string) (BNMode, error) {
	switch BNMode(s) {
	case BNTrain, BNEval, BNFused:
		return BNMode(s), nil
	}
	return "", fmt.Errorf("%q: expected train, eval or fused", s)
}

// GELUFLOPs is how many FLOPs one GELU element counts: x/sqrt2, erf
// (counted as 4), +1, *0.5, *x.
const GELUFLOPs = 8

// LayerCost is one layer's cost with what identifies it.
type LayerCost struct {
	Name     string     `json:"name"`
	Module   string     `json:"module"`
	Op       string     `json:"op"`
	InShape  arch.Shape `json:"in_shape"`
	OutShape arch.Shape `json:"out_shape"`
	Cost
	ArithmeticIntensity float64 `json:"arithmetic_intensity"`
	// PaperMemAccess is the paper's memory-access formula for a mixer's
	// conv, in elements: N*H*W*(Cin+Cout) + k*k*Cout*Cin/groups
	// (PConv: h*w*2*c_p + k^2*c_p^2). Zero for other layers.
	PaperMemAccess int64      `json:"paper_mem_access,omitempty"`
	Role           arch.Role  `json:"role,omitempty"`
	Mixer          arch.Mixer `json:"mixer,omitempty"`
	Stage          int        `json:"stage"`
	Block          int        `json:"block"`
}

// Report is the cost analysis of a graph.
type Report struct {
	Model   string      `json:"model"`
	Spec    arch.Ref    `json:"spec"` // Count leaves Sets empty; callers that know the overrides fill them
	Input   arch.Shape  `json:"input"`
	BN      BNMode      `json:"bn"`
	Totals  Cost        `json:"totals"`
	Layers  []LayerCost `json:"layers"`
	modules map[string]Cost
	graph   *arch.Graph
}

// Graph returns the analysed graph.
func (r *Report) Graph() *arch.Graph { return r.graph }

// Module returns the summed cost of a module subtree ("" is the model).
func (r *Report) Module(path string) Cost { return r.modules[path] }

// Count analyses every layer of g.
func Count(g *arch.Graph, bn BNMode) *Report {
	r := &Report{Model: g.Spec.Name, Spec: arch.NewRef(g.Spec, nil), Input: g.Shape(g.Input), BN: bn, graph: g, modules: map[string]Cost{}}
	fusedInto := map[int]bool{} // conv layers that absorb a following BN
	if bn == BNFused {
		for i := range g.Layers {
			l := &g.Layers[i]
			if l.Op == arch.OpBN && g.Values[l.Inputs[0]].Producer >= 0 && g.Layers[g.Values[l.Inputs[0]].Producer].Op == arch.OpConv {
				fusedInto[g.Values[l.Inputs[0]].Producer] = true
			}
		}
	}
	r.Layers = make([]LayerCost, 0, len(g.Layers))
	for i := range g.Layers {
		l := &g.Layers[i]
		c := layerCost(g, l, bn, fusedInto[i])
		lc := LayerCost{Name: l.Name, Module: l.Module, Op: string(l.Op), InShape: g.InShape(l), OutShape: g.OutShape(l),
			Cost: c, ArithmeticIntensity: c.Intensity(), Role: l.Role, Mixer: l.MixerKind, Stage: l.Stage, Block: l.Block}
		if l.Op == arch.OpConv && l.Role == arch.RoleMixer {
			in, out := g.InShape(l), g.OutShape(l)
			lc.PaperMemAccess = int64(in[0])*int64(out[2]*out[3])*int64(l.InC+l.OutC) + int64(l.KH*l.KW)*int64(l.OutC)*int64(l.InC/l.Groups)
		}
		r.Layers = append(r.Layers, lc)
		r.Totals = r.Totals.Add(c)
		for _, p := range ancestors(l.Module) {
			r.modules[p] = r.modules[p].Add(c)
		}
	}
	return r
}

// ancestors returns "" and every prefix of a dotted module path, the path included.
func ancestors(path string) []string {
	out := []string{""}
	if path == "" {
		return out
	}
	for i := 0; i < len(path); i++ {
		if path[i] == '.' {
			out = append(out, path[:i])
		}
	}
	return append(out, path)
}

func trainable(ps []arch.Param) int64 {
	var n int64
	for _, p := range ps {
		if !p.Buffer {
			n += p.Shape.Numel()
		}
	}
	return n
}

// layerCost applies the counting rules in the package documentation.
func layerCost(g *arch.Graph, l *arch.Layer, bn BNMode, absorbsBN bool) Cost {
	const f32 = 4
	out := g.OutShape(l).Numel()
	in := g.InShape(l).Numel()
	c := Cost{Params: trainable(l.Params)}
	switch l.Op {
	case arch.OpConv:
		sh := g.OutShape(l)
		ish := g.InShape(l)
		n, hw := int64(sh[0]), int64(sh[2])*int64(sh[3])
		w := int64(l.OutC) * int64(l.InC/l.Groups) * int64(l.KH*l.KW)
		c.MACs = n * w * hw
		c.FLOPs = 2 * c.MACs
		c.FvcoreFLOPs = c.MACs
		c.Activations = out
		read := int64(ish[0]) * int64(l.InC) * int64(ish[2]) * int64(ish[3])
		read += w
		if l.Bias || absorbsBN {
			read += int64(l.OutC)
			c.FLOPs += out
		}
		c.BytesRead, c.BytesWritten = f32*read, f32*out
	case arch.OpLinear:
		sh := g.OutShape(l)
		c.MACs = int64(sh[0]) * int64(l.InC) * int64(l.OutC)
		c.FLOPs = 2*c.MACs + out
		c.FvcoreFLOPs = c.MACs
		c.Activations = out
		c.BytesRead = f32 * (in + int64(l.InC)*int64(l.OutC) + int64(l.OutC))
		c.BytesWritten = f32 * out
	case arch.OpBN:
		switch bn {
		case BNTrain:
			c.FvcoreFLOPs, c.FLOPs = 5*in, 5*in
		case BNEval:
			c.FvcoreFLOPs, c.FLOPs = 2*in, 2*in
		}
		prev := g.Values[l.Inputs[0]].Producer
		folded := bn == BNFused && prev >= 0 && g.Layers[prev].Op == arch.OpConv
		if !folded {
			c.BytesRead = f32 * (in + 4*int64(l.InC))
			c.BytesWritten = f32 * out
			if bn == BNFused {
				c.FLOPs, c.FvcoreFLOPs = 2*in, 2*in
			}
		}
	case arch.OpAct:
		per := int64(1)
		if l.Act == arch.GELU {
			per = GELUFLOPs
		}
		c.FLOPs = per * out
		c.BytesRead, c.BytesWritten = f32*in, f32*out
	case arch.OpScale:
		c.FLOPs = out
		c.BytesRead, c.BytesWritten = f32*(in+int64(l.InC)), f32*out
	case arch.OpAdd:
		c.FLOPs = out
		c.BytesRead, c.BytesWritten = f32*2*out, f32*out
	case arch.OpCat:
		c.BytesRead, c.BytesWritten = f32*out, f32*out
	case arch.OpAvgPool:
		c.FLOPs = in + out
		c.FvcoreFLOPs = in
		c.BytesRead, c.BytesWritten = f32*in, f32*out
	case arch.OpSplit, arch.OpSliceSet, arch.OpFlatten, arch.OpIdentity, arch.OpSliceView:
		// Views: no arithmetic, no traffic (see the package doc).
	default:
		panic("analyze: no counting rule for op " + string(l.Op))
	}
	return c
}

// MixerCost sums the cost of every layer with the mixer role.
func (r *Report) MixerCost() Cost {
	var c Cost
	for _, l := range r.Layers {
		if l.Role == arch.RoleMixer {
			c = c.Add(l.Cost)
		}
	}
	return c
}

// Modules returns the module paths of the graph with their summed costs,
// in the reference's registration order, down to depth levels below the
// model (depth < 0: all).
func (r *Report) Modules(depth int) []ModuleCost {
	var out []ModuleCost
	for _, m := range r.graph.Modules {
		d := 0
		if m.Path != "" {
			d = strings.Count(m.Path, ".") + 1
		}
		if depth >= 0 && d > depth {
			continue
		}
		out = append(out, ModuleCost{Path: m.Path, Type: m.Type, Depth: d, Cost: r.modules[m.Path]})
	}
	return out
}

// ModuleCost is a module subtree's summed cost.
type ModuleCost struct {
	Path  string `json:"name"`
	Type  string `json:"type"`
	Depth int    `json:"depth"`
	Cost
}
