package search

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/fnlab/fnlab/arch"
)

// Genome is one candidate: the index of the chosen value of each gene.
type Genome []int

// Key is a candidate's canonical name: "gene=label" for every gene of its
// canonical genome (Canonical), space separated, in gene order. Two genomes
// with the same key build the same model.
func (sp *Space) Key(g Genome) string {
	g = sp.Canonical(g, nil)
	var b strings.Builder
	for i, gene := range sp.Genes {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(gene.Name)
		b.WriteByte('=')
		b.WriteString(gene.Choices[g[i]].Label)
	}
	return b.String()
}

// Overrides returns the arch --set overrides that build candidate g from the
// base: the space's fixed overrides, then one or more per gene.
func (sp *Space) Overrides(g Genome) []string {
	out := make([]string, 0, len(sp.Sets)+len(g)+4)
	out = append(out, sp.Sets...)
	for i, gene := range sp.Genes {
		out = append(out, gene.Choices[g[i]].Sets...)
	}
	return out
}

// Spec builds candidate g's spec with arch.Load (so it is validated like
// any spec) and names it after the space and the genome.
func (sp *Space) Spec(g Genome) (*arch.Spec, error) {
	if len(g) != len(sp.Genes) {
		return nil, fmt.Errorf("search: genome has %d genes, space %s has %d", len(g), sp.Name, len(sp.Genes))
	}
	for i, c := range g {
		if c < 0 || c >= len(sp.Genes[i].Choices) {
			return nil, fmt.Errorf("search: gene %s: choice %d out of range", sp.Genes[i].Name, c)
		}
	}
	s, err := sp.loadSpec(sp.Overrides(g))
	if err != nil {
		return nil, err
	}
	s.Name = sp.Name + "_" + sp.ShortName(g)
	return s, nil
}

// ShortName is a compact, file-name-safe label of g: gene choices joined
// by "-" with the gene order of the space, e.g. "2-4-8-4_1-2-6-2".
func (sp *Space) ShortName(g Genome) string {
	var b strings.Builder
	prev := ""
	for i, gene := range sp.Genes {
		kind := gene.Name[strings.LastIndexByte(gene.Name, '.')+1:]
		switch {
		case i == 0:
		case kind == prev:
			b.WriteByte('-')
		default:
			b.WriteByte('_')
		}
		prev = kind
		b.WriteString(strings.ReplaceAll(gene.Choices[g[i]].Label, ":", "g"))
	}
	return b.String()
}

// Decode returns the genome of index idx in the grid's mixed-radix order
// (the last gene varies fastest).
func (sp *Space) Decode(idx int64, g Genome) Genome {
	if cap(g) < len(sp.Genes) {
		g = make(Genome, len(sp.Genes))
	}
	g = g[:len(sp.Genes)]
	for i := len(sp.Genes) - 1; i >= 0; i-- {
		n := int64(len(sp.Genes[i].Choices))
		g[i] = int(idx % n)
		idx /= n
	}
	return g
}

// Random fills a uniformly random genome.
func (sp *Space) Random(r *rand.Rand, g Genome) Genome {
	if cap(g) < len(sp.Genes) {
		g = make(Genome, len(sp.Genes))
	}
	g = g[:len(sp.Genes)]
	for i, gene := range sp.Genes {
		g[i] = r.IntN(len(gene.Choices))
	}
	return g
}

// ParseKey turns a key back into a genome.
func (sp *Space) ParseKey(key string) (Genome, error) {
	parts := strings.Fields(key)
	if len(parts) != len(sp.Genes) {
		return nil, fmt.Errorf("candidate %q: %d genes, space %s has %d", key, len(parts), sp.Name, len(sp.Genes))
	}
	g := make(Genome, len(parts))
	for i, p := range parts {
		name, label, _ := strings.Cut(p, "=")
		gene := sp.Genes[i]
		if name != gene.Name {
			return nil, fmt.Errorf("candidate %q: gene %d is %s, space %s expects %s", key, i, name, sp.Name, gene.Name)
		}
		g[i] = -1
		for j, c := range gene.Choices {
			if c.Label == label {
				g[i] = j
			}
		}
		if g[i] < 0 {
			return nil, fmt.Errorf("candidate %q: %s=%s is not a choice of space %s", key, name, label, sp.Name)
		}
	}
	return g, nil
}

// Cover returns a small set of candidates that together contain every
// distinct step configuration of the space: for every combination of the
// global genes, stage-local genes cycle through their combinations in
// parallel across stages; depth genes take their smallest non-zero
// choice (depth never changes a step's configuration, only how often it
// runs). Local combinations that are invalid on their own are skipped.
func (sp *Space) Cover() []Genome {
	var global []int
	local := make([][]int, sp.Stages)
	depthPick := map[int]int{}
	for i, g := range sp.Genes {
		switch {
		case g.Depth:
			best := -1
			for j, c := range g.Choices {
				if c.Label != "0" && (best < 0 || atoi(c.Label) < atoi(g.Choices[best].Label)) {
					best = j
				}
			}
			depthPick[i] = max(best, 0)
		case g.Stage >= 0:
			local[g.Stage] = append(local[g.Stage], i)
		default:
			global = append(global, i)
		}
	}
	// Valid combinations of each stage's local genes.
	combos := make([][]Genome, sp.Stages)
	maxCombos := 1
	for s, genes := range local {
		n := 1
		for _, gi := range genes {
			n *= len(sp.Genes[gi].Choices)
		}
		for idx := 0; idx < n; idx++ {
			c := make(Genome, len(genes))
			rest := idx
			for k := len(genes) - 1; k >= 0; k-- {
				m := len(sp.Genes[genes[k]].Choices)
				c[k] = rest % m
				rest /= m
			}
			sets := append([]string(nil), sp.Sets...)
			for k, gi := range genes {
				sets = append(sets, sp.Genes[gi].Choices[c[k]].Sets...)
			}
			if _, err := sp.loadSpec(sets); err == nil {
				combos[s] = append(combos[s], c)
			}
		}
		maxCombos = max(maxCombos, len(combos[s]))
	}
	nGlobal := 1
	for _, gi := range global {
		nGlobal *= len(sp.Genes[gi].Choices)
	}
	var out []Genome
	for gidx := 0; gidx < nGlobal; gidx++ {
		for k := 0; k < maxCombos; k++ {
			g := make(Genome, len(sp.Genes))
			rest := gidx
			for q := len(global) - 1; q >= 0; q-- {
				m := len(sp.Genes[global[q]].Choices)
				g[global[q]] = rest % m
				rest /= m
			}
			for gi, pick := range depthPick {
				g[gi] = pick
			}
			for s, genes := range local {
				if len(combos[s]) == 0 {
					continue
				}
				c := combos[s][k%len(combos[s])]
				for q, gi := range genes {
					g[gi] = c[q]
				}
			}
			out = append(out, g)
		}
	}
	return out
}

func atoi(s string) int {
	v := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 1 << 30
		}
		v = v*10 + int(r-'0')
	}
	return v
}

// ShortNameKey is ShortName for a candidate key (the key itself if it
// does not belong to the space).
func (sp *Space) ShortNameKey(key string) string {
	g, err := sp.ParseKey(key)
	if err != nil {
		return key
	}
	return sp.ShortName(g)
}
