package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// evalDelay slows every evaluation down (tests kill a search mid-run).
var evalDelay time.Duration

// Strategies Run accepts.
var Strategies = []string{"grid", "random", "evolve"}

// Shard is part i of n of a grid or random search.
type Shard struct{ I, N int }

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.I, s.N) }

// ParseShard reads "i/n" (0 <= i < n).
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: expected i/n with 0 <= i < n, e.g. 0/4 (for an Indexed Job: $JOB_COMPLETION_INDEX/4)", s)
	}
	return Shard{I: i, N: n}, nil
}

// Options configure Run.
type Options struct {
	Strategy   string
	Budget     int // distinct candidates to evaluate (all shards together); 0: strategy default
	Seed       uint64
	Workers    int // parallel evaluations; 0: all cores
	Shard      Shard
	Population int      // evolve: population size; 0: from the budget
	Journal    *Journal // every new record is appended as it finishes; may be nil
	Prior      []Record // records of a resumed journal: not evaluated again
	Progress   func(done, total int)
}

// DefaultBudget is the budget of a strategy when none is given: the whole
// grid (if it has at most 100,000 candidates), or 1,000.
func DefaultBudget(sp *Space, strategy string) int {
	if strategy == "grid" && sp.Size() <= 100_000 {
		return int(sp.Size())
	}
	return 1000
}

// PopulationFor is the evolutionary population used for a budget:
// budget/10 clamped to [8, 64].
func PopulationFor(budget int) int { return min(max(budget/10, 8), 64) }

// Run searches ev.Space with the options' strategy and returns every
// record (resumed and new) sorted by index. A strategy's sequence of
// candidates depends only on the space, the seed and the metrics, so a
// resumed run evaluates exactly what an uninterrupted run would have.
func Run(ctx context.Context, ev *Evaluator, o Options) ([]Record, error) {
	return run(ctx, ev, o, nil)
}

