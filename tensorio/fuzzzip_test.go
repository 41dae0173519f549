package tensorio

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// allocBudget bounds what one reader call may allocate on a fuzzed input of
// n bytes: a small multiple of the input plus a fixed allowance, far below
// what a bomb (or trusting a claimed size) would take.
func allocBudget(n int) uint64 { return 64<<20 + 64*uint64(n) }

func totalAlloc() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

func npzSeed(t testing.TB, method uint16) []byte {
	path := filepath.Join(t.TempDir(), "s.npz")
	writeRawZip(t, path, []rawMember{
		{name: "a.npy", method: method, data: append(npyHeaderBytes([]int{2}), make([]byte, 8)...)},
		{name: "b.npy", method: method, data: append(npyHeaderBytes([]int{1, 2}), 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40)},
	})
	b, _ := os.ReadFile(path)
	return b
}

// FuzzReadNPZ fuzzes .npz archives as raw bytes (zip structure, sizes,
// methods and members together): never a panic, a one-line error, a
// consistent State, bounded allocation.
func FuzzReadNPZ(f *testing.F) {
	f.Add(npzSeed(f, zip.Store))
	f.Add(npzSeed(f, zip.Deflate))
	f.Fuzz(func(t *testing.T, data []byte) {
		before := totalAlloc()
		s, err := readNPZ(bytes.NewReader(data), int64(len(data)), nil)
		if got := totalAlloc() - before; got > allocBudget(len(data)) {
			t.Fatalf("allocated %d bytes for a %d-byte input", got, len(data))
		}
		if err != nil {
			checkOneLine(t, err)
			return
		}
		for _, n := range s.Names {
			if x := s.Tensors[n]; x == nil || x.Numel() != len(x.Data) {
				t.Fatalf("tensor %q inconsistent", n)
			}
		}
	})
}

// FuzzReadPTHZip fuzzes checkpoints as raw bytes, zip layer included
// (FuzzPTHPickle re-zips a fuzzed pickle; this one corrupts the archive
// itself: record sizes, methods, names, byteorder, storages).
func FuzzReadPTHZip(f *testing.F) {
	b, err := os.ReadFile("testdata/fake_torch_proto4.pt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	var p pickler
	p.proto().orderedDict().mark().str("w").tensor("FloatStorage", "0", 2, 0, []int{2}, []int{1}).op('u', '.')
	path := filepath.Join(f.TempDir(), "s.pth")
	writeZip(f, path, ckptRecords(p.Bytes(), map[string][]byte{"0": make([]byte, 8)}))
	b, _ = os.ReadFile(path)
	f.Add(b)
	// The same with deflated records (torch stores them; a hostile file
	// may not).
	path = filepath.Join(f.TempDir(), "d.pth")
	writeRawZip(f, path, []rawMember{{name: "archive/data.pkl", method: zip.Deflate, data: p.Bytes()},
		{name: "archive/data/0", method: zip.Deflate, data: make([]byte, 8)}})
	b, _ = os.ReadFile(path)
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		before := totalAlloc()
		s, err := readPTH(bytes.NewReader(data), int64(len(data)))
		if got := totalAlloc() - before; got > allocBudget(len(data)) {
			t.Fatalf("allocated %d bytes for a %d-byte input", got, len(data))
		}
		if err != nil {
			checkOneLine(t, err)
			return
		}
		for _, n := range s.Names {
			if x := s.Tensors[n]; x == nil || x.Numel() != len(x.Data) {
				t.Fatalf("tensor %q inconsistent", n)
			}
		}
	})
}
