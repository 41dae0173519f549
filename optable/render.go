package optable

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"

	"github.com/fnlab/fnlab/charts"
	"github.com/fnlab/fnlab/internal/outdir"
	"github.com/fnlab/fnlab/internal/timing"
	"github.com/fnlab/fnlab/report"
)

// WriteTable writes d as fnlab ops prints it: the machine and its
// roofline, then a row per operator and size beside the paper's.
func WriteTable(w io.Writer, d *Doc) error {
	fmt.Fprintf(w, "machine: %s · FMA peak %.0f GFLOPS on %d thread(s), measured in this process\n", d.Machine, d.FMAPeak, d.Roofline.Threads)
	fmt.Fprintf(w, "roofline: peak %.0f GFLOPS (GEMM loop), DRAM bandwidth %.1f GB/s (triad; in cache %.0f GB/s), ridge %.1f FLOPs/byte\n",
		d.Roofline.PeakGFLOPS, d.Roofline.BandwidthGBs, d.Roofline.CacheGBs, d.Roofline.Ridge)
	fmt.Fprintf(w, "%d stacked layers, batch 1; latency excludes the NCHW<->NHWC conversions; GFLOPS = 2 x MACs / median, MACs of the direct convolution (3x3 convs that run as Winograd multiply less: their %% peak can pass 100)\n\n", d.Layers)
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

// WriteCSV writes d's rows as CSV.
func WriteCSV(w io.Writer, d *Doc) error {
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

// WriteCharts draws into od (PNG and SVG each) latency and GFLOPS bars
// (operators sorted by their mean log latency, one colour per size) and
// the roofline with every row on it; it returns the files written.
func WriteCharts(d *Doc, od *outdir.Dir) ([]string, error) {
	var ops, sizes []string
	for _, r := range d.Rows {
		if !slices.Contains(ops, r.Op) {
			ops = append(ops, r.Op)
		}
		if !slices.Contains(sizes, r.Size) {
			sizes = append(sizes, r.Size)
		}
	}
	find := func(op, size string) *Row {
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
	slices.SortStableFunc(ops, func(a, b string) int { return cmp.Compare(mean(a), mean(b)) })
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
	save := func(name string, mk func() (*plot.Plot, error)) error {
		p, err := mk()
		if err != nil {
			return err
		}
		ps, err := charts.SaveIn(od, p, name)
		paths = append(paths, ps...)
		return err
	}
	if err := save("ops_latency", func() (*plot.Plot, error) {
		return charts.Bars(charts.BarSpec{Title: fmt.Sprintf("Latency of %d stacked layers, batch 1, %s (bars: median, whiskers: p10-p90)", d.Layers, thr),
			XLabel: "operator (sorted by latency)", YLabel: "latency (ms)", Categories: ops, Series: lat, LogY: true})
	}); err != nil {
		return paths, err
	}
	if err := save("ops_gflops", func() (*plot.Plot, error) {
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
	err := save("ops_roofline", func() (*plot.Plot, error) {
		return charts.Roofline(charts.RooflineSpec{Title: "Roofline of this machine, " + thr + ", operators placed by measured GFLOPS",
			PeakGFLOPS: d.Roofline.PeakGFLOPS, BandwidthGBs: d.Roofline.BandwidthGBs, CacheGBs: d.Roofline.CacheGBs, Points: pts, Groups: sizes})
	})
	return paths, err
}

// share is gflops as a percentage of peak, or "-" without a peak.
func share(gflops, peak float64) string {
	if peak <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", 100*gflops/peak)
}
