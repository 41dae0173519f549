package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/report"
	"github.com/fnlab/fnlab/search"
	"github.com/fnlab/fnlab/search/lut"
)

func init() { extraCommands = append(extraCommands, newLUTCmd) }

func newLUTCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "lut",
		Short: "Latency lookup tables: measure a search space's layer configurations, check predictions",
		Long: `A latency table holds the measured time of every distinct step configuration
of a search space (a block's mixer, a block's MLP, a merge, the head: the
engine's fused steps, keyed by kind, shapes, channels, mixer, n_div and groups),
with count, mean, std, median and p10 per entry, the machine line and the
fnlab version. Predicted latency = sum of the steps' p10 times (--statistic)
+ a fitted fixed overhead. Build the table on the device you design for (for example an ARM
board) and pass it to "fnlab search --lut FILE" anywhere.`,
		Example: `  fnlab lut build search_t0_ndiv_depth --threads 1 --out t0.lut.json
  fnlab lut check search_t0_ndiv_depth --lut t0.lut.json`,
		Args: exactArgs(0, "a subcommand (build or check)"),
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	c.AddCommand(newLUTBuildCmd(), newLUTCheckCmd())
	return c
}

// lutThreads is the thread count a build runs with (0: all cores).
func lutThreads(t int) int {
	if t > 0 {
		return t
	}
	return analyze.ThisMachine(0).Cores
}

func newLUTBuildCmd() *cobra.Command {
	var (
		threads, warmup, runs, extra int
		seed                         uint64
		out, format, statistic       string
		resume, force                bool
	)
	c := &cobra.Command{
		Use:   "build SPACE",
		Short: "Measure every distinct step configuration of SPACE into a latency table",
		Long: `build compiles a small set of SPACE's candidates that together contain every
distinct step configuration (stage-local choices cycle in parallel across
stages; depth never changes a configuration), plus --extra random candidates
for the overhead fit, and times each step of each in context (--runs timed
passes after --warmup). Entries aggregate all samples of a configuration.
The fixed overhead (whole pass minus the sum of step medians) is fitted by
least squares as a + b x steps. SPACE is a search space YAML file or an
embedded one (` + strings.Join(search.EmbeddedSpaces(), ", ") + `).`,
		Example: `  fnlab lut build search_t0_ndiv_depth --out t0.lut.json
  fnlab lut build my_space.yaml --threads 4 --runs 50 --out board.lut.json   # on the target device`,
		Args: exactArgs(1, "SPACE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			if threads < 0 || runs < 2 || warmup < 0 || extra < 0 {
				return usageError{fmt.Errorf("--threads %d --runs %d --warmup %d --extra %d: expected threads >= 0, runs >= 2, warmup >= 0, extra >= 0", threads, runs, warmup, extra)}
			}
			sp, err := search.LoadSpace(args[0])
			if err != nil {
				return err
			}
			if out == "" {
				out = fmt.Sprintf("%s.lut.json", sp.Name)
			}
			models := sp.Models(sp.LUTSet(extra, seed))
			if len(models) == 0 {
				return fmt.Errorf("space %s: no valid candidate to measure", sp.File)
			}
			if !slices.Contains(lut.Statistics, statistic) {
				return usageError{fmt.Errorf("--statistic %q: expected %s", statistic, strings.Join(lut.Statistics, ", "))}
			}
			// --out is replaced only if it is a latency table (or with --force).
			if _, err := os.Lstat(out); err == nil && !force {
				if _, err := lut.Load(out); err != nil {
					return fmt.Errorf("--out %s: exists and is not a latency table (%s); it is left as it is: move it away or pass --force", out, strings.TrimPrefix(err.Error(), out+": "))
				}
			}
			h := lut.ProgressHeader{Space: sp.Name, SpaceHash: sp.Hash, Machine: analyze.ThisMachine(lutThreads(threads)).String(), Threads: threads,
				Warmup: warmup, Runs: runs, Statistic: statistic, Extra: extra, Seed: seed}
			prog, done, err := lut.OpenProgress(out, h, resume)
			if err != nil {
				switch {
				case errors.Is(err, lut.ErrProgressExists):
					return fmt.Errorf("--out %s: %v; pass --resume to continue it", out, err)
				case errors.Is(err, lut.ErrProgressOther):
					return usageError{fmt.Errorf("--resume: %v; use the same options, or remove it to start afresh", err)}
				}
				return fmt.Errorf("--out %v", err)
			}
			defer prog.Close()
			var saved atomic.Int64
			saved.Store(int64(len(done)))
			o := lut.Options{Threads: threads, Warmup: warmup, Runs: runs, Statistic: statistic, Done: done,
				OnModel: func(r *lut.ModelResult) error {
					err := prog.Append(r)
					if err == nil {
						saved.Add(1)
					}
					return err
				}}
			resumeCmd := commandLine(cmd, args, "resume", "format") + " --resume"
			onInterrupt(func() string {
				return fmt.Sprintf("%d of %d models are measured and saved in %s's progress file; continue with: %s", saved.Load(), len(models), out, resumeCmd)
			})
			stderr := cmd.ErrOrStderr()
			if isTerminal(stderr) {
				bar := progressbar.NewOptions(len(models), progressbar.OptionSetWriter(stderr),
					progressbar.OptionSetDescription("lut build "+sp.Name), progressbar.OptionClearOnFinish(),
					progressbar.OptionShowCount(), progressbar.OptionThrottle(100e6))
				o.Progress = func(done, _ int) { _ = bar.Set(done) }
				defer bar.Finish()
			}
			t, err := lut.Build(models, o)
			if err != nil {
				return err
			}
			t.FnlabVersion = fnlabVersion()
			t.Space = sp.Name
			if err := t.Save(out); err != nil {
				return fmt.Errorf("--out %v", err)
			}
			if err := prog.Finish(); err != nil {
				return fmt.Errorf("--out %v", err)
			}
			if format == "json" {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"file": out, "table": t})
			}
			return lutTable(cmd.OutOrStdout(), t, out)
		},
	}
	threadsFlag(c, &threads, 1, "worker threads the table is measured with (0: all cores)")
	c.Flags().IntVar(&warmup, "warmup", 5, "untimed passes per model")
	c.Flags().IntVar(&runs, "runs", 30, "timed passes per model")
	c.Flags().IntVar(&extra, "extra", 8, "random candidates measured besides the covering set (for the overhead fit)")
	c.Flags().Uint64Var(&seed, "seed", 1, "seed of the extra candidates")
	c.Flags().StringVar(&out, "out", "", "table file (default SPACE_NAME.lut.json)")
	c.Flags().BoolVar(&resume, "resume", false, "continue an interrupted build from OUT.partial (each model is saved as it finishes)")
	c.Flags().BoolVar(&force, "force", false, "replace --out even if it is not a latency table")
	c.Flags().StringVar(&statistic, "statistic", lut.DefaultStatistic, "per-entry statistic predictions sum: p10 (robust on a shared machine), median, mean or min")
	c.Flags().StringVar(&format, "format", "table", "output format: table or json")
	return c
}

