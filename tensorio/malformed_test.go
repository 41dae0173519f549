package tensorio

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stBytes assembles a safetensors image from a raw JSON header and data.
func stBytes(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

// pklCkpt wraps a state-dict pickle body (opcodes after PROTO) in a zip.
func pklCkpt(t *testing.T, build func(p *pickler), storages map[string][]byte) []byte {
	var p pickler
	p.proto()
	build(&p)
	path := filepath.Join(t.TempDir(), "c.pth")
	writeZip(t, path, ckptRecords(p.Bytes(), storages))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func zipBytes(t *testing.T, recs ...record) []byte {
	path := filepath.Join(t.TempDir(), "z.zip")
	writeZip(t, path, recs)
	b, _ := os.ReadFile(path)
	return b
}

func oneTensorDict(cls, key string, numel, offset int, size, stride []int) func(p *pickler) {
	return func(p *pickler) {
		p.orderedDict().mark().str("w").tensor(cls, key, numel, offset, size, stride).op('u', '.')
	}
}

func TestMalformedInputs(t *testing.T) {
	golden, err := os.ReadFile("testdata/tiny_dwconv.pth")
	if err != nil {
		t.Fatal(err)
	}
	f4 := "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
	cases := []struct {
		name string
		file string // file name; its extension picks the reader via Load / ReadNPYFile
		data func(t *testing.T) []byte
		want []string
	}{
		// ---- .npy ----
		{"npy empty", "a.npy", func(*testing.T) []byte { return nil }, []string{"empty input", `"\x93NUMPY"`}},
		{"npy bad magic", "a.npy", func(*testing.T) []byte { return []byte("\x93NUMPX\x01\x00\x10\x00{}") }, []string{"not a .npy file", `found "\x93NUMPX"`}},
		{"npy truncated magic", "a.npy", func(*testing.T) []byte { return []byte("\x93NUM") }, []string{"truncated", "found only 4 bytes"}},
		{"npy version 4", "a.npy", func(*testing.T) []byte { return []byte("\x93NUMPY\x04\x00\x10\x00") }, []string{"unsupported .npy format version 4.0", "expected 1.0, 2.0 or 3.0"}},
		{"npy header longer than file", "a.npy", func(*testing.T) []byte { return npyBytes(1, f4, nil)[:40] }, []string{"truncated header", "header length field says 118 bytes", "only 30 bytes"}},
		{"npy header too big", "a.npy", func(*testing.T) []byte { return []byte("\x93NUMPY\x02\x00\xff\xff\xff\xff{") }, []string{"header length 4294967295 exceeds the 1048576-byte limit"}},
		{"npy bad header syntax", "a.npy", func(*testing.T) []byte {
			return npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3}", nil)
		}, []string{"bad header", "expected ',' or ')' in tuple"}},
		{"npy missing shape", "a.npy", func(*testing.T) []byte { return npyBytes(1, "{'descr': '<f4', 'fortran_order': False}", nil) }, []string{"missing key 'shape'"}},
		{"npy shape not a tuple", "a.npy", func(*testing.T) []byte {
			return npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3)}", nil)
		}, []string{"expected (n,)"}},
		{"npy negative dim", "a.npy", func(*testing.T) []byte {
			return npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", nil)
		}, []string{"bad header", `unexpected "-1,)`}},
		{"npy complex dtype", "a.npy", func(*testing.T) []byte {
			return npyBytes(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}", make([]byte, 8))
		}, []string{`unsupported dtype "<c8"`, "expected a float or integer type"}},
		{"npy structured dtype", "a.npy", func(*testing.T) []byte {
			return npyBytes(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", make([]byte, 4))
		}, []string{"structured (record) dtype"}},
		{"npy fortran order", "a.npy", func(*testing.T) []byte {
			return npyBytes(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", make([]byte, 24))
		}, []string{"fortran_order arrays are not supported; save with np.ascontiguousarray"}},
		{"npy truncated data", "a.npy", func(*testing.T) []byte { return npyBytes(1, f4, make([]byte, 8)) }, []string{"truncated data: shape (2, 3) <f4 needs 24 bytes, found only 8"}},
		{"npy trailing bytes", "a.npy", func(*testing.T) []byte { return npyBytes(1, f4, make([]byte, 28)) }, []string{"4 unexpected trailing bytes after the 24 bytes of data"}},
		{"npy absurd shape", "a.npy", func(*testing.T) []byte {
			return npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100000), }", nil)
		}, []string{"shape (100000, 100000, 100000) has more than 1073741824 elements (the limit)"}},

		// ---- .safetensors ----
		{"st too short", "w.safetensors", func(*testing.T) []byte { return []byte{1, 2, 3} }, []string{"file is 3 bytes, too short for the 8-byte safetensors header length"}},
		{"st header length absurd", "w.safetensors", func(*testing.T) []byte { return binary.LittleEndian.AppendUint64(nil, 1<<40) }, []string{"header length 1099511627776 exceeds the 100000000-byte limit"}},
		{"st header past end", "w.safetensors", func(*testing.T) []byte { return stBytes(`{"a":1}`, nil)[:12] }, []string{"header length 7 exceeds the 4 bytes after the length field (truncated file?)"}},
		{"st given a pth", "w.safetensors", func(*testing.T) []byte { return golden }, []string{"not a safetensors file: this is a zip archive"}},
		{"st bad json", "w.safetensors", func(*testing.T) []byte { return stBytes(`{"a":{"dtype":"F32",}}`, nil) }, []string{`bad header JSON at key "a"`}},
		{"st not an object", "w.safetensors", func(*testing.T) []byte { return stBytes(`[1,2,3]`, nil) }, []string{"header must be a JSON object starting with '{'"}},
		{"st offsets past data", "weights.safetensors", func(*testing.T) []byte {
			return stBytes(`{"head.weight":{"dtype":"F32","shape":[10,10],"data_offsets":[0,400]}}`, make([]byte, 200))
		}, []string{`weights.safetensors: tensor "head.weight": data offsets [0, 400) exceed the 200 bytes of data`}},
		{"st size mismatch", "w.safetensors", func(*testing.T) []byte {
			return stBytes(`{"b":{"dtype":"F32","shape":[10],"data_offsets":[0,20]}}`, make([]byte, 20))
		}, []string{`tensor "b": data offsets [0, 20) hold 20 bytes but shape (10,) F32 needs 40`}},
		{"st overlap", "w.safetensors", func(*testing.T) []byte {
			return stBytes(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F16","shape":[4],"data_offsets":[8,16]}}`, make([]byte, 16))
		}, []string{`tensor "b" data [8, 16) overlaps tensor "a" data [0, 16)`}},
		{"st reversed offsets", "w.safetensors", func(*testing.T) []byte {
			return stBytes(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}`, make([]byte, 16))
		}, []string{`tensor "a": data offsets [8, 0) are reversed`}},
		{"st unsupported dtype", "w.safetensors", func(*testing.T) []byte {
			return stBytes(`{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}`, make([]byte, 8))
		}, []string{`tensor "a": unsupported dtype "C64"`}},
		{"st missing field", "w.safetensors", func(*testing.T) []byte {
			return stBytes(`{"a":{"dtype":"F32","shape":[1]}}`, make([]byte, 4))
		}, []string{`tensor "a": expected fields dtype, shape and data_offsets`}},
		{"st negative dim", "w.safetensors", func(*testing.T) []byte {
			return stBytes(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, make([]byte, 4))
		}, []string{`tensor "a": shape: expected a non-negative integer, found -1`}},
		{"st duplicate", "w.safetensors", func(*testing.T) []byte {
			return stBytes(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, make([]byte, 4))
		}, []string{`tensor "a" appears twice in the header`}},
		{"st trailing garbage", "w.safetensors", func(*testing.T) []byte { return stBytes(`{} xx`, nil) }, []string{`unexpected "xx" after the header's JSON object`}},
		{"st bad metadata", "w.safetensors", func(*testing.T) []byte { return stBytes(`{"__metadata__":{"a":1}}`, nil) }, []string{"__metadata__ must be a JSON object of strings"}},
		{"st absurd shape", "w.safetensors", func(*testing.T) []byte {
			return stBytes(`{"a":{"dtype":"F32","shape":[1000000,1000000,1000000],"data_offsets":[0,4]}}`, make([]byte, 4))
		}, []string{"has more than 1073741824 elements"}},

		// ---- .pth ----
		{"pth empty", "m.pth", func(*testing.T) []byte { return nil }, []string{"empty file: expected a torch.save zip checkpoint"}},
		{"pth not zip", "m.pth", func(*testing.T) []byte { return []byte("hello world") }, []string{`not a PyTorch zip checkpoint: expected zip magic "PK\x03\x04", found "hell"`}},
		{"pth legacy format", "m.pth", func(*testing.T) []byte { return []byte("\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.") }, []string{"legacy (non-zip) torch.save format", "re-save it with torch >= 1.6"}},
		{"pth given safetensors", "m.bin", func(*testing.T) []byte { return stBytes(`{"a":{}}`, nil) }, []string{"this looks like a safetensors file"}},
		{"pth truncated zip", "m.pth", func(*testing.T) []byte { return golden[:len(golden)/2] }, []string{"corrupt zip archive"}},
		{"pth no data.pkl", "m.pth", func(t *testing.T) []byte { return zipBytes(t, record{"a/b.txt", []byte("x")}) }, []string{"no data.pkl record", "found records [a/b.txt]"}},
		{"pth torchscript", "m.pt", func(t *testing.T) []byte {
			return zipBytes(t, record{"m/data.pkl", []byte("}.")}, record{"m/constants.pkl", []byte(").")})
		}, []string{"TorchScript archive"}},
		{"pth storage missing", "m.pth", func(t *testing.T) []byte {
			return pklCkpt(t, oneTensorDict("FloatStorage", "0", 2, 0, []int{2}, []int{1}), nil)
		}, []string{"record archive/data.pkl", `storage "0": record archive/data/0 is missing`}},
		{"pth storage size mismatch", "m.pth", func(t *testing.T) []byte {
			return pklCkpt(t, oneTensorDict("FloatStorage", "0", 24, 0, []int{24}, []int{1}), map[string][]byte{"0": make([]byte, 8)})
		}, []string{`storage "0": pickle says 24 float32 elements (96 bytes) but record archive/data/0 holds 8 bytes`}},
		{"pth view out of range", "m.pth", func(t *testing.T) []byte {
			return pklCkpt(t, oneTensorDict("FloatStorage", "0", 4, 2, []int{2, 2}, []int{2, 1}), map[string][]byte{"0": make([]byte, 16)})
		}, []string{`tensor "w": view (offset 2, size (2, 2), stride [2 1]) reaches past the 4 elements of storage "0"`}},
		{"pth stride rank mismatch", "m.pth", func(t *testing.T) []byte {
			return pklCkpt(t, oneTensorDict("FloatStorage", "0", 4, 0, []int{2, 2}, []int{1}), map[string][]byte{"0": make([]byte, 16)})
		}, []string{`tensor "w": size (2, 2) has 2 dimensions but stride [1] has 1`}},
		{"pth unsupported storage", "m.pth", func(t *testing.T) []byte {
			return pklCkpt(t, oneTensorDict("ComplexFloatStorage", "0", 1, 0, []int{1}, []int{1}), map[string][]byte{"0": make([]byte, 8)})
		}, []string{`storage "0" has unsupported type torch.ComplexFloatStorage`}},
		{"pth pickle length bomb", "m.pth", func(t *testing.T) []byte {
			return pklCkpt(t, func(p *pickler) { p.op('X', 0, 0xca, 0x9a, 0x3b) }, nil) // BINUNICODE of 1e9 bytes
		}, []string{"pickle opcode 0x58 at offset 2 claims 1000000000 bytes, only 0 remain"}},
		{"pth pickle without stop", "m.pth", func(t *testing.T) []byte { return pklCkpt(t, func(p *pickler) { p.op('}') }, nil) }, []string{"pickle ends after 3 bytes without a STOP opcode"}},
		{"pth unknown opcode", "m.pth", func(t *testing.T) []byte { return pklCkpt(t, func(p *pickler) { p.op(0xff, '.') }, nil) }, []string{"unknown pickle opcode 0xff at offset 2"}},
		{"pth stack underflow", "m.pth", func(t *testing.T) []byte { return pklCkpt(t, func(p *pickler) { p.op('R', '.') }, nil) }, []string{"pickle offset 2: opcode 0x52: stack underflow"}},
		{"pth odd DICT", "m.pth", func(t *testing.T) []byte { return pklCkpt(t, func(p *pickler) { p.op('(', 'K', 1, 'd', '.') }, nil) }, []string{"pickle offset 5: opcode 0x64: odd number of items (1) for a dict"}},
		{"pth frozenset of bytes", "m.pth", func(t *testing.T) []byte {
			return pklCkpt(t, func(p *pickler) { p.op('(', 'C', 1, 'a', 0x91, '.') }, nil)
		}, []string{"top-level object is a set, expected a state dict"}},
		{"pth top-level list", "m.pth", func(t *testing.T) []byte { return pklCkpt(t, func(p *pickler) { p.op(']', '.') }, nil) }, []string{"top-level object is a list, expected a state dict"}},
		{"pth no state dict", "m.pth", func(t *testing.T) []byte {
			return pklCkpt(t, func(p *pickler) { p.op('}').mark().str("epoch").int(3).str("optimizer").op('}').op('u', '.') }, nil)
		}, []string{`found a dict with keys [epoch optimizer]`, `"state_dict", "model_state_dict", "model" or "module"`}},
		{"pth non-tensor entry", "m.pth", func(t *testing.T) []byte {
			return pklCkpt(t, func(p *pickler) {
				p.orderedDict().mark().str("w").tensor("FloatStorage", "0", 1, 0, []int{1}, []int{1}).str("lr").int(3).op('u', '.')
			}, map[string][]byte{"0": make([]byte, 4)})
		}, []string{`state dict entry "lr" is an int, expected a tensor`}},
		{"pth bad byteorder", "m.pth", func(t *testing.T) []byte {
			return zipBytes(t, record{"a/data.pkl", []byte("}.")}, record{"a/byteorder", []byte("middle")})
		}, []string{`record a/byteorder: expected "little" or "big", found "middle"`}},

		// ---- Load ----
		{"unknown extension", "model.onnx", func(*testing.T) []byte { return []byte("x") }, []string{"unsupported weights file type (.onnx)"}},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.file)
			if err := os.WriteFile(path, c.data(t), 0o644); err != nil {
				t.Fatal(err)
			}
			var err error
			if strings.HasSuffix(c.file, ".npy") {
				_, err = ReadNPYFile(path)
			} else {
				_, err = Load(path)
			}
			if err == nil {
				t.Fatalf("expected an error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, path+": ") {
				t.Errorf("message does not start with the path: %s", msg)
			}
			if strings.ContainsAny(msg, "\n\r") {
				t.Errorf("message is not one line: %q", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q\n lacks %q", msg, w)
				}
			}
		})
		os.Remove(filepath.Join(dir, c.file))
	}
}

func TestMissingFileError(t *testing.T) {
	for _, f := range []func(string) error{
		func(p string) error { _, err := ReadNPYFile(p); return err },
		func(p string) error { _, err := ReadSafetensors(p); return err },
		func(p string) error { _, err := ReadPTH(p); return err },
	} {
		err := f("testdata/does-not-exist")
		if err == nil || !os.IsNotExist(err) && !strings.Contains(err.Error(), "no such file") {
			t.Errorf("got %v", err)
		}
		if !strings.HasPrefix(err.Error(), "testdata/does-not-exist: cannot open") {
			t.Errorf("got %v", err)
		}
	}
}

func TestDirectoryError(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"d.npy", "d.safetensors", "d.pth", "d.npz"} {
		p := filepath.Join(dir, name)
		os.Mkdir(p, 0o755)
		var err error
		if strings.HasSuffix(name, ".npy") {
			_, err = ReadNPYFile(p)
		} else {
			_, err = Load(p)
		}
		if err == nil || err.Error() != p+": expected a regular file, found a directory" {
			t.Errorf("%s: got %v", name, err)
		}
	}
}
