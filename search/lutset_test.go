package search

import (
	"testing"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/engine"
)

// stepKeys is the set of step configurations of candidate g.
func stepKeys(t *testing.T, sp *Space, g Genome) []string {
	t.Helper()
	s, err := sp.Spec(g)
	if err != nil {
		return nil
	}
	gr, err := arch.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := engine.PlanSteps(gr)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, st := range steps {
		keys = append(keys, st.Key)
	}
	return keys
}

// TestLUTSetCovers: every step configuration of every candidate of the
// (small) space is in some candidate of the set, so a table built from it
// predicts the whole space.
func TestLUTSetCovers(t *testing.T) {
	sp, err := LoadSpace("testdata/tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set := sp.LUTSet(3, 1)
	have := map[string]bool{}
	for _, g := range set {
		for _, k := range stepKeys(t, sp, g) {
			have[k] = true
		}
	}
	for i := int64(0); i < sp.Size(); i++ {
		g := sp.Decode(i, nil)
		for _, k := range stepKeys(t, sp, g) {
			if !have[k] {
				t.Fatalf("candidate %s: step %q is not in the LUT set", sp.Key(g), k)
			}
		}
	}
	if len(set) >= int(sp.Size()) {
		t.Errorf("the set has %d of %d candidates: no smaller than the space", len(set), sp.Size())
	}
	if models := sp.Models(set); len(models) == 0 || models[0].Name != sp.Key(set[0]) {
		t.Errorf("models %d, first %q", len(models), models[0].Name)
	}
}

func TestHeldOut(t *testing.T) {
	sp, err := LoadSpace("testdata/tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var built []string
	for _, g := range sp.LUTSet(0, 1) {
		built = append(built, sp.Key(g))
	}
	a, b := sp.HeldOut(built, 5, 2), sp.HeldOut(built, 5, 2)
	if len(a) != 5 {
		t.Fatalf("%d held-out candidates, want 5", len(a))
	}
	seen := map[string]bool{}
	for _, k := range built {
		seen[k] = true
	}
	for i := range a {
		k := sp.Key(a[i])
		if seen[k] {
			t.Errorf("held-out %s was built from or repeated", k)
		}
		seen[k] = true
		if k != sp.Key(b[i]) {
			t.Errorf("held-out sample %d: %s then %s: not deterministic", i, k, sp.Key(b[i]))
		}
	}
}