func lutTable(w io.Writer, t *lut.Table, file string) error {
	fmt.Fprintf(w, "machine: %s\n", t.MachineLine)
	fmt.Fprintf(w, "fnlab %s  space %s  %d models  %d entries  %d warm-up + %d timed passes each\n",
		t.FnlabVersion, t.Space, len(t.BuiltFrom), len(t.Entries), t.Warmup, t.Runs)
	fmt.Fprintf(w, "prediction: sum of step %s + %.4f ms + %.5f ms/step\n", t.Statistic, t.OverheadMS, t.OverheadPerStepMS)
	fmt.Fprintf(w, "wrote %s\n\n", file)
	tb := &report.Table{Header: []string{"configuration", "count", "mean ms", "std ms", "median ms", "p10 ms"}, Right: []bool{false, true, true, true, true, true}}
	for _, e := range t.Entries {
		tb.Add(e.Key, fmt.Sprint(e.Count), fmt.Sprintf("%.4f", e.MeanMS), fmt.Sprintf("%.4f", e.StdMS), fmt.Sprintf("%.4f", e.MedianMS), fmt.Sprintf("%.4f", e.P10MS))
	}
	return tb.Write(w)
}

type lutCheckDoc struct {
	Space        string `json:"space"`
	Table        string `json:"table"`
	TableMachine string `json:"table_machine"`
	Machine      string `json:"machine"`
	Threads      int    `json:"threads"`
	Runs         int    `json:"runs"`
	*lut.CheckResult
}

