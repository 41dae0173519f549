package onnx_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	pb "github.com/fnlab/fnlab/internal/onnxpb"
)

// A naive ONNX interpreter for the operators the exporter writes, in
// float64 loops straight from the ONNX operator definitions. It lets the
// export be checked against the engine where ONNX Runtime is absent, and is
// independent of both the engine's kernels and the exporter's code.

type tensor struct {
	shape []int
	data  []float64
	ints  []int64 // int64 tensors (Split sizes)
}

func numel(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

func attrs(n *pb.NodeProto) map[string]*pb.AttributeProto {
	m := map[string]*pb.AttributeProto{}
	for _, a := range n.GetAttribute() {
		m[a.GetName()] = a
	}
	return m
}

func decodeInit(t *pb.TensorProto) *tensor {
	shape := make([]int, len(t.GetDims()))
	for i, d := range t.GetDims() {
		shape[i] = int(d)
	}
	raw := t.GetRawData()
	out := &tensor{shape: shape}
	switch t.GetDataType() {
	case int32(pb.TensorProto_FLOAT):
		out.data = make([]float64, len(raw)/4)
		for i := range out.data {
			out.data[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])))
		}
	case int32(pb.TensorProto_INT64):
		out.ints = make([]int64, len(raw)/8)
		for i := range out.ints {
			out.ints[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
		}
	}
	return out
}

// interpret runs m on x (NCHW) and returns the graph outputs in order.
func interpret(m *pb.ModelProto, x *tensor) ([]*tensor, error) {
	g := m.GetGraph()
	env := map[string]*tensor{g.GetInput()[0].GetName(): x}
	for _, t := range g.GetInitializer() {
		env[t.GetName()] = decodeInit(t)
	}
	for _, n := range g.GetNode() {
		in := make([]*tensor, len(n.GetInput()))
		for i, name := range n.GetInput() {
			if in[i] = env[name]; in[i] == nil {
				return nil, fmt.Errorf("node %s reads %s before it is written", n.GetName(), name)
			}
		}
		outs, err := evalNode(n, in)
		if err != nil {
			return nil, fmt.Errorf("node %s (%s): %v", n.GetName(), n.GetOpType(), err)
		}
		for i, name := range n.GetOutput() {
			env[name] = outs[i]
		}
	}
	var res []*tensor
	for _, o := range g.GetOutput() {
		res = append(res, env[o.GetName()])
	}
	return res, nil
}

func evalNode(n *pb.NodeProto, in []*tensor) ([]*tensor, error) {
	a := attrs(n)
	unary := func(f func(float64) float64) []*tensor {
		y := &tensor{shape: in[0].shape, data: make([]float64, len(in[0].data))}
		for i, v := range in[0].data {
			y.data[i] = f(v)
		}
		return []*tensor{y}
	}
	switch n.GetOpType() {
	case "Conv":
		return []*tensor{conv(in, a)}, nil
	case "BatchNormalization":
		x, c := in[0], in[0].shape[1]
		eps := float64(a["epsilon"].GetF())
		hw := numel(x.shape[2:])
		y := &tensor{shape: x.shape, data: make([]float64, len(x.data))}
		for i, v := range x.data {
			ch := (i / hw) % c
			y.data[i] = (v-in[3].data[ch])/math.Sqrt(in[4].data[ch]+eps)*in[1].data[ch] + in[2].data[ch]
		}
		return []*tensor{y}, nil
	case "Relu":
		return unary(func(v float64) float64 { return math.Max(v, 0) }), nil
	case "Erf":
		return unary(math.Erf), nil
	case "Gelu":
		return unary(func(v float64) float64 { return 0.5 * v * (1 + math.Erf(v/math.Sqrt2)) }), nil
	case "Identity":
		return []*tensor{in[0]}, nil
	case "Add", "Mul", "Div":
		return []*tensor{broadcast(n.GetOpType(), in[0], in[1])}, nil
	case "Split":
		x, sizes := in[0], in[1].ints
		var outs []*tensor
		off := 0
		for _, s := range sizes {
			outs = append(outs, sliceChannels(x, off, int(s)))
			off += int(s)
		}
		return outs, nil
	case "Concat":
		return []*tensor{concat(in)}, nil
	case "GlobalAveragePool":
		x := in[0]
		hw := numel(x.shape[2:])
		y := &tensor{shape: []int{x.shape[0], x.shape[1], 1, 1}, data: make([]float64, x.shape[0]*x.shape[1])}
		for i := range y.data {
			var s float64
			for _, v := range x.data[i*hw : (i+1)*hw] {
				s += v
			}
			y.data[i] = s / float64(hw)
		}
		return []*tensor{y}, nil
	case "Flatten":
		x := in[0]
		return []*tensor{{shape: []int{x.shape[0], numel(x.shape[1:])}, data: x.data}}, nil
	case "Gemm":
		x, w := in[0], in[1]
		if a["transB"].GetI() != 1 {
			return nil, fmt.Errorf("only transB=1")
		}
		m, k, nOut := x.shape[0], x.shape[1], w.shape[0]
		y := &tensor{shape: []int{m, nOut}, data: make([]float64, m*nOut)}
		for i := 0; i < m; i++ {
			for j := 0; j < nOut; j++ {
				s := 0.0
				if len(in) > 2 {
					s = in[2].data[j]
				}
				for kk := 0; kk < k; kk++ {
					s += x.data[i*k+kk] * w.data[j*k+kk]
				}
				y.data[i*nOut+j] = s
			}
		}
		return []*tensor{y}, nil
	}
	return nil, fmt.Errorf("operator not in the interpreter")
}

