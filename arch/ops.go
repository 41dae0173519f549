package arch

import (
	"fmt"
	"strings"
)

// OpStack describes the paper's Table 1 setup: Layers copies of one
// operator on a Channels x Height x Width map, batch Batch. Op is a mixer
// name (conv, gconv, dwconv, pconv), "pwconv" (1x1 conv), or a mixer
// followed by a 1x1 conv ("pconv+pwconv").
type OpStack struct {
	Op                      string
	Channels, Height, Width int
	Layers, Batch           int
	NDiv, Groups            int
	Forward                 Forward // PConv form
}

// OpNames lists the operators OpStack accepts.
var OpNames = []string{"conv", "gconv", "dwconv", "pconv", "pwconv", "conv+pwconv", "gconv+pwconv", "dwconv+pwconv", "pconv+pwconv"}

// CompileOps builds the graph of an operator stack. Layers are named
// "layers.{i}" ("layers.{i}.mixer" and "layers.{i}.pw" for pairs).
func CompileOps(o OpStack) (*Graph, error) {
	if o.Batch == 0 {
		o.Batch = 1
	}
	if o.NDiv == 0 {
		o.NDiv = 4
	}
	if o.Groups == 0 {
		o.Groups = 16
	}
	if o.Forward == "" {
		o.Forward = SplitCat
	}
	mixer, pw, ok := strings.Cut(o.Op, "+")
	if ok && pw != "pwconv" || !validOp(o.Op) {
		return nil, fmt.Errorf("operator %q: expected one of %s", o.Op, strings.Join(OpNames, ", "))
	}
	c := o.Channels
	switch {
	case c < 1 || o.Height < 1 || o.Width < 1 || o.Layers < 1 || o.Batch < 1:
		return nil, fmt.Errorf("operator %s: sizes must be positive (got %dx%dx%d, %d layers, batch %d)", o.Op, c, o.Height, o.Width, o.Layers, o.Batch)
	case c > maxDim || o.Height > maxImage || o.Width > maxImage || o.Layers > maxDepth || o.Batch > maxBatch:
		return nil, fmt.Errorf("operator %s: sizes above fnlab's limits (channels %d, side %d, layers %d, batch %d)", o.Op, maxDim, maxImage, maxDepth, maxBatch)
	case mixer == "pconv" && o.NDiv > c:
		return nil, fmt.Errorf("operator %s: n_div %d is larger than the %d channels", o.Op, o.NDiv, c)
	case mixer == "gconv" && c%o.Groups != 0:
		return nil, fmt.Errorf("operator %s: groups %d does not divide the %d channels", o.Op, o.Groups, c)
	}
	s := Default()
	s.Name = fmt.Sprintf("%s_%dx%dx%d", o.Op, c, o.Height, o.Width)
	s.Source = s.Name
	s.PConvFwType = o.Forward
	s.NDiv, s.Groups = o.NDiv, o.Groups
	s.Input = Input{Batch: o.Batch, Channels: c, Height: o.Height, Width: o.Width}
	g := &Graph{Spec: &s}
	b := &builder{g: g, stage: -1, block: -1}
	x := b.value(Shape{o.Batch, c, o.Height, o.Width}, -1)
	g.Input = x
	b.module("", "OpStack")
	b.module("layers", "Sequential")
	for i := 0; i < o.Layers; i++ {
		b.block = i
		p := fmt.Sprintf("layers.%d", i)
		mp := p
		if ok {
			b.module(p, "Sequential")
			mp = p + ".mixer"
		}
		if mixer == "pwconv" {
			x = b.conv(mp, x, 0, c, c, 1, 1, 0, 1, false, RoleMixer)
		} else {
			x = b.mixerOp(mp, x, c, StageSpec{Mixer: Mixer(mixer), NDiv: o.NDiv, Groups: o.Groups})
		}
		if ok {
			x = b.conv(p+".pw", x, 0, c, c, 1, 1, 0, 1, false, RoleMLP)
		}
	}
	g.Outputs = []int{x}
	return g, checkSize(g)
}

func validOp(op string) bool {
	for _, n := range OpNames {
		if n == op {
			return true
		}
	}
	return false
}
