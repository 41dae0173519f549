package tensorio

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// npyBytes assembles a .npy image from a header dict literal and raw data,
// padding the header the way NumPy does for the given major version.
func npyBytes(major byte, header string, data []byte) []byte {
	prefix := 10
	if major >= 2 {
		prefix = 12
	}
	hlen := len(header) + 1
	pad := (64 - (prefix+hlen)%64) % 64
	var b bytes.Buffer
	b.WriteString(npyMagic)
	b.WriteByte(major)
	b.WriteByte(0)
	if major == 1 {
		binary.Write(&b, binary.LittleEndian, uint16(hlen+pad))
	} else {
		binary.Write(&b, binary.LittleEndian, uint32(hlen+pad))
	}
	b.WriteString(header)
	b.WriteString(strings.Repeat(" ", pad))
	b.WriteByte('\n')
	b.Write(data)
	return b.Bytes()
}

func f32le(vs ...float32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

func TestReadNPYGolden(t *testing.T) {
	x, err := ReadNPYFile("testdata/tiny_input.npy")
	if err != nil {
		t.Fatal(err)
	}
	if !sameShape(x.Shape, []int{1, 3, 64, 64}) || len(x.Data) != 3*64*64 {
		t.Fatalf("shape %v, %d values", x.Shape, len(x.Data))
	}
	for _, name := range []string{"tiny_input.npy", "tiny_features_out3.npy", "tiny_dwconv_logits.npy"} {
		orig, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		x, err := ReadNPY(bytes.NewReader(orig))
		if err != nil {
			t.Fatal(err)
		}
		// Writing it back must reproduce NumPy's bytes exactly, header
		// padding included.
		var buf bytes.Buffer
		if err := WriteNPY(&buf, x); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), orig) {
			t.Errorf("%s: WriteNPY output differs from the NumPy-written file (%d vs %d bytes)\n got header %q\nwant header %q",
				name, buf.Len(), len(orig), buf.Bytes()[:min(128, buf.Len())], orig[:min(128, len(orig))])
		}
	}
}

