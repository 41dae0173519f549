package arch_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnlab/fnlab/arch"
)

func writeSpec(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPresetsLoad(t *testing.T) {
	for _, p := range arch.Presets() {
		s, err := arch.Load(p, nil)
		if err != nil {
			t.Errorf("preset %s: %v", p, err)
			continue
		}
		if _, err := arch.Compile(s); err != nil {
			t.Errorf("preset %s: %v", p, err)
		}
	}
	s, err := arch.Load("t0_gconv", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Mixer != arch.GConv || s.Groups != 4 || s.EmbedDim != 40 || s.Act != arch.GELU {
		t.Errorf("t0_gconv = %+v", s)
	}
}

// An official training config is read as it is: model keys used, training keys ignored.
func TestOfficialConfig(t *testing.T) {
	s, err := arch.Load("testdata/official_t0.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := arch.Load("t0", nil)
	if s.EmbedDim != ref.EmbedDim || s.Act != ref.Act || s.NDiv != ref.NDiv || s.Input != ref.Input ||
		len(s.Depths) != 4 || s.Depths[2] != 8 || s.FeatureDim != 1280 {
		t.Errorf("official config read as %+v", s)
	}
	data, _ := os.ReadFile("testdata/official_t0.yaml")
	bad := strings.Replace(string(data), "embed_dim: 40", "embed_dims: 40", 1)
	_, err = arch.Parse("official.yaml", []byte(bad))
	if err == nil || !strings.Contains(err.Error(), `official.yaml:26: embed_dims: unknown key (did you mean "embed_dim"?)`) {
		t.Errorf("misspelled model key: %v", err)
	}
}

func TestSetOverrides(t *testing.T) {
	s, err := arch.Load("t0", []string{"depths=[1,1,1,1]", "stages.2.n_div=8", "stages.3.mixer=dwconv", "input.height=160", "mixer=conv"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Depths[2] != 1 || s.Stages[2].NDiv != 8 || s.Stages[3].Mixer != arch.DWConv || s.Stages[0].Mixer != arch.Conv || s.Input.Height != 160 || s.Input.Width != 224 {
		t.Errorf("overrides gave %+v", s)
	}
}

func TestExtendsFile(t *testing.T) {
	dir := t.TempDir()
	writeSpec(t, dir, "base.yaml", "extends: t1\nn_div: 2\n")
	p := writeSpec(t, dir, "child.yaml", "extends: base.yaml\nmixer: gconv\ngroups: 8\n")
	s, err := arch.Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.EmbedDim != 64 || s.NDiv != 2 || s.Mixer != arch.GConv || s.Groups != 8 {
		t.Errorf("extends chain gave %+v", s)
	}
	writeSpec(t, dir, "a.yaml", "extends: b.yaml\n")
	c := writeSpec(t, dir, "b.yaml", "extends: a.yaml\n")
	if _, err := arch.Load(c, nil); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("extends cycle: %v", err)
	}
}

// Broken specs: each gives one line naming file:line, the key path and what was expected.
func TestMalformedSpecs(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"unknown key", "extends: t0\nembed_dimm: 40\n", `spec.yaml:2: embed_dimm: unknown key (did you mean "embed_dim"?)`},
		{"wrong type", "extends: t0\nembed_dim: forty\n", `spec.yaml:2: embed_dim: expected an integer from 1 to 65536, found "forty"`},
		{"negative", "extends: t0\nembed_dim: -8\n", `spec.yaml:2: embed_dim: expected an integer from 1 to 65536, found -8`},
		{"zero", "extends: t0\nfeature_dim: 0\n", `spec.yaml:2: feature_dim: expected an integer from 1 to 65536, found 0`},
		{"fractional", "extends: t0\nn_div: 2.5\n", `spec.yaml:2: n_div: expected an integer from 1 to 65536, found "2.5"`},
		{"depths scalar", "extends: t0\ndepths: 4\n", `spec.yaml:2: depths: expected a list of integers like [1, 2, 8, 2], found "4"`},
		{"depths entry", "extends: t0\ndepths: [1, 2, x, 2]\n", `spec.yaml:2: depths[2]: expected an integer from 0 to 1024, found "x"`},
		{"depths empty", "extends: t0\ndepths: []\n", `spec.yaml:2: depths: expected 1 to 8 entries, found 0`},
		{"mixer", "extends: t0\nmixer: attention\n", `spec.yaml:2: mixer: expected one of pconv, conv, dwconv, gconv, found "attention"`},
		{"act", "extends: t0\nact_layer: SILU\n", `spec.yaml:2: act_layer: expected one of RELU, GELU, found "SILU"`},
		{"norm", "extends: t0\nnorm_layer: LN\n", `spec.yaml:2: norm_layer: expected one of BN, found "LN"`},
		{"fw type", "extends: t0\npconv_fw_type: slice\n", `spec.yaml:2: pconv_fw_type: expected one of split_cat, slicing, found "slice"`},
		{"n_div too big", "extends: t0\nn_div: 64\n", `spec.yaml:2: n_div: 64 is larger than stage 0's width 40`},
		{"stage n_div", "extends: t0\nstages:\n  - {}\n  - {}\n  - {n_div: 200}\n", `spec.yaml:5: stages[2].n_div: 200 is larger than stage 2's width 160`},
		{"groups", "extends: t0\nmixer: gconv\ngroups: 16\n", `spec.yaml:3: groups: 16 does not divide stage 0's width 40`},
		{"stage groups", "extends: t0\nstages: [{}, {mixer: gconv, groups: 3}]\n", `spec.yaml:2: stages[1].groups: 3 does not divide stage 1's width 80`},
		{"stage key", "extends: t0\nstages: [{ndiv: 2}]\n", `spec.yaml:2: stages[0].ndiv: unknown key (expected depth, mixer, n_div or groups)`},
		{"too many stages", "extends: t0\nstages: [{}, {}, {}, {}, {}]\n", `spec.yaml:2: stages: 5 stage entries but depths has 4 stages`},
		{"input small", "extends: t0\ninput: {height: 16}\n", `spec.yaml:2: input.height: 16 is too small: patch embedding (4/4) and 3 merges (2/2) need at least 32`},
		{"input key", "extends: t0\ninput: {chans: 3}\n", `spec.yaml:2: input.chans: unknown key (expected channels, height, width or batch)`},
		{"input string", "extends: t0\ninput: 3xbig\n", `spec.yaml:2: input: expected CxHxW`},
		{"mlp ratio", "extends: t0\nmlp_ratio: 0\n", `spec.yaml:2: mlp_ratio: expected a number above 0 and at most 64, found 0`},
		{"mlp tiny", "extends: t0\nmlp_ratio: 0.01\n", `spec.yaml:2: mlp_ratio: 0.01 gives stage 0 (width 40) a hidden width of 0, expected at least 1`},
		{"drop path", "extends: t0\ndrop_path_rate: 2\n", `spec.yaml:2: drop_path_rate: expected a number from 0 to 1, found 2`},
		{"bool", "extends: t0\nfork_feat: maybe\n", `spec.yaml:2: fork_feat: expected true or false, found "maybe"`},
		{"null value", "extends: t0\nembed_dim:\n", `spec.yaml:2: embed_dim: expected an integer from 1 to 65536, found null`},
		{"list top", "- embed_dim: 4\n", `spec.yaml:1: expected a mapping of model keys at the top level, found a list`},
		{"bad yaml", "embed_dim: [1, 2\n", `spec.yaml: invalid YAML`},
		{"empty", "", `spec.yaml: empty spec`},
		{"duplicate", "embed_dim: 4\nembed_dim: 8\n", `spec.yaml:2: embed_dim: key repeated (first at line 1)`},
		{"model name", "model_name: resnet\n", `spec.yaml:1: model_name: expected one of fasternet, found "resnet"`},
		{"huge", "extends: t0\nembed_dim: 60000\n", `embed_dim: 60000 doubled over 4 stages reaches 480000 channels`},
		{"absurd memory", "extends: t0\ninput: {height: 16384, width: 16384, batch: 4096}\n", `above fnlab's 16 GiB bound`},
		{"extends missing", "extends: nosuch\n", `spec.yaml:1: extends: spec "nosuch": not a preset`},
		{"extends type", "extends: [t0]\n", `spec.yaml:1: extends: expected a preset name or a spec file path`},
		{"kernel", "extends: t0\npatch_size: 0\n", `spec.yaml:2: patch_size: expected an integer from 1 to 64, found 0`},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeSpec(t, dir, "spec.yaml", c.body)
			s, err := arch.Load(p, nil)
			if err == nil {
				_, err = arch.Compile(s)
			}
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			msg := strings.ReplaceAll(err.Error(), p, "spec.yaml")
			if !strings.Contains(msg, c.want) {
				t.Errorf("error %q\nwant it to contain %q", msg, c.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans lines: %q", msg)
			}
		})
	}
}

func TestBadSets(t *testing.T) {
	cases := []struct{ set, want string }{
		{"n_div", `--set "n_div": expected key=value`},
		{"n_div=[1", `--set n_div: value "[1" is not valid YAML`},
		{"n_div=0", `--set n_div: n_div: expected an integer from 1 to 65536, found 0`},
		{"stages.x.n_div=2", `--set stages.x.n_div: stages: expected a list with one mapping per stage`},
		{"stages.9.n_div=2", `--set stages.9.n_div: "9": expected a list index from 0 to 7`},
		{"embed_dim.x=2", `--set embed_dim.x: embed_dim is "40", cannot descend into it`},
		{"extends=t1", `--set extends: extends cannot be set`},
		{"stages.2.n_div=200", `--set stages.2.n_div: stages[2].n_div: 200 is larger than stage 2's width 160`},
	}
	for _, c := range cases {
		s, err := arch.LoadOverrides("t0", []string{c.set}, "--set")
		if err == nil {
			_, err = arch.Compile(s)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--set %s: error %v, want %q", c.set, err, c.want)
		}
	}
}

func TestNonSquareAndFloor(t *testing.T) {
	s, err := arch.Load("t0", []string{"input=3x225x161"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := arch.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	// floor((225-4)/4)+1 = 56, floor((161-4)/4)+1 = 40; then 28x20, 14x10, 7x5.
	want := map[string]arch.Shape{
		"patch_embed.proj":   {1, 40, 56, 40},
		"stages.1.reduction": {1, 80, 28, 20},
		"stages.5.reduction": {1, 320, 7, 5},
		"head":               {1, 1000},
	}
	for name, sh := range want {
		l := g.Layer(name)
		if l == nil {
			t.Fatalf("no layer %s", name)
		}
		if got := g.OutShape(l); got.String() != sh.String() {
			t.Errorf("%s: %v, want %v", name, got, sh)
		}
	}
}

func TestGraphForms(t *testing.T) {
	ops := func(ref string) []string {
		s, err := arch.Load(ref, []string{"depths=[1,1,1,1]"})
		if err != nil {
			t.Fatal(err)
		}
		g, err := arch.Compile(s)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range g.Layers {
			if strings.HasPrefix(l.Name, "stages.0.blocks.0.spatial_mixing") {
				out = append(out, string(l.Op))
			}
		}
		return out
	}
	if got := strings.Join(ops("t0"), ","); got != "split,conv2d,cat" {
		t.Errorf("split_cat form: %s", got)
	}
	if got := strings.Join(ops("t0_slicing"), ","); got != "conv2d,slice_write" {
		t.Errorf("slicing form: %s", got)
	}
}

func TestParamLedgerOrder(t *testing.T) {
	s, _ := arch.Load("t0", []string{"layer_scale_init_value=1e-6"})
	g, err := arch.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	ps := g.Params()
	var names []string
	for _, p := range ps[:12] {
		names = append(names, p.Name)
	}
	want := "patch_embed.proj.weight patch_embed.norm.weight patch_embed.norm.bias patch_embed.norm.running_mean patch_embed.norm.running_var " +
		"stages.0.blocks.0.layer_scale stages.0.blocks.0.mlp.0.weight stages.0.blocks.0.mlp.1.weight stages.0.blocks.0.mlp.1.bias " +
		"stages.0.blocks.0.mlp.1.running_mean stages.0.blocks.0.mlp.1.running_var stages.0.blocks.0.mlp.3.weight"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("ledger order:\n got %s\nwant %s", got, want)
	}
	if last := ps[len(ps)-1]; last.Name != "head.bias" {
		t.Errorf("last tensor %s", last.Name)
	}
	if g.NumParams() != 3905500+40+2*80+8*160+2*320 {
		t.Errorf("params with layer scale = %d", g.NumParams())
	}
}

func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("../specs/*.yaml")
	for _, p := range seeds {
		data, _ := os.ReadFile(p)
		f.Add(data)
	}
	data, _ := os.ReadFile("testdata/official_t0.yaml")
	f.Add(data)
	f.Add([]byte("extends: t0\nstages: [{n_div: 8}, null, {mixer: gconv, groups: 2}]\ninput: 3x64x48\n"))
	f.Add([]byte("embed_dim: 8\ndepths: [0, 1]\nmlp_ratio: 0.5\ninput: {height: 9, width: 9}\nfork_feat: true\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := arch.Parse("fuzz.yaml", data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error: %q", err)
			}
			return
		}
		if _, err := arch.Compile(s); err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("multi-line error: %q", err)
		}
	})
}

