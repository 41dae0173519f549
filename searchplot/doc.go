// Package searchplot draws the charts of `fnlab search` with gonum/plot,
// laid out by package charts (margins, legend right of the data, tick
// labels without float noise). The file type follows the path's extension
// (.png, .svg, .pdf); `fnlab search` writes PNG and SVG of each.
//
//   - Front: every feasible candidate in grey, front members coloured by
//     mixer. Two objectives: one panel, the front joined in X order.
//     Three objectives: the three pairwise panels side by side in one
//     image (0-1, 0-2, 1-2) with one legend, so no objective is hidden in
//     a colour scale; the front is the 3-objective front, so some members
//     look dominated in a single pair. A constraint on a plotted metric
//     is a dashed red line at its bound, and the axis always reaches it.
//   - Hypervolume: the normalised hypervolume of the front against the
//     number of evaluations.
//
// WriteReport writes a search's whole report directory (ReportDir, which
// internal/outdir's Dir is): the front specs (search.ExportFront),
// optionally measured again, and both charts.
package searchplot
