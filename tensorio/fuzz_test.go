package tensorio

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func checkOneLine(t *testing.T, err error) {
	t.Helper()
	if strings.ContainsAny(err.Error(), "\n\r") {
		t.Fatalf("multi-line error: %q", err.Error())
	}
}

func FuzzReadNPY(f *testing.F) {
	// Real NumPy-written files (the small ones: large seeds make the fuzzer
	// spend its time minimizing).
	for _, name := range []string{"tiny_features_out3.npy", "tiny_dwconv_logits.npy"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(npyBytes(2, "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", []byte{0, 0x3c, 0, 0xc0}))
	f.Add(npyBytes(3, "{'descr': '>f8', 'fortran_order': False, 'shape': (), }", make([]byte, 8)))
	f.Add(npyBytes(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (3, 0), }", nil))
	f.Add(npyBytes(1, "{'descr': [('a', '<i8')], 'fortran_order': True, 'shape': (1,), }", nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := ReadNPY(bytes.NewReader(data))
		// The file-mode reader (exact size known) must agree on success
		// when the array fills the input exactly.
		y, errFile := readNPY(bytes.NewReader(data), int64(len(data)))
		if errFile == nil && err != nil {
			t.Fatalf("file mode accepted what stream mode rejected: %v", err)
		}
		if errFile != nil {
			checkOneLine(t, errFile)
		}
		if err != nil {
			checkOneLine(t, err)
			return
		}
		if x.Numel() != len(x.Data) {
			t.Fatalf("shape %v but %d values", x.Shape, len(x.Data))
		}
		if y != nil && (!sameShape(x.Shape, y.Shape) || !sameBits(x.Data, y.Data)) {
			t.Fatal("stream and file modes disagree")
		}
		var buf bytes.Buffer
		if err := WriteNPY(&buf, x); err != nil {
			t.Fatal(err)
		}
		z, err := ReadNPY(&buf)
		if err != nil {
			t.Fatalf("re-reading our own output: %v", err)
		}
		if !sameShape(x.Shape, z.Shape) || !sameBits(x.Data, z.Data) {
			t.Fatal("round trip changed the array")
		}
	})
}

func FuzzSafetensors(f *testing.F) {
	// Seeds derived from the real file (the whole 585 KB file would make
	// each execution and every minimization slow): its metadata and its
	// first few small tensors, re-written by WriteSafetensors, and the
	// file's own header with the data section cut short.
	full, err := os.ReadFile("testdata/tiny_dwconv.safetensors")
	if err != nil {
		f.Fatal(err)
	}
	s, err := readSafetensors(bytes.NewReader(full), int64(len(full)))
	if err != nil {
		f.Fatal(err)
	}
	small := &State{Tensors: map[string]*Tensor{}, Metadata: s.Metadata}
	for _, n := range s.Names {
		if x := s.Tensors[n]; len(x.Data) <= 32 && len(small.Names) < 4 {
			small.Names = append(small.Names, n)
			small.Tensors[n] = x
		}
	}
	hlen := binary.LittleEndian.Uint64(full)
	f.Add(full[:8+hlen+64])
	p := filepath.Join(f.TempDir(), "small.safetensors")
	if err := WriteSafetensors(p, small); err != nil {
		f.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	f.Add(b)
	f.Add(stBytes(`{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[],"data_offsets":[4,6]},"c":{"dtype":"I64","shape":[1],"data_offsets":[8,16]}}`, make([]byte, 16)))
	f.Add(stBytes(`{"__metadata__":{"format":"pt"},"x":{"dtype":"F64","shape":[1,1],"data_offsets":[0,8]}}  `, make([]byte, 8)))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := readSafetensors(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			checkOneLine(t, err)
			return
		}
		if len(s.Names) != len(s.Tensors) {
			t.Fatalf("%d names, %d tensors", len(s.Names), len(s.Tensors))
		}
		total := 0
		for _, n := range s.Names {
			x := s.Tensors[n]
			if x == nil || x.Numel() != len(x.Data) {
				t.Fatalf("tensor %q inconsistent", n)
			}
			total += len(x.Data)
		}
		// Every element needs at least one byte of data.
		if total > len(data) {
			t.Fatalf("%d elements from %d bytes", total, len(data))
		}
	})
}

// ptFuzzStorages are the storage records offered to fuzzed pickles.
var ptFuzzStorages = map[string][]byte{
	"0": f32le(0, 1, 2, 3, 4, 5, 6, 7),
	"1": f16le(0x3c00, 0x4000),
	"2": make([]byte, 8),
}

// zipWithPickle builds a checkpoint image around a data.pkl.
func zipWithPickle(pkl []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, r := range ckptRecords(pkl, ptFuzzStorages) {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: r.name, Method: zip.Store})
		w.Write(r.data)
	}
	zw.Close()
	return buf.Bytes()
}

func firstPickle(tb testing.TB, path string) []byte {
	zr, err := zip.OpenReader(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/data.pkl") {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			return b
		}
	}
	tb.Fatalf("%s: no data.pkl", path)
	return nil
}

// FuzzPTHPickle fuzzes the data.pkl of a zip checkpoint (the zip itself is
// rebuilt around each input so that CRCs stay valid and the pickle path is
// what gets exercised).
func FuzzPTHPickle(f *testing.F) {
	f.Add(firstPickle(f, "testdata/fake_torch_proto4.pt"))
	f.Add(firstPickle(f, "testdata/tiny_dwconv.pth"))
	var p pickler
	p.proto().op('}').mark().str("state_dict").orderedDict().mark()
	p.str("module.a").tensor("FloatStorage", "0", 8, 1, []int{2, 3}, []int{1, 2})
	p.str("module.b").tensor("HalfStorage", "1", 2, 0, nil, nil)
	p.op('u', 'u', '.')
	f.Add(p.Bytes())
	f.Fuzz(func(t *testing.T, pkl []byte) {
		img := zipWithPickle(pkl)
		s, err := readPTH(bytes.NewReader(img), int64(len(img)))
		if err != nil {
			checkOneLine(t, err)
			return
		}
		if len(s.Names) != len(s.Tensors) {
			t.Fatalf("%d names, %d tensors", len(s.Names), len(s.Tensors))
		}
		for _, n := range s.Names {
			if x := s.Tensors[n]; x == nil || x.Numel() != len(x.Data) {
				t.Fatalf("tensor %q inconsistent", n)
			}
		}
	})
}
