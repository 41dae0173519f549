package tensorio

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// This file builds torch.save-style zip checkpoints without PyTorch: a
// protocol-2 pickle written opcode by opcode the way torch.save writes it,
// plus one zip record per storage.

type pickler struct{ bytes.Buffer }

func (p *pickler) op(b ...byte) *pickler { p.Write(b); return p }
func (p *pickler) proto() *pickler       { return p.op(0x80, 2) }
func (p *pickler) global(module, name string) *pickler {
	p.WriteByte('c')
	p.WriteString(module + "\n" + name + "\n")
	return p
}
func (p *pickler) str(s string) *pickler {
	p.WriteByte('X')
	binary.Write(p, binary.LittleEndian, uint32(len(s)))
	p.WriteString(s)
	return p
}
func (p *pickler) int(n int) *pickler {
	p.WriteByte('J')
	binary.Write(p, binary.LittleEndian, int32(n))
	return p
}
func (p *pickler) ints(ns ...int) *pickler {
	p.mark()
	for _, n := range ns {
		p.int(n)
	}
	return p.op('t')
}
func (p *pickler) mark() *pickler { return p.op('(') }

// orderedDict pushes an empty collections.OrderedDict.
func (p *pickler) orderedDict() *pickler {
	return p.global("collections", "OrderedDict").op(')', 'R')
}

// tensor pushes torch._utils._rebuild_tensor_v2(storage, offset, size,
// stride, False, OrderedDict()) with storage persistent id
// ('storage', torch.<cls>, key, 'cpu', numel).
func (p *pickler) tensor(cls, key string, numel, offset int, size, stride []int) *pickler {
	p.global("torch._utils", "_rebuild_tensor_v2")
	p.mark()
	p.mark().str("storage").global("torch", cls).str(key).str("cpu").int(numel).op('t', 'Q')
	p.int(offset).ints(size...).ints(stride...).op(0x89).orderedDict()
	return p.op('t', 'R')
}

type record struct {
	name string
	data []byte
}

