package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/fnlab/fnlab/analyze"
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
			var saved atomic.Int64
			resumeCmd := commandLine(cmd, args, "resume", "format") + " --resume"
			onInterrupt(func() string {
				return fmt.Sprintf("%d of %d models are measured and saved in %s's progress file; continue with: %s", saved.Load(), len(models), out, resumeCmd)
			})
			bar := newBar(cmd.ErrOrStderr(), len(models), "lut build "+sp.Name, progressbar.OptionShowCount(), progressbar.OptionThrottle(100e6))
			defer finishBar(bar)
			o := lut.Options{Threads: threads, Warmup: warmup, Runs: runs, Statistic: statistic, Progress: barSetter(bar)}
			h := lut.NewProgressHeader(sp.Name, sp.Hash, o, extra, seed)
			t, err := lut.BuildFile(models, o, lut.FileBuild{Out: out, Header: h, Resume: resume, Force: force, Version: fnlabVersion(),
				Saved: func(n int) { saved.Store(int64(n)) }})
			if err != nil {
				return lutOutErr(err, out)
			}
			return printDoc(cmd, format, map[string]any{"file": out, "table": t}, func(w io.Writer) error { return search.WriteLUT(w, t, out) })
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
	formatFlag(c, &format, "table", "json")
	return c
}

// lutOutErr says what to do about an error of lut.BuildFile's files, in
// the flags' terms.
func lutOutErr(err error, out string) error {
	var oe *lut.OutError
	if !errors.As(err, &oe) {
		return err
	}
	var nt *lut.NotTableError
	switch {
	case errors.As(err, &nt):
		return fmt.Errorf("--out %s: exists and is not a latency table (%s); it is left as it is: move it away or pass --force", nt.Path, nt.Reason)
	case errors.Is(err, lut.ErrProgressExists):
		return fmt.Errorf("--out %s: %v; pass --resume to continue it", out, oe.Err)
	case errors.Is(err, lut.ErrProgressOther):
		return usageError{fmt.Errorf("--resume: %v; use the same options, or remove it to start afresh", oe.Err)}
	}
	return fmt.Errorf("--out %v", oe.Err)
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
			doc := lut.CheckDoc{Space: sp.Name, Table: lutFile, TableMachine: t.MachineLine,
				Machine: analyze.ThisMachine(t.Threads).String(), Threads: t.Threads, Runs: runs}
			bar := newBar(cmd.ErrOrStderr(), len(models), "lut check "+sp.Name, progressbar.OptionShowCount())
			defer finishBar(bar)
			doc.CheckResult, err = lut.Check(t, models, lut.Options{Threads: t.Threads, Warmup: warmup, Runs: runs, Statistic: t.Statistic}, barSetter(bar))
			var missing *lut.MissingError
			if errors.As(err, &missing) {
				return fmt.Errorf("--lut %s: %v; rebuild it with `fnlab lut build %s`", lutFile, err, sp.Ref())
			}
			if err != nil {
				return err
			}
			return printDoc(cmd, format, doc, func(w io.Writer) error { return search.WriteLUTCheck(w, sp, &doc, t.Statistic) })
		},
	}
	c.Flags().StringVar(&lutFile, "lut", "", "latency table to check (required)")
	c.Flags().IntVar(&samples, "samples", 20, "held-out candidates to measure")
	c.Flags().IntVar(&runs, "runs", 30, "timed passes per candidate")
	c.Flags().IntVar(&warmup, "warmup", 5, "untimed passes per candidate")
	c.Flags().Uint64Var(&seed, "seed", 2, "seed of the held-out sample")
	formatFlag(c, &format, "table", "json")
	return c
}
