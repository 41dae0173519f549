package search

import (
	"context"
	"strings"
	"testing"
)

// TestNextReplaysRun evaluates plan after plan, in reverse order (as
// workers finishing out of order would), and checks that the records are
// exactly Run's, with evolve's generations numbered in order.
func TestNextReplaysRun(t *testing.T) {
	sp, tab := tiny(t)
	ev := &Evaluator{Space: sp, LUT: tab}
	for _, strategy := range Strategies {
		t.Run(strategy, func(t *testing.T) {
			o := Options{Strategy: strategy, Budget: 60, Seed: 3, Workers: 1, Population: 8}
			want, err := Run(context.Background(), ev, o)
			if err != nil {
				t.Fatal(err)
			}
			var known []Record
			for gen := 0; ; gen++ {
				p, err := Next(sp, o, known)
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Candidates) == 0 {
					break
				}
				if p.Generation != gen {
					t.Fatalf("plan %d is generation %d", gen, p.Generation)
				}
				if strategy != "evolve" && gen > 0 {
					t.Fatalf("%s planned a second batch", strategy)
				}
				for i := len(p.Candidates) - 1; i >= 0; i-- {
					c := p.Candidates[i]
					rec, err := ev.Evaluate(c.Genome)
					if err != nil {
						t.Fatal(err)
					}
					if rec.Key != c.Key {
						t.Fatalf("candidate key %q, its genome evaluates as %q", c.Key, rec.Key)
					}
					rec.Index = c.Index
					known = append(known, rec)
				}
			}
			if g, w := strings.Join(canonical(t, known), "\n"), strings.Join(canonical(t, want), "\n"); g != w {
				t.Errorf("plans evaluated %d records, Run %d; they differ", len(known), len(want))
			}
		})
	}
}
