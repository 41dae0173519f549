package main

import (
	"fmt"
	"io"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/report"
	"github.com/spf13/cobra"
)

func newAnalyzeCmd() *cobra.Command {
	var (
		sf     specFlags
		bn     string
		depth  int
		format string
		style  string
		diff   string
	)
	c := &cobra.Command{
		Use:   "analyze SPEC",
		Short: "Count parameters, MACs, FLOPs, fvcore flops, activations and memory traffic, per layer",
		Long: `analyze compiles SPEC and counts, per layer and per module: parameters, MACs
(multiply-adds of conv and linear layers, the paper's "FLOPs"), FLOPs (2 per MAC
plus element-wise work), fvcore's flops (its exact rules, BN per --bn),
activations (fvcore's: conv and linear outputs), bytes read and written at
float32, and arithmetic intensity.

--style fvcore prints fvcore's flop_count_table layout, row for row, so it can be
held against a PyTorch table. --diff B compares SPEC with B layer by layer.`,
		Example: `  fnlab analyze t0
  fnlab analyze t2 --set depths=[1,1,1,1] --input 3x256x256 --bn train --style fvcore
  fnlab analyze t0 --diff t0_conv
  fnlab analyze my_spec.yaml --set stages.2.n_div=8 --format json`,
		Args: exactArgs(1, "SPEC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			mode, err := analyze.ParseBNMode(bn)
			if err != nil {
				return usageError{fmt.Errorf("--bn %w", err)}
			}
			if style != "" && style != "fnlab" && style != "fvcore" {
				return usageError{fmt.Errorf("--style %q: expected fnlab or fvcore", style)}
			}
			if depth < 0 {
				return usageError{fmt.Errorf("--depth %d: expected 0 or more", depth)}
			}
			_, g, err := sf.load(args[0])
			if err != nil {
				return err
			}
			r := analyze.Count(g, mode)
			r.Spec.Sets = sf.sets
			if diff != "" {
				_, gb, err := sf.load(diff)
				if err != nil {
					return err
				}
				if format == "csv" {
					return usageError{fmt.Errorf("--diff supports --format table or json")}
				}
				d := report.Diff(r, analyze.Count(gb, mode))
				return printDoc(cmd, format, d, func(w io.Writer) error { return report.DiffTable(w, d) })
			}
			text := func(w io.Writer) error { return report.AnalysisTable(w, r, depth) }
			if style == "fvcore" {
				d := depth
				if !cmd.Flags().Changed("depth") {
					d = 3
				}
				text = func(w io.Writer) error {
					_, err := fmt.Fprint(w, r.FvcoreTable(d))
					return err
				}
			}
			return printDoc(cmd, format, report.NewAnalysisDoc(r), text, func(w io.Writer) error { return report.AnalysisCSV(w, r) })
		},
	}
	sf.register(c)
	c.Flags().StringVar(&bn, "bn", "eval", "BatchNorm counting: train (fvcore 5/element), eval (2/element) or fused (folded into the conv)")
	c.Flags().IntVar(&depth, "depth", 3, "module tree depth to show (blocks sit at depth 3)")
	formatFlag(c, &format, "table", "json", "csv")
	c.Flags().StringVar(&style, "style", "fnlab", "table style: fnlab or fvcore (fvcore's flop_count_table layout)")
	c.Flags().StringVar(&diff, "diff", "", "second SPEC to compare with, layer by layer")
	return c
}
