package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/engine"
	pb "github.com/fnlab/fnlab/internal/onnxpb"
)

// Operator sets the exporter writes. 13 is the first with Split's sizes as
// an input; 20 adds the Gelu operator.
const (
	DefaultOpset = 17
	MinOpset     = 13
	MaxOpset     = 21
	geluOpset    = 20
)

// BatchName is the symbolic name of a dynamic batch dimension.
const BatchName = "batch"

// Options configures Export.
type Options struct {
	Opset    int    // operator set version; 0 means DefaultOpset
	KeepBN   bool   // keep BatchNormalization nodes instead of folding them into the convs before them
	Batch    int    // 0: a dynamic batch dimension (BatchName); > 0: that fixed batch
	Producer string // producer_version: the version of fnlab that wrote the model
	Metadata []Meta // model metadata_props, in this order
}

// Meta is one metadata_props entry.
type Meta struct{ Key, Value string }

// irVersion is the lowest IR version that carries opset (the ONNX
// versioning table), so older readers accept the file.
func irVersion(opset int) int64 {
	switch {
	case opset <= 14:
		return 7
	case opset <= 18:
		return 8
	case opset <= 20:
		return 9
	}
	return 10
}

type exporter struct {
	g      *arch.Graph
	w      engine.Weights
	opt    Options
	gp     *pb.GraphProto
	names  map[int]string       // graph value ID -> ONNX value name
	uses   map[int]int          // graph value ID -> layers reading it
	splits map[[2]int][2]string // (value, first part's channels) -> the two parts' names
	inits  map[string]bool      // initializer names already written
	folded map[int]bool         // BatchNorm layers folded into the conv before them
	outs   map[int]string       // graph value ID -> graph output name
}

// Export writes g with weights w (checked strictly, as engine.Build does)
// as an ONNX model. Every layer of g becomes standard ONNX operators; a
// layer with no ONNX form is an error naming it.
func Export(g *arch.Graph, w engine.Weights, opt Options) (*Model, error) {
	if opt.Opset == 0 {
		opt.Opset = DefaultOpset
	}
	if opt.Opset < MinOpset || opt.Opset > MaxOpset {
		return nil, fmt.Errorf("opset %d: the exporter writes opsets %d to %d", opt.Opset, MinOpset, MaxOpset)
	}
	if opt.Batch < 0 {
		return nil, fmt.Errorf("batch %d: expected 0 (dynamic) or a positive batch size", opt.Batch)
	}
	if err := w.Check(g); err != nil {
		return nil, err
	}
	e := &exporter{g: g, w: w, opt: opt, gp: &pb.GraphProto{Name: proto.String(g.Spec.Name)},
		names: map[int]string{}, uses: map[int]int{}, splits: map[[2]int][2]string{},
		inits: map[string]bool{}, folded: map[int]bool{}, outs: map[int]string{}}
	for _, l := range g.Layers {
		for _, v := range l.Inputs {
			e.uses[v]++
		}
	}
	for i, name := range outputNames(g) {
		e.outs[g.Outputs[i]] = name
		e.uses[g.Outputs[i]]++ // a graph output is read from outside
	}
	e.names[g.Input] = "input"
	e.gp.Input = []*pb.ValueInfoProto{e.valueInfo("input", g.Shape(g.Input))}
	for i := range g.Layers {
		if e.folded[i] {
			continue
		}
		if err := e.layer(i); err != nil {
			return nil, err
		}
	}
	for _, v := range g.Outputs {
		name := e.outs[v]
		if e.names[v] != name {
			// An output that is also another layer's input (or the model
			// input) gets its own name through an Identity.
			e.node("Identity", name, []string{e.names[v]}, []string{name})
		}
		e.gp.Output = append(e.gp.Output, e.valueInfo(name, g.Shape(v)))
	}
	m := &pb.ModelProto{
		IrVersion:       proto.Int64(irVersion(opt.Opset)),
		ProducerName:    proto.String(Producer),
		ProducerVersion: proto.String(opt.Producer),
		DocString:       proto.String(fmt.Sprintf("%s, written by fnlab from its compiled graph (reference layer names)", g.Spec.Name)),
		OpsetImport:     []*pb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(int64(opt.Opset))}},
		Graph:           e.gp,
	}
	for _, kv := range opt.Metadata {
		m.MetadataProps = append(m.MetadataProps, &pb.StringStringEntryProto{Key: proto.String(kv.Key), Value: proto.String(kv.Value)})
	}
	return &Model{Proto: m}, nil
}