func TestNPYRoundTrip(t *testing.T) {
	dir := t.TempDir()
	cases := []*Tensor{
		{Shape: []int{}, Data: []float32{3.5}},
		{Shape: []int{5}, Data: []float32{1, -2, 3, float32(math.Inf(1)), float32(math.NaN())}},
		{Shape: []int{0}, Data: []float32{}},
		{Shape: []int{2, 0, 3}, Data: []float32{}},
		{Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
		{Shape: []int{12345678901, 0}, Data: []float32{}},
	}
	for i, c := range cases {
		p := filepath.Join(dir, "x.npy")
		if err := WriteNPYFile(p, c); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		raw, _ := os.ReadFile(p)
		if hl := 10 + int(binary.LittleEndian.Uint16(raw[8:10])); hl%64 != 0 || raw[hl-1] != '\n' {
			t.Errorf("case %d: header of %d bytes is not 64-byte aligned / newline-terminated", i, hl)
		}
		got, err := ReadNPYFile(p)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if !sameShape(got.Shape, c.Shape) || !sameBits(got.Data, c.Data) {
			t.Errorf("case %d: got %v %v, want %v %v", i, got.Shape, got.Data, c.Shape, c.Data)
		}
		if got.Numel() != len(got.Data) {
			t.Errorf("case %d: Numel %d != %d", i, got.Numel(), len(got.Data))
		}
	}
	// A scalar header says shape ().
	var buf bytes.Buffer
	WriteNPY(&buf, &Tensor{Shape: nil, Data: []float32{1}})
	if !strings.Contains(buf.String(), "'shape': (), }") {
		t.Errorf("scalar header: %q", buf.String()[:64])
	}
	if err := WriteNPY(&buf, &Tensor{Shape: []int{2}, Data: []float32{1}}); err == nil || !strings.Contains(err.Error(), "shape (2,) has 2 elements but Data has 1") {
		t.Errorf("mismatched tensor: %v", err)
	}
}

func TestReadNPYConversions(t *testing.T) {
	le := binary.LittleEndian
	be := binary.BigEndian
	u16 := func(o binary.ByteOrder, vs ...uint16) []byte {
		b := make([]byte, 2*len(vs))
		for i, v := range vs {
			o.PutUint16(b[2*i:], v)
		}
		return b
	}
	u32 := func(o binary.ByteOrder, vs ...uint32) []byte {
		b := make([]byte, 4*len(vs))
		for i, v := range vs {
			o.PutUint32(b[4*i:], v)
		}
		return b
	}
	u64 := func(o binary.ByteOrder, vs ...uint64) []byte {
		b := make([]byte, 8*len(vs))
		for i, v := range vs {
			o.PutUint64(b[8*i:], v)
		}
		return b
	}
	inf := float32(math.Inf(1))
	cases := []struct {
		descr string
		shape string
		data  []byte
		want  []float32
	}{
		{"<f4", "(2,)", f32le(1.5, -2), []float32{1.5, -2}},
		{"|f4", "(1,)", f32le(7), []float32{7}},
		{">f4", "(2,)", u32(be, math.Float32bits(1.5), math.Float32bits(-3)), []float32{1.5, -3}},
		{"<f8", "(2,)", u64(le, math.Float64bits(0.1), math.Float64bits(-1e300)), []float32{float32(0.1), float32(math.Inf(-1))}},
		{">f8", "(1,)", u64(be, math.Float64bits(2.25)), []float32{2.25}},
		// half: 1.0, -2.0, 65504 (max), smallest subnormal 2^-24, +inf, -0
		{"<f2", "(6,)", u16(le, 0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x8000), []float32{1, -2, 65504, float32(math.Ldexp(1, -24)), inf, float32(math.Copysign(0, -1))}},
		{">f2", "(1,)", u16(be, 0x3555), []float32{0.33325195}},
		{"<i4", "(3,)", u32(le, 1, 0xffffffff, 1<<31), []float32{1, -1, -2147483648}},
		{"<i8", "()", u64(le, 1<<40), []float32{1 << 40}},
		{"|u1", "(3,)", []byte{0, 128, 255}, []float32{0, 128, 255}},
		{"|i1", "(2,)", []byte{0xff, 5}, []float32{-1, 5}},
		{"|b1", "(2,)", []byte{0, 1}, []float32{0, 1}},
	}
	for _, c := range cases {
		hdr := "{'descr': '" + c.descr + "', 'fortran_order': False, 'shape': " + c.shape + ", }"
		for _, major := range []byte{1, 2, 3} {
			x, err := ReadNPY(bytes.NewReader(npyBytes(major, hdr, c.data)))
			if err != nil {
				t.Errorf("%s v%d: %v", c.descr, major, err)
				continue
			}
			if !sameBits(x.Data, c.want) {
				t.Errorf("%s v%d: got %v, want %v", c.descr, major, x.Data, c.want)
			}
		}
	}
	// Python 2 style header: double quotes, long suffixes, keys reordered.
	x, err := ReadNPY(bytes.NewReader(npyBytes(1, `{"shape": (2L, 1L), "fortran_order": False, "descr": "<f4"}`, f32le(1, 2))))
	if err != nil || !sameShape(x.Shape, []int{2, 1}) {
		t.Errorf("py2 header: %v %v", x, err)
	}
	// Fortran order is fine to reject even for 1-D data.
	_, err = ReadNPY(bytes.NewReader(npyBytes(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", f32le(1, 2, 3, 4))))
	if err == nil || !strings.Contains(err.Error(), "fortran_order arrays are not supported; save with np.ascontiguousarray") {
		t.Errorf("fortran: %v", err)
	}
	// Two arrays back to back in one stream.
	var two bytes.Buffer
	WriteNPY(&two, &Tensor{Shape: []int{1}, Data: []float32{1}})
	WriteNPY(&two, &Tensor{Shape: []int{2}, Data: []float32{2, 3}})
	a, err1 := ReadNPY(&two)
	b, err2 := ReadNPY(&two)
	if err1 != nil || err2 != nil || a.Data[0] != 1 || b.Data[1] != 3 {
		t.Errorf("stream: %v %v %v %v", a, b, err1, err2)
	}
}

func TestHalfConversionExhaustive(t *testing.T) {
	// Compare against gopickle's table-driven converter for every finite
	// half value, and check NaNs stay NaN.
	for h := 0; h < 1<<16; h++ {
		got := halfToFloat32(uint16(h))
		exp := (h >> 10) & 0x1f
		if exp == 0x1f && h&0x3ff != 0 {
			if !math.IsNaN(float64(got)) {
				t.Fatalf("0x%04x: got %v, want NaN", h, got)
			}
			continue
		}
		// Reference: sign * 2^(e-15) * (1 + m/1024), subnormals 2^-14 * m/1024.
		m := float64(h & 0x3ff)
		var want float64
		switch exp {
		case 0:
			want = math.Ldexp(m/1024, -14)
		case 0x1f:
			want = math.Inf(1)
		default:
			want = math.Ldexp(1+m/1024, exp-15)
		}
		if h&0x8000 != 0 {
			want = -want
		}
		if math.Float32bits(got) != math.Float32bits(float32(want)) {
			t.Fatalf("0x%04x: got %v, want %v", h, got, want)
		}
	}
	if bf16ToFloat32(0x3f80) != 1 || bf16ToFloat32(0xc040) != -3 {
		t.Error("bf16 conversion")
	}
}
