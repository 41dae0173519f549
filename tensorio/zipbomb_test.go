package tensorio

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// deflated returns data compressed with raw deflate.
func deflated(t testing.TB, data []byte) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// rawMember is a zip member written with explicit (possibly lying) sizes.
type rawMember struct {
	name   string
	method uint16
	data   []byte // the uncompressed content
	claim  uint64 // declared uncompressed size; 0: the true size
}

func writeRawZip(t testing.TB, path string, ms []rawMember) int64 {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range ms {
		body := m.data
		if m.method == zip.Deflate {
			body = deflated(t, m.data)
		}
		size := uint64(len(m.data))
		if m.claim != 0 {
			size = m.claim
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: m.name, Method: m.method, CRC32: crc32.ChecksumIEEE(m.data),
			CompressedSize64: uint64(len(body)), UncompressedSize64: size})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(body)
	}
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return int64(buf.Len())
}

// TestCompressionBombs checks deflated .npz members and .pth records that
// expand far beyond their compressed size, or beyond what their header
// promises, or beyond what the model needs: each is refused (or left
// unread) before it is decompressed, in bounded memory.
func TestCompressionBombs(t *testing.T) {
	const big = 96 << 20 // 96 MiB of zeros: ~100 KB deflated, ~1000:1
	zeros := make([]byte, big)
	npyHead := npyHeaderBytes([]int{big / 4})
	npyBig := append(append([]byte(nil), npyHead...), zeros[:big-len(npyHead)]...)
	npyBig = npyBig[:len(npyHead)+((big-len(npyHead))/4)*4]
	npyBig = append(npyHeaderBytes([]int{(len(npyBig) - len(npyHead)) / 4}), npyBig[len(npyHead):]...)
	small := append(npyHeaderBytes([]int{2}), make([]byte, 8)...)
	npy40 := append(npyHeaderBytes([]int{10 << 20}), zeros[:40<<20]...) // 40 MiB: ~30 MiB beyond 256:1, so the third exceeds the archive's 64 MiB

	var p pickler
	p.proto().orderedDict().mark().str("w").tensor("FloatStorage", "0", big/4, 0, []int{big / 4}, []int{1}).op('u', '.')
	pkl := p.Bytes()

	mid := append(npyHeaderBytes([]int{2048, 2048}), make([]byte, 2048*2048*4)...) // 16 MiB, under the ratio's free allowance

	cases := []struct {
		name    string
		file    string
		members []rawMember
		expect  Expect
		want    string // "" : loads, checked below
	}{
		{"npz deflate bomb", "bomb.npz", []rawMember{{name: "w.npy", method: zip.Deflate, data: npyBig}},
			nil, "more than 256:1 (a compression bomb?)"},
		{"npz member longer than its header promises", "lie.npz", []rawMember{{name: "w.npy", method: zip.Deflate, data: append(small, make([]byte, 1<<20)...), claim: uint64(len(small))}},
			nil, `member "w.npy": holds more than the 136 bytes its zip header declares`},
		{"npz stored member size mismatch", "lie2.npz", []rawMember{{name: "w.npy", method: zip.Store, data: small, claim: 1 << 30}},
			nil, "stored record claims 1073741824 bytes but occupies 136"},
		{"pth deflated storage bomb", "bomb.pth", []rawMember{
			{name: "archive/data.pkl", method: zip.Store, data: pkl},
			{name: "archive/data/0", method: zip.Deflate, data: zeros}},
			nil, `storage "0": record archive/data/0: compressed record expands`},
		{"pth deflated data.pkl bomb", "pklbomb.pth", []rawMember{
			{name: "archive/data.pkl", method: zip.Deflate, data: append(append([]byte(nil), pkl[:len(pkl)-1]...), zeros...)}},
			nil, "record archive/data.pkl: compressed record expands"},
		{"npz bombs that add up", "many.npz", []rawMember{{name: "a.npy", method: zip.Deflate, data: npy40}, {name: "b.npy", method: zip.Deflate, data: npy40}, {name: "c.npy", method: zip.Deflate, data: npy40}},
			nil, `member "c.npy": compressed record expands`},
		{"pth pickle deflated beyond 1 MiB", "pkl2.pth", []rawMember{
			{name: "archive/data.pkl", method: zip.Deflate, data: append(append([]byte{0x80, 2, ']'}, bytes.Repeat([]byte{'N', 'a'}, 2<<20)...), '.')}},
			nil, "record archive/data.pkl: compressed record expands"},
		{"npz tensor the model does not need", "extra.npz", []rawMember{{name: "w.npy", method: zip.Deflate, data: small}, {name: "huge.npy", method: zip.Deflate, data: mid}},
			ExpectShapes(map[string][]int{"w": {2}}), ""},
		{"npz tensor of the wrong shape", "shape.npz", []rawMember{{name: "w.npy", method: zip.Deflate, data: mid}},
			ExpectShapes(map[string][]int{"w": {2}}), ""},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.file)
			size := writeRawZip(t, path, c.members)
			var s *State
			var err error
			start := time.Now()
			alloc := allocDuring(func() { s, err = LoadExpect(path, c.expect) })
			t.Logf("%d-byte file: %v, %d KB allocated", size, time.Since(start), alloc>>10)
			if limit := uint64(8 << 20); alloc > limit {
				t.Errorf("allocated %d bytes, limit %d", alloc, limit)
			}
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range s.Names {
					if x := s.Tensors[n]; n != "w" || c.name == "npz tensor of the wrong shape" {
						if x.Data != nil {
							t.Errorf("%s: data read (%d values) though the model does not need it", n, len(x.Data))
						}
					}
				}
				return
			}
			if err == nil {
				t.Fatal("loaded")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, path+": ") || !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
				t.Fatalf("message %q, want one line starting with the path and containing %q", msg, c.want)
			}
		})
	}
}

