package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/internal/outdir"
	"github.com/fnlab/fnlab/report"
	"github.com/fnlab/fnlab/search"
	"github.com/fnlab/fnlab/search/lut"
	"github.com/fnlab/fnlab/searchplot"
)

func init() { extraCommands = append(extraCommands, newSearchCmd) }

type searchFlags struct {
	strategy, lutFile, journal, shard, format, out string
	budget, workers, population                    int
	seed                                           uint64
	resume, proxy, measure, force                  bool
	measureRuns                                    int
	study                                          studyFlags // --storage, --study, --lease: search_study.go
}

func newSearchCmd() *cobra.Command {
	var f searchFlags
	c := &cobra.Command{
		Use:   "search SPACE",
		Short: "Search n_div, depth, width, mixer and resolution for the best trade-offs (Pareto front)",
		Long: `search evaluates candidates of SPACE (a search space YAML file or an embedded
one: ` + strings.Join(search.EmbeddedSpaces(), ", ") + `) and reports the Pareto
front of its objectives under its constraints.

Metrics: params, MACs, FLOPs, bytes moved and peak activation memory (exact
counts), latency predicted by a latency table (--lut, from "fnlab lut build"),
recon (an analytic reconstruction-loss score per stage width) and naswot (a
training-free accuracy proxy: log|K| of the activation-pattern kernel on a
seeded batch). Params and MACs are always shown next to any proxy: plain
counts rank networks about as well as most zero-cost proxies.

Strategies: grid (every candidate, in order), random (seeded sample) and
evolve (NSGA-II: non-dominated sorting with crowding, seeded). Every
evaluation is appended to a JSONL journal as it finishes; --resume continues a
killed or interrupted search without redoing any. --shard i/n splits a grid
or random search so that n machines share it; "fnlab search merge" joins their
journals. At the end: the front table, the best candidate under each
constraint, charts of the front and of hypervolume over evaluations, and each
front member as a spec YAML that analyze and bench accept.`,
		Example: `  fnlab lut build search_t0_ndiv_depth --out t0.lut.json
  fnlab search search_t0_ndiv_depth --lut t0.lut.json --strategy evolve --budget 1500 --out runs/ndiv
  fnlab search search_t0_ndiv_depth --lut t0.lut.json --strategy evolve --budget 1500 --out runs/ndiv --resume
  fnlab search my_space.yaml --lut board.lut.json --strategy random --budget 20000 --shard 0/4 --out runs/r
  fnlab search merge my_space.yaml runs/r/journal-*.jsonl --out runs/merged
  fnlab search search_t0_ndiv_depth --lut t0.lut.json --budget 1500 --storage postgres://fnlab@db:5432/fnlab --out runs/study  # on every machine
  fnlab analyze runs/ndiv/front/01_*.yaml`,
		Args: exactArgs(1, "SPACE"),
		RunE: func(cmd *cobra.Command, args []string) error { return runSearch(cmd, args[0], &f) },
	}
	fl := c.Flags()
	fl.StringVar(&f.strategy, "strategy", "evolve", "grid, random or evolve (NSGA-II)")
	fl.IntVar(&f.budget, "budget", 0, "candidates to evaluate, all shards together (default: the whole grid up to 100,000, else 1,000)")
	fl.Uint64Var(&f.seed, "seed", 1, "seed of the random and evolutionary strategies")
	fl.StringVar(&f.lutFile, "lut", "", "latency table `FILE` made by fnlab lut build (needed when latency is an objective or constraint)")
	fl.IntVar(&f.workers, "workers", 0, "parallel evaluations (default: all cores)")
	fl.StringVar(&f.journal, "journal", "", "JSONL journal (default OUT/journal.jsonl, OUT/journal-I-of-N.jsonl with --shard)")
	fl.BoolVar(&f.resume, "resume", false, "continue the search recorded in the journal")
	fl.BoolVar(&f.force, "force", false, "replace front specs and charts in --out that fnlab did not write")
	fl.StringVar(&f.shard, "shard", "", "evaluate part i of n of a grid or random search (e.g. 0/4)")
	fl.StringVar(&f.format, "format", "table", "output format: table or json")
	fl.StringVar(&f.out, "out", "", "output directory for journal, charts and front specs (default search_SPACE_NAME)")
	fl.IntVar(&f.population, "population", 0, "evolve: population size (default budget/10 within 8..64)")
	fl.BoolVar(&f.proxy, "proxy", false, "compute the naswot proxy even when no objective needs it")
	fl.BoolVar(&f.measure, "measure-front", false, "re-measure the front's latency with real benchmarks at the table's thread count")
	fl.IntVar(&f.measureRuns, "measure-runs", 30, "timed passes per front member with --measure-front")
	c.AddCommand(newSearchMergeCmd())
	addStudyFlags(fl, &f.study)
	c.AddCommand(newSearchExportCmd(), newSearchStatusCmd())
	return c
}

