package search

import (
	"fmt"
	"slices"

	"github.com/fnlab/fnlab/arch"
)

// BaseGenome is the base spec's own place in the space: for each gene,
// the choice that leaves the base (with the space's fixed overrides) as it
// is, so that a search's results can be held against the model it varies
// (is anything on the front as fast as T0 and better?). It is an error if
// the base lies outside the space: no choice of some gene is the base's.
func (sp *Space) BaseGenome() (Genome, error) {
	base, err := sp.loadSpec(sp.Sets)
	if err != nil {
		return nil, err
	}
	want := arch.Hash(base)
	g := make(Genome, len(sp.Genes))
	for i, gene := range sp.Genes {
		g[i] = -1
		for j, c := range gene.Choices {
			// Each gene alone: the others stay at the base's values.
			s, err := sp.loadSpec(append(slices.Clone(sp.Sets), c.Sets...))
			if err == nil && arch.Hash(s) == want {
				g[i] = j
				break
			}
		}
		if g[i] < 0 {
			return nil, fmt.Errorf("search: space %s: base %s is outside the space (no choice of %s leaves it as it is)", sp.Name, sp.Base, gene.Name)
		}
	}
	// Together as well, in case genes overlap (a tied gene and a stage's).
	s, err := sp.Spec(g)
	if err != nil {
		return nil, err
	}
	s.Name = base.Name
	if arch.Hash(s) != want {
		return nil, fmt.Errorf("search: space %s: the choices that each leave base %s as it is build another model together", sp.Name, sp.Base)
	}
	return g, nil
}
