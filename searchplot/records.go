package searchplot

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/fnlab/fnlab/charts"
	"github.com/fnlab/fnlab/search"
)

// FrontOf is the front chart of a search's records: its objectives (an
// objective with params when there is one; the first three when there are
// more), every feasible record with finite values, coloured by its mixer
// and marked when front (search.Space.Front) holds its key, front members
// drawn last; axes with units and direction, and the space's constraints
// on plotted metrics as limits.
func FrontOf(sp *search.Space, recs, front []search.Record) FrontSpec {
	var ms []string
	for _, o := range sp.Objectives {
		ms = append(ms, o.Metric)
	}
	if len(ms) == 1 {
		ms = append(ms, "params")
	}
	ms = ms[:min(len(ms), 3)]
	on := map[string]bool{}
	for _, r := range front {
		on[r.Key] = true
	}
	var pts []Candidate
	for _, r := range recs {
		if r.Metrics == nil || !r.Feasible {
			continue
		}
		c := Candidate{Mixer: r.Metrics.Mixer, Front: on[r.Key]}
		for _, m := range ms {
			v := r.Metrics.Value(m)
			// -MaxFloat64 is NASWOT's score of a singular kernel (the
			// worst JSON can hold): off any chart's scale.
			if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e300 {
				break
			}
			c.V = append(c.V, v*Unit(m).Scale)
		}
		if len(c.V) == len(ms) {
			pts = append(pts, c)
		}
	}
	sort.SliceStable(pts, func(a, b int) bool { return !pts[a].Front && pts[b].Front })
	spec := FrontSpec{Title: fmt.Sprintf("Pareto front: %s (%d feasible)", sp.Name, len(pts)), Points: pts}
	if len(ms) == 3 {
		spec.Title += ", each pair of the 3 objectives"
	}
	for _, m := range ms {
		a := Axis{Label: AxisLabel(sp, m)}
		for _, c := range sp.Constraints {
			if c.Metric == m {
				u := Unit(m)
				a.Limit = c.Max * u.Scale
				a.LimitLabel = strings.TrimSpace(fmt.Sprintf("%s <= %s %s", metricName(m), charts.FormatTick(a.Limit), u.Unit))
			}
		}
		spec.Axes = append(spec.Axes, a)
	}
	return spec
}

// MetricUnit is how a metric is scaled on a chart axis, and its unit.
type MetricUnit struct {
	Scale float64
	Unit  string
}

// Unit is metric m's axis scale and unit (ms, M, G, MiB), from
// search.MetricTable.
func Unit(m string) MetricUnit {
	d, ok := metricDef(m)
	if !ok {
		return MetricUnit{1, ""}
	}
	return MetricUnit{d.ChartScale, d.ChartUnit}
}

// metricDef is m's entry of search.MetricTable; false for a name it lacks.
func metricDef(m string) (search.MetricDef, bool) {
	d := search.Metric(m)
	return d, d.Axis != ""
}

func metricName(m string) string {
	if d, ok := metricDef(m); ok {
		return d.Chart
	}
	return m
}

// AxisLabel is a metric's axis label with its unit and direction:
// "predicted latency (ms, lower is better)".
func AxisLabel(sp *search.Space, m string) string {
	var notes []string
	if u := Unit(m).Unit; u != "" {
		notes = append(notes, u)
	}
	for _, o := range sp.Objectives {
		if o.Metric == m {
			if o.Maximize {
				notes = append(notes, "higher is better")
			} else {
				notes = append(notes, "lower is better")
			}
		}
	}
	name := m
	if d, ok := metricDef(m); ok {
		name = d.Axis
	}
	if len(notes) == 0 {
		return name
	}
	return name + " (" + strings.Join(notes, ", ") + ")"
}