// Producer is the producer_name of every model fnlab writes.
const Producer = "fnlab"

// outputNames names g's outputs as the reference's forward returns them:
// logits (or features without a classifier), out0.. for fork_feat.
func outputNames(g *arch.Graph) []string {
	names := make([]string, len(g.Outputs))
	for i := range names {
		switch {
		case g.Spec.ForkFeat:
			names[i] = fmt.Sprintf("out%d", i)
		case len(names) > 1:
			names[i] = fmt.Sprintf("output%d", i)
		default:
			switch g.Layers[g.Values[g.Outputs[i]].Producer].Op {
			case arch.OpLinear:
				names[i] = "logits"
			case arch.OpFlatten:
				names[i] = "features"
			default:
				names[i] = "output"
			}
		}
	}
	return names
}

// out names the ONNX value for graph value v produced by layer l.
func (e *exporter) out(v int, l *arch.Layer) string {
	if name, ok := e.outs[v]; ok && e.uses[v] == 1 {
		e.names[v] = name
		return name
	}
	name := l.Name + "_output"
	e.names[v] = name
	return name
}

func (e *exporter) layer(i int) error {
	g := e.g
	l := &g.Layers[i]
	in := func(k int) string { return e.names[l.Inputs[k]] }
	switch l.Op {
	case arch.OpConv:
		return e.conv(i)
	case arch.OpBN:
		c := l.OutC
		names := make([]string, 4)
		for k, suffix := range []string{"weight", "bias", "running_mean", "running_var"} {
			names[k] = l.Name + "." + suffix
			e.floatInit(names[k], []int{c}, e.w[names[k]].Data)
		}
		n := e.node("BatchNormalization", l.Name, append([]string{in(0)}, names...), []string{e.out(l.Outputs[0], l)})
		n.Attribute = append(n.Attribute, attrFloat("epsilon", engine.BNEps))
	case arch.OpAct:
		return e.act(l, in(0), e.out(l.Outputs[0], l))
	case arch.OpScale:
		name := l.Name
		e.floatInit(name, []int{l.OutC, 1, 1}, e.w[name].Data)
		e.node("Mul", l.Name, []string{name, in(0)}, []string{e.out(l.Outputs[0], l)})
	case arch.OpAdd:
		e.node("Add", l.Name, []string{in(0), in(1)}, []string{e.out(l.Outputs[0], l)})
	case arch.OpSplit:
		a, b := l.Name+".0_output", l.Name+".1_output"
		e.names[l.Outputs[0]], e.names[l.Outputs[1]] = a, b
		e.emitSplit(l.Name, in(0), l.InC, l.ChannelsSplit, a, b)
		e.splits[[2]int{l.Inputs[0], l.ChannelsSplit}] = [2]string{a, b}
	case arch.OpCat:
		n := e.node("Concat", l.Name, []string{in(0), in(1)}, []string{e.out(l.Outputs[0], l)})
		n.Attribute = append(n.Attribute, attrInt("axis", 1))
	case arch.OpSliceSet:
		// x with its first channels replaced by y: ONNX has no in-place
		// write, so it is y concatenated with the rest of x.
		_, rest := e.split(l.Module, l.Inputs[0], l.ChannelsSplit)
		n := e.node("Concat", l.Name, []string{in(1), rest}, []string{e.out(l.Outputs[0], l)})
		n.Attribute = append(n.Attribute, attrInt("axis", 1))
	case arch.OpAvgPool:
		e.node("GlobalAveragePool", l.Name, []string{in(0)}, []string{e.out(l.Outputs[0], l)})
	case arch.OpFlatten:
		n := e.node("Flatten", l.Name, []string{in(0)}, []string{e.out(l.Outputs[0], l)})
		n.Attribute = append(n.Attribute, attrInt("axis", 1))
	case arch.OpLinear:
		wn := l.Name + ".weight"
		e.floatInit(wn, []int{l.OutC, l.InC}, e.w[wn].Data)
		ins := []string{in(0), wn}
		if l.Bias {
			bn := l.Name + ".bias"
			e.floatInit(bn, []int{l.OutC}, e.w[bn].Data)
			ins = append(ins, bn)
		}
		n := e.node("Gemm", l.Name, ins, []string{e.out(l.Outputs[0], l)})
		n.Attribute = append(n.Attribute, attrInt("transB", 1))
	case arch.OpIdentity:
		e.names[l.Outputs[0]] = in(0)
		if name, ok := e.outs[l.Outputs[0]]; ok {
			e.node("Identity", l.Name, []string{in(0)}, []string{name})
			e.names[l.Outputs[0]] = name
		}
	default:
		return fmt.Errorf("layer %s (%s): no ONNX form", l.Name, l.Op)
	}
	return nil
}