func checkSearchFlags(f *searchFlags) error {
	if err := checkFormat(f.format, "table", "json"); err != nil {
		return err
	}
	if !contains(search.Strategies, f.strategy) {
		return usageError{fmt.Errorf("--strategy %q: expected %s", f.strategy, strings.Join(search.Strategies, ", "))}
	}
	if f.budget < 0 || f.workers < 0 || f.population < 0 || f.measureRuns < 1 {
		return usageError{fmt.Errorf("--budget %d --workers %d --population %d --measure-runs %d: expected budget, workers and population >= 0 and measure-runs >= 1", f.budget, f.workers, f.population, f.measureRuns)}
	}
	return nil
}

// spaceRef names a space so that a command using it works anywhere: an
// embedded space by its name, a file by the path it was given as.
func spaceRef(sp *search.Space) string {
	if name, ok := strings.CutPrefix(sp.File, "specs/"); ok && strings.HasPrefix(name, "search_") {
		for _, e := range search.EmbeddedSpaces() {
			if e == strings.TrimSuffix(name, ".yaml") || "search_"+e == strings.TrimSuffix(name, ".yaml") {
				return e
			}
		}
	}
	return sp.File
}

func loadLUT(sp *search.Space, file string) (*lut.Table, string, error) {
	if file == "" {
		if sp.Uses("latency") {
			return nil, "", usageError{fmt.Errorf("--lut: space %s uses latency (objective or constraint); build a table with `fnlab lut build %s --out FILE` and pass --lut FILE", sp.Name, spaceRef(sp))}
		}
		return nil, "", nil
	}
	t, err := lut.Load(file)
	if err != nil {
		return nil, "", fmt.Errorf("--lut %v", err)
	}
	return t, t.Hash(), nil
}