func newLUTCheckCmd() *cobra.Command {
	var (
		lutFile, format string
		samples, runs   int
		warmup          int
		seed            uint64
	)
	c := &cobra.Command{
		Use:   "check SPACE --lut FILE",
		Short: "Compare predicted with measured latency on configurations the table was not built from",
		Long: `check draws --samples random candidates of SPACE that the table was not built
from, measures each (median of --runs whole passes after --warmup, with the
table's thread count) and reports the prediction error per candidate and its
median, p90 and maximum absolute value. Measurements are only meaningful on
the machine the table was built on.`,
		Example: `  fnlab lut check search_t0_ndiv_depth --lut t0.lut.json
  fnlab lut check my_space.yaml --lut board.lut.json --samples 40 --format json`,
		Args: exactArgs(1, "SPACE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			if lutFile == "" {
				return usageError{fmt.Errorf("--lut: required, the table to check (from `fnlab lut build SPACE --out FILE`)")}
			}
			if samples < 1 || runs < 1 || warmup < 0 {
				return usageError{fmt.Errorf("--samples %d --runs %d --warmup %d: expected samples >= 1, runs >= 1, warmup >= 0", samples, runs, warmup)}
			}
			sp, err := search.LoadSpace(args[0])
			if err != nil {
				return err
			}
			t, err := lut.Load(lutFile)
			if err != nil {
				return fmt.Errorf("--lut %v", err)
			}
			models := sp.Models(sp.HeldOut(t.BuiltFrom, samples, seed))
			if len(models) == 0 {
				return fmt.Errorf("space %s: every candidate was used to build %s; nothing is held out", sp.File, lutFile)
			}
			doc := lutCheckDoc{Space: sp.Name, Table: lutFile, TableMachine: t.MachineLine,
				Machine: analyze.ThisMachine(t.Threads).String(), Threads: t.Threads, Runs: runs}
			var progress func(done, total int)
			if stderr := cmd.ErrOrStderr(); isTerminal(stderr) {
				bar := progressbar.NewOptions(len(models), progressbar.OptionSetWriter(stderr),
					progressbar.OptionSetDescription("lut check "+sp.Name), progressbar.OptionClearOnFinish(), progressbar.OptionShowCount())
				defer bar.Finish()
				progress = func(done, _ int) { _ = bar.Set(done) }
			}
			doc.CheckResult, err = lut.Check(t, models, lut.Options{Threads: t.Threads, Warmup: warmup, Runs: runs, Statistic: t.Statistic}, progress)
			var missing *lut.MissingError
			if errors.As(err, &missing) {
				return fmt.Errorf("--lut %s: %v; rebuild it with `fnlab lut build %s`", lutFile, err, sp.Ref())
			}
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(cmd.OutOrStdout(), doc)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "table:   %s (%s)\nmachine: %s\n", lutFile, doc.TableMachine, doc.Machine)
			if doc.TableMachine != doc.Machine {
				fmt.Fprintln(w, "note: the table was built on another machine line; errors here measure the transfer, not the table")
			}
			fmt.Fprintf(w, "%d held-out candidates of %s, %s of %d passes each\n\n", len(doc.Rows), sp.Name, t.Statistic, runs)
			tb := &report.Table{Header: []string{"candidate", "predicted ms", "measured ms", "error %"}, Right: []bool{false, true, true, true}}
			for _, r := range doc.Rows {
				tb.Add(sp.ShortNameKey(r.Candidate), fmt.Sprintf("%.3f", r.PredictedMS), fmt.Sprintf("%.3f", r.MeasuredMS), fmt.Sprintf("%+.1f", r.ErrorPct))
			}
			if err := tb.Write(w); err != nil {
				return err
			}
			fmt.Fprintf(w, "\nmedian |error| %.2f%%  p90 %.2f%%  max %.2f%%\n", doc.MedianAbsError, doc.P90AbsError, doc.MaxAbsError)
			return nil
		},
	}
	c.Flags().StringVar(&lutFile, "lut", "", "latency table to check (required)")
	c.Flags().IntVar(&samples, "samples", 20, "held-out candidates to measure")
	c.Flags().IntVar(&runs, "runs", 30, "timed passes per candidate")
	c.Flags().IntVar(&warmup, "warmup", 5, "untimed passes per candidate")
	c.Flags().Uint64Var(&seed, "seed", 2, "seed of the held-out sample")
	c.Flags().StringVar(&format, "format", "table", "output format: table or json")
	return c
}
