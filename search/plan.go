package search

import (
	"context"
	"errors"
)

// Candidate is one evaluation a strategy asks for: its place in the
// strategy's order, its key and its genome.
type Candidate struct {
	Index  int64
	Key    string
	Genome Genome
}

// Plan is the next batch of evaluations of a search, given the records
// already known (see Next).
type Plan struct {
	// Generation numbers evolve's batches: 0 is the initial population,
	// then one per generation. Grid and random have one batch, 0.
	Generation int
	// Candidates are the batch's candidates without a known record, in
	// index order. Empty: every candidate of the search is known, so the
	// search is complete.
	Candidates []Candidate
}

// errPlanned stops an evolutionary replay at the first generation that
// has candidates without records: the next generation depends on them.
var errPlanned = errors.New("search: planned")

// planState collects what a replay would evaluate.
type planState struct {
	evolve  bool
	batches int
	plan    Plan
}

func (p *planState) add(jobs []job, todo []int, out []*Record) ([]*Record, error) {
	if len(p.plan.Candidates) == 0 {
		p.plan.Generation = p.batches - 1
	}
	for _, i := range todo {
		j := jobs[i]
		p.plan.Candidates = append(p.plan.Candidates, Candidate{Index: j.idx, Key: j.key, Genome: append(Genome(nil), j.g...)})
	}
	if p.evolve {
		return nil, errPlanned
	}
	// Grid and random do not look at results: keep streaming, so one
	// call lists every missing candidate.
	return out, nil
}

// Next replays the search o (Strategy, Budget, Seed, Population, Shard)
// over the known records, exactly as Run would with them as Prior, and
// returns the first batch that has candidates without a record: for grid
// and random every missing candidate, for evolve the next generation
// (built from the known records of the previous ones, with the same
// random stream as Run). So evaluating each plan's candidates and calling
// Next again, from any number of processes, evaluates exactly what one
// Run with the same seed does. Known records of candidates outside the
// search are ignored.
func Next(sp *Space, o Options, known []Record) (Plan, error) {
	o.Prior = known
	o.Journal, o.Progress = nil, nil
	ps := &planState{evolve: o.Strategy == "evolve"}
	_, err := run(context.Background(), &Evaluator{Space: sp}, o, ps)
	if err != nil && !errors.Is(err, errPlanned) {
		return Plan{}, err
	}
	return ps.plan, nil
}
