package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/charts"
	"github.com/fnlab/fnlab/internal/atomicfile"
	"github.com/fnlab/fnlab/internal/outdir"
	"github.com/fnlab/fnlab/internal/timing"
	"github.com/fnlab/fnlab/kernels"
	"github.com/fnlab/fnlab/optable"
	"github.com/fnlab/fnlab/report"
	"gonum.org/v1/plot"
)

func init() { extraCommands = append(extraCommands, newOpsCmd) }

// opsDoc is the JSON document of fnlab ops.
type opsDoc struct {
	Machine  analyze.Machine  `json:"machine"`
	Roofline analyze.Roofline `json:"roofline"`
	Layers   int              `json:"layers"`
	Rows     []optable.Row    `json:"rows"`
	Charts   []string         `json:"charts,omitempty"`
	ONNX     []string         `json:"onnx,omitempty"` // --export-onnx files
	// FMAPeak is the measured FMA ceiling of the threads in use
	// (kernels.PeakGFLOPS), the base of each row's share of peak.
	FMAPeak float64 `json:"fma_peak_gflops"`
}

func parseSizes(s string) ([]optable.Size, error) {
	var out []optable.Size
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		parts := strings.Split(f, "x")
		if len(parts) != 3 {
			return nil, usageError{fmt.Errorf("--sizes %q: expected CxHxW items such as 96x56x56, got %q", s, f)}
		}
		var v [3]int
		for i, p := range parts {
			n, err := strconv.Atoi(p)
			if err != nil || n < 1 || n > 4096 {
				return nil, usageError{fmt.Errorf("--sizes %q: %q is not a positive size up to 4096", s, p)}
			}
			v[i] = n
		}
		out = append(out, optable.Size{C: v[0], H: v[1], W: v[2]})
	}
	return out, nil
}

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
			if err := checkFormat(format, "table", "json", "csv"); err != nil {
				return err
			}
			szs, err := parseSizes(sizes)
			if err != nil {
				return err
			}
			if layers < 1 || layers > 1000 {
				return usageError{fmt.Errorf("--layers %d: expected 1 to 1000", layers)}
			}
			if threads < 0 {
				return usageError{fmt.Errorf("--threads %d: expected 0 (all cores) or more", threads)}
			}
			if runs < 1 {
				return usageError{fmt.Errorf("--runs %d: expected at least 1", runs)}
			}
			if budget <= 0 {
				return usageError{fmt.Errorf("--budget %v: expected a positive duration such as 1s", budget)}
			}
			ids := splitList(ops)
			if len(ids) == 0 {
				return usageError{fmt.Errorf("--ops: expected a comma-separated list of operators")}
			}
			// Validate everything before measuring anything.
			for _, id := range ids {
				for _, sz := range szs {
					if _, _, err := optable.Cost(id, sz, layers); err != nil {
						return usageError{fmt.Errorf("--ops %s, --sizes %s: %v", id, sz, err)}
					}
				}
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
			doc := opsDoc{Layers: layers}
			if exportDir != "" {
				if err := os.MkdirAll(exportDir, 0o755); err != nil {
					return fmt.Errorf("--export-onnx %s: %v", exportDir, err)
				}
				for _, id := range ids {
					for _, sz := range szs {
						path, err := optable.ExportONNX(id, sz, layers, exportDir, fnlabVersion())
						if err != nil {
							return fmt.Errorf("--export-onnx: %v", err)
						}
						doc.ONNX = append(doc.ONNX, path)
					}
				}
			}
			stderr := cmd.ErrOrStderr()
			var bar *progressbar.ProgressBar
			if isTerminal(stderr) {
				bar = progressbar.NewOptions(len(ids)*len(szs)+1, progressbar.OptionSetWriter(stderr),
					progressbar.OptionSetDescription("ops"), progressbar.OptionClearOnFinish(), progressbar.OptionShowCount())
				defer bar.Finish()
			}
			doc.Roofline = analyze.MeasureRoofline(threads, 300*time.Millisecond)
			doc.Machine = analyze.ThisMachine(doc.Roofline.Threads)
			doc.FMAPeak = kernels.PeakGFLOPS(doc.Roofline.Threads)
			if bar != nil {
				_ = bar.Add(1)
			}
			for _, id := range ids {
				for _, sz := range szs {
					row, err := optable.Measure(id, sz, layers, threads, runs, budget)
					if err != nil {
						return err
					}
					row.Attainable = doc.Roofline.Attainable(row.Intensity)
					doc.Rows = append(doc.Rows, row)
					if bar != nil {
						bar.Describe("ops " + id + " " + sz.String())
						_ = bar.Add(1)
					}
				}
			}
			if out != "" {
				paths, err := opsCharts(doc, od)
				if err != nil {
					return outFileErr(err)
				}
				doc.Charts = paths
				if err := od.Claim("ops.json"); err != nil {
					return outFileErr(err)
				}
				if err := writeJSONFile(od.Join("ops.json"), doc); err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			switch format {
			case "json":
				return writeJSON(w, doc)
			case "csv":
				return opsCSV(w, doc)
			}
			return opsTable(w, doc)
		},
	}
	c.Flags().StringVar(&sizes, "sizes", "96x56x56,192x28x28,384x14x14,768x7x7", "feature maps CxHxW, comma-separated")
	c.Flags().StringVar(&ops, "ops", strings.Join(optable.DefaultOps, ","), "operators, comma-separated")
	c.Flags().IntVar(&layers, "layers", 10, "stacked layers per operator")
	c.Flags().IntVar(&threads, "threads", 0, "worker threads (default: all cores)")
	c.Flags().IntVar(&runs, "runs", 200, "most timed runs per row (the paper: 200)")
	c.Flags().DurationVar(&budget, "budget", time.Second, "time budget per row; at least 10 runs are taken")
	c.Flags().StringVar(&format, "format", "table", "output format: table, json or csv")
	c.Flags().StringVar(&exportDir, "export-onnx", "", "also write each operator stack as DIR/<op>_<CxHxW>.onnx (the weights it is timed with), to time Table 1 in another runtime")
	c.Flags().StringVar(&out, "out", "", "directory for ops.json and the charts (PNG and SVG)")
	c.Flags().BoolVar(&force, "force", false, "replace files in --out that fnlab did not write")
	return c
}

