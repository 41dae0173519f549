package search

import (
	"math/rand/v2"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/engine"
	"github.com/fnlab/fnlab/search/lut"
)

// Models compiles candidates into models named by their keys, for
// measurement; invalid candidates are left out (nothing to measure).
func (sp *Space) Models(gs []Genome) []lut.Model {
	var out []lut.Model
	for _, g := range gs {
		s, err := sp.Spec(g)
		if err != nil {
			continue // an invalid candidate has nothing to measure
		}
		gr, err := arch.Compile(s)
		if err != nil {
			continue
		}
		out = append(out, lut.Model{Name: sp.Key(g), Graph: gr})
	}
	return out
}

// LUTSet is what a latency table is built from: the cover set of sp, extra
// seeded random candidates (for the overhead fit), and any candidate of a
// sample (the whole space up to 2,000 candidates) whose step
// configurations the set would otherwise miss.
func (sp *Space) LUTSet(extra int, seed uint64) []Genome {
	set := sp.Cover()
	seen := map[string]bool{}
	for _, g := range set {
		seen[sp.Key(g)] = true
	}
	rng := rand.New(rand.NewPCG(seed, 0x6c7574))
	for tries := 0; extra > 0 && tries < 100*extra; tries++ {
		g := sp.Random(rng, nil)
		if k := sp.Key(g); !seen[k] {
			seen[k] = true
			set = append(set, g)
			extra--
		}
	}
	// Sample the space for keys the set misses (cheap: no weights).
	keys := map[string]bool{}
	addKeys := func(g Genome) bool {
		s, err := sp.Spec(g)
		if err != nil {
			return false
		}
		gr, err := arch.Compile(s)
		if err != nil {
			return false
		}
		steps, err := engine.PlanSteps(gr)
		if err != nil {
			return false
		}
		added := false
		for _, st := range steps {
			if !keys[st.Key] {
				keys[st.Key] = true
				added = true
			}
		}
		return added
	}
	for _, g := range set {
		addKeys(g)
	}
	n := min(int64(2000), sp.Size())
	for i := int64(0); i < n; i++ {
		var g Genome
		if sp.Size() <= 2000 {
			g = sp.Decode(i, nil)
		} else {
			g = sp.Random(rng, nil)
		}
		if k := sp.Key(g); !seen[k] && addKeys(g) {
			seen[k] = true
			set = append(set, g)
		}
	}
	return set
}

// HeldOut draws up to n valid seeded random candidates whose keys are not
// in built (the candidates a table was built from), for checking the table.
func (sp *Space) HeldOut(built []string, n int, seed uint64) []Genome {
	skip := map[string]bool{}
	for _, k := range built {
		skip[k] = true
	}
	rng := rand.New(rand.NewPCG(seed, 0x636865636b))
	var out []Genome
	for tries := 0; len(out) < n && tries < 200*n; tries++ {
		g := sp.Random(rng, nil)
		k := sp.Key(g)
		if skip[k] {
			continue
		}
		skip[k] = true
		if _, err := sp.Spec(g); err == nil {
			out = append(out, g)
		}
	}
	return out
}
