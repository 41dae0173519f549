package tui

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/engine"
)

func t0Edit(t *testing.T) Edit {
	t.Helper()
	s, err := arch.Load("t0", nil)
	if err != nil {
		t.Fatal(err)
	}
	return editOf(s)
}

func TestEditStep(t *testing.T) {
	cases := []struct {
		name    string
		f       field
		stage   int
		dir     int
		check   func(Edit) bool
		wantErr string
	}{
		{"embed up", fEmbed, -1, 1, func(e Edit) bool { return e.EmbedDim == 48 }, ""},
		{"embed down", fEmbed, -1, -1, func(e Edit) bool { return e.EmbedDim == 32 }, ""},
		{"ratio up", fRatio, -1, 1, func(e Edit) bool { return e.MlpRatio == 2.5 }, ""},
		{"input down", fInput, -1, -1, func(e Edit) bool { return e.Height == 192 && e.Width == 192 }, ""},
		{"depth up", fDepth, 2, 1, func(e Edit) bool { return e.Stages[2].Depth == 9 }, ""},
		{"depth down", fDepth, 0, -1, func(e Edit) bool { return e.Stages[0].Depth == 0 }, ""},
		{"mixer next", fMixer, 1, 1, func(e Edit) bool { return e.Stages[1].Mixer == arch.Conv }, ""},
		{"mixer wraps", fMixer, 1, -1, func(e Edit) bool { return e.Stages[1].Mixer == arch.GConv }, ""},
		{"n_div up", fSplit, 3, 1, func(e Edit) bool { return e.Stages[3].NDiv == 5 }, ""},
		{"n_div floor", fSplit, 3, -1, func(e Edit) bool { return e.Stages[3].NDiv == 3 }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e0 := t0Edit(t)
			before := e0.clone()
			e, err := e0.step(c.f, c.stage, c.dir)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(e) {
				t.Errorf("step gave %+v", e)
			}
			if !e0.equal(before) {
				t.Errorf("step changed its receiver")
			}
		})
	}
}

func TestEditStepLimits(t *testing.T) {
	e := t0Edit(t)
	e.Stages[0].Depth = 0
	if _, err := e.step(fDepth, 0, -1); err == nil {
		t.Error("depth below 0 accepted")
	}
	e.Stages[0].NDiv = 1
	if _, err := e.step(fSplit, 0, -1); err == nil {
		t.Error("n_div 0 accepted")
	}
	e.Stages[1].Mixer = arch.DWConv
	if _, err := e.step(fSplit, 1, 1); err == nil || !strings.Contains(err.Error(), "no n_div or groups") {
		t.Errorf("dwconv n_div: %v", err)
	}
	// gconv steps through divisors of the width (stage 1: 80).
	e.Stages[1].Mixer, e.Stages[1].Groups = arch.GConv, 16
	e2, err := e.step(fSplit, 1, 1)
	if err != nil || e2.Stages[1].Groups != 20 {
		t.Errorf("groups up from 16 at width 80: %d %v", e2.Stages[1].Groups, err)
	}
	e2, err = e.step(fSplit, 1, -1)
	if err != nil || e2.Stages[1].Groups != 10 {
		t.Errorf("groups down from 16 at width 80: %d %v", e2.Stages[1].Groups, err)
	}
}

func TestEditSet(t *testing.T) {
	cases := []struct {
		f     field
		stage int
		text  string
		ok    bool
		check func(Edit) bool
	}{
		{fEmbed, -1, "64", true, func(e Edit) bool { return e.EmbedDim == 64 }},
		{fEmbed, -1, "x", false, nil},
		{fRatio, -1, "3", true, func(e Edit) bool { return e.MlpRatio == 3 }},
		{fRatio, -1, "0", false, nil},
		{fInput, -1, "256", true, func(e Edit) bool { return e.Height == 256 && e.Width == 256 }},
		{fInput, -1, "3x256x192", true, func(e Edit) bool { return e.Height == 256 && e.Width == 192 }},
		{fInput, -1, "256x", false, nil},
		{fDepth, 2, "12", true, func(e Edit) bool { return e.Stages[2].Depth == 12 }},
		{fDepth, 2, "-1", false, nil},
		{fMixer, 0, "DWConv", true, func(e Edit) bool { return e.Stages[0].Mixer == arch.DWConv }},
		{fMixer, 0, "attention", false, nil},
		{fSplit, 2, "8", true, func(e Edit) bool { return e.Stages[2].NDiv == 8 }},
	}
	for _, c := range cases {
		t.Run(c.f.String()+"="+c.text, func(t *testing.T) {
			e, err := t0Edit(t).set(c.f, c.stage, c.text)
			if (err == nil) != c.ok {
				t.Fatalf("err %v, want ok=%v", err, c.ok)
			}
			if c.ok && !c.check(e) {
				t.Errorf("set gave %+v", e)
			}
		})
	}
}