// noArgs refuses positional arguments with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) != 0 {
		return usageError{fmt.Errorf("%s: takes no arguments, got %q (see %s --help)", cmd.CommandPath(), args, cmd.CommandPath())}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func opsTable(w io.Writer, d opsDoc) error {
	fmt.Fprintf(w, "machine: %s · FMA peak %.0f GFLOPS on %d thread(s), measured in this process\n", d.Machine, d.FMAPeak, d.Roofline.Threads)
	fmt.Fprintf(w, "roofline: peak %.0f GFLOPS (GEMM loop), DRAM bandwidth %.1f GB/s (triad; in cache %.0f GB/s), ridge %.1f FLOPs/byte\n",
		d.Roofline.PeakGFLOPS, d.Roofline.BandwidthGBs, d.Roofline.CacheGBs, d.Roofline.Ridge)
	fmt.Fprintf(w, "%d stacked layers, batch 1; latency excludes the NCHW<->NHWC conversions; GFLOPS = 2 x MACs / median\n\n", d.Layers)
	t := &report.Table{Header: []string{"op", "size", "MACs", "paper MMACs", "bytes", "FLOPs/B", "ms", "p10-p90", "GFLOPS", "% peak", "roof", "paper ms", "paper GFLOPS"},
		Right: []bool{false, false, true, true, true, true, true, true, true, true, true, true, true}}
	for _, r := range d.Rows {
		pm, pms, pg := "-", "-", "-"
		if r.PaperMMACs != nil {
			pm = *r.PaperMMACs
			if *r.PaperMatch {
				pm += " ✓"
			} else {
				pm += " ✗"
			}
			pms = fmt.Sprintf("%.2f", *r.PaperMS)
			pg = fmt.Sprintf("%.1f", *r.PaperGFLOPS)
		}
		t.Add(r.Op, r.Size, report.Comma(r.MACs), pm, report.Bytes(r.Bytes), fmt.Sprintf("%.1f", r.Intensity),
			fmt.Sprintf("%.3f", r.MedianMS), fmt.Sprintf("%.3f-%.3f", r.P10MS, r.P90MS), fmt.Sprintf("%.1f", r.GFLOPS),
			share(r.GFLOPS, d.FMAPeak), fmt.Sprintf("%.0f", r.Attainable), pms, pg)
	}
	if err := t.Write(w); err != nil {
		return err
	}
	if len(d.Charts) > 0 {
		fmt.Fprintf(w, "\ncharts: %s\n", strings.Join(d.Charts, ", "))
	}
	return nil
}

func opsCSV(w io.Writer, d opsDoc) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"op", "size", "layers", "params", "macs", "flops", "bytes", "paper_mem_access", "arithmetic_intensity",
		"median_ms", "p10_ms", "p90_ms", "min_ms", "runs", "gflops", "roofline_gflops", "paper_mmacs", "macs_match_paper", "paper_ms", "paper_gflops"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	for _, r := range d.Rows {
		pm, match, pms, pg := "", "", "", ""
		if r.PaperMMACs != nil {
			pm, match, pms, pg = *r.PaperMMACs, strconv.FormatBool(*r.PaperMatch), f(*r.PaperMS), f(*r.PaperGFLOPS)
		}
		_ = cw.Write([]string{r.Op, r.Size, strconv.Itoa(r.Layers), strconv.FormatInt(r.Params, 10), strconv.FormatInt(r.MACs, 10),
			strconv.FormatInt(r.FLOPs, 10), strconv.FormatInt(r.Bytes, 10), strconv.FormatInt(r.PaperMem, 10), f(r.Intensity),
			f(r.MedianMS), f(r.P10MS), f(r.P90MS), f(r.MinMS), strconv.Itoa(r.Runs), f(r.GFLOPS), f(r.Attainable), pm, match, pms, pg})
	}
	cw.Flush()
	return cw.Error()
}