// conv writes a convolution, reading a channel slice through a Split when
// it reads part of its input, with the BatchNorm that follows it folded
// in unless KeepBN is set.
func (e *exporter) conv(i int) error {
	g := e.g
	l := &g.Layers[i]
	src := e.names[l.Inputs[0]]
	if c := g.Shape(l.Inputs[0])[1]; l.InC != c || l.InOffset != 0 {
		if l.InOffset != 0 {
			return fmt.Errorf("layer %s reads channels from %d: no ONNX form", l.Name, l.InOffset)
		}
		// A partial conv's module is <mixer>.partial_conv3: the split is the mixer's.
		module := l.Module
		if i := strings.LastIndexByte(module, '.'); i >= 0 {
			module = module[:i]
		}
		src, _ = e.split(module, l.Inputs[0], l.InC)
	}
	wn := l.Name + ".weight"
	w := e.w[wn].Data
	var bias []float32
	if l.Bias {
		bias = e.w[l.Name+".bias"].Data
	}
	outV := l.Outputs[0]
	outLayer := l
	ls := g.Layers
	if !e.opt.KeepBN && i+1 < len(ls) && ls[i+1].Op == arch.OpBN && ls[i+1].Inputs[0] == outV && e.uses[outV] == 1 {
		bn := &ls[i+1]
		if bias != nil {
			return fmt.Errorf("layer %s: folding %s into a conv with a bias is not supported", l.Name, bn.Name)
		}
		w, bias = engine.FoldBN(w, l.OutC, e.w[bn.Name+".weight"].Data, e.w[bn.Name+".bias"].Data,
			e.w[bn.Name+".running_mean"].Data, e.w[bn.Name+".running_var"].Data)
		e.folded[i+1] = true
		outV, outLayer = bn.Outputs[0], bn
	}
	e.floatInit(wn, []int{l.OutC, l.InC / l.Groups, l.KH, l.KW}, w)
	ins := []string{src, wn}
	if bias != nil {
		bn := l.Name + ".bias"
		e.floatInit(bn, []int{l.OutC}, bias)
		ins = append(ins, bn)
	}
	n := e.node("Conv", l.Name, ins, []string{e.out(outV, outLayer)})
	p := int64(l.Pad)
	n.Attribute = append(n.Attribute,
		attrInts("dilations", 1, 1), attrInt("group", int64(l.Groups)),
		attrInts("kernel_shape", int64(l.KH), int64(l.KW)),
		attrInts("pads", p, p, p, p), attrInts("strides", int64(l.Stride), int64(l.Stride)))
	return nil
}

// split returns the two parts of value v cut after its first c channels,
// writing one Split named module+".split" the first time it is asked for.
func (e *exporter) split(module string, v, c int) (string, string) {
	key := [2]int{v, c}
	if p, ok := e.splits[key]; ok {
		return p[0], p[1]
	}
	name := module + ".split"
	a, b := name+".0_output", name+".1_output"
	e.emitSplit(name, e.names[v], e.g.Shape(v)[1], c, a, b)
	e.splits[key] = [2]string{a, b}
	return a, b
}

