package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnlab/fnlab/arch"
)

func TestSaveSpecRoundTrip(t *testing.T) {
	dir := t.TempDir()
	// A file base with a stages list that sets a depth: new depths must win.
	baseFile := filepath.Join(dir, "base.yaml")
	if err := os.WriteFile(baseFile, []byte("extends: t0\nstages: [{depth: 3}, {n_div: 2}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		base      string
		sets      []string
		wantHow   string
		wantLines []string
		notLines  []string
	}{
		{"preset unchanged", "t0", nil, "extends t0", []string{"extends: t0", "name: out"}, []string{"embed_dim", "stages"}},
		{"preset n_div", "t0", []string{"stages.2.n_div=8"}, "extends t0", []string{"stages: [", "n_div: 8"}, []string{"embed_dim"}},
		{"preset width input", "t2", []string{"embed_dim=48", "input=3x256x256", "mlp_ratio=2.5"}, "extends t2",
			[]string{"embed_dim: 48", "mlp_ratio: 2.5", "input: {channels: 3, height: 256, width: 256, batch: 1}"}, []string{"stages"}},
		{"file base depths", baseFile, []string{"stages.0.depth=1", "stages.2.depth=4"}, "extends " + baseFile,
			[]string{"extends: base.yaml", "depths: [1, 2, 4, 2]", "stages: ["}, nil},
		{"no base", "", nil, "full spec", []string{"embed_dim: 40", "act_layer: GELU"}, []string{"extends", "stages"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ref := c.base
			if ref == "" {
				ref = "t0"
			}
			s, err := arch.Load(ref, c.sets)
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out.yaml")
			how, err := SaveSpec(out, s, c.base, "test header")
			if err != nil {
				t.Fatal(err)
			}
			if how != c.wantHow {
				t.Errorf("how %q, want %q", how, c.wantHow)
			}
			data, _ := os.ReadFile(out)
			text := string(data)
			if !strings.HasPrefix(text, "# test header\n") {
				t.Errorf("no header:\n%s", text)
			}
			for _, l := range c.wantLines {
				if !strings.Contains(text, l) {
					t.Errorf("missing %q in:\n%s", l, text)
				}
			}
			for _, l := range c.notLines {
				if strings.Contains(text, l) {
					t.Errorf("unexpected %q in:\n%s", l, text)
				}
			}
			back, err := arch.Load(out, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !sameModel(back, s) {
				t.Errorf("read back %+v, want %+v", back, s)
			}
			if back.Name != "out" {
				t.Errorf("name %q", back.Name)
			}
		})
	}
}

func TestSaveSpecErrors(t *testing.T) {
	s, _ := arch.Load("t0", nil)
	if _, err := SaveSpec(filepath.Join(t.TempDir(), "no", "such", "dir.yaml"), s, "t0", ""); err == nil ||
		!strings.Contains(err.Error(), "no such file or directory") || strings.Count(err.Error(), "\n") > 0 {
		t.Errorf("err %v", err)
	}
}

func TestYAMLString(t *testing.T) {
	for in, want := range map[string]string{"t0": "t0", "a: b": `"a: b"`, "yes": `"yes"`, "1.5": `"1.5"`, "": `""`} {
		if got := yamlString(in); got != want {
			t.Errorf("yamlString(%q) = %s, want %s", in, got, want)
		}
	}
}
