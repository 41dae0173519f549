package tensorio

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

func sortedKeys(m map[string]*Tensor) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sameBits compares float32 slices bit for bit (so NaNs compare equal).
func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func checkStateInvariants(t *testing.T, s *State) {
	t.Helper()
	if len(s.Names) != len(s.Tensors) {
		t.Fatalf("%d names but %d tensors", len(s.Names), len(s.Tensors))
	}
	for _, n := range s.Names {
		tt, ok := s.Tensors[n]
		if !ok {
			t.Fatalf("name %q has no tensor", n)
		}
		if tt.Numel() != len(tt.Data) {
			t.Fatalf("tensor %q: shape %v numel %d but %d values", n, tt.Shape, tt.Numel(), len(tt.Data))
		}
	}
}

func TestPTHMatchesSafetensors(t *testing.T) {
	pth, err := ReadPTH("testdata/tiny_dwconv.pth")
	if err != nil {
		t.Fatal(err)
	}
	st, err := ReadSafetensors("testdata/tiny_dwconv.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	checkStateInvariants(t, pth)
	checkStateInvariants(t, st)
	// The safetensors export leaves out BatchNorm's num_batches_tracked
	// counters (int64 scalars the model loader ignores); everything else
	// must match exactly.
	pk, sk := sortedKeys(pth.Tensors), sortedKeys(st.Tensors)
	var counters int
	pk = slices.DeleteFunc(pk, func(n string) bool {
		if !strings.HasSuffix(n, ".num_batches_tracked") {
			return false
		}
		counters++
		if tt := pth.Tensors[n]; len(tt.Shape) != 0 || len(tt.Data) != 1 {
			t.Errorf("%s: shape %v, want a scalar", n, tt.Shape)
		}
		return true
	})
	if counters == 0 {
		t.Error("expected num_batches_tracked entries in the .pth")
	}
	if len(pk) != len(sk) {
		t.Fatalf(".pth has %d tensors, .safetensors has %d", len(pk), len(sk))
	}
	for i := range pk {
		if pk[i] != sk[i] {
			t.Fatalf("name sets differ: %q vs %q", pk[i], sk[i])
		}
	}
	for _, n := range pk {
		a, b := pth.Tensors[n], st.Tensors[n]
		if !sameShape(a.Shape, b.Shape) {
			t.Errorf("%s: shape %v (.pth) vs %v (.safetensors)", n, a.Shape, b.Shape)
			continue
		}
		if !sameBits(a.Data, b.Data) {
			t.Errorf("%s: values differ", n)
		}
	}
	// The .pth keeps state-dict order; spot-check it.
	if pth.Names[0] != "patch_embed.proj.weight" {
		t.Errorf("first .pth tensor is %q, want patch_embed.proj.weight", pth.Names[0])
	}
	if w := pth.Tensors["patch_embed.proj.weight"]; !sameShape(w.Shape, []int{16, 3, 4, 4}) {
		t.Errorf("patch_embed.proj.weight shape %v", w.Shape)
	}
	t.Logf("%d tensors, first %v", len(pk), pth.Names[:3])
}

func TestLoadByExtension(t *testing.T) {
	for _, p := range []string{"testdata/tiny_dwconv.pth", "testdata/tiny_dwconv.safetensors"} {
		s, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Names) == 0 {
			t.Fatalf("%s: no tensors", p)
		}
	}
	_, err := Load("weights.onnx")
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("weights.onnx: unsupported weights file type (.onnx)")) {
		t.Fatalf("got %v", err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "w.pt")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p); err == nil {
		t.Fatal("empty .pt loaded")
	}
}