func conv(in []*tensor, a map[string]*pb.AttributeProto) *tensor {
	x, w := in[0], in[1]
	n, cin, h, wd := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	cout, cg, kh, kw := w.shape[0], w.shape[1], w.shape[2], w.shape[3]
	groups := int(a["group"].GetI())
	s, p := int(a["strides"].GetInts()[0]), int(a["pads"].GetInts()[0])
	oh, ow := (h+2*p-kh)/s+1, (wd+2*p-kw)/s+1
	y := &tensor{shape: []int{n, cout, oh, ow}, data: make([]float64, n*cout*oh*ow)}
	per := cout / groups
	for b := 0; b < n; b++ {
		for co := 0; co < cout; co++ {
			g := co / per
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					acc := 0.0
					if len(in) > 2 {
						acc = in[2].data[co]
					}
					for ci := 0; ci < cg; ci++ {
						for dy := 0; dy < kh; dy++ {
							iy := oy*s + dy - p
							if iy < 0 || iy >= h {
								continue
							}
							for dx := 0; dx < kw; dx++ {
								ix := ox*s + dx - p
								if ix < 0 || ix >= wd {
									continue
								}
								acc += x.data[((b*cin+g*cg+ci)*h+iy)*wd+ix] * w.data[((co*cg+ci)*kh+dy)*kw+dx]
							}
						}
					}
					y.data[((b*cout+co)*oh+oy)*ow+ox] = acc
				}
			}
		}
	}
	return y
}

// broadcast applies op with numpy broadcasting of b (a scalar, a [C,1,1]
// tensor, or a's own shape) to a, or of a scalar/[C,1,1] a to b.
func broadcast(op string, a, b *tensor) *tensor {
	if numel(a.shape) < numel(b.shape) {
		r := broadcastRight(op, b, a, true)
		return r
	}
	return broadcastRight(op, a, b, false)
}

func broadcastRight(op string, big, small *tensor, swapped bool) *tensor {
	y := &tensor{shape: big.shape, data: make([]float64, len(big.data))}
	var idx func(i int) int
	switch {
	case len(small.data) == 1:
		idx = func(int) int { return 0 }
	case slices.Equal(small.shape, big.shape):
		idx = func(i int) int { return i }
	default: // [C,1,1] against [N,C,H,W]
		hw, c := numel(big.shape[2:]), big.shape[1]
		idx = func(i int) int { return (i / hw) % c }
	}
	for i, v := range big.data {
		u := small.data[idx(i)]
		l, r := v, u
		if swapped {
			l, r = u, v
		}
		switch op {
		case "Add":
			y.data[i] = l + r
		case "Mul":
			y.data[i] = l * r
		case "Div":
			y.data[i] = l / r
		}
	}
	return y
}

func sliceChannels(x *tensor, off, c int) *tensor {
	n, C, hw := x.shape[0], x.shape[1], numel(x.shape[2:])
	y := &tensor{shape: append([]int{n, c}, x.shape[2:]...), data: make([]float64, n*c*hw)}
	for b := 0; b < n; b++ {
		copy(y.data[b*c*hw:(b+1)*c*hw], x.data[(b*C+off)*hw:(b*C+off+c)*hw])
	}
	return y
}

func concat(in []*tensor) *tensor {
	n, hw := in[0].shape[0], numel(in[0].shape[2:])
	total := 0
	for _, t := range in {
		total += t.shape[1]
	}
	y := &tensor{shape: append([]int{n, total}, in[0].shape[2:]...)}
	for b := 0; b < n; b++ {
		for _, t := range in {
			c := t.shape[1]
			y.data = append(y.data, t.data[b*c*hw:(b+1)*c*hw]...)
		}
	}
	return y
}
