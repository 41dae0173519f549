package searchplot

import (
	"math"
	"testing"

	"github.com/fnlab/fnlab/search"
)

func TestFrontOf(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	rec := func(key string, feasible bool, lat, score float64) search.Record {
		return search.Record{Key: key, Feasible: feasible, Metrics: &search.Metrics{LatencyMS: f(lat), NASWOT: f(score), Mixer: "pconv"}}
	}
	recs := []search.Record{
		rec("front", true, 2, 170),
		rec("other", true, 3, 160),
		rec("slow", false, 9, 180),                   // infeasible: left out
		rec("singular", true, 2.5, -math.MaxFloat64), // no score: left out
		{Key: "failed", Feasible: true},              // no metrics: left out
	}
	sp := &search.Space{Name: "s", Objectives: []search.Objective{{Metric: "latency"}, {Metric: "naswot", Maximize: true}},
		Constraints: []search.Constraint{{Metric: "latency", Max: 5}}}
	spec := FrontOf(sp, recs, recs[:1])
	pts := spec.Points
	if len(pts) != 2 {
		t.Fatalf("points %+v, want other and front", pts)
	}
	if pts[0].Front || pts[0].V[0] != 3 || !pts[1].Front || pts[1].V[1] != 170 || pts[1].Mixer != "pconv" {
		t.Errorf("points %+v: want the other first, the front member last", pts)
	}
	if len(spec.Axes) != 2 || spec.Axes[0].Label != "predicted latency (ms, lower is better)" || spec.Axes[0].Limit != 5 ||
		spec.Axes[0].LimitLabel != "latency <= 5 ms" || spec.Axes[1].Label != "NASWOT score log|K| (higher is better)" {
		t.Errorf("axes %+v", spec.Axes)
	}
}
