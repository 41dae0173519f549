package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/fnlab/fnlab/ablate"
	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/fit"
)

func init() { extraCommands = append(extraCommands, newAblateCmd) }

func newAblateCmd() *cobra.Command {
	var (
		sf            specFlags
		mixers, ndivs string
		threads, runs int
		seeds         int
		quick, resume bool
		force         bool
		out, format   string
		maxIter       int
	)
	c := &cobra.Command{
		Use:   "ablate [SPEC]",
		Short: "Every mixer and n_div variant of SPEC: params, MACs, bytes, latency, GFLOPS and reconstruction loss, with report and charts",
		Long: `ablate is fnlab's main experiment. For SPEC (default t0) it builds every
mixer variant (--mixers: pconv, conv, dwconv, gconv) and a PConv n_div sweep
(--n-div), and for each reports parameters, MACs, bytes moved, latency (median
and p10-p90 on fnlab's kernels, batch 1), achieved GFLOPS (2 x MACs / median)
and the reconstruction loss of that mixer + PWConv against a full 3x3 conv at
the spec's own stage widths (fnlab fit's method, generated data, mean over
stages of the normalised test MSE, spread over seeds).

It writes report.md (the summary table, the charts and answers to the seed
analysis' questions with this machine's numbers), results.json and the charts
(PNG and SVG) to --out, and prints the summary table. results.json is rewritten
(atomically) after every measurement: an interrupted run keeps what it measured
and --resume continues it, skipping what is done.

--quick: fewer timed runs, one seed less and smaller fits (T0 in under a
minute; the fits grow with the cube of the widest stage's channels, so
T2, 768 channels at 7x7, takes about 3 minutes on 2 cores).`,
		Example: `  fnlab ablate
  fnlab ablate --quick --out /tmp/ablate
  fnlab ablate t1 --mixers pconv,dwconv --n-div 2,4,8,16 --threads 1
  fnlab ablate --out results/t0 --resume`,
		Args: atMostOneSpec,
		RunE: func(cmd *cobra.Command, args []string) error {
			ref := specOr(args, "t0")
			if err := checkThreads(threads); err != nil {
				return err
			}
			if runs < 0 || seeds < 0 || maxIter < 0 {
				return usageError{fmt.Errorf("--runs %d, --seeds %d, --max-iter %d: expected positive numbers (0: default)", runs, seeds, maxIter)}
			}
			mix, err := arch.ParseMixers(mixers)
			if err != nil {
				return flagErr("--mixers", err)
			}
			nd, err := arch.ParseNDivs(ndivs)
			if err != nil {
				return flagErr("--n-div", err)
			}
			if len(mix) == 0 && len(nd) == 0 {
				return usageError{fmt.Errorf("--mixers and --n-div: nothing to compare")}
			}
			if out == "" {
				out = "ablate_" + strings.TrimSuffix(filepath.Base(ref), filepath.Ext(ref))
			}
			s, _, err := sf.load(ref)
			if err != nil {
				return err
			}
			if _, err := ablate.Variants(s, mix, nd); err != nil {
				return usageError{fmt.Errorf("--n-div: %v", err)}
			}
			od, err := openOutDir(out, force)
			if err != nil {
				return err
			}
			defer od.Close()
			rerun := commandLine(cmd, args, "resume", "format")
			// What the last save holds, for an interrupted run's note.
			var saved atomic.Value
			saved.Store("nothing was saved yet")
			onInterrupt(func() string { return saved.Load().(string) + "; continue with: " + rerun + " --resume" })
			o := ablate.Options{Mixers: mix, NDivs: nd, Runs: runs, Seeds: seeds, MaxIter: maxIter, Threads: threads, Quick: quick, Resume: resume, Command: rerun,
				Load: func(sets []string) (*arch.Graph, error) {
					f := sf
					f.sets = append(append([]string(nil), sf.sets...), sets...)
					_, g, err := f.load(ref)
					return g, err
				}}
			bars := &ablateBars{w: cmd.ErrOrStderr(), on: isTerminal(cmd.ErrOrStderr())}
			defer bars.finish()
			o.Progress = func(p ablate.Progress) {
				if p.Saved != "" {
					saved.Store(p.Saved)
				}
				bars.show(p)
			}
			doc, charts, err := ablate.Run(cmd.Context(), s, od, o)
			if err != nil {
				return ablateErr(err, out)
			}
			w := cmd.OutOrStdout()
			if format == "json" {
				return writeJSON(w, doc)
			}
			if err := ablate.WriteTable(w, doc); err != nil {
				return err
			}
			fmt.Fprintf(w, "\nwrote %s, %s and %d chart files\n", filepath.Join(out, "report.md"), od.Join("results.json"), len(charts))
			return nil
		},
	}
	sf.registerSets(c)
	c.Flags().StringVar(&mixers, "mixers", "pconv,conv,dwconv,gconv", "mixer variants, comma-separated")
	c.Flags().StringVar(&ndivs, "n-div", "2,4,8", "PConv n_div sweep, comma-separated")
	threadsFlag(c, &threads, 0, "")
	c.Flags().IntVar(&runs, "runs", 0, "timed runs per variant (default 60, --quick 15)")
	c.Flags().IntVar(&seeds, "seeds", 0, "fit seeds (default 3, --quick 2)")
	c.Flags().IntVar(&maxIter, "max-iter", 0, "fit iterations at most (default 20, --quick 8)")
	c.Flags().BoolVar(&quick, "quick", false, "a fast, rougher run (T0 in under a minute)")
	c.Flags().BoolVar(&resume, "resume", false, "continue the run in --out, skipping what results.json already holds")
	c.Flags().StringVar(&out, "out", "", "output directory (default ablate_<SPEC>)")
	c.Flags().BoolVar(&force, "force", false, "replace files in --out that fnlab did not write")
	formatFlag(c, &format, "table", "json")
	return c
}

