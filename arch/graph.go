package arch

import (
	"fmt"
	"strings"
)

// Op is the kind of a graph layer.
type Op string

const (
	OpConv      Op = "conv2d"      // convolution, weight [out][in/groups][kh][kw]
	OpBN        Op = "batchnorm"   // BatchNorm2d in inference form
	OpAct       Op = "act"         // ReLU or GELU
	OpScale     Op = "layer_scale" // per-channel multiply (layer scale)
	OpAdd       Op = "add"         // residual add
	OpSplit     Op = "split"       // channel split into two views
	OpCat       Op = "cat"         // channel concatenation into a new tensor
	OpSliceSet  Op = "slice_write" // in with its first channels replaced (slicing PConv)
	OpAvgPool   Op = "avgpool"     // adaptive average pool to 1x1
	OpFlatten   Op = "flatten"     // [N,C,1,1] -> [N,C]
	OpLinear    Op = "linear"      // fully connected, weight [out][in]
	OpIdentity  Op = "identity"    // pass-through (an empty stage)
	OpSliceView Op = "slice_view"  // channel slice of a tensor, no copy
)

// Shape is a tensor shape: [N, C, H, W] for feature maps, [N, F] after flatten.
type Shape []int

// Numel is the number of elements.
func (s Shape) Numel() int64 {
	n := int64(1)
	for _, d := range s {
		n *= int64(d)
	}
	return n
}

func (s Shape) String() string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Param is one tensor of the parameter ledger, named as in the reference
// implementation's state dict. Buffers (BN running statistics) are not
// trainable and are not counted as parameters.
type Param struct {
	Name   string
	Shape  Shape
	Buffer bool
}

// Value is a tensor flowing between layers.
type Value struct {
	ID       int
	Shape    Shape
	Producer int // index of the producing layer, -1 for the model input
}

// Layer is one operation of the graph, in execution order.
type Layer struct {
	Name    string // unique; the reference module name for modules (e.g. "stages.0.blocks.0.mlp.0")
	Module  string // module that owns it in the reference module tree
	Op      Op
	Inputs  []int // value IDs
	Outputs []int // value IDs (two for split)

	// Convolution and linear attributes.
	InC, OutC     int
	KH, KW        int
	Stride, Pad   int
	Groups        int
	InOffset      int  // first input channel read (a conv over a channel slice)
	Bias          bool // conv/linear has a bias
	Act           Act  // for OpAct
	Params        []Param
	Role          Role // what the layer is in a FasterNet block, for analyses
	Stage, Block  int  // stage and block index, -1 outside blocks
	MixerKind     Mixer
	ChannelsSplit int // split/cat/slice: the first part's channel count
}

// Role tags layers so analyses can group them without parsing names.
type Role string

const (
	RoleEmbed  Role = "patch_embed"
	RoleMixer  Role = "mixer"
	RoleMLP    Role = "mlp"
	RoleMerge  Role = "merge"
	RoleHead   Role = "head"
	RoleOutput Role = "out_norm"
	RoleOther  Role = ""
)

// Module is a node of the reference module tree, in registration order
// (PyTorch's named_modules order). Path "" is the model.
type Module struct {
	Path string
	Type string // reference class name: Conv2d, BatchNorm2d, MLPBlock, ...
}

// Graph is a compiled model: values, layers in execution order, the
// module tree and the parameter ledger (Params).
type Graph struct {
	Spec    *Spec
	Values  []Value
	Layers  []Layer
	Modules []Module
	Input   int   // value ID of the model input
	Outputs []int // value IDs of the model outputs
}

// Params lists every parameter and buffer in the reference's registration
// order (modules in named_modules order, each module's own tensors in
// declaration order).
func (g *Graph) Params() []Param {
	byModule := map[string][]Param{}
	for _, l := range g.Layers {
		byModule[l.Module] = append(byModule[l.Module], l.Params...)
	}
	var out []Param
	for _, m := range g.Modules {
		out = append(out, byModule[m.Path]...)
	}
	return out
}

// NumParams counts trainable parameters (buffers excluded).
func (g *Graph) NumParams() int64 {
	var n int64
	for _, l := range g.Layers {
		for _, p := range l.Params {
			if !p.Buffer {
				n += p.Shape.Numel()
			}
		}
	}
	return n
}

// Shape returns the shape of value id.
func (g *Graph) Shape(id int) Shape { return g.Values[id].Shape }

// InShape is the shape of a layer's first input.
func (g *Graph) InShape(l *Layer) Shape { return g.Values[l.Inputs[0]].Shape }

// OutShape is the shape of a layer's first output.
func (g *Graph) OutShape(l *Layer) Shape { return g.Values[l.Outputs[0]].Shape }

// Layer returns the layer called name, or nil.
func (g *Graph) Layer(name string) *Layer {
	for i := range g.Layers {
		if g.Layers[i].Name == name {
			return &g.Layers[i]
		}
	}
	return nil
}
