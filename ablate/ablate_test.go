package ablate

import (
	"reflect"
	"testing"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/engine"
	"github.com/fnlab/fnlab/fit"
)

func tinySpec(t *testing.T, sets ...string) *arch.Spec {
	t.Helper()
	s, err := arch.Load("t0", append([]string{"depths=[1,1,1,1]", "input=3x32x32", "embed_dim=12", "num_classes=10"}, sets...))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVariants(t *testing.T) {
	s := tinySpec(t)
	vs, err := Variants(s, arch.Mixers, []int{2, 4, 12})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, v := range vs {
		names = append(names, v.Name)
	}
	// pconv at the spec's n_div 4 is listed once; 16 groups do not divide
	// 12 channels, so GConv takes the largest of 16, 8, 4, 2, 1 that does.
	want := []string{"pconv n_div=4", "conv", "dwconv", "gconv groups=4", "pconv n_div=2", "pconv n_div=12"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("variants %v, want %v", names, want)
	}
	if g := vs[3]; !reflect.DeepEqual(g.Sets, []string{"mixer=gconv", "groups=4"}) || g.FitStudent() != (fit.Student{Kind: "gconv", Groups: 4}) {
		t.Errorf("gconv variant %+v", g)
	}
	if _, err := Variants(s, nil, []int{13}); err == nil {
		t.Error("n_div 13 above 12 channels: want an error")
	}
}

func TestMerge(t *testing.T) {
	old := []*Variant{{Name: "conv", Measured: true, MedianMS: 9}, {Name: "gone", Measured: true}}
	want := []*Variant{{Name: "dwconv"}, {Name: "conv"}}
	got := Merge(old, want)
	if len(got) != 2 || got[0].Measured || !got[1].Measured || got[1].MedianMS != 9 {
		t.Errorf("merge kept %+v %+v", got[0], got[1])
	}
}

func TestStepGroup(t *testing.T) {
	for kind, want := range map[engine.StepKind]string{
		engine.KindPatchEmbed: "patch_embed",
		engine.KindMixer:      "mixers",
		engine.KindMLP:        "mlps",
		engine.KindMerge:      "merges",
		engine.KindPreHead:    "head",
		engine.KindClassifier: "head",
		engine.KindPool:       "head",
		engine.KindOutNorm:    "head",
	} {
		if got := StepGroup(kind); got != want {
			t.Errorf("StepGroup(%s) = %s, want %s", kind, got, want)
		}
	}
}

// TestMeasureAndFit runs the whole experiment on a tiny spec, then
// resumes a copy whose fit stopped after stage 1.
func TestMeasureAndFit(t *testing.T) {
	s := tinySpec(t)
	vs, err := Variants(s, []arch.Mixer{arch.PConv, arch.DWConv}, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc := &Doc{Spec: s.Name, Seeds: 2, Variants: vs}
	for _, v := range vs {
		sv := tinySpec(t, v.Sets...)
		g, err := arch.Compile(sv)
		if err != nil {
			t.Fatal(err)
		}
		if err := Measure(v, g, 1, 3); err != nil {
			t.Fatal(err)
		}
		if c := analyze.Count(g, analyze.BNFused).Totals; !v.Measured || v.MedianMS <= 0 || v.MACs != c.MACs || v.Params != c.Params || v.Split["mlps"] <= 0 {
			t.Errorf("%s: measured %+v", v.Name, v)
		}
	}
	saves, steps := 0, 0
	o := FitOptions{Seeds: 2, MaxIter: 3, Threads: 1, Quick: true}
	if err := Fit(doc, s, o, func(string) { steps++ }, func() error { saves++; return nil }); err != nil {
		t.Fatal(err)
	}
	if saves != 5 || steps != 2 || len(doc.Stages) != 4 {
		t.Errorf("%d saves (want 4 stages + 1), %d steps, stages %v", saves, steps, doc.Stages)
	}
	for _, v := range vs {
		if !v.Fitted || len(v.StageLosses) != 4 || v.LossMean <= 0 || v.LossMean >= 1 {
			t.Errorf("%s: fitted %v, losses %v, mean %g", v.Name, v.Fitted, v.StageLosses, v.LossMean)
		}
	}
	// Three students (conv, pconv, dwconv) at four stages.
	if len(doc.Fit.Rows) != 12 {
		t.Fatalf("%d fit rows, want 12", len(doc.Fit.Rows))
	}
	for k, rank := range doc.Fit.Rankings {
		if len(rank) != 3 || rank[0] != "conv" {
			t.Errorf("ranking %s: %v", k, rank)
		}
	}
}

// TestVariantsOverridePerStageMixers: on a spec whose stages have their own
// mixers, a mixer variant sets every stage's mixer and says what it changed.
func TestVariantsOverridePerStageMixers(t *testing.T) {
	s := tinySpec(t, "stages.1.mixer=dwconv", "stages.2.mixer=gconv", "stages.2.groups=4")
	vs, err := Variants(s, []arch.Mixer{arch.PConv, arch.DWConv}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		got, err := arch.Load("t0", append([]string{"depths=[1,1,1,1]", "input=3x32x32", "embed_dim=12", "num_classes=10",
			"stages.1.mixer=dwconv", "stages.2.mixer=gconv", "stages.2.groups=4"}, v.Sets...))
		if err != nil {
			t.Fatal(err)
		}
		for i, st := range got.Stages {
			if st.Mixer != v.Mixer || v.NDiv > 0 && st.NDiv != v.NDiv {
				t.Errorf("%s: stage %d runs %s n_div %d", v.Name, i, st.Mixer, st.NDiv)
			}
		}
	}
	want := map[string][]string{
		"pconv n_div=4": {"stage 1: dwconv -> pconv n_div=4", "stage 2: gconv groups=4 -> pconv n_div=4"},
		"dwconv":        {"stage 0: pconv n_div=4 -> dwconv", "stage 2: gconv groups=4 -> dwconv", "stage 3: pconv n_div=4 -> dwconv"},
	}
	for _, v := range vs {
		if !reflect.DeepEqual(v.Changed, want[v.Name]) {
			t.Errorf("%s changed %q, want %q", v.Name, v.Changed, want[v.Name])
		}
	}
}
