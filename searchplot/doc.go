// Package searchplot draws the charts of `fnlab search` with gonum/plot:
// the Pareto front (every feasible candidate in grey, front members
// coloured by mixer and joined in order of the x objective) and the
// hypervolume of the front against the number of evaluations. The file
// type follows the path's extension (.png, .svg, .pdf).
package searchplot
