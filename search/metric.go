package search

import (
	"fmt"
	"math"

	"github.com/fnlab/fnlab/report"
)

// MetricDef is one metric of a search: its name in spaces and journals,
// how a candidate's Metrics hold it, and how tables show it. MetricTable
// holds every metric; a new metric is one entry there (and its field in
// Metrics).
type MetricDef struct {
	Name  string // in spaces, journals and Metrics.Value: "peak_memory"
	Key   string // its key under a space's constraints ("latency_ms"); "" when it cannot be constrained
	Label string // column label of the command line's tables: "peak memory"
	Title string // column title of the explorer's list, where room is short: "peak mem"
	Unit  string // "ms", "B", or "" for counts and scores
	// Charts: the name in a limit's label ("MACs <= 500 M"), the axis
	// title, and the axis scale with its unit (counts in M or G, bytes in
	// MiB, so the ticks stay short).
	Chart, Axis string
	ChartScale  float64
	ChartUnit   string
	kind        metricKind
	// digits are the decimals of a score in a command-line table cell.
	digits int
	value  func(*Metrics) float64
}

type metricKind int

const (
	countMetric metricKind = iota // exact counts: SI prefixes
	bytesMetric                   // bytes: KiB, MiB
	msMetric                      // milliseconds
	scoreMetric                   // unitless scores
)

// MetricTable lists the metrics a space may constrain or optimise, in the
// order the documentation gives them.
var MetricTable = []MetricDef{
	{Name: "latency", Key: "latency_ms", Label: "latency ms", Title: "latency", Unit: "ms", Chart: "latency", Axis: "predicted latency", ChartScale: 1, ChartUnit: "ms", kind: msMetric, digits: 3, value: func(m *Metrics) float64 { return orNaN(m.LatencyMS) }},
	{Name: "params", Key: "params", Label: "params", Title: "params", Chart: "params", Axis: "params", ChartScale: 1e-6, ChartUnit: "M", kind: countMetric, value: func(m *Metrics) float64 { return float64(m.Params) }},
	{Name: "macs", Key: "macs", Label: "MACs", Title: "MACs", Chart: "MACs", Axis: "MACs", ChartScale: 1e-6, ChartUnit: "M", kind: countMetric, value: func(m *Metrics) float64 { return float64(m.MACs) }},
	{Name: "flops", Key: "flops", Label: "flops", Title: "FLOPs", Chart: "flops", Axis: "flops", ChartScale: 1e-9, ChartUnit: "G", kind: countMetric, value: func(m *Metrics) float64 { return float64(m.FLOPs) }},
	{Name: "bytes", Key: "bytes", Label: "bytes", Title: "bytes", Unit: "B", Chart: "bytes", Axis: "bytes", ChartScale: 1.0 / (1 << 20), ChartUnit: "MiB", kind: bytesMetric, value: func(m *Metrics) float64 { return float64(m.Bytes) }},
	{Name: "peak_memory", Key: "peak_memory", Label: "peak memory", Title: "peak mem", Unit: "B", Chart: "peak memory", Axis: "peak memory", ChartScale: 1.0 / (1 << 20), ChartUnit: "MiB", kind: bytesMetric, value: func(m *Metrics) float64 { return float64(m.PeakMemory) }},
	{Name: "recon", Key: "recon", Label: "recon", Title: "recon", Chart: "recon", Axis: "reconstruction loss", ChartScale: 1, ChartUnit: "normalised MSE", kind: scoreMetric, digits: 3, value: func(m *Metrics) float64 { return m.Recon }},
	{Name: "naswot", Label: "naswot", Title: "naswot", Chart: "naswot", Axis: "NASWOT score log|K|", ChartScale: 1, ChartUnit: "", kind: scoreMetric, digits: 2, value: func(m *Metrics) float64 { return orNaN(m.NASWOT) }},
}

var metricByName = func() map[string]*MetricDef {
	out := make(map[string]*MetricDef, len(MetricTable))
	for i := range MetricTable {
		out[MetricTable[i].Name] = &MetricTable[i]
	}
	return out
}()

// MetricNames are the names of MetricTable, in its order.
func MetricNames() []string {
	out := make([]string, len(MetricTable))
	for i, d := range MetricTable {
		out[i] = d.Name
	}
	return out
}

// Metric returns the definition of metric name. An unknown name gives a
// definition labelled by the name whose values are all NaN.
func Metric(name string) MetricDef {
	if d, ok := metricByName[name]; ok {
		return *d
	}
	return MetricDef{Name: name, Label: name, Title: name, kind: -1}
}

func orNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// Value is the metric's value in m: NaN when m is nil or the metric was
// not computed.
func (d MetricDef) Value(m *Metrics) float64 {
	if m == nil || d.value == nil {
		return math.NaN()
	}
	return d.value(m)
}

// Cell formats v for a command-line table: counts with SI prefixes
// (35.89K), bytes in KiB/MiB, milliseconds and scores with fixed
// decimals; "-" for NaN.
func (d MetricDef) Cell(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	switch d.kind {
	case countMetric:
		return report.SI(int64(v))
	case bytesMetric:
		return report.Bytes(int64(v))
	case msMetric, scoreMetric:
		return fmt.Sprintf("%.*f", d.digits, v)
	}
	return fmt.Sprint(v)
}

// Short formats v for the explorer's list and axes, where a column holds
// no unit label: milliseconds with their unit (1.250ms), scores with four
// significant digits; "-" for NaN.
func (d MetricDef) Short(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case d.kind == msMetric:
		return fmt.Sprintf("%.3fms", v)
	case d.kind == scoreMetric:
		return fmt.Sprintf("%.4g", v)
	case d.kind == bytesMetric:
		return report.Bytes(int64(v))
	}
	return report.SIf(v)
}

// Bound is an upper bound on the metric as text: "latency <= 9 ms",
// "params <= 5.00M", "peak memory <= 8.0 MiB".
func (d MetricDef) Bound(max float64) string {
	switch d.kind {
	case msMetric:
		return fmt.Sprintf("%s <= %g ms", d.Name, max)
	case countMetric:
		return fmt.Sprintf("%s <= %s", d.Label, report.SIf(max))
	case bytesMetric:
		return fmt.Sprintf("%s <= %s", d.Label, report.Bytes(int64(max)))
	}
	return fmt.Sprintf("%s <= %g", d.Name, max)
}

// String is the constraint as text (MetricDef.Bound).
func (c Constraint) String() string { return Metric(c.Metric).Bound(c.Max) }