// opsCharts draws latency and GFLOPS bars (operators sorted by their mean
// latency, one colour per size) and the roofline.
func opsCharts(d opsDoc, od *outdir.Dir) ([]string, error) {
	var ops, sizes []string
	for _, r := range d.Rows {
		if !slices.Contains(ops, r.Op) {
			ops = append(ops, r.Op)
		}
		if !slices.Contains(sizes, r.Size) {
			sizes = append(sizes, r.Size)
		}
	}
	find := func(op, size string) *optable.Row {
		for i := range d.Rows {
			if d.Rows[i].Op == op && d.Rows[i].Size == size {
				return &d.Rows[i]
			}
		}
		return nil
	}
	mean := func(op string) float64 {
		s := 0.0
		for _, sz := range sizes {
			if r := find(op, sz); r != nil {
				s += math.Log(r.MedianMS)
			}
		}
		return s
	}
	slices.SortStableFunc(ops, func(a, b string) int { return cmpF(mean(a), mean(b)) })
	var lat, gf []charts.Series
	for _, sz := range sizes {
		l := charts.Series{Name: sz}
		g := charts.Series{Name: sz}
		for _, op := range ops {
			r := find(op, sz)
			if r == nil {
				l.Values, l.Lo, l.Hi = append(l.Values, math.NaN()), append(l.Lo, 0), append(l.Hi, 0)
				g.Values, g.Lo, g.Hi = append(g.Values, math.NaN()), append(g.Lo, 0), append(g.Hi, 0)
				continue
			}
			l.Values, l.Lo, l.Hi = append(l.Values, r.MedianMS), append(l.Lo, r.P10MS), append(l.Hi, r.P90MS)
			// GFLOPS spread follows the latency spread (p90 latency gives the low end).
			g.Values = append(g.Values, r.GFLOPS)
			g.Lo = append(g.Lo, timing.GFLOPS(2*float64(r.MACs), r.P90MS))
			g.Hi = append(g.Hi, timing.GFLOPS(2*float64(r.MACs), r.P10MS))
		}
		lat, gf = append(lat, l), append(gf, g)
	}
	thr := fmt.Sprintf("%d thread(s)", d.Roofline.Threads)
	var paths []string
	save := func(name string, mk func() (chartPlot, error)) error {
		p, err := mk()
		if err != nil {
			return err
		}
		if err := od.ClaimChart(name); err != nil {
			return err
		}
		ps, err := charts.Save(p, od.Path(), name)
		paths = append(paths, ps...)
		return err
	}
	if err := save("ops_latency", func() (chartPlot, error) {
		return charts.Bars(charts.BarSpec{Title: fmt.Sprintf("Latency of %d stacked layers, batch 1, %s (bars: median, whiskers: p10-p90)", d.Layers, thr),
			XLabel: "operator (sorted by latency)", YLabel: "latency (ms)", Categories: ops, Series: lat, LogY: true})
	}); err != nil {
		return paths, err
	}
	if err := save("ops_gflops", func() (chartPlot, error) {
		peak := fmt.Sprintf("peak %.0f GFLOPS", d.Roofline.PeakGFLOPS)
		return charts.Bars(charts.BarSpec{Title: fmt.Sprintf("Achieved GFLOPS (2 x MACs / median time), %s; %s", thr, peak),
			XLabel: "operator (sorted by latency)", YLabel: "GFLOPS", Categories: ops, Series: gf, LogY: true,
			Refs: []charts.RefLine{{Value: d.Roofline.PeakGFLOPS, Label: peak}}})
	}); err != nil {
		return paths, err
	}
	var pts []charts.Point
	for _, r := range d.Rows {
		pts = append(pts, charts.Point{Label: r.Op, X: r.Intensity, Y: r.GFLOPS, Group: slices.Index(sizes, r.Size)})
	}
	err := save("ops_roofline", func() (chartPlot, error) {
		return charts.Roofline(charts.RooflineSpec{Title: "Roofline of this machine, " + thr + ", operators placed by measured GFLOPS",
			PeakGFLOPS: d.Roofline.PeakGFLOPS, BandwidthGBs: d.Roofline.BandwidthGBs, CacheGBs: d.Roofline.CacheGBs, Points: pts, Groups: sizes})
	})
	return paths, err
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// writeJSONFile writes v as indented JSON to path atomically, so a reader
// never sees half a file.
func writeJSONFile(path string, v any) error {
	if err := atomicfile.Write(path, func(w io.Writer) error { return writeJSON(w, v) }); err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	return nil
}

// chartPlot is what the charts package returns.
type chartPlot = *plot.Plot

// share is gflops as a percentage of peak, or "-" without a peak.
func share(gflops, peak float64) string {
	if peak <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", 100*gflops/peak)
}
