package tensorio

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSafetensorsRoundTrip(t *testing.T) {
	orig, err := ReadSafetensors("testdata/tiny_dwconv.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if orig.Metadata["mixer"] != "dwconv" {
		t.Errorf("metadata %v", orig.Metadata)
	}
	// Add a scalar and an empty tensor, which the real file lacks.
	orig.Add("zz.scalar", &Tensor{Shape: nil, Data: []float32{2.5}})
	orig.Add("zz.empty", &Tensor{Shape: []int{0, 4}, Data: nil})
	path := filepath.Join(t.TempDir(), "out.safetensors")
	if err := WriteSafetensors(path, orig); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	hlen := binary.LittleEndian.Uint64(raw)
	if hlen%8 != 0 {
		t.Errorf("header length %d not a multiple of 8", hlen)
	}
	// Offsets are contiguous from 0 and cover the data section exactly.
	var hdr map[string]json.RawMessage
	if err := json.Unmarshal(raw[8:8+hlen], &hdr); err != nil {
		t.Fatal(err)
	}
	var total int64
	for k, v := range hdr {
		if k == "__metadata__" {
			continue
		}
		var e struct {
			Dtype       string  `json:"dtype"`
			DataOffsets []int64 `json:"data_offsets"`
		}
		json.Unmarshal(v, &e)
		if e.Dtype != "F32" {
			t.Errorf("%s: dtype %s", k, e.Dtype)
		}
		total += e.DataOffsets[1] - e.DataOffsets[0]
	}
	if total != int64(len(raw))-8-int64(hlen) {
		t.Errorf("tensors cover %d bytes, data section has %d", total, int64(len(raw))-8-int64(hlen))
	}
	back, err := ReadSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(back.Names, ",") != strings.Join(orig.Names, ",") {
		t.Fatalf("names changed")
	}
	for _, n := range orig.Names {
		a, b := orig.Tensors[n], back.Tensors[n]
		if len(a.Shape) != len(b.Shape) || !sameBits(a.Data, b.Data) {
			t.Errorf("%s changed: %v -> %v", n, a.Shape, b.Shape)
		}
	}
	if back.Metadata["mixer"] != "dwconv" {
		t.Errorf("metadata lost: %v", back.Metadata)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
	}
}

func TestWriteRejectsInconsistentState(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		s    *State
		want string
	}{
		{&State{Names: []string{"a"}, Tensors: map[string]*Tensor{}}, `tensor "a" is listed in Names but has no tensor`},
		{&State{Names: []string{"a", "a"}, Tensors: map[string]*Tensor{"a": {Data: []float32{1}}}}, `tensor "a" listed twice`},
		{&State{Names: []string{"a"}, Tensors: map[string]*Tensor{"a": {Data: []float32{1}}, "b": {Data: []float32{1}}}}, `tensor "b" is in Tensors but not in Names`},
		{&State{Names: []string{"a"}, Tensors: map[string]*Tensor{"a": {Shape: []int{3}, Data: []float32{1}}}}, `tensor "a": shape (3,) has 3 elements but Data has 1`},
		{&State{Names: []string{"a"}, Tensors: map[string]*Tensor{"a": {Shape: []int{-1}}}}, `shape (-1,) has a negative dimension`},
	}
	for _, c := range cases {
		p := filepath.Join(dir, "x.safetensors")
		err := WriteSafetensors(p, c.s)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), p+": ") {
			t.Errorf("got %v, want %q", err, c.want)
		}
		if _, statErr := os.Stat(p); statErr == nil {
			t.Errorf("file written despite error")
		}
	}
	// Names may be left empty: sorted order is used.
	p := filepath.Join(dir, "sorted.safetensors")
	if err := WriteSafetensors(p, &State{Tensors: map[string]*Tensor{"b": {Data: []float32{1}}, "a": {Data: []float32{2}}}}); err != nil {
		t.Fatal(err)
	}
	s, err := ReadSafetensors(p)
	if err != nil || strings.Join(s.Names, ",") != "a,b" {
		t.Errorf("%v %v", s, err)
	}
	if err := NewState().Add("x", nil); err != nil {
		t.Error(err)
	}
	st := NewState()
	st.Add("x", &Tensor{Data: []float32{1}})
	if err := st.Add("x", &Tensor{Data: []float32{1}}); err == nil {
		t.Error("duplicate Add accepted")
	}
}

func TestReadNPZ(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, m := range []struct {
		name   string
		method uint16
		t      *Tensor
	}{
		{"weight.npy", zip.Store, &Tensor{Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}},
		{"bias.npy", zip.Deflate, &Tensor{Shape: []int{2}, Data: []float32{5, 6}}},
	} {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: m.method})
		if err := WriteNPY(w, m.t); err != nil {
			t.Fatal(i, err)
		}
	}
	zw.Close()
	path := filepath.Join(t.TempDir(), "a.npz")
	os.WriteFile(path, buf.Bytes(), 0o644)
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(s.Names, ",") != "weight,bias" || s.Tensors["bias"].Data[1] != 6 || !sameShape(s.Tensors["weight"].Shape, []int{2, 2}) {
		t.Errorf("%v", s.Names)
	}
	// A member that is not an array.
	buf.Reset()
	zw = zip.NewWriter(&buf)
	w, _ := zw.Create("notes.txt")
	w.Write([]byte("hi"))
	zw.Close()
	os.WriteFile(path, buf.Bytes(), 0o644)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), `member "notes.txt": expected a name ending in .npy`) {
		t.Errorf("got %v", err)
	}
}
