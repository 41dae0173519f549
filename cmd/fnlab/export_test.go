package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnlab/fnlab/onnx"
	"github.com/fnlab/fnlab/optable"
)

func TestExportCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t0.onnx")
	out, errText, code := run(t, "export", "t0", "--set", "n_div=8", "--input", "3x64x64", "--out", path, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errText)
	}
	var doc onnx.FileDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Path != path || doc.Batch != "dynamic" || doc.Summary.Opset != 17 || doc.Summary.Nodes != 156 || len(doc.SpecHash) != 12 {
		t.Errorf("unexpected document %+v", doc)
	}
	if got := doc.Summary.Inputs[0].Shape; strings.Join(got, ",") != "batch,3,64,64" {
		t.Errorf("input shape %v", got)
	}
	m, err := onnx.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{}
	for _, kv := range m.Proto.GetMetadataProps() {
		meta[kv.GetKey()] = kv.GetValue()
	}
	if meta["spec_sets"] != "n_div=8" || !strings.Contains(meta["spec"], "n_div: 8") || meta["spec_hash"] != doc.SpecHash {
		t.Errorf("metadata %v", meta)
	}
	// A second export replaces fnlab's own file; the table names the graph.
	out, errText, code = run(t, "export", "t0", "--out", path, "--batch", "8", "--keep-bn")
	if code != 0 || !strings.Contains(out, "input    [8, 3, 224, 224]") || !strings.Contains(out, "BatchNormalization 17") {
		t.Errorf("exit %d %s\n%s", code, errText, out)
	}
}

func TestExportErrors(t *testing.T) {
	dir := t.TempDir()
	user := filepath.Join(dir, "notes.onnx")
	if err := os.WriteFile(user, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"export", "t0"}, 2, "--out MODEL.onnx is required"},
		{[]string{"export", "t0", "--out", "x.onnx", "--batch", "0"}, 2, `--batch "0": expected dynamic or a positive batch size`},
		{[]string{"export", "t0", "--out", "x.onnx", "--opset", "11"}, 2, "--opset 11: fnlab writes opsets 13 to 21"},
		{[]string{"export", "t0", "--out", user}, 1, "notes.onnx exists and is not an ONNX model fnlab wrote (--force replaces it)"},
		{[]string{"export", "t0", "--out", filepath.Join(dir, "missing", "m.onnx")}, 1, "m.onnx: cannot write: no such file or directory"},
		{[]string{"export", "t0", "--out", dir}, 1, "exists and is not a regular file"},
		{[]string{"export", "t0", "--out", "x.onnx", "--weights", filepath.Join(dir, "none.safetensors")}, 1, "none.safetensors"},
	}
	for _, c := range cases {
		_, errText, code := run(t, c.args...)
		if code != c.code || !strings.Contains(errText, c.want) || strings.Contains(errText, "\n") {
			t.Errorf("%v: exit %d %q, want exit %d and %q on one line", c.args, code, errText, c.code, c.want)
		}
	}
	if b, _ := os.ReadFile(user); string(b) != "mine" {
		t.Errorf("the user's file changed: %q", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d entries left in the directory, want the user's file only", len(ents))
	}
	// --force replaces it.
	if _, errText, code := run(t, "export", "t0", "--out", user, "--force"); code != 0 {
		t.Errorf("--force: exit %d %s", code, errText)
	}
}

func TestOpsExportONNX(t *testing.T) {
	dir := t.TempDir()
	out, errText, code := run(t, "ops", "--ops", "pconv,conv+pwconv", "--sizes", "16x8x8", "--layers", "2", "--runs", "1",
		"--budget", "1ms", "--threads", "1", "--export-onnx", dir, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errText)
	}
	var doc optable.Doc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "pconv_16x8x8.onnx"), filepath.Join(dir, "conv+pwconv_16x8x8.onnx")}
	if strings.Join(doc.ONNX, " ") != strings.Join(want, " ") {
		t.Fatalf("onnx files %v, want %v", doc.ONNX, want)
	}
	m, err := onnx.ReadFile(want[0])
	if err != nil {
		t.Fatal(err)
	}
	if h := m.Summary().Histogram(); h != "Concat 2, Conv 2, Split 2" {
		t.Errorf("pconv stack: %s", h)
	}
}

// TestExportREADME runs the README's export example and compares its
// output with what the README shows.
func TestExportREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const cmdLine = "$ fnlab export t0 --out t0.onnx\n"
	_, after, ok := strings.Cut(string(readme), cmdLine)
	if !ok {
		t.Fatalf("README has no %q example", cmdLine)
	}
	want, _, _ := strings.Cut(after, "```")
	dir := t.TempDir()
	t.Chdir(dir)
	got, errText, code := run(t, "export", "t0", "--out", "t0.onnx")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errText)
	}
	if got != want {
		t.Errorf("README shows\n%s\nthe command prints\n%s", want, got)
	}
}