// TestHonestDeflatedNPZ checks that np.savez_compressed-style members that
// compress normally still load.
func TestHonestDeflatedNPZ(t *testing.T) {
	data := make([]byte, 4096*4)
	for i := range data {
		data[i] = byte(i * 7919 >> 3)
	}
	path := filepath.Join(t.TempDir(), "ok.npz")
	writeRawZip(t, path, []rawMember{{name: "a.npy", method: zip.Deflate, data: append(npyHeaderBytes([]int{4096}), data...)}})
	s, err := ReadNPZ(path)
	if err != nil || len(s.Tensors["a"].Data) != 4096 {
		t.Fatalf("%v", err)
	}
}

// TestViewBomb: many tensors viewing one storage whole would copy it once
// each; beyond 4x the stored elements (plus 1<<24) the load is refused
// before anything is copied. Tied weights (2 views) still load.
func TestViewBomb(t *testing.T) {
	const n = 1 << 20 // 4 MiB storage
	build := func(views int) []byte {
		var p pickler
		p.proto().orderedDict().mark()
		for i := 0; i < views; i++ {
			p.str(fmt.Sprintf("w%d", i)).tensor("FloatStorage", "0", n, 0, []int{n}, []int{1})
		}
		return p.op('u', '.').Bytes()
	}
	dir := t.TempDir()
	for _, c := range []struct {
		views int
		want  string
	}{{2, ""}, {100, "views copy 104857600 elements out of 1048576 stored, more than 4x"}} {
		path := filepath.Join(dir, fmt.Sprintf("v%d.pth", c.views))
		writeZip(t, path, ckptRecords(build(c.views), map[string][]byte{"0": make([]byte, 4*n)}))
		var err error
		alloc := allocDuring(func() { _, err = Load(path) })
		if c.want == "" {
			if err != nil {
				t.Errorf("%d views: %v", c.views, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%d views: err = %v, want %q", c.views, err, c.want)
		}
		if alloc > 16<<20 {
			t.Errorf("%d views: allocated %d bytes", c.views, alloc)
		}
	}
}
