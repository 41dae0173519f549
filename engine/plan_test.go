package engine_test

import (
	"reflect"
	"testing"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/engine"
)

// TestPlanStepsMatchesBuild holds Build to PlanSteps: the same steps, in
// the same order, covering the same layers, with the plan's keys and kinds.
func TestPlanStepsMatchesBuild(t *testing.T) {
	tiny := []string{"embed_dim=8", "depths=[1,2,0,1]", "feature_dim=16", "num_classes=10", "input=3x64x64"}
	type tc struct {
		name string
		ref  string
		sets []string
	}
	var cases []tc
	// Every preset with every mixer, at a tiny size.
	for _, ref := range arch.Presets() {
		for _, m := range []string{"pconv", "conv", "dwconv", "gconv"} {
			cases = append(cases, tc{ref + "/" + m, ref, []string{"mixer=" + m, "groups=4", "stages=[{}, {}, {}, {}]"}})
		}
	}
	cases = append(cases, []tc{
		{"pconv", "t0", nil},
		{"slicing", "t0_slicing", nil},
		{"conv", "t0", []string{"mixer=conv"}},
		{"dwconv", "t0", []string{"mixer=dwconv"}},
		{"gconv", "t0", []string{"mixer=gconv", "groups=4"}},
		{"mixed", "t0", []string{"stages.0.mixer=dwconv", "stages.1.n_div=2", "stages.3.mixer=conv", "act_layer=RELU"}},
		{"no_head", "t0", []string{"num_classes=0", "input={batch: 2, channels: 3, height: 64, width: 64}"}},
		{"fork_feat", "t0", []string{"fork_feat=true", "layer_scale_init_value=0.5"}},
	}...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := arch.Load(c.ref, append(append([]string(nil), tiny...), c.sets...))
			if err != nil {
				t.Fatal(err)
			}
			g, err := arch.Compile(s)
			if err != nil {
				t.Fatal(err)
			}
			p, err := engine.Build(g, engine.RandomWeights(g, 1), engine.Options{Threads: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			plan, err := engine.PlanSteps(g)
			if err != nil {
				t.Fatal(err)
			}
			if len(plan) != len(p.Steps) {
				t.Fatalf("PlanSteps gives %d steps, Build %d", len(plan), len(p.Steps))
			}
			for i, st := range p.Steps {
				if plan[i].Name != st.Name || !reflect.DeepEqual(plan[i].Layers, st.Layers) {
					t.Errorf("step %d: plan %s %v, build %s %v", i, plan[i].Name, plan[i].Layers, st.Name, st.Layers)
				}
				if plan[i].Key == "" || st.Key != plan[i].Key {
					t.Errorf("step %d (%s): plan key %q, build key %q", i, st.Name, plan[i].Key, st.Key)
				}
				if plan[i].Kind == engine.KindUnknown || st.Kind != plan[i].Kind {
					t.Errorf("step %d (%s): plan kind %s, build kind %s", i, st.Name, plan[i].Kind, st.Kind)
				}
				if len(plan[i].Index) != len(plan[i].Layers) {
					t.Fatalf("step %d (%s): %d layer indices for %d layers", i, st.Name, len(plan[i].Index), len(plan[i].Layers))
				}
				for q, li := range plan[i].Index {
					if g.Layers[li].Name != plan[i].Layers[q] {
						t.Errorf("step %d (%s): index %d is layer %s, not %s", i, st.Name, li, g.Layers[li].Name, plan[i].Layers[q])
					}
				}
			}
		})
	}
}

// TestPlanStepsKeys checks that keys separate what changes the work and
// merge what does not.
func TestPlanStepsKeys(t *testing.T) {
	keys := func(sets ...string) []string {
		s, err := arch.Load("t0", append([]string{"embed_dim=8", "depths=[2,1,1,1]", "input=3x64x64"}, sets...))
		if err != nil {
			t.Fatal(err)
		}
		g, err := arch.Compile(s)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := engine.PlanSteps(g)
		if err != nil {
			t.Fatal(err)
		}
		var k []string
		for _, st := range plan {
			k = append(k, st.Key)
		}
		return k
	}
	a := keys()
	if a[1] != a[3] || a[2] != a[4] {
		t.Errorf("two identical blocks have different keys: %v", a[1:5])
	}
	if b := keys("stages.0.n_div=2"); b[1] == a[1] || b[2] != a[2] {
		t.Errorf("n_div must change the mixer key only: %q vs %q, %q vs %q", a[1], b[1], a[2], b[2])
	}
	want := "mixer pconv n1 8x16x16 in2 out2 g1 split_cat"
	if a[1] != want {
		t.Errorf("mixer key %q, want %q", a[1], want)
	}
}

// TestPlanStepsKinds checks each step's kind against what it is named
// after in the reference's module tree.
func TestPlanStepsKinds(t *testing.T) {
	s, err := arch.Load("t0", []string{"embed_dim=8", "depths=[1,1,1,1]", "input=3x64x64"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := arch.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := engine.PlanSteps(g)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]engine.StepKind{
		"patch_embed":                      engine.KindPatchEmbed,
		"stages.0.blocks.0.spatial_mixing": engine.KindMixer,
		"stages.0.blocks.0.mlp":            engine.KindMLP,
		"stages.1":                         engine.KindMerge,
		"avgpool_pre_head.0":               engine.KindPool,
		"avgpool_pre_head.1":               engine.KindPreHead,
		"head":                             engine.KindClassifier,
	}
	seen := 0
	for _, st := range plan {
		if k, ok := want[st.Name]; ok {
			seen++
			if st.Kind != k {
				t.Errorf("%s: kind %s, want %s", st.Name, st.Kind, k)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of the %d named steps", seen, len(want))
	}
	for k, name := range map[engine.StepKind]string{engine.KindMixer: "mixer", engine.KindOutNorm: "out_norm", engine.StepKind(99): "StepKind(99)"} {
		if k.String() != name {
			t.Errorf("%d.String() = %q, want %q", int(k), k.String(), name)
		}
	}
}