// Found by fuzzing: extends naming a device must not block or read forever.
func TestExtendsDevice(t *testing.T) {
	_, err := arch.Parse("fuzz.yaml", []byte("extends: /dev/zero\n"))
	if err == nil || !strings.Contains(err.Error(), "expected a regular file, found a character device") {
		t.Errorf("extends /dev/zero: %v", err)
	}
}

func TestExtendsCycle(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("a.yaml", []byte("extends: b.yaml\nn_div: 2\n"), 0o644)
	os.WriteFile("b.yaml", []byte("extends: a.yaml\n"), 0o644)
	os.WriteFile("self.yaml", []byte("extends: self.yaml\n"), 0o644)
	for ref, want := range map[string]string{
		"a.yaml":    "extends cycle: a.yaml -> b.yaml -> a.yaml",
		"self.yaml": "extends cycle: self.yaml -> self.yaml",
	} {
		_, err := arch.Load(ref, nil)
		if err == nil || err.Error() != want {
			t.Errorf("%s: error %v, want %q", ref, err, want)
		}
	}
}

// TestExtendsMergesStages: a child's stages entries merge over the
// parent's one by one, key by key; the parent's later entries stay.
func TestExtendsMergesStages(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("parent.yaml", []byte("extends: t0\nstages:\n  - {n_div: 8}\n  - {mixer: dwconv}\n  - {mixer: gconv, groups: 4}\n"), 0o644)
	os.WriteFile("child.yaml", []byte("extends: parent.yaml\nstages:\n  - {mixer: conv}\n  - {depth: 3}\n"), 0o644)
	os.WriteFile("bad.yaml", []byte("extends: child.yaml\nstages:\n  - {}\n  - {}\n  - {groups: 7}\n"), 0o644)
	s, err := arch.Load("child.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []arch.StageSpec{
		{Depth: 1, Mixer: arch.Conv, NDiv: 8, Groups: 16},   // child's mixer over parent's n_div
		{Depth: 3, Mixer: arch.DWConv, NDiv: 4, Groups: 16}, // child's depth, parent's mixer
		{Depth: 8, Mixer: arch.GConv, NDiv: 4, Groups: 4},   // parent's entry kept
		{Depth: 2, Mixer: arch.PConv, NDiv: 4, Groups: 16},
	}
	for i, st := range s.Stages {
		if st != want[i] {
			t.Errorf("stage %d: %+v, want %+v", i, st, want[i])
		}
	}
	// An error in a kept entry still names the file it came from.
	if _, err := arch.Load("bad.yaml", nil); err == nil || !strings.HasPrefix(err.Error(), "bad.yaml:5") {
		t.Errorf("bad groups: %v", err)
	}
}

// FuzzSetFlags fuzzes --set and --input values (fnlab passes --input as
// --set input=...): never a panic, a one-line error.
func FuzzSetFlags(f *testing.F) {
	for _, s := range []string{"n_div=8", "depths=[1,1,1,1]", "stages.2.mixer=dwconv", "input=3x224x224", "input={height: 64, width: 48}",
		"foo", "=3", "stages..x=1", "extends=t1", "input.batch=4", "groups=0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, sets := range [][]string{{s}, {"input=" + s}} {
			spec, err := arch.Load("t0", sets)
			if err != nil {
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("multi-line error: %q", err)
				}
				continue
			}
			if _, err := arch.Compile(spec); err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error: %q", err)
			}
		}
	})
}

// Keys with line breaks (from --set or a quoted YAML key) give one-line
// errors; the first was found by FuzzSetFlags.
func TestLineBreakKeys(t *testing.T) {
	if _, err := arch.Load("t0", []string{"0\n0=1"}); err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "the key has a line break") {
		t.Errorf("--set: %q", err)
	}
	_, err := arch.Parse("s.yaml", []byte("extends: t0\n\"a\\nb\": 1\n"))
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), `a\nb: unknown key`) {
		t.Errorf("yaml key: %q", err)
	}
}
