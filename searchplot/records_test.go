package searchplot

import (
	"math"
	"testing"

	"github.com/fnlab/fnlab/search"
)

func TestPoints(t *testing.T) {
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
	pts := Points(recs, recs[:1], "latency", "naswot")
	if len(pts) != 2 {
		t.Fatalf("points %+v, want other and front", pts)
	}
	if pts[0].Front || pts[0].X != 3 || !pts[1].Front || pts[1].Y != 170 || pts[1].Mixer != "pconv" {
		t.Errorf("points %+v: want the other first, the front member last", pts)
	}
}
