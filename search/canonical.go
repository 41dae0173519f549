package search

import (
	"strconv"
	"strings"

	"github.com/fnlab/fnlab/arch"
)

// Different genomes can build the same model: a stage's n_div does nothing
// unless the stage runs PConv, its groups nothing unless it runs GConv, and
// a stage of depth 0 has no blocks for its mixer to be in. Canonical sets
// every such gene to its first choice, so that each model has exactly one
// genome, one key and one record: strategies skip the other genomes (grid)
// or see them as already evaluated (random, evolve), and fronts hold
// distinct models.

// stageState is what decides which genes matter in a stage.
type stageState struct {
	mixer arch.Mixer
	depth int
}

// geneKind is the key a gene sets: the last part of its name.
func geneKind(g *Gene) string { return g.Name[strings.LastIndexByte(g.Name, '.')+1:] }

// fixedStages is each stage's mixer and depth with the space's fixed
// overrides, before any gene.
func (sp *Space) fixedStages() []stageState {
	sp.fixedOnce.Do(func() {
		s, err := sp.loadSpec(sp.Sets)
		if err != nil {
			s = sp.baseSpec
		}
		if s == nil {
			return
		}
		sp.fixed = make([]stageState, len(s.Stages))
		for i, st := range s.Stages {
			sp.fixed[i] = stageState{st.Mixer, st.Depth}
		}
	})
	return sp.fixed
}

// Canonical writes to out (allocated when too short) the canonical genome
// of g: g with every gene that cannot change the model at its first choice.
func (sp *Space) Canonical(g, out Genome) Genome {
	if cap(out) < len(g) {
		out = make(Genome, len(g))
	}
	out = out[:len(g)]
	copy(out, g)
	fixed := sp.fixedStages()
	if len(fixed) == 0 {
		return out
	}
	st := make([]stageState, len(fixed))
	copy(st, fixed)
	for i := range sp.Genes {
		gene := &sp.Genes[i]
		if out[i] < 0 || out[i] >= len(gene.Choices) {
			return out
		}
		label := gene.Choices[out[i]].Label
		apply := func(f func(*stageState)) {
			for s := range st {
				if gene.Stage < 0 || gene.Stage == s {
					f(&st[s])
				}
			}
		}
		switch geneKind(gene) {
		case "mixer":
			m, _, _ := strings.Cut(label, ":")
			apply(func(s *stageState) { s.mixer = arch.Mixer(m) })
		case "depth":
			if d, err := strconv.Atoi(label); err == nil {
				apply(func(s *stageState) { s.depth = d })
			}
		}
	}
	matters := func(gene *Gene, pred func(stageState) bool) bool {
		for s := range st {
			if (gene.Stage < 0 || gene.Stage == s) && st[s].depth > 0 && pred(st[s]) {
				return true
			}
		}
		return false
	}
	for i := range sp.Genes {
		gene := &sp.Genes[i]
		var keep bool
		switch geneKind(gene) {
		case "n_div":
			keep = matters(gene, func(s stageState) bool { return s.mixer == arch.PConv })
		case "groups":
			keep = matters(gene, func(s stageState) bool { return s.mixer == arch.GConv })
		case "mixer":
			keep = matters(gene, func(stageState) bool { return true })
		default:
			keep = true
		}
		if !keep {
			out[i] = 0
		}
	}
	return out
}

// IsCanonical reports whether g is its own canonical genome.
func (sp *Space) IsCanonical(g Genome) bool {
	c := sp.Canonical(g, nil)
	for i := range g {
		if c[i] != g[i] {
			return false
		}
	}
	return true
}
