package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/fnlab/fnlab/internal/outdir"
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
	formatFlag(c, &f.format, "table", "json")
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
	if !slices.Contains(search.Strategies, f.strategy) {
		return usageError{fmt.Errorf("--strategy %q: expected %s", f.strategy, strings.Join(search.Strategies, ", "))}
	}
	if f.budget < 0 || f.workers < 0 || f.population < 0 || f.measureRuns < 1 {
		return usageError{fmt.Errorf("--budget %d --workers %d --population %d --measure-runs %d: expected budget, workers and population >= 0 and measure-runs >= 1", f.budget, f.workers, f.population, f.measureRuns)}
	}
	return nil
}

// loadLUT loads --lut, which a space that uses latency needs.
func loadLUT(sp *search.Space, file string) (*lut.Table, error) {
	if file == "" {
		if sp.Uses("latency") {
			return nil, usageError{fmt.Errorf("--lut: space %s uses latency (objective or constraint); build a table with `fnlab lut build %s --out FILE` and pass --lut FILE", sp.Name, sp.Ref())}
		}
		return nil, nil
	}
	t, err := lut.Load(file)
	if err != nil {
		return nil, fmt.Errorf("--lut %v", err)
	}
	return t, nil
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
	table, err := loadLUT(sp, f.lutFile)
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
		jpath = search.JournalPath(out, shard)
	}
	o := search.Options{Strategy: f.strategy, Budget: f.budget, Seed: f.seed, Workers: f.workers, Shard: shard, Population: f.population}
	o = o.WithDefaults(sp, jpath, f.resume)
	h := search.NewHeader(ev, o)
	if f.study.storage != "" {
		return runStudy(cmd, sp, ev, h, jpath, out, f, &f.study, table)
	}
	if err := o.OpenJournal(jpath, h, f.resume); err != nil {
		return journalFlagErr(err)
	}
	handleInterruptItself()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	desc, opts := "search "+sp.Name, []progressbar.Option{progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionThrottle(100e6)}
	if sp.Recon.Method == "fit" {
		// The first candidates fit each distinct stage's mixer (seconds
		// each), later ones reuse the fits: a rate-based ETA would be
		// wildly off, so the bar says so instead of guessing.
		desc += " (fitting each new stage's mixer; the first candidates are the slow ones)"
		opts = append(opts, progressbar.OptionSetPredictTime(false), progressbar.OptionSetElapsedTime(true))
	}
	bar := newBar(cmd.ErrOrStderr(), -1, desc, opts...)
	if bar != nil {
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
		runErr = fmt.Errorf("--lut %s: %v; build a table for this space with `fnlab lut build %s --out FILE`", f.lutFile, runErr, sp.Ref())
	}
	finishBar(bar)
	if cerr := o.Journal.Close(); runErr == nil && cerr != nil {
		runErr = cerr
	}
	if runErr != nil {
		if errors.Is(runErr, context.Canceled) {
			again := commandLine(cmd, []string{ref}, "resume", "format") + " --resume"
			return fmt.Errorf("interrupted: %d evaluations are in %s; continue with: %s", len(recs), jpath, again)
		}
		return runErr
	}
	return searchReport(cmd, sp, recs, h, jpath, out, f, table)
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
			sp, err := search.LoadSpace(args[0])
			if err != nil {
				return err
			}
			m, err := search.MergeJournals(sp, args[1:]...)
			if err != nil {
				return err
			}
			// A merge of some shards only is allowed (a partial front) but said.
			if len(m.Missing) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: shard(s) %s missing: the merged journal and front cover only the shards given\n", strings.Join(m.Missing, ", "))
			}
			out := f.out
			if out == "" {
				out = "search_" + sp.Name + "_merged"
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return usageError{fmt.Errorf("--out %s: %v", out, err)}
			}
			jpath := filepath.Join(out, "journal.jsonl")
			if err := search.WriteJournal(jpath, m.Header, m.Records); err != nil {
				var je *search.JournalError
				if errors.As(err, &je) {
					return fmt.Errorf("--out %s: %s: %s; choose another --out", out, je.Path, je.Msg)
				}
				return err
			}
			var table *lut.Table
			if f.lutFile != "" {
				if table, err = loadLUT(sp, f.lutFile); err != nil {
					return err
				}
			}
			return searchReport(cmd, sp, m.Records, m.Header, jpath, out, &f, table)
		},
	}
	c.Flags().StringVar(&f.out, "out", "", "output directory (default search_SPACE_NAME_merged)")
	formatFlag(c, &f.format, "table", "json")
	c.Flags().StringVar(&f.lutFile, "lut", "", "latency table, for --measure-front's thread count")
	c.Flags().BoolVar(&f.measure, "measure-front", false, "re-measure the front's latency with real benchmarks")
	c.Flags().BoolVar(&f.force, "force", false, "replace front specs and charts in --out that fnlab did not write")
	c.Flags().IntVar(&f.measureRuns, "measure-runs", 30, "timed passes per front member with --measure-front")
	return c
}

// searchReport writes the front specs and charts of a search into out
// and prints its report.
func searchReport(cmd *cobra.Command, sp *search.Space, recs []search.Record, h search.Header, jpath, out string, f *searchFlags, table *lut.Table) error {
	// Shards of one search may finish together: their reports take the
	// directory in turn. Only front specs fnlab wrote are ever replaced.
	od, err := outdir.OpenWait(out, f.force)
	if err != nil {
		return fmt.Errorf("--out %s: %v", out, err)
	}
	defer od.Close()
	var measure func([]search.FrontMember) error
	if f.measure {
		threads := 1
		if table != nil {
			threads = table.Threads
		}
		measure = func(front []search.FrontMember) error {
			return search.MeasureFront(sp, front, lut.Options{Threads: threads, Warmup: 5, Runs: f.measureRuns})
		}
	}
	doc, err := searchplot.WriteReport(od, sp, h, jpath, recs, measure)
	if err != nil {
		return outFileErr(err)
	}
	return printDoc(cmd, f.format, doc, func(w io.Writer) error { return doc.WriteText(w, f.measure) })
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
