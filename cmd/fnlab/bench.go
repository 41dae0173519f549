package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/report"
)

func newBenchCmd() *cobra.Command {
	var (
		sf       specFlags
		mf       modelFlags
		warmup   int
		runs     int
		perLayer bool
		format   string
	)
	c := &cobra.Command{
		Use:   "bench SPEC",
		Short: "Measure latency and achieved GFLOPS of SPEC on fnlab's native kernels",
		Long: `bench builds SPEC (BN folded, epilogues fused) and times forward passes:
median, p10, p90 and min latency, images/s and achieved GFLOPS (2 x MACs / median
time). --per-layer also times each program step (a mixer, a block's MLP, a merge,
the head) and shows its share of the time and its GFLOPS next to its MACs and
bytes, so where the time goes can be held against where the MACs go.
The defaults follow the paper: batch 1, 10 warm-up and 200 timed runs.`,
		Example: `  fnlab bench t0
  fnlab bench t0 --threads 1 --per-layer
  fnlab bench t0 --set mixer=dwconv --batch 8 --format json`,
		Args: exactArgs(1, "SPEC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			if runs < 1 || warmup < 0 {
				return usageError{fmt.Errorf("--runs %d --warmup %d: expected at least 1 run and 0 or more warm-ups", runs, warmup)}
			}
			_, g, err := sf.load(args[0])
			if err != nil {
				return err
			}
			p, err := mf.build(g, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer p.Close()
			in := analyze.BenchInput(g)
			opt := analyze.BenchOptions{Warmup: warmup, Runs: runs, PerLayer: perLayer}
			if isTerminal(cmd.ErrOrStderr()) {
				bar := progressbar.NewOptions(runs, progressbar.OptionSetWriter(cmd.ErrOrStderr()),
					progressbar.OptionSetDescription("bench "+g.Spec.Name), progressbar.OptionClearOnFinish(),
					progressbar.OptionThrottle(100e6), progressbar.OptionShowCount())
				opt.Progress = func(done, total int) { _ = bar.Set(done) }
				defer bar.Finish()
			}
			r, err := analyze.Bench(p, in, analyze.Count(g, analyze.BNFused), opt)
			if err != nil {
				return err
			}
			r.Spec.Sets = sf.sets
			for _, w := range r.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning: "+w)
			}
			if format == "json" {
				return writeJSON(cmd.OutOrStdout(), r)
			}
			return benchTable(cmd.OutOrStdout(), r)
		},
	}
	sf.register(c)
	mf.register(c)
	c.Flags().IntVar(&warmup, "warmup", 10, "untimed warm-up passes")
	c.Flags().IntVar(&runs, "runs", 200, "timed passes")
	c.Flags().BoolVar(&perLayer, "per-layer", false, "time each program step")
	c.Flags().StringVar(&format, "format", "table", "output format: table or json")
	return c
}

func benchTable(w io.Writer, r *analyze.BenchResult) error {
	fmt.Fprintf(w, "machine: %s · FMA peak %.0f GFLOPS on %d thread(s), measured in this process\n", r.Machine, r.PeakGFLOPS, r.Threads)
	fmt.Fprintf(w, "%s  batch %d  %d runs after %d warm-up\n", r.Spec, r.Batch, r.Runs, r.Warmup)
	fmt.Fprintf(w, "median %.3f ms  p10 %.3f  p90 %.3f  min %.3f  ·  %.1f images/s  ·  %.1f GFLOPS achieved, %.0f%% of peak (%s MACs)\n",
		r.MedianMS, r.P10MS, r.P90MS, r.MinMS, r.ImagesPerS, r.GFLOPS, 100*r.PeakShare, report.SI(r.MACs))
	if len(r.Layers) == 0 {
		return nil
	}
	var totalMACs int64
	for _, l := range r.Layers {
		totalMACs += l.MACs
	}
	t := &report.Table{Header: []string{"step", "ms", "time %", "MACs %", "MACs", "bytes", "GFLOPS", ""},
		Right: []bool{false, true, true, true, true, true, true, false}}
	for _, l := range r.Layers {
		macShare := 0.0
		if totalMACs > 0 {
			macShare = float64(l.MACs) / float64(totalMACs)
		}
		t.Add(l.Name, fmt.Sprintf("%.3f", l.MedianMS), fmt.Sprintf("%.1f", 100*l.Share), fmt.Sprintf("%.1f", 100*macShare),
			report.SI(l.MACs), report.Bytes(l.Bytes), fmt.Sprintf("%.1f", l.GFLOPS), bars(l.Share, macShare))
	}
	fmt.Fprintln(w)
	return t.Write(w)
}

// bars draws time share (█) over MACs share (░), 40 cells for 100%.
func bars(time, macs float64) string {
	n := func(f float64) int { return int(f*40 + 0.5) }
	return strings.Repeat("█", n(time)) + " | " + strings.Repeat("░", n(macs))
}
