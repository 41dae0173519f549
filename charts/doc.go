// Package charts draws fnlab's experiment charts with gonum.org/v1/plot
// and writes each as PNG and SVG. It knows nothing of models or kernels:
// callers hand it plain numbers.
//
// # Charts
//
//   - Bars: grouped vertical bars, one group per category and one colour
//     per series, each bar with an optional error bar from Lo to Hi (for
//     latency: p10 to p90 of the timed runs; for losses: mean +- one
//     standard deviation over seeds). Bar i of series s of S sits at
//     x = i + (s - (S-1)/2) * w with w = 0.8/S, all in data units, so the
//     error bars are drawn exactly over their bars. LogY only allows a log
//     axis: Bars takes it when the values span at least LogDecadesMin
//     (1.5) decades, not counting values under 1/1000 of the largest
//     (a conv student's 1e-9 next to losses of 0.3-0.6 is zero, and a
//     linear axis shows the 0.3 against 0.6 that matters). The bars of a
//     log axis start at half the smallest positive value (a log axis has
//     no zero); on a linear axis a positive bar under two points tall
//     carries its value. RefLines are dashed horizontal lines with a label
//     (the machine's peak GFLOPS). Used for ablate_latency,
//     ablate_time_split, ablate_loss, fit_loss, ops_latency, ops_gflops.
//   - Roofline: log-log; the ceiling min(peak, bandwidth * I) for
//     I = FLOPs/byte (and a dashed in-cache ceiling), each named where it
//     is drawn (peak, ridge point I = peak/bandwidth, DRAM and cache
//     bandwidth), and one point per operator at (its intensity, its
//     achieved GFLOPS), coloured by size.
//   - Scatter: labelled points on linear or log axes (latency against MACs
//     per ablate variant).
//
// # Layout
//
// Draw (used by Save) puts a margin round the chart and under the title,
// wraps a title wider than the chart, and draws the legend in a column
// right of the axes, never over the data. Axis labels are centred on the
// data area by Draw itself (gonum/plot v0.17 reserves their room off
// centre on log axes). Tick labels come from Ticks and LogTicks and are
// formatted by FormatTick with the fewest digits that give the tick's
// value back: 0.35, 2.5e-4, 1e-4, never 9.999999999999999e-05.
//
// Point labels (Labels, PlaceLabels) are placed greedily when the chart is
// drawn: each label tries eight places round its point, then two rings
// farther out with a leader line, and takes the first that overlaps no
// placed label, no point, no roof line and stays inside the data area;
// a label with no free place is left out. On a roofline each operator is
// named once before any is named a second time.
//
// # Output
//
// Save writes dir/name.png (at 96 dpi) and dir/name.svg of the same plot;
// WriteFile writes any drawing in the format of a path's extension.
// Fonts are the Liberation fonts bundled with gonum/plot, so images look
// the same on every machine. The tests compare every chart kind, drawn
// from a real run's numbers, with golden images in testdata
// (gonum.org/v1/plot/cmpimg); `go test ./charts -update` rewrites them,
// to be looked at before they are committed.
package charts
