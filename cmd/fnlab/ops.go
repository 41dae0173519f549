package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/internal/outdir"
	"github.com/fnlab/fnlab/optable"
)

func init() { extraCommands = append(extraCommands, newOpsCmd) }

func newOpsCmd() *cobra.Command {
	var (
		sizes     string
		ops       string
		layers    int
		threads   int
		runs      int
		budget    time.Duration
		format    string
		out       string
		exportDir string
		force     bool
	)
	c := &cobra.Command{
		Use:   "ops",
		Short: "Paper Table 1: latency, achieved GFLOPS and roofline of stacked Conv, GConv, DWConv, PConv, PWConv",
		Long: `ops reproduces the paper's Table 1 setup: --layers (10) stacked layers of one
operator, batch 1, at each of --sizes, run on fnlab's kernels. Per row: MACs
(checked against the paper's Table 1), bytes moved (float32, inputs + weights +
outputs of every layer), arithmetic intensity (FLOPs/byte), median latency with
its p10-p90 spread, achieved GFLOPS (2 x MACs / median) and, where the paper has
the operator, the paper's CPU latency (i9-9900X, 1 thread) and the GFLOPS it
implies. The NCHW<->NHWC conversions at the ends of a stack are not timed.
"roof" is the DRAM roofline's bound; operators whose maps stay in cache can
exceed it (the in-cache triad bandwidth is printed too).

A roofline is measured first: the compute peak from a GEMM loop and the memory
bandwidth from a streaming triad, on the same threads; every operator is placed
on it ("roof" column: the bound at its intensity). With --out DIR the charts
(latency, GFLOPS, roofline; PNG and SVG) and ops.json are written there.

Operators: conv, gconv (16 groups), dwconv, pconv (n_div 4, split_cat),
pconv_slicing (the slicing forward), pwconv (1x1), and <mixer>+pwconv.`,
		Example: `  fnlab ops
  fnlab ops --threads 1 --ops pconv,pconv_slicing,dwconv --out results/ops
  fnlab ops --sizes 64x32x32 --layers 4 --format json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			szs, err := optable.ParseSizes(sizes)
			if err != nil {
				return flagErr("--sizes", err)
			}
			if layers < 1 || layers > 1000 {
				return usageError{fmt.Errorf("--layers %d: expected 1 to 1000", layers)}
			}
			if err := checkThreads(threads); err != nil {
				return err
			}
			if runs < 1 {
				return usageError{fmt.Errorf("--runs %d: expected at least 1", runs)}
			}
			if budget <= 0 {
				return usageError{fmt.Errorf("--budget %v: expected a positive duration such as 1s", budget)}
			}
			ids := arch.SplitList(ops)
			if len(ids) == 0 {
				return usageError{fmt.Errorf("--ops: expected a comma-separated list of operators")}
			}
			// Validate everything before measuring anything.
			var se *optable.StackError
			if err := optable.Check(ids, szs, layers); errors.As(err, &se) {
				return usageError{fmt.Errorf("--ops %s, --sizes %s: %v", se.Op, se.Size, se.Err)}
			}
			var od *outdir.Dir
			if out != "" {
				var err error
				if od, err = openOutDir(out, force); err != nil {
					return err
				}
				defer od.Close()
				if err := od.Check("ops.json"); err != nil {
					return outFileErr(err)
				}
			}
			var onnxFiles []string
			if exportDir != "" {
				if err := os.MkdirAll(exportDir, 0o755); err != nil {
					return fmt.Errorf("--export-onnx %s: %v", exportDir, err)
				}
				if onnxFiles, err = optable.ExportAll(ids, szs, layers, exportDir, fnlabVersion()); err != nil {
					return fmt.Errorf("--export-onnx: %v", err)
				}
			}
			o := optable.Options{Ops: ids, Sizes: szs, Layers: layers, Threads: threads, Runs: runs, Budget: budget}
			if bar := newBar(cmd.ErrOrStderr(), len(ids)*len(szs)+1, "ops", progressbar.OptionShowCount()); bar != nil {
				defer bar.Finish()
				o.Progress = func(what string, done, total int) {
					if what != "roofline" {
						bar.Describe("ops " + what)
					}
					_ = bar.Add(1)
				}
			}
			doc, err := optable.Run(o)
			if err != nil {
				return err
			}
			doc.ONNX = onnxFiles
			if out != "" {
				if err := optable.Save(doc, od); err != nil {
					return outFileErr(err)
				}
			}
			return printDoc(cmd, format, doc, func(w io.Writer) error { return optable.WriteTable(w, doc) },
				func(w io.Writer) error { return optable.WriteCSV(w, doc) })
		},
	}
	c.Flags().StringVar(&sizes, "sizes", "96x56x56,192x28x28,384x14x14,768x7x7", "feature maps CxHxW, comma-separated")
	c.Flags().StringVar(&ops, "ops", strings.Join(optable.DefaultOps, ","), "operators, comma-separated")
	c.Flags().IntVar(&layers, "layers", 10, "stacked layers per operator")
	threadsFlag(c, &threads, 0, "")
	c.Flags().IntVar(&runs, "runs", 200, "most timed runs per row (the paper: 200)")
	c.Flags().DurationVar(&budget, "budget", time.Second, "time budget per row; at least 10 runs are taken")
	formatFlag(c, &format, "table", "json", "csv")
	c.Flags().StringVar(&exportDir, "export-onnx", "", "also write each operator stack as DIR/<op>_<CxHxW>.onnx (the weights it is timed with), to time Table 1 in another runtime")
	c.Flags().StringVar(&out, "out", "", "directory for ops.json and the charts (PNG and SVG)")
	c.Flags().BoolVar(&force, "force", false, "replace files in --out that fnlab did not write")
	return c
}