func runSearch(cmd *cobra.Command, ref string, f *searchFlags) error {
	if err := checkSearchFlags(f); err != nil {
		return err
	}
	shard := search.Shard{I: 0, N: 1}
	if f.shard != "" {
		var err error
		if shard, err = search.ParseShard(f.shard); err != nil {
			return usageError{fmt.Errorf("--%v", err)}
		}
		if f.strategy == "evolve" {
			return usageError{fmt.Errorf("--shard: splits grid and random searches; evolve is sequential (use --strategy grid or random)")}
		}
	}
	sp, err := search.LoadSpace(ref)
	if err != nil {
		return err
	}
	table, lutHash, err := loadLUT(sp, f.lutFile)
	if err != nil {
		return err
	}
	ev := &search.Evaluator{Space: sp, LUT: table, Proxy: f.proxy || sp.Uses("naswot")}
	out := f.out
	if out == "" {
		out = "search_" + sp.Name
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return usageError{fmt.Errorf("--out %s: %v", out, err)}
	}
	jpath := f.journal
	if jpath == "" {
		jpath = filepath.Join(out, "journal.jsonl")
		if shard.N > 1 {
			jpath = filepath.Join(out, fmt.Sprintf("journal-%d-of-%d.jsonl", shard.I, shard.N))
		}
	}
	budget := f.budget
	if budget == 0 {
		budget = search.DefaultBudget(sp, f.strategy)
	}
	// An evolutionary search's generations depend on its population, so a
	// resumed one keeps the journal's and may then run a bigger budget.
	population := f.population
	if f.strategy == "evolve" && population == 0 {
		population = search.PopulationFor(budget)
		if f.resume {
			if old, err := search.JournalHeader(jpath); err == nil && old.Population > 0 {
				population = old.Population
			}
		}
	}
	h := search.Header{Format: search.JournalFormat, Version: search.JournalVersion, Space: sp.Name, SpaceHash: sp.Hash,
		Strategy: f.strategy, Seed: f.seed, Budget: budget, Shard: shard.String(), Latency: "none", LUTHash: lutHash, Proxy: ev.Proxy,
		Population: population}
	if table != nil {
		h.Latency = "lut: " + table.MachineLine
	}
	if f.study.storage != "" {
		return runStudy(cmd, sp, ev, h, jpath, out, f, &f.study, table)
	}
	var j *search.Journal
	var prior []search.Record
	if f.resume {
		j, prior, err = search.ResumeJournal(jpath, h)
	} else {
		j, err = search.CreateJournal(jpath, h)
	}
	if err != nil {
		return journalFlagErr(err)
	}
	handleInterruptItself()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o := search.Options{Strategy: f.strategy, Budget: budget, Seed: f.seed, Workers: f.workers, Shard: shard,
		Population: population, Journal: j, Prior: prior}
	stderr := cmd.ErrOrStderr()
	var bar *progressbar.ProgressBar
	if isTerminal(stderr) {
		desc := "search " + sp.Name
		opts := []progressbar.Option{progressbar.OptionSetWriter(stderr), progressbar.OptionClearOnFinish(),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionThrottle(100e6)}
		if sp.Recon.Method == "fit" {
			// The first candidates fit each distinct stage's mixer (seconds
			// each), later ones reuse the fits: a rate-based ETA would be
			// wildly off, so the bar says so instead of guessing.
			desc += " (fitting each new stage's mixer; the first candidates are the slow ones)"
			opts = append(opts, progressbar.OptionSetPredictTime(false), progressbar.OptionSetElapsedTime(true))
		}
		bar = progressbar.NewOptions(-1, append(opts, progressbar.OptionSetDescription(desc))...)
		_ = bar.RenderBlank()
		o.Progress = func(done, total int) {
			if bar.GetMax() != total {
				bar.ChangeMax(total)
			}
			_ = bar.Set(done)
		}
	}
	recs, runErr := search.Run(ctx, ev, o)
	if errors.Is(runErr, search.ErrLUTCoverage) {
		runErr = fmt.Errorf("--lut %s: %v; build a table for this space with `fnlab lut build %s --out FILE`", f.lutFile, runErr, spaceRef(sp))
	}
	if bar != nil {
		_ = bar.Finish()
	}
	if cerr := j.Close(); runErr == nil && cerr != nil {
		runErr = cerr
	}
	if runErr != nil {
		if errors.Is(runErr, context.Canceled) {
			again := commandLine(cmd, []string{ref}, "resume", "format") + " --resume"
			return fmt.Errorf("interrupted: %d evaluations are in %s; continue with: %s", len(recs), jpath, again)
		}
		return runErr
	}
	return searchReport(cmd.OutOrStdout(), sp, recs, h, jpath, out, f, table)
}