func TestEditSetGroupsValue(t *testing.T) {
	e := t0Edit(t)
	e.Stages[1].Mixer = arch.GConv
	// The field shows "g16"; typing the shown text back must work.
	e2, err := e.set(fSplit, 1, e.value(fSplit, 1))
	if err != nil || e2.Stages[1].Groups != e.Stages[1].Groups {
		t.Fatalf("%v %d", err, e2.Stages[1].Groups)
	}
}

// TestEditSetsRoundTrip: the overrides of an edit, applied by arch.Load to
// the start, give a spec with exactly the edit's knobs.
func TestEditSetsRoundTrip(t *testing.T) {
	start := t0Edit(t)
	e := start.clone()
	e.EmbedDim, e.MlpRatio, e.Height, e.Width = 48, 3, 256, 192
	e.Stages[2].Depth, e.Stages[2].NDiv = 6, 8
	e.Stages[3].Mixer = arch.GConv
	e.Stages[3].Groups = 8
	sets := e.sets(start)
	want := []string{"embed_dim=48", "mlp_ratio=3", "input.height=256", "input.width=192",
		"stages.2.depth=6", "stages.2.n_div=8", "stages.3.mixer=gconv", "stages.3.groups=8"}
	if !slices.Equal(sets, want) {
		t.Errorf("sets %q, want %q", sets, want)
	}
	s, err := arch.Load("t0", sets)
	if err != nil {
		t.Fatal(err)
	}
	if got := editOf(s); !got.equal(e) {
		t.Errorf("loaded %+v, want %+v", got, e)
	}
	if len(start.sets(start)) != 0 {
		t.Error("an unchanged edit has overrides")
	}
}

func TestShortName(t *testing.T) {
	for in, want := range map[string]string{
		"stages.4.blocks.7.mlp.0":                        "s4.b7.mlp.0",
		"stages.0.blocks.0.spatial_mixing.partial_conv3": "s0.b0.spatial_mixing.partial_conv3",
		"stages.1.reduction":                             "s1.reduction",
		"patch_embed.proj":                               "patch_embed.proj",
	} {
		if got := shortName(in); got != want {
			t.Errorf("shortName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := stepLabel("stages.3", engine.KindMerge); got != "s3.merge" {
		t.Errorf("stepLabel = %q", got)
	}
}

func TestEditError(t *testing.T) {
	cases := []struct {
		err     string
		changed []string
		want    string
	}{
		{"--set stages.2.groups: stages[2].groups: 7 does not divide stage 2's width 160 (expected a divisor of 160)",
			[]string{"stages.2.groups=7"}, "stage 2 groups: 7 does not divide stage 2's width 160 (expected a divisor of 160)"},
		{"--set input.height: input.height: 8 is too small: patch embedding (4/4) and 3 merges (2/2) need at least 32",
			[]string{"input.height=8", "input.width=8"}, "input: 8 is too small: patch embedding"},
		{"specs/fasternet_t0.yaml:4: n_div: 4 is larger than stage 0's width 1 (PConv would convolve no channel)",
			[]string{"embed_dim=1"}, "embed_dim 1: n_div: 4 is larger than stage 0's width 1 (PConv would convolve no channel) (specs/fasternet_t0.yaml:4)"},
		{"--set stages.2.n_div: stages[2].n_div: 999 is larger than stage 2's width 16",
			[]string{"embed_dim=4"}, "embed_dim 4: stage 2 n_div: 999 is larger than stage 2's width 16"},
		{"--set input.height: input.height: 8 is too small", []string{"embed_dim=8", "input.height=8", "input.width=8"}, "input: 8 is too small"},
		{"engine: boom", nil, "engine: boom"},
	}
	for _, c := range cases {
		got := editError(errors.New(c.err), c.changed)
		if !strings.HasPrefix(got, c.want) || strings.Contains(got, "--set") {
			t.Errorf("editError(%q, %q)\n = %q\nwant %q...", c.err, c.changed, got, c.want)
		}
	}
}
