package search

import (
	"math"
	"slices"
	"testing"
)

func TestMetricFormats(t *testing.T) {
	lat, nw := 1.25, 29.109014
	m := &Metrics{Params: 35890, MACs: 124512, FLOPs: 268490, Bytes: 220496, PeakMemory: 14336, LatencyMS: &lat, Recon: 0.773667479, NASWOT: &nw}
	cases := []struct {
		name, label, title, cell, short, bound string
		max                                    float64
	}{
		{"latency", "latency ms", "latency", "1.250", "1.250ms", "latency <= 9 ms", 9},
		{"params", "params", "params", "35.89K", "35.89K", "params <= 60.00K", 60e3},
		{"macs", "MACs", "MACs", "124.5K", "124.5K", "MACs <= 400.0M", 400e6},
		{"flops", "flops", "FLOPs", "268.5K", "268.5K", "flops <= 30.00M", 30e6},
		{"bytes", "bytes", "bytes", "215.3 KiB", "215.3 KiB", "bytes <= 2.0 MiB", 2 << 20},
		{"peak_memory", "peak memory", "peak mem", "14.0 KiB", "14.0 KiB", "peak memory <= 1.0 MiB", 1 << 20},
		{"recon", "recon", "recon", "0.774", "0.7737", "recon <= 0.9", 0.9},
		{"naswot", "naswot", "naswot", "29.11", "29.11", "naswot <= 30", 30},
	}
	for _, c := range cases {
		d := Metric(c.name)
		v := m.Value(c.name)
		if d.Label != c.label || d.Title != c.title || d.Cell(v) != c.cell || d.Short(v) != c.short || d.Bound(c.max) != c.bound {
			t.Errorf("%s: label %q title %q cell %q short %q bound %q; want %q %q %q %q %q", c.name,
				d.Label, d.Title, d.Cell(v), d.Short(v), d.Bound(c.max), c.label, c.title, c.cell, c.short, c.bound)
		}
		if d.Cell(math.NaN()) != "-" || d.Short(math.NaN()) != "-" {
			t.Errorf("%s: NaN is not shown as -", c.name)
		}
		if !math.IsNaN(d.Value(nil)) {
			t.Errorf("%s: value of no metrics is not NaN", c.name)
		}
	}
	for k, want := range map[string]string{"latency_ms": "latency", "peak_memory": "peak_memory", "recon": "recon"} {
		if constraintKeys[k] != want {
			t.Errorf("constraint key %s: metric %q, want %q", k, constraintKeys[k], want)
		}
	}
	if _, ok := constraintKeys["naswot"]; ok || len(constraintKeys) != 7 {
		t.Errorf("constraint keys %v", constraintKeys)
	}
	if got := MetricNames(); !slices.Equal(got, []string{"latency", "params", "macs", "flops", "bytes", "peak_memory", "recon", "naswot"}) {
		t.Errorf("metric names %v", got)
	}
}

func TestMetricNotComputed(t *testing.T) {
	m := &Metrics{Params: 1}
	for _, c := range []struct {
		name string
		nan  bool
	}{{"latency", true}, {"naswot", true}, {"params", false}, {"recon", false}, {"no_such_metric", true}} {
		if got := math.IsNaN(m.Value(c.name)); got != c.nan {
			t.Errorf("%s: NaN %v, want %v", c.name, got, c.nan)
		}
	}
	if d := Metric("no_such_metric"); d.Label != "no_such_metric" || d.Cell(2.5) != "2.5" || d.Bound(3) != "no_such_metric <= 3" {
		t.Errorf("unknown metric: %+v, cell %q, bound %q", d, d.Cell(2.5), d.Bound(3))
	}
}