func newSearchMergeCmd() *cobra.Command {
	var f searchFlags
	c := &cobra.Command{
		Use:   "merge SPACE JOURNAL...",
		Short: "Join the journals of a sharded search and report the joint front",
		Long: `merge reads the journals of the shards of one search (same space, strategy,
seed and latency table), keeps one record per candidate, writes them to
OUT/journal.jsonl and reports the front as "fnlab search" does.`,
		Example: `  fnlab search merge my_space.yaml runs/r/journal-0-of-4.jsonl runs/r/journal-1-of-4.jsonl runs/r/journal-2-of-4.jsonl runs/r/journal-3-of-4.jsonl --out runs/merged`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usageError{fmt.Errorf("%s: expected SPACE and at least one JOURNAL (see %s --help)", cmd.CommandPath(), cmd.CommandPath())}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(f.format, "table", "json"); err != nil {
				return err
			}
			sp, err := search.LoadSpace(args[0])
			if err != nil {
				return err
			}
			var sets [][]search.Record
			var labels []string // the journals' shards
			var h search.Header
			for i, p := range args[1:] {
				hh, recs, err := search.ReadJournal(p)
				if err != nil {
					return err
				}
				if hh.Version != search.JournalVersion {
					return fmt.Errorf("%s: journal version %d, this fnlab reads version %d (its metrics are not comparable); rerun the shard", p, hh.Version, search.JournalVersion)
				}
				if hh.SpaceHash != sp.Hash {
					return fmt.Errorf("%s: journal of space %s (hash %s), not of %s (hash %s)", p, hh.Space, hh.SpaceHash, sp.Name, sp.Hash)
				}
				if i == 0 {
					h = hh
				} else if hh.Strategy != h.Strategy || hh.Seed != h.Seed || hh.LUTHash != h.LUTHash || hh.Proxy != h.Proxy {
					return fmt.Errorf("%s: shard of another search (strategy %s, seed %d, lut %q) than %s (strategy %s, seed %d, lut %q)",
						p, hh.Strategy, hh.Seed, hh.LUTHash, args[1], h.Strategy, h.Seed, h.LUTHash)
				}
				sets = append(sets, recs)
				if hh.Shard != "0/1" {
					labels = append(labels, hh.Shard)
				}
			}
			// A merge of some shards only is allowed (a partial front) but said.
			if len(labels) > 0 {
				missing, err := search.MissingShards(labels)
				if err != nil {
					return fmt.Errorf("%s: %v", strings.Join(args[1:], ", "), err)
				}
				if len(missing) > 0 {
					fmt.Fprintf(cmd.ErrOrStderr(), "warning: shard(s) %s missing: the merged journal and front cover only the shards given\n", strings.Join(missing, ", "))
				}
			}
			recs := search.MergeRecords(sets...)
			out := f.out
			if out == "" {
				out = "search_" + sp.Name + "_merged"
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return usageError{fmt.Errorf("--out %s: %v", out, err)}
			}
			h.Shard = "merged"
			jpath := filepath.Join(out, "journal.jsonl")
			if err := search.WriteJournal(jpath, h, recs); err != nil {
				var je *search.JournalError
				if errors.As(err, &je) {
					return fmt.Errorf("--out %s: %s: %s; choose another --out", out, je.Path, je.Msg)
				}
				return err
			}
			var table *lut.Table
			if f.lutFile != "" {
				if table, _, err = loadLUT(sp, f.lutFile); err != nil {
					return err
				}
			}
			f.strategy = h.Strategy
			return searchReport(cmd.OutOrStdout(), sp, recs, h, jpath, out, &f, table)
		},
	}
	c.Flags().StringVar(&f.out, "out", "", "output directory (default search_SPACE_NAME_merged)")
	c.Flags().StringVar(&f.format, "format", "table", "output format: table or json")
	c.Flags().StringVar(&f.lutFile, "lut", "", "latency table, for --measure-front's thread count")
	c.Flags().BoolVar(&f.measure, "measure-front", false, "re-measure the front's latency with real benchmarks")
	c.Flags().BoolVar(&f.force, "force", false, "replace front specs and charts in --out that fnlab did not write")
	c.Flags().IntVar(&f.measureRuns, "measure-runs", 30, "timed passes per front member with --measure-front")
	return c
}

