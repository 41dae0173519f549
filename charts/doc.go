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
//     error bars are drawn exactly over their bars. With LogY the bars
//     start at half the smallest positive value (a log axis has no zero).
//   - Roofline: log-log; the ceiling min(peak, bandwidth * I) for
//     I = FLOPs/byte, the ridge point I = peak/bandwidth, and one labelled
//     point per operator at (its intensity, its achieved GFLOPS).
//   - Scatter: labelled points (for latency against MACs per variant).
//
// # Output
//
// Save writes dir/name.png (at 96 dpi) and dir/name.svg of the same plot.
// Fonts are the Liberation fonts bundled with gonum/plot, so images look
// the same on every machine; tests check structure (the PNG decodes, has
// the requested size and is not blank; the SVG parses as XML and holds
// the title), not pixels.
package charts
