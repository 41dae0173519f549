package main

import (
	"fmt"
	"io"

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
			if err := checkRunsWarmup(runs, warmup); err != nil {
				return err
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
			bar := newBar(cmd.ErrOrStderr(), runs, "bench "+g.Spec.Name, progressbar.OptionThrottle(100e6), progressbar.OptionShowCount())
			defer finishBar(bar)
			opt := analyze.BenchOptions{Warmup: warmup, Runs: runs, PerLayer: perLayer, Progress: barSetter(bar)}
			r, err := analyze.Bench(p, in, analyze.Count(g, analyze.BNFused), opt)
			if err != nil {
				return err
			}
			r.Spec.Sets = sf.sets
			for _, w := range r.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning: "+w)
			}
			return printDoc(cmd, format, r, func(w io.Writer) error { return report.BenchTable(w, r) })
		},
	}
	sf.register(c)
	mf.register(c)
	c.Flags().IntVar(&warmup, "warmup", 10, "untimed warm-up passes")
	c.Flags().IntVar(&runs, "runs", 200, "timed passes")
	c.Flags().BoolVar(&perLayer, "per-layer", false, "time each program step")
	formatFlag(c, &format, "table", "json")
	return c
}