// frontMember is one row of the front in the JSON output.
type frontMember struct {
	Rank       int             `json:"rank"`
	Name       string          `json:"name"`
	Candidate  string          `json:"candidate"`
	Spec       string          `json:"spec"`
	Metrics    *search.Metrics `json:"metrics"`
	MeasuredMS *float64        `json:"measured_ms,omitempty"`
}

type searchDoc struct {
	Space       string              `json:"space"`
	SpaceHash   string              `json:"space_hash"`
	Strategy    string              `json:"strategy"`
	Seed        uint64              `json:"seed"`
	Shard       string              `json:"shard"`
	Latency     string              `json:"latency"`
	Journal     string              `json:"journal"`
	Objectives  []search.Objective  `json:"objectives"`
	Constraints []search.Constraint `json:"constraints"`
	Evaluated   int                 `json:"evaluated"`
	Feasible    int                 `json:"feasible"`
	Failed      int                 `json:"failed"`
	Front       []frontMember       `json:"front"`
	Best        []search.Best       `json:"best_feasible"`
	Hypervolume []search.HVPoint    `json:"hypervolume"`
	FrontChart  string              `json:"front_chart"`
	HVChart     string              `json:"hypervolume_chart"`
}

func searchReport(w io.Writer, sp *search.Space, recs []search.Record, h search.Header, jpath, out string, f *searchFlags, table *lut.Table) error {
	doc := searchDoc{Space: sp.Name, SpaceHash: sp.Hash, Strategy: h.Strategy, Seed: h.Seed, Shard: h.Shard, Latency: h.Latency,
		Journal: jpath, Objectives: sp.Objectives, Constraints: sp.Constraints, Evaluated: len(recs)}
	for _, r := range recs {
		switch {
		case r.Error != "":
			doc.Failed++
		case r.Feasible:
			doc.Feasible++
		}
	}
	front := sp.Front(recs)
	// Shards of one search may finish together: their reports take the
	// directory in turn. Only front specs fnlab wrote are ever replaced.
	od, err := outdir.OpenWait(out, f.force)
	if err != nil {
		return fmt.Errorf("--out %s: %v", out, err)
	}
	defer od.Close()
	wrote := map[string]bool{}
	for i, r := range front {
		g, err := sp.ParseKey(r.Key)
		if err != nil {
			return err
		}
		s, err := sp.Spec(g)
		if err != nil {
			return err
		}
		name := filepath.Join("front", fmt.Sprintf("%02d_%s.yaml", i+1, search.FileLabel(sp.ShortName(g))))
		p := od.Join(name)
		hdr := []string{fmt.Sprintf("Pareto front member %d of search %s (space %s, %s, seed %d).", i+1, sp.Name, sp.File, h.Strategy, h.Seed),
			"candidate: " + r.Key}
		if err := od.Write(name, func(w io.Writer) error { _, err := w.Write(search.SpecYAML(s, hdr...)); return err }); err != nil {
			return outFileErr(err)
		}
		wrote[name] = true
		m := frontMember{Rank: i + 1, Name: sp.ShortName(g), Candidate: r.Key, Spec: p, Metrics: r.Metrics}
		if f.measure {
			threads := 1
			if table != nil {
				threads = table.Threads
			}
			gr, err := arch.Compile(s)
			if err != nil {
				return err
			}
			ms, err := lut.Measure(gr, lut.Options{Threads: threads, Warmup: 5, Runs: f.measureRuns})
			if err != nil {
				return err
			}
			m.MeasuredMS = &ms
		}
		doc.Front = append(doc.Front, m)
	}
	// The front specs of an earlier report that are not on this front.
	for _, n := range od.Names("front") {
		if !wrote[n] {
			if err := od.Remove(n); err != nil {
				return err
			}
		}
	}
	doc.Best = sp.BestFeasible(recs)
	doc.Hypervolume = sp.HypervolumeCurve(recs, 100)
	doc.FrontChart = od.Join("front.png")
	doc.HVChart = od.Join("hypervolume.png")
	for _, n := range []string{"front.png", "front.svg", "hypervolume.png", "hypervolume.svg"} {
		if err := od.Claim(n); err != nil {
			return outFileErr(err)
		}
	}
	ev := make([]int, len(doc.Hypervolume))
	hv := make([]float64, len(doc.Hypervolume))
	for i, p := range doc.Hypervolume {
		ev[i], hv[i] = p.Evals, p.Hypervolume
	}
	// Each chart as PNG (the path in the JSON) and SVG beside it.
	for _, ext := range []string{".png", ".svg"} {
		if err := frontChart(strings.TrimSuffix(doc.FrontChart, ".png")+ext, sp, recs, front); err != nil {
			return err
		}
		if err := searchplot.Hypervolume(strings.TrimSuffix(doc.HVChart, ".png")+ext, "hypervolume of the front: "+sp.Name, ev, hv); err != nil {
			return err
		}
	}
	if f.format == "json" {
		return writeJSON(w, doc)
	}
	return searchText(w, sp, &doc, f.measure)
}

