package onnx_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/fnlab/fnlab/engine"
	"github.com/fnlab/fnlab/onnx"
)

func TestWriteFileRefusesWhatItDidNotWrite(t *testing.T) {
	g := compile(t, "t0", smallSets(nil)...)
	m := export(t, g, engine.RandomWeights(g, 1), onnx.Options{})
	dir := t.TempDir()
	path := filepath.Join(dir, "m.onnx")

	// A user's file is left alone unless forced.
	if err := os.WriteFile(path, []byte("my notes"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := onnx.WriteFile(path, m, false); !errors.Is(err, onnx.ErrNotOurs) {
		t.Fatalf("over a user's file: %v, want ErrNotOurs", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "my notes" {
		t.Fatalf("the user's file changed: %q", b)
	}
	// Another producer's ONNX model (field 2 = "pytorch") is not fnlab's either.
	if err := os.WriteFile(path, []byte("\x08\x07\x12\x07pytorch"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := onnx.WriteFile(path, m, false); !errors.Is(err, onnx.ErrNotOurs) {
		t.Fatalf("over another producer's model: %v, want ErrNotOurs", err)
	}
	if err := onnx.WriteFile(path, m, true); err != nil {
		t.Fatalf("forced: %v", err)
	}
	// fnlab's own model is replaced, and is readable.
	if ok, err := onnx.WrittenByFnlab(path); !ok || err != nil {
		t.Fatalf("WrittenByFnlab = %v, %v after writing", ok, err)
	}
	if err := onnx.WriteFile(path, m, false); err != nil {
		t.Fatalf("over its own model: %v", err)
	}
	back, err := onnx.ReadFile(path)
	if err != nil || back.Summary().Nodes != m.Summary().Nodes {
		t.Fatalf("read back: %v", err)
	}
	// A directory or a missing parent: an error, nothing left behind.
	if err := onnx.WriteFile(dir, m, true); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a directory as the path: %v", err)
	}
	if err := onnx.WriteFile(filepath.Join(dir, "no", "m.onnx"), m, false); err == nil {
		t.Error("a missing directory: no error")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d entries in the directory, want only m.onnx", len(ents))
	}
}

func TestExportRefusesWhatItCannotWrite(t *testing.T) {
	g := compile(t, "t0", smallSets(nil)...)
	w := engine.RandomWeights(g, 1)
	for _, c := range []struct {
		opt  onnx.Options
		want string
	}{
		{onnx.Options{Opset: 12}, "opset 12: the exporter writes opsets 13 to 21"},
		{onnx.Options{Opset: 22}, "opset 22"},
		{onnx.Options{Batch: -3}, "batch -3"},
	} {
		if _, err := onnx.Export(g, w, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.opt, err, c.want)
		}
	}
	delete(w, "head.bias")
	if _, err := onnx.Export(g, w, onnx.Options{}); err == nil || !strings.Contains(err.Error(), "1 missing (head.bias)") {
		t.Errorf("missing weight: %v", err)
	}
}

// TestCompact: fnlab's T0 has no more nodes than PyTorch's export of the
// same model (testdata/pytorch_t0_ops.json, counted from torch.onnx.export
// at opset 13), and no Constant, Shape, Gather or Slice plumbing.
func TestCompact(t *testing.T) {
	g := compile(t, "t0")
	s := export(t, g, engine.RandomWeights(g, 0), onnx.Options{}).Summary()
	b, err := os.ReadFile("testdata/pytorch_t0_ops.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Nodes int            `json:"nodes"`
		Ops   map[string]int `json:"ops"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	t.Logf("fnlab t0: %d nodes (%s); PyTorch: %d", s.Nodes, s.Histogram(), ref.Nodes)
	if s.Nodes > ref.Nodes {
		t.Errorf("t0 export has %d nodes, PyTorch's %d", s.Nodes, ref.Nodes)
	}
	for _, o := range s.Ops {
		switch o.Op {
		case "Constant", "Shape", "Gather", "Slice", "ScatterND", "Unsqueeze", "Reshape":
			t.Errorf("%d %s nodes", o.Count, o.Op)
		}
		if o.Op == "Conv" && o.Count != ref.Ops["Conv"] {
			t.Errorf("%d Conv nodes, PyTorch %d (BN must be folded)", o.Count, ref.Ops["Conv"])
		}
	}
}

// TestReadRefusesSpecialFiles: a named pipe is refused at once, never
// waited on.
func TestReadRefusesSpecialFiles(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pipe.onnx")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip(err)
	}
	if _, err := onnx.ReadFile(p); err == nil || !strings.Contains(err.Error(), "pipe.onnx") {
		t.Errorf("ReadFile of a pipe: %v", err)
	}
	if ok, err := onnx.WrittenByFnlab(p); ok || err == nil {
		t.Errorf("WrittenByFnlab of a pipe: %v, %v", ok, err)
	}
}
