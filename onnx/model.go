package onnx

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/fnlab/fnlab/internal/atomicfile"
	"github.com/fnlab/fnlab/internal/inputfile"
	pb "github.com/fnlab/fnlab/internal/onnxpb"
)

// Model is an exported ONNX model.
type Model struct {
	Proto *pb.ModelProto
}

// Marshal encodes the model deterministically (the same graph and weights
// give the same bytes).
func (m *Model) Marshal() ([]byte, error) {
	return proto.MarshalOptions{Deterministic: true}.Marshal(m.Proto)
}

// OpCount is how many nodes of one operator a model has.
type OpCount struct {
	Op    string `json:"op"`
	Count int    `json:"count"`
}

// IO is a graph input or output with its shape (a dynamic dimension by
// its name).
type IO struct {
	Name  string   `json:"name"`
	Shape []string `json:"shape"`
}

// Summary describes a model's graph.
type Summary struct {
	Opset        int       `json:"opset"`
	IRVersion    int       `json:"ir_version"`
	Nodes        int       `json:"nodes"`
	Ops          []OpCount `json:"ops"` // most frequent first, then by name
	Initializers int       `json:"initializers"`
	Elements     int64     `json:"initializer_elements"` // numbers stored in initializers (folded weights, BN, split sizes)
	Inputs       []IO      `json:"inputs"`
	Outputs      []IO      `json:"outputs"`
}

// Summary counts the model's nodes by operator and its initializers.
func (m *Model) Summary() Summary {
	g := m.Proto.GetGraph()
	s := Summary{IRVersion: int(m.Proto.GetIrVersion()), Nodes: len(g.GetNode()), Initializers: len(g.GetInitializer())}
	for _, o := range m.Proto.GetOpsetImport() {
		if o.GetDomain() == "" {
			s.Opset = int(o.GetVersion())
		}
	}
	count := map[string]int{}
	for _, n := range g.GetNode() {
		count[n.GetOpType()]++
	}
	for op, c := range count {
		s.Ops = append(s.Ops, OpCount{op, c})
	}
	sort.Slice(s.Ops, func(i, j int) bool {
		if s.Ops[i].Count != s.Ops[j].Count {
			return s.Ops[i].Count > s.Ops[j].Count
		}
		return s.Ops[i].Op < s.Ops[j].Op
	})
	for _, t := range g.GetInitializer() {
		n := int64(1)
		for _, d := range t.GetDims() {
			n *= d
		}
		s.Elements += n
	}
	io := func(vs []*pb.ValueInfoProto) []IO {
		var out []IO
		for _, v := range vs {
			var dims []string
			for _, d := range v.GetType().GetTensorType().GetShape().GetDim() {
				if p := d.GetDimParam(); p != "" {
					dims = append(dims, p)
				} else {
					dims = append(dims, fmt.Sprint(d.GetDimValue()))
				}
			}
			out = append(out, IO{v.GetName(), dims})
		}
		return out
	}
	s.Inputs, s.Outputs = io(g.GetInput()), io(g.GetOutput())
	return s
}

// Histogram renders the operator counts as "Conv 44, Mul 28, ...".
func (s Summary) Histogram() string {
	parts := make([]string, len(s.Ops))
	for i, o := range s.Ops {
		parts[i] = fmt.Sprintf("%s %d", o.Op, o.Count)
	}
	return strings.Join(parts, ", ")
}

// ErrNotOurs is returned by WriteFile for an existing file that is not an
// ONNX model fnlab wrote.
var ErrNotOurs = errors.New("exists and is not an ONNX model fnlab wrote")

// WriteFile writes the model to path atomically: a reader sees the old
// file or the new one, and a failed write leaves nothing behind. An
// existing path is replaced only if it is an ONNX model fnlab wrote (its
// producer_name is Producer), or if force is set; a path that exists and
// is not a regular file is never replaced.
func WriteFile(path string, m *Model, force bool) error {
	data, err := m.Marshal()
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	if st, err := os.Lstat(path); err == nil {
		if !st.Mode().IsRegular() {
			return fmt.Errorf("%s exists and is not a regular file", path)
		}
		if !force {
			ours, err := WrittenByFnlab(path)
			if err != nil {
				return err
			}
			if !ours {
				return fmt.Errorf("%s %w", path, ErrNotOurs)
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	err = atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
	var pe *fs.PathError
	if errors.As(err, &pe) {
		// Name the target, not the temporary file next to it.
		return fmt.Errorf("%s: cannot write: %v", path, pe.Err)
	}
	return err
}

// headLen bounds how much of a file WrittenByFnlab reads: producer_name is
// field 2 of ModelProto, written right after ir_version by fnlab and by
// every exporter that orders fields by number.
const headLen = 4096

// WrittenByFnlab reports whether the regular file at path starts like an
// ONNX model whose producer_name is Producer. It reads at most a few
// kilobytes, whatever the file's size.
func WrittenByFnlab(path string) (bool, error) {
	f, _, err := inputfile.Open(path) // a pipe or device is refused, not waited on
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, headLen)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return false, fmt.Errorf("%s: %v", path, err)
	}
	head = head[:n]
	for len(head) > 0 {
		num, typ, l := protowire.ConsumeTag(head)
		if l < 0 {
			return false, nil
		}
		head = head[l:]
		if num == 2 && typ == protowire.BytesType {
			v, l := protowire.ConsumeBytes(head)
			return l >= 0 && string(v) == Producer, nil
		}
		if num != 1 || typ != protowire.VarintType {
			return false, nil // fnlab writes ir_version, then producer_name
		}
		l = protowire.ConsumeFieldValue(num, typ, head)
		if l < 0 {
			return false, nil
		}
		head = head[l:]
	}
	return false, nil
}

// maxModelFile bounds the size of a model file ReadFile accepts (protobuf's
// own limit for one message).
const maxModelFile = 2 << 30

// ReadFile reads an ONNX model from a regular file (internal/inputfile:
// special files refused, at most 2 GiB).
func ReadFile(path string) (*Model, error) {
	data, err := inputfile.ReadFile(path, maxModelFile, "an ONNX model")
	if err != nil {
		return nil, err
	}
	m := &pb.ModelProto{}
	if err := proto.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("%s: not an ONNX model: %v", path, err)
	}
	return &Model{Proto: m}, nil
}