func metricLabel(m string) string {
	switch m {
	case "latency":
		return "latency ms"
	case "macs":
		return "MACs"
	case "peak_memory":
		return "peak memory"
	}
	return m
}

func formatMetric(m *search.Metrics, name string) string {
	if m == nil {
		return "-"
	}
	v := m.Value(name)
	if math.IsNaN(v) {
		return "-"
	}
	switch name {
	case "latency":
		return fmt.Sprintf("%.3f", v)
	case "params", "macs", "flops":
		return report.SI(int64(v))
	case "bytes", "peak_memory":
		return report.Bytes(int64(v))
	case "recon":
		return fmt.Sprintf("%.3f", v)
	case "naswot":
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprint(v)
}

// columns are the metrics shown: objectives first, then params and MACs
// (always, next to any proxy), then latency, naswot and recon if known.
func columns(sp *search.Space, recs []search.Record) []string {
	var cols []string
	add := func(m string) {
		if !contains(cols, m) {
			cols = append(cols, m)
		}
	}
	for _, o := range sp.Objectives {
		add(o.Metric)
	}
	add("params")
	add("macs")
	for _, r := range recs {
		if r.Metrics != nil && r.Metrics.LatencyMS != nil {
			add("latency")
		}
		if r.Metrics != nil && r.Metrics.NASWOT != nil {
			add("naswot")
		}
		break
	}
	add("recon")
	return cols
}

func searchText(w io.Writer, sp *search.Space, doc *searchDoc, measured bool) error {
	var objs []string
	for _, o := range sp.Objectives {
		objs = append(objs, o.String())
	}
	var cons []string
	for _, c := range sp.Constraints {
		cons = append(cons, constraintText(c))
	}
	fmt.Fprintf(w, "search %s: %s, seed %d, shard %s  ·  latency: %s\n", sp.Name, doc.Strategy, doc.Seed, doc.Shard, doc.Latency)
	fmt.Fprintf(w, "objectives: %s  ·  constraints: %s\n", strings.Join(objs, ", "), orNone(strings.Join(cons, ", ")))
	fmt.Fprintf(w, "%d evaluated, %d feasible, %d invalid  ·  journal %s\n\n", doc.Evaluated, doc.Feasible, doc.Failed, doc.Journal)
	var recs []search.Record
	for _, m := range doc.Front {
		recs = append(recs, search.Record{Metrics: m.Metrics})
	}
	cols := columns(sp, recs)
	header := []string{"#", "candidate", "mixer"}
	right := []bool{true, false, false}
	for _, c := range cols {
		header = append(header, metricLabel(c))
		right = append(right, true)
	}
	if measured {
		header = append(header, "measured ms")
		right = append(right, true)
	}
	fmt.Fprintf(w, "Pareto front (%d):\n", len(doc.Front))
	t := &report.Table{Header: header, Right: right}
	for _, m := range doc.Front {
		row := []string{fmt.Sprint(m.Rank), m.Name, m.Metrics.Mixer}
		for _, c := range cols {
			row = append(row, formatMetric(m.Metrics, c))
		}
		if measured && m.MeasuredMS != nil {
			row = append(row, fmt.Sprintf("%.3f", *m.MeasuredMS))
		}
		t.Add(row...)
	}
	if err := t.Write(w); err != nil {
		return err
	}
	if len(doc.Best) > 0 {
		fmt.Fprintln(w, "\nbest feasible candidate (every constraint met) by each objective:")
		bt := &report.Table{Header: append([]string{"best by", "candidate"}, labels(cols)...), Right: append([]bool{false, false}, trues(len(cols))...)}
		for _, b := range doc.Best {
			row := []string{strings.Join(b.Objectives, ", "), orNone(b.Name)}
			for _, c := range cols {
				row = append(row, formatMetric(b.Metrics, c))
			}
			bt.Add(row...)
		}
		if err := bt.Write(w); err != nil {
			return err
		}
	}
	if len(doc.Hypervolume) > 0 {
		hv := doc.Hypervolume[len(doc.Hypervolume)-1].Hypervolume
		most := math.Pow(1.1, float64(len(sp.Objectives)))
		fmt.Fprintf(w, "\nhypervolume %.4f after %d evaluations, %.0f%% of the most there can be (%.4f): objectives scaled to [0, 1] over the feasible records, reference point 1.1 in each\n",
			hv, doc.Evaluated, 100*hv/most, most)
	}
	fmt.Fprintf(w, "charts: %s, %s (and .svg)\nfront specs: %s\n", doc.FrontChart, doc.HVChart, filepath.Join(filepath.Dir(doc.FrontChart), "front", "*.yaml"))
	return nil
}

func labels(cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = metricLabel(c)
	}
	return out
}

