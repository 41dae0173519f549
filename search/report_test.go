package search

import (
	"bytes"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// memDir is a FrontDir in memory.
type memDir map[string]string

func (d memDir) Join(name string) string { return filepath.Join("out", name) }
func (d memDir) Write(name string, write func(io.Writer) error) error {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return err
	}
	d[name] = b.String()
	return nil
}
func (d memDir) Names(prefix string) []string {
	var out []string
	for n := range d {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}
func (d memDir) Remove(name string) error { delete(d, name); return nil }

func TestExportFront(t *testing.T) {
	sp, tab := tiny(t)
	ev := &Evaluator{Space: sp, LUT: tab, Proxy: true}
	var recs []Record
	for i := int64(0); i < 12; i++ {
		r, err := ev.Evaluate(sp.Decode(i, nil))
		if err != nil {
			t.Fatal(err)
		}
		r.Index = i
		recs = append(recs, r)
	}
	front := sp.Front(recs)
	if len(front) < 2 {
		t.Fatalf("front of %d", len(front))
	}
	h := NewHeader(ev, Options{Strategy: "grid", Seed: 3})
	d := memDir{"front/99_stale.yaml": "old", "report.md": "kept"}
	cases := []struct {
		name  string
		front []Record
	}{{"whole front", front}, {"shorter front", front[:1]}}
	for _, c := range cases {
		members, err := ExportFront(d, sp, h, c.front)
		if err != nil {
			t.Fatal(err)
		}
		if len(members) != len(c.front) || len(d.Names("front")) != len(c.front) || d["report.md"] != "kept" {
			t.Fatalf("%s: %d members, files %v", c.name, len(members), d.Names(""))
		}
		for i, m := range members {
			name := strings.TrimPrefix(m.Spec, "out/")
			if m.Rank != i+1 || m.Candidate != c.front[i].Key || !strings.HasPrefix(name, "front/0") ||
				!strings.Contains(d[name], "candidate: "+m.Candidate) || !strings.Contains(d[name], "of search tiny") {
				t.Errorf("%s: member %+v, file:\n%s", c.name, m, d[name])
			}
		}
	}
}

func TestReportText(t *testing.T) {
	lat, nw := 0.5, 30.0
	m := &Metrics{Params: 1500, MACs: 2e6, LatencyMS: &lat, NASWOT: &nw, Recon: 0.25, Mixer: "pconv"}
	sp := &Space{Name: "s", Objectives: []Objective{{Metric: "latency"}, {Metric: "naswot", Maximize: true}},
		Constraints: []Constraint{{Metric: "params", Max: 60e3}, {Metric: "latency", Max: 2}}}
	recs := []Record{{Key: "a=1", Metrics: m, Feasible: true}, {Key: "a=2", Error: "invalid"}}
	r := NewReport(sp, Header{Strategy: "grid", Seed: 1, Shard: "0/1", Latency: "none"}, "j.jsonl", recs)
	r.Front = []FrontMember{{Rank: 1, Name: "1", Candidate: "a=1", Metrics: m, MeasuredMS: &lat}}
	r.FrontChart, r.HVChart = "out/front.png", "out/hypervolume.png"
	if r.Evaluated != 2 || r.Feasible != 1 || r.Failed != 1 || len(r.Best) != 1 {
		t.Fatalf("report %+v", r)
	}
	for _, c := range []struct {
		measured bool
		want     []string
	}{
		{false, []string{"constraints: params <= 60.00K, latency <= 2 ms", "1 feasible, 1 invalid", "latency ms  naswot  params    MACs  recon",
			"1  1          pconv       0.500   30.00  1.500K  2.000M  0.250", "min latency, max naswot", "front specs: out/front/*.yaml"}},
		{true, []string{"recon  measured ms", "0.250        0.500"}},
	} {
		var b bytes.Buffer
		if err := r.WriteText(&b, c.measured); err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("measured %v: no %q in\n%s", c.measured, w, b.String())
			}
		}
	}
}

func TestReportColumns(t *testing.T) {
	lat := 1.0
	for _, c := range []struct {
		objs []Objective
		recs []Record
		want []string
	}{
		{[]Objective{{Metric: "flops"}}, nil, []string{"flops", "params", "macs", "recon"}},
		{[]Objective{{Metric: "macs"}, {Metric: "recon"}}, []Record{{Metrics: &Metrics{LatencyMS: &lat}}}, []string{"macs", "recon", "params", "latency"}},
	} {
		if got := ReportColumns(&Space{Objectives: c.objs}, c.recs); !slices.Equal(got, c.want) {
			t.Errorf("%v: columns %v, want %v", c.objs, got, c.want)
		}
	}
}

func TestBestUnder(t *testing.T) {
	sp := &Space{Objectives: []Objective{{Metric: "params"}, {Metric: "naswot", Maximize: true}}}
	rec := func(key string, lat float64, params int64, naswot float64) Record {
		return Record{Key: key, Feasible: true, Metrics: &Metrics{LatencyMS: &lat, Params: params, NASWOT: &naswot}}
	}
	recs := []Record{rec("slow", 9, 100, 30), rec("fast", 1, 200, 20), rec("faster", 0.5, 300, 10), {Key: "no latency", Feasible: true, Metrics: &Metrics{Params: 1}}}
	for _, c := range []struct {
		extra []Constraint
		want  []string // best by params, by naswot
	}{
		{nil, []string{"no latency", "slow"}},
		{[]Constraint{{Metric: "latency", Max: 2}}, []string{"fast", "fast"}},
		{[]Constraint{{Metric: "latency", Max: 0.5}, {Metric: "params", Max: 1000}}, []string{"faster", "faster"}},
		{[]Constraint{{Metric: "latency", Max: 0.1}}, nil},
	} {
		var got []string
		for _, b := range sp.BestUnder(recs, c.extra...) {
			for range b.Objectives {
				got = append(got, b.Key)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("under %v: best %v, want %v", c.extra, got, c.want)
		}
	}
}
