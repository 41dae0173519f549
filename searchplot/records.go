package searchplot

import (
	"math"
	"sort"

	"github.com/fnlab/fnlab/search"
)

// Points turns a search's records into the front chart's points: every
// feasible record with finite values of the metrics x and y (names of
// search.Metrics.Value: "latency", "naswot", "params", ...), coloured by
// its mixer and marked Front when front (search.Space.Front) holds its
// key. Front members come last, so that Front draws them over the rest.
func Points(recs, front []search.Record, x, y string) []Point {
	on := map[string]bool{}
	for _, r := range front {
		on[r.Key] = true
	}
	var pts []Point
	for _, r := range recs {
		if r.Metrics == nil || !r.Feasible {
			continue
		}
		vx, vy := r.Metrics.Value(x), r.Metrics.Value(y)
		// -MaxFloat64 is NASWOT's score of a singular kernel (the worst
		// JSON can hold): off any chart's scale.
		if math.IsNaN(vx) || math.IsNaN(vy) || math.IsInf(vx, 0) || math.IsInf(vy, 0) || math.Abs(vx) > 1e300 || math.Abs(vy) > 1e300 {
			continue
		}
		pts = append(pts, Point{X: vx, Y: vy, Mixer: r.Metrics.Mixer, Front: on[r.Key]})
	}
	sort.SliceStable(pts, func(a, b int) bool { return !pts[a].Front && pts[b].Front })
	return pts
}