func run(ctx context.Context, ev *Evaluator, o Options, plan *planState) ([]Record, error) {
	sp := ev.Space
	if o.Shard.N == 0 {
		o.Shard = Shard{0, 1}
	}
	if o.Budget <= 0 {
		o.Budget = DefaultBudget(sp, o.Strategy)
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	r := &runner{ev: ev, o: o, cache: map[string]*Record{}, ctx: ctx, plan: plan}
	for i := range o.Prior {
		rec := o.Prior[i]
		r.cache[rec.Key] = &rec
	}
	var err error
	switch o.Strategy {
	case "grid":
		if int64(o.Budget) > sp.Size() {
			o.Budget = int(sp.Size())
		}
		// Only canonical genomes are evaluated (the others build a model a
		// canonical genome with a smaller index builds): candidate k is the
		// k-th canonical genome in index order, k < budget, and shard i/n
		// takes k mod n = i, so the shards together are the unsharded grid.
		g := make(Genome, len(sp.Genes))
		var n int64
		for idx := int64(0); idx < sp.Size() && n < int64(o.Budget); idx++ {
			if sp.IsCanonical(sp.Decode(idx, g)) {
				n++
			}
		}
		r.total = shardCount(n, o.Shard)
		err = r.stream(func(emit func(idx int64, g Genome) bool) {
			g := make(Genome, len(sp.Genes))
			k := int64(0)
			for idx := int64(0); idx < sp.Size() && k < n; idx++ {
				if !sp.IsCanonical(sp.Decode(idx, g)) {
					continue
				}
				if k%int64(o.Shard.N) == int64(o.Shard.I) && !emit(k, g) {
					return
				}
				k++
			}
		})
	case "random":
		if int64(o.Budget) > sp.Size() {
			o.Budget = int(sp.Size())
		}
		r.total = shardCount(int64(o.Budget), o.Shard)
		err = r.stream(func(emit func(idx int64, g Genome) bool) {
			rng := rand.New(rand.NewPCG(o.Seed, 0x72616e646f6d))
			seen := map[string]bool{}
			g := make(Genome, len(sp.Genes))
			idx := int64(0)
			for tries := 0; idx < int64(o.Budget) && tries < 100*o.Budget; tries++ {
				sp.Random(rng, g)
				k := sp.Key(g)
				if seen[k] {
					continue
				}
				seen[k] = true
				if idx%int64(o.Shard.N) == int64(o.Shard.I) && !emit(idx, g) {
					return
				}
				idx++
			}
		})
	case "evolve":
		if o.Shard.N != 1 {
			return nil, fmt.Errorf("shards split grid and random searches; an evolutionary search is sequential (run it unsharded)")
		}
		if int64(o.Budget) > sp.Size() {
			o.Budget = int(sp.Size())
		}
		r.o = o
		r.total = o.Budget
		err = r.evolve()
	default:
		return nil, fmt.Errorf("strategy %q: expected %s", o.Strategy, strings.Join(Strategies, ", "))
	}
	recs := make([]Record, len(r.done))
	for i, p := range r.done {
		recs[i] = *p
	}
	sort.Slice(recs, func(a, b int) bool { return recs[a].Index < recs[b].Index })
	return recs, err
}

func shardCount(budget int64, s Shard) int {
	if budget <= int64(s.I) {
		return 0
	}
	return int((budget - int64(s.I) + int64(s.N) - 1) / int64(s.N))
}

type runner struct {
	ev    *Evaluator
	o     Options
	ctx   context.Context
	cache map[string]*Record // every record known: resumed and new
	done  []*Record          // records of this run's sequence, in completion order
	total int
	// plan, when set, makes evalBatch record the jobs it would evaluate
	// instead of evaluating them (see Next).
	plan *planState
}

type job struct {
	idx int64
	g   Genome
	key string
}

// evalBatch evaluates jobs (cached ones are taken from the cache) with the
// worker pool, journaling each new record as it finishes, and returns the
// records in job order.
func (r *runner) evalBatch(jobs []job) ([]*Record, error) {
	if r.plan != nil {
		r.plan.batches++
	}
	out := make([]*Record, len(jobs))
	var todo []int
	for i, j := range jobs {
		if c, ok := r.cache[j.key]; ok {
			out[i] = c
			r.done = append(r.done, c)
			r.progress()
			continue
		}
		todo = append(todo, i)
	}
	if len(todo) == 0 {
		return out, nil
	}
	if r.plan != nil {
		return r.plan.add(jobs, todo, out)
	}
	type result struct {
		i   int
		rec Record
		err error
	}
	work := make(chan int)
	results := make(chan result)
	var wg sync.WaitGroup
	for w := 0; w < min(r.o.Workers, len(todo)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if evalDelay > 0 {
					time.Sleep(evalDelay)
				}
				rec, err := r.ev.Evaluate(jobs[i].g)
				rec.Index = jobs[i].idx
				results <- result{i, rec, err}
			}
		}()
	}
	go func() {
		defer close(work)
		for _, i := range todo {
			select {
			case work <- i:
			case <-r.ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	var firstErr error
	for res := range results {
		if res.err != nil {
			if firstErr == nil {
				firstErr = res.err
			}
			continue
		}
		rec := res.rec
		if r.o.Journal != nil && firstErr == nil {
			if err := r.o.Journal.Append(&rec); err != nil {
				firstErr = err
				continue
			}
		}
		r.cache[rec.Key] = &rec
		r.done = append(r.done, &rec)
		out[res.i] = &rec
		r.progress()
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if err := r.ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func (r *runner) progress() {
	if r.o.Progress != nil {
		r.o.Progress(len(r.done), r.total)
	}
}

// stream runs a generator's candidates through evalBatch in chunks.
func (r *runner) stream(gen func(emit func(idx int64, g Genome) bool)) error {
	chunk := max(64, 8*r.o.Workers)
	var jobs []job
	var err error
	flush := func() bool {
		if len(jobs) == 0 {
			return true
		}
		_, err = r.evalBatch(jobs)
		jobs = jobs[:0]
		return err == nil
	}
	gen(func(idx int64, g Genome) bool {
		jobs = append(jobs, job{idx: idx, g: append(Genome(nil), g...), key: r.ev.Space.Key(g)})
		if len(jobs) >= chunk {
			return flush()
		}
		return true
	})
	if err == nil {
		flush()
	}
	return err
}

// evolve is NSGA-II: a random initial population, then generations of
// binary-tournament selection (crowded comparison), uniform crossover and
// per-gene mutation (probability 1/genes, at least one gene), and
// elitist survival of the best Population of parents and offspring.
// Offspring already evaluated are not evaluated again (they are redrawn).
func (r *runner) evolve() error {
	sp := r.ev.Space
	o := r.o
	rng := rand.New(rand.NewPCG(o.Seed, 0x6e736761))
	popSize := o.Population
	if popSize <= 0 {
		popSize = PopulationFor(o.Budget)
	}
	popSize = min(popSize, o.Budget)
	seen := map[string]bool{}
	next := int64(0)
	var jobs []job
	g := make(Genome, len(sp.Genes))
	for tries := 0; len(jobs) < popSize && tries < 100*popSize; tries++ {
		sp.Random(rng, g)
		k := sp.Key(g)
		if seen[k] {
			continue
		}
		seen[k] = true
		jobs = append(jobs, job{idx: next, g: append(Genome(nil), g...), key: k})
		next++
	}
	pop, err := r.evalBatch(jobs)
	if err != nil {
		return err
	}
	m := len(sp.Objectives)
	var sorter Sorter
	pts := make([]Point, 0, 2*popSize)
	objBuf := make([]float64, 0, 2*popSize*m)
	rank := func(recs []*Record) {
		need := len(recs) * m
		if cap(objBuf) < need {
			objBuf = make([]float64, need)
		}
		objBuf = objBuf[:need]
		pts = pts[:0]
		for i, rec := range recs {
			v := objBuf[i*m : (i+1)*m]
			sp.objectives(rec, v)
			pts = append(pts, Point{Obj: v, Violation: rec.Violation})
		}
		sorter.Sort(pts)
	}
	genomes := map[string]Genome{}
	for _, j := range jobs {
		genomes[j.key] = j.g
	}
	for int(next) < o.Budget {
		rank(pop)
		tournament := func() Genome {
			a, b := rng.IntN(len(pop)), rng.IntN(len(pop))
			if sorter.Better(b, a) {
				a = b
			}
			return genomes[pop[a].Key]
		}
		jobs = jobs[:0]
		want := min(popSize, o.Budget-int(next))
		for tries := 0; len(jobs) < want && tries < 50*popSize; tries++ {
			p1, p2 := tournament(), tournament()
			child := make(Genome, len(sp.Genes))
			for i := range child {
				if rng.IntN(2) == 0 {
					child[i] = p1[i]
				} else {
					child[i] = p2[i]
				}
			}
			mutated := false
			for i, gene := range sp.Genes {
				if len(gene.Choices) > 1 && rng.IntN(len(sp.Genes)) == 0 {
					child[i] = (child[i] + 1 + rng.IntN(len(gene.Choices)-1)) % len(gene.Choices)
					mutated = true
				}
			}
			if !mutated {
				i := rng.IntN(len(sp.Genes))
				if n := len(sp.Genes[i].Choices); n > 1 {
					child[i] = (child[i] + 1 + rng.IntN(n-1)) % n
				}
			}
			k := sp.Key(child)
			if seen[k] {
				continue
			}
			seen[k] = true
			genomes[k] = child
			jobs = append(jobs, job{idx: next, g: child, key: k})
			next++
		}
		if len(jobs) == 0 {
			break // the neighbourhood of the population is exhausted
		}
		off, err := r.evalBatch(jobs)
		if err != nil {
			return err
		}
		all := append(append([]*Record(nil), pop...), off...)
		rank(all)
		keep := sorter.Select(popSize)
		sort.Ints(keep)
		pop = pop[:0:0]
		for _, i := range keep {
			pop = append(pop, all[i])
		}
	}
	return nil
}

// Points turns records into sorting points (minimised objectives).
func (sp *Space) Points(recs []Record) []Point {
	m := len(sp.Objectives)
	buf := make([]float64, len(recs)*m)
	pts := make([]Point, len(recs))
	for i := range recs {
		v := buf[i*m : (i+1)*m]
		sp.objectives(&recs[i], v)
		pts[i] = Point{Obj: v, Violation: recs[i].Violation}
	}
	return pts
}

// Front returns the Pareto front of recs (feasible, non-dominated), in
// the order of the first objective.
func (sp *Space) Front(recs []Record) []Record {
	pts := sp.Points(recs)
	idx := ParetoFront(pts)
	sort.SliceStable(idx, func(a, b int) bool {
		x, y := pts[idx[a]].Obj, pts[idx[b]].Obj
		for k := range x {
			if x[k] != y[k] {
				return x[k] < y[k]
			}
		}
		return recs[idx[a]].Key < recs[idx[b]].Key
	})
	// One member per model: records of one key (merged journals) count once.
	out := make([]Record, 0, len(idx))
	seen := map[string]bool{}
	for _, j := range idx {
		if !seen[recs[j].Key] {
			seen[recs[j].Key] = true
			out = append(out, recs[j])
		}
	}
	return out
}

// HVPoint is the hypervolume of the front after Evals evaluations.
type HVPoint struct {
	Evals       int     `json:"evals"`
	Hypervolume float64 `json:"hypervolume"`
}

// HypervolumeCurve computes the normalised hypervolume of the front of
// the first n records (in index order) at about steps points. Objectives
// are scaled to [0, 1] by their range over every feasible record, and the
// reference point is 1.1 in each.
func (sp *Space) HypervolumeCurve(recs []Record, steps int) []HVPoint {
	sorted := append([]Record(nil), recs...)
	sort.Slice(sorted, func(a, b int) bool { return sorted[a].Index < sorted[b].Index })
	pts := sp.Points(sorted)
	m := len(sp.Objectives)
	lo := make([]float64, m)
	hi := make([]float64, m)
	for k := range lo {
		lo[k], hi[k] = math.Inf(1), math.Inf(-1)
	}
	for _, p := range pts {
		if p.Violation != 0 || hasInf(p.Obj) {
			continue
		}
		for k, x := range p.Obj {
			lo[k], hi[k] = math.Min(lo[k], x), math.Max(hi[k], x)
		}
	}
	ref := make([]float64, m)
	for k := range ref {
		ref[k] = 1.1
	}
	var out []HVPoint
	if len(pts) == 0 {
		return out
	}
	steps = max(1, min(steps, len(pts)))
	for s := 1; s <= steps; s++ {
		n := len(pts) * s / steps
		front := ParetoFront(pts[:n])
		norm := make([][]float64, 0, len(front))
		for _, i := range front {
			v := make([]float64, m)
			for k, x := range pts[i].Obj {
				if hi[k] > lo[k] {
					v[k] = (x - lo[k]) / (hi[k] - lo[k])
				}
			}
			norm = append(norm, v)
		}
		out = append(out, HVPoint{Evals: n, Hypervolume: Hypervolume(norm, ref)})
	}
	return out
}

// IsFatal reports whether err stopped the whole search.
func IsFatal(err error) bool {
	var f *FatalError
	return errors.As(err, &f)
}