func trues(n int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = true
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func constraintText(c search.Constraint) string {
	switch c.Metric {
	case "latency":
		return fmt.Sprintf("latency <= %g ms", c.Max)
	case "params", "macs", "flops":
		return fmt.Sprintf("%s <= %s", metricLabel(c.Metric), report.SIf(c.Max))
	case "bytes", "peak_memory":
		return fmt.Sprintf("%s <= %s", metricLabel(c.Metric), report.Bytes(int64(c.Max)))
	}
	return fmt.Sprintf("%s <= %g", c.Metric, c.Max)
}

// frontChart draws the search's front (searchplot.FrontOf).
func frontChart(path string, sp *search.Space, recs []search.Record, front []search.Record) error {
	return searchplot.Front(path, searchplot.FrontOf(sp, recs, front))
}

// journalFlagErr names the --journal flag in a journal error and says
// what to do about it.
func journalFlagErr(err error) error {
	var je *search.JournalError
	if !errors.As(err, &je) {
		return err
	}
	msg := fmt.Sprintf("--journal %s: %s", je.Path, je.Msg)
	switch {
	case errors.Is(err, search.ErrJournalExists) && strings.HasPrefix(je.Msg, "already"):
		msg += "; pass --resume to continue it, or choose another --journal"
	case errors.Is(err, search.ErrJournalExists):
		msg += "; choose another --journal"
	case errors.Is(err, search.ErrJournalOther):
		msg += "; drop --resume and use a new --journal"
	case errors.Is(err, search.ErrJournalBusy):
		msg += "; wait for it to finish"
	}
	return errors.New(msg)
}