func writeZip(t testing.TB, path string, recs []record) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, r := range recs {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: r.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(r.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ckptRecords wraps a data.pkl and storages in torch's archive layout.
func ckptRecords(pkl []byte, storages map[string][]byte) []record {
	recs := []record{{"archive/data.pkl", pkl}, {"archive/byteorder", []byte("little")}}
	for _, k := range []string{"0", "1", "2", "3", "4", "5"} {
		if d, ok := storages[k]; ok {
			recs = append(recs, record{"archive/data/" + k, d})
		}
	}
	return append(recs, record{"archive/version", []byte("3\n")})
}

func f16le(vs ...uint16) []byte {
	b := make([]byte, 2*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint16(b[2*i:], v)
	}
	return b
}

func f64le(vs ...float64) []byte {
	b := make([]byte, 8*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
	}
	return b
}

// wrappedCheckpoint builds
//
//	{'epoch': 7, 'args': {'lr': 0.1}, 'state_dict': OrderedDict(
//	    'module.conv.weight':   float32 (2, 3, 4) over storage 0
//	    'module.conv.weight_t': the transpose (4, 3, 2), strides (1, 4, 12)
//	    'module.fc.bias':       storage 0 from offset 6, size (3,), stride (2,)
//	    'module.half':          float16 (2, 2)
//	    'module.bf':            bfloat16 (2,)
//	    'module.d':             float64 (3,)
//	    'module.bn.num_batches_tracked': int64 scalar
//	    'module.p':             a Parameter of storage 0 elements [20, 24)
//	)}
//
// as train scripts using nn.DataParallel save it.
func wrappedCheckpoint(t testing.TB, path, wrapKey string) {
	var p pickler
	p.proto().op('}').mark()
	p.str("epoch").int(7)
	// vars(args), as scripts that load with weights_only=True save it.
	p.str("args").op('}').str("lr").op('G')
	binary.Write(&p, binary.BigEndian, math.Float64bits(0.1))
	p.op('s')
	p.str(wrapKey).orderedDict().mark()
	p.str("module.conv.weight").tensor("FloatStorage", "0", 24, 0, []int{2, 3, 4}, []int{12, 4, 1})
	p.str("module.conv.weight_t").tensor("FloatStorage", "0", 24, 0, []int{4, 3, 2}, []int{1, 4, 12})
	p.str("module.fc.bias").tensor("FloatStorage", "0", 24, 6, []int{3}, []int{2})
	p.str("module.half").tensor("HalfStorage", "1", 4, 0, []int{2, 2}, []int{2, 1})
	p.str("module.bf").tensor("BFloat16Storage", "2", 2, 0, []int{2}, []int{1})
	p.str("module.d").tensor("DoubleStorage", "3", 3, 0, []int{3}, []int{1})
	p.str("module.bn.num_batches_tracked").tensor("LongStorage", "4", 1, 0, nil, nil)
	p.str("module.p").global("torch._utils", "_rebuild_parameter").mark()
	p.tensor("FloatStorage", "0", 24, 20, []int{4}, []int{1}).op(0x88).orderedDict().op('t', 'R')
	p.op('u') // SETITEMS into the OrderedDict
	p.op('u') // SETITEMS into the top dict
	p.op('.')

	s0 := make([]float32, 24)
	for i := range s0 {
		s0[i] = float32(i)
	}
	long := make([]byte, 8)
	binary.LittleEndian.PutUint64(long, 1234)
	writeZip(t, path, ckptRecords(p.Bytes(), map[string][]byte{
		"0": f32le(s0...),
		"1": f16le(0x3c00, 0x4000, 0xbc00, 0x3800), // 1, 2, -1, 0.5
		"2": f16le(0x3f80, 0xc040),                 // bf16 1, -3
		"3": f64le(0.25, -1e-3, 1e10),
		"4": long,
	}))
}

func TestReadPTHWrappedDataParallel(t *testing.T) {
	dir := t.TempDir()
	for _, key := range []string{"state_dict", "model", "model_state_dict", "module"} {
		path := filepath.Join(dir, key+".pth")
		wrappedCheckpoint(t, path, key)
		s, err := Load(path)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		checkStateInvariants(t, s)
		wantNames := []string{"conv.weight", "conv.weight_t", "fc.bias", "half", "bf", "d", "bn.num_batches_tracked", "p"}
		if len(s.Names) != len(wantNames) {
			t.Fatalf("%s: names %v, want %v", key, s.Names, wantNames)
		}
		for i, n := range wantNames {
			if s.Names[i] != n {
				t.Fatalf("%s: names %v, want %v", key, s.Names, wantNames)
			}
		}
		seq := func(a, b int) []float32 {
			var v []float32
			for i := a; i < b; i++ {
				v = append(v, float32(i))
			}
			return v
		}
		// Transpose: element [i][j][k] = s0[i + 4j + 12k].
		var wt []float32
		for i := 0; i < 4; i++ {
			for j := 0; j < 3; j++ {
				for k := 0; k < 2; k++ {
					wt = append(wt, float32(i+4*j+12*k))
				}
			}
		}
		want := map[string]*Tensor{
			"conv.weight":            {Shape: []int{2, 3, 4}, Data: seq(0, 24)},
			"conv.weight_t":          {Shape: []int{4, 3, 2}, Data: wt},
			"fc.bias":                {Shape: []int{3}, Data: []float32{6, 8, 10}},
			"half":                   {Shape: []int{2, 2}, Data: []float32{1, 2, -1, 0.5}},
			"bf":                     {Shape: []int{2}, Data: []float32{1, -3}},
			"d":                      {Shape: []int{3}, Data: []float32{0.25, float32(-1e-3), 1e10}},
			"bn.num_batches_tracked": {Shape: []int{}, Data: []float32{1234}},
			"p":                      {Shape: []int{4}, Data: seq(20, 24)},
		}
		for n, w := range want {
			g := s.Tensors[n]
			if !sameShape(g.Shape, w.Shape) || !sameBits(g.Data, w.Data) {
				t.Errorf("%s: %s = %v %v, want %v %v", key, n, g.Shape, g.Data, w.Shape, w.Data)
			}
		}
		// Views of one storage must not alias each other.
		s.Tensors["conv.weight"].Data[0] = 99
		if s.Tensors["p"].Data[0] != 20 || s.Tensors["conv.weight_t"].Data[0] != 0 {
			t.Errorf("%s: tensors share memory", key)
		}
	}
}

func TestReadPTHPrefixKeptUnlessShared(t *testing.T) {
	var p pickler
	p.proto().orderedDict().mark()
	p.str("module.a").tensor("FloatStorage", "0", 2, 0, []int{2}, []int{1})
	p.str("b").tensor("FloatStorage", "0", 2, 0, []int{2}, []int{1})
	p.op('u', '.')
	path := filepath.Join(t.TempDir(), "x.pt")
	writeZip(t, path, ckptRecords(p.Bytes(), map[string][]byte{"0": f32le(1, 2)}))
	s, err := ReadPTH(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Names[0] != "module.a" || s.Names[1] != "b" {
		t.Errorf("names %v", s.Names)
	}
}

// TestReadPTHProtocol4 reads a checkpoint whose data.pkl was written by
// CPython's pickle at protocol 4 (see testdata/gen_fake_torch_pth.py),
// wrapped under "model" next to non-tensor entries.
func TestReadPTHProtocol4(t *testing.T) {
	s, err := ReadPTH("testdata/fake_torch_proto4.pt")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name  string
		shape []int
		data  []float32
	}{
		{"layer.weight", []int{2, 3}, []float32{0, 1, 2, 3, 4, 5}},
		{"layer.weight_t", []int{3, 2}, []float32{0, 3, 1, 4, 2, 5}},
		{"layer.bias", []int{3}, []float32{1, -2, 0.5}},
	}
	if len(s.Names) != len(want) {
		t.Fatalf("names %v", s.Names)
	}
	for i, w := range want {
		g := s.Tensors[w.name]
		if s.Names[i] != w.name || g == nil || !sameShape(g.Shape, w.shape) || !sameBits(g.Data, w.data) {
			t.Errorf("%s: got %v", w.name, g)
		}
	}
}

// TestReadPTHBigEndian reads a checkpoint whose byteorder record says
// "big" (torch.save on a big-endian machine).
func TestReadPTHBigEndian(t *testing.T) {
	var p pickler
	p.proto().orderedDict().mark()
	p.str("w").tensor("FloatStorage", "0", 2, 0, []int{2}, []int{1})
	p.str("h").tensor("HalfStorage", "1", 1, 0, []int{1}, []int{1})
	p.str("n").tensor("LongStorage", "2", 1, 0, nil, nil)
	p.op('u', '.')
	f32be := make([]byte, 8)
	binary.BigEndian.PutUint32(f32be, math.Float32bits(1.5))
	binary.BigEndian.PutUint32(f32be[4:], math.Float32bits(-2))
	recs := ckptRecords(p.Bytes(), map[string][]byte{
		"0": f32be,
		"1": {0x3c, 0x00}, // 1.0 as big-endian half
		"2": {0, 0, 0, 0, 0, 0, 1, 0},
	})
	recs[1].data = []byte("big")
	path := filepath.Join(t.TempDir(), "be.pth")
	writeZip(t, path, recs)
	s, err := ReadPTH(path)
	if err != nil {
		t.Fatal(err)
	}
	if !sameBits(s.Tensors["w"].Data, []float32{1.5, -2}) || s.Tensors["h"].Data[0] != 1 || s.Tensors["n"].Data[0] != 256 {
		t.Errorf("got w=%v h=%v n=%v", s.Tensors["w"].Data, s.Tensors["h"].Data, s.Tensors["n"].Data)
	}
}

// TestReadPTHRebuildFromType covers tensors pickled through
// torch._tensor._rebuild_from_type_v2 (tensors with Python attributes or
// subclasses) and torch._utils._rebuild_parameter_with_state.
func TestReadPTHRebuildFromType(t *testing.T) {
	var p pickler
	p.proto().orderedDict().mark()
	p.str("a").global("torch._tensor", "_rebuild_from_type_v2").mark()
	p.global("torch._utils", "_rebuild_tensor_v2").global("torch._tensor", "Tensor")
	p.mark().mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu").int(3).op('t', 'Q')
	p.int(1).ints(2).ints(1).op(0x89).orderedDict().op('t') // args tuple
	p.op('}').op('t', 'R')
	p.str("b").global("torch._utils", "_rebuild_parameter_with_state").mark()
	p.tensor("FloatStorage", "0", 3, 0, []int{1}, []int{1}).op(0x88).orderedDict().op('}').op('t', 'R')
	p.op('u', '.')
	path := filepath.Join(t.TempDir(), "x.pt")
	writeZip(t, path, ckptRecords(p.Bytes(), map[string][]byte{"0": f32le(7, 8, 9)}))
	s, err := ReadPTH(path)
	if err != nil {
		t.Fatal(err)
	}
	if !sameBits(s.Tensors["a"].Data, []float32{8, 9}) || !sameBits(s.Tensors["b"].Data, []float32{7}) {
		t.Errorf("a=%v b=%v", s.Tensors["a"], s.Tensors["b"])
	}
}