func (e *exporter) emitSplit(name, in string, total, first int, a, b string) {
	sizes := name + ".sizes"
	e.int64Init(sizes, []int64{int64(first), int64(total - first)})
	n := e.node("Split", name, []string{in, sizes}, []string{a, b})
	n.Attribute = append(n.Attribute, attrInt("axis", 1))
}

// act writes ReLU, or GELU exactly (erf form): below opset 20 as
// x * (1 + erf(x / sqrt2)) * 0.5 with PyTorch's node order, which ONNX
// Runtime fuses into one Gelu kernel; from opset 20 as the Gelu operator.
func (e *exporter) act(l *arch.Layer, in, out string) error {
	switch l.Act {
	case arch.ReLU:
		e.node("Relu", l.Name, []string{in}, []string{out})
	case arch.GELU:
		if e.opt.Opset >= geluOpset {
			e.node("Gelu", l.Name, []string{in}, []string{out})
			return nil
		}
		e.scalarInit("gelu.sqrt2", float32(math.Sqrt2))
		e.scalarInit("gelu.one", 1)
		e.scalarInit("gelu.half", 0.5)
		p := l.Name + "/"
		e.node("Div", p+"div", []string{in, "gelu.sqrt2"}, []string{p + "div_output"})
		e.node("Erf", p+"erf", []string{p + "div_output"}, []string{p + "erf_output"})
		e.node("Add", p+"add", []string{p + "erf_output", "gelu.one"}, []string{p + "add_output"})
		e.node("Mul", p+"mul", []string{in, p + "add_output"}, []string{p + "mul_output"})
		e.node("Mul", p+"mul_half", []string{p + "mul_output", "gelu.half"}, []string{out})
	default:
		return fmt.Errorf("layer %s: activation %q has no ONNX form", l.Name, l.Act)
	}
	return nil
}

func (e *exporter) node(op, name string, in, out []string) *pb.NodeProto {
	n := &pb.NodeProto{OpType: proto.String(op), Name: proto.String(name), Input: in, Output: out}
	e.gp.Node = append(e.gp.Node, n)
	return n
}

func (e *exporter) valueInfo(name string, s arch.Shape) *pb.ValueInfoProto {
	dims := make([]*pb.TensorShapeProto_Dimension, len(s))
	for i, d := range s {
		switch {
		case i == 0 && e.opt.Batch == 0:
			dims[i] = &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimParam{DimParam: BatchName}}
		case i == 0:
			dims[i] = &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimValue{DimValue: int64(e.opt.Batch)}}
		default:
			dims[i] = &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}}
		}
	}
	return &pb.ValueInfoProto{Name: proto.String(name), Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{
		TensorType: &pb.TypeProto_Tensor{ElemType: proto.Int32(int32(pb.TensorProto_FLOAT)), Shape: &pb.TensorShapeProto{Dim: dims}}}}}
}

func (e *exporter) floatInit(name string, dims []int, data []float32) {
	if e.inits[name] {
		return
	}
	e.inits[name] = true
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	e.gp.Initializer = append(e.gp.Initializer, &pb.TensorProto{Name: proto.String(name), Dims: int64s(dims),
		DataType: proto.Int32(int32(pb.TensorProto_FLOAT)), RawData: raw})
}

func (e *exporter) scalarInit(name string, v float32) {
	if e.inits[name] {
		return
	}
	e.floatInit(name, nil, []float32{v})
}

func (e *exporter) int64Init(name string, data []int64) {
	if e.inits[name] {
		return
	}
	e.inits[name] = true
	raw := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
	}
	e.gp.Initializer = append(e.gp.Initializer, &pb.TensorProto{Name: proto.String(name), Dims: []int64{int64(len(data))},
		DataType: proto.Int32(int32(pb.TensorProto_INT64)), RawData: raw})
}

func int64s(d []int) []int64 {
	out := make([]int64, len(d))
	for i, v := range d {
		out[i] = int64(v)
	}
	return out
}

func attrInt(name string, v int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INT.Enum(), I: proto.Int64(v)}
}

func attrInts(name string, v ...int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INTS.Enum(), Ints: v}
}

func attrFloat(name string, v float32) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_FLOAT.Enum(), F: proto.Float32(v)}
}