// ablateErr says what to do about an error of ablate.Run, in the flags' terms.
func ablateErr(err error, out string) error {
	var re *ablate.ResumeError
	if !errors.As(err, &re) {
		return outFileErr(err)
	}
	switch {
	case re.Err != nil:
		return fmt.Errorf("--resume: %v", re.Err)
	case re.Missing:
		return usageError{fmt.Errorf("--resume: nothing to resume in %s (no results.json); run without --resume to start", out)}
	case re.Exists:
		return usageError{fmt.Errorf("--out %s already holds results.json: pass --resume to continue it or choose another --out", out)}
	case re.Key == "spec":
		return usageError{fmt.Errorf("--resume: %s holds a run of another spec or other --set values (%s, spec hash %s; this run has %s, hash %s); use the same SPEC and --set, or another --out",
			re.Path, re.WasSpec, re.Was, re.NowSpec, re.Now)}
	}
	flag := strings.ReplaceAll(re.Key, "_", "-") // config keys are the flags' names in snake_case
	return usageError{fmt.Errorf("--resume: %s was made with --%s %s, this run has --%s %s; use the same options or another --out", re.Path, flag, re.Was, flag, re.Now)}
}

// ablateBars shows a run's two phases on a terminal: a bar counting the
// variants measured, then one following the fits' estimated work.
type ablateBars struct {
	w          io.Writer
	on         bool
	count, fit *progressbar.ProgressBar
	step       func(fit.FitStep)
}

func (b *ablateBars) show(p ablate.Progress) {
	switch {
	case !b.on:
	case p.Variant != "":
		if b.count == nil {
			b.count = newBar(b.w, p.Total, "ablate", progressbar.OptionShowCount())
		}
		b.count.Describe("ablate " + p.Variant)
		_ = b.count.Add(1)
	case p.Fit != nil:
		if b.fit == nil {
			b.finish()
			b.fit = newBar(b.w, 1000, "ablate fit", progressbar.OptionSetPredictTime(true))
			b.step = fitBar(b.fit, "ablate fit: stage")
		}
		b.step(*p.Fit)
	}
}

func (b *ablateBars) finish() {
	finishBar(b.count)
	finishBar(b.fit)
}
