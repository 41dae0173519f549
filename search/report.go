package search

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fnlab/fnlab/report"
)

// Report is a search's outcome: what searched, the counts, the front
// (ExportFront), the best feasible candidate by each objective and the
// hypervolume over evaluations. Its JSON is `fnlab search --format json`.
type Report struct {
	Space       string        `json:"space"`
	SpaceHash   string        `json:"space_hash"`
	Strategy    string        `json:"strategy"`
	Seed        uint64        `json:"seed"`
	Shard       string        `json:"shard"`
	Latency     string        `json:"latency"`
	Journal     string        `json:"journal"`
	Objectives  []Objective   `json:"objectives"`
	Constraints []Constraint  `json:"constraints"`
	Evaluated   int           `json:"evaluated"`
	Feasible    int           `json:"feasible"`
	Failed      int           `json:"failed"`
	Front       []FrontMember `json:"front"`
	Best        []Best        `json:"best_feasible"`
	Hypervolume []HVPoint     `json:"hypervolume"`
	FrontChart  string        `json:"front_chart"`
	HVChart     string        `json:"hypervolume_chart"`
}

// NewReport summarises the records of the search of h journaled at
// journal: the counts, the best feasible candidates and 100 points of the
// hypervolume curve. Front and the chart paths are the caller's.
func NewReport(sp *Space, h Header, journal string, recs []Record) *Report {
	r := &Report{Space: sp.Name, SpaceHash: sp.Hash, Strategy: h.Strategy, Seed: h.Seed, Shard: h.Shard, Latency: h.Latency,
		Journal: journal, Objectives: sp.Objectives, Constraints: sp.Constraints, Evaluated: len(recs)}
	for _, rec := range recs {
		switch {
		case rec.Error != "":
			r.Failed++
		case rec.Feasible:
			r.Feasible++
		}
	}
	r.Best = sp.BestFeasible(recs)
	r.Hypervolume = sp.HypervolumeCurve(recs, 100)
	return r
}

// ReportColumns are the metrics a report's tables show: the objectives
// first, then params and MACs (always, next to any proxy), then latency
// and naswot if the first record has them, and recon.
func ReportColumns(sp *Space, recs []Record) []string {
	var cols []string
	add := func(m string) {
		if !slices.Contains(cols, m) {
			cols = append(cols, m)
		}
	}
	for _, o := range sp.Objectives {
		add(o.Metric)
	}
	add("params")
	add("macs")
	if len(recs) > 0 && recs[0].Metrics != nil {
		if recs[0].Metrics.LatencyMS != nil {
			add("latency")
		}
		if recs[0].Metrics.NASWOT != nil {
			add("naswot")
		}
	}
	add("recon")
	return cols
}

// WriteText writes the report as `fnlab search` shows it: what searched,
// the counts, the front table (with measured latency when measured), the
// best feasible candidates, the hypervolume and where the charts and
// front specs are.
func (r *Report) WriteText(w io.Writer, measured bool) error {
	var objs, cons []string
	for _, o := range r.Objectives {
		objs = append(objs, o.String())
	}
	for _, c := range r.Constraints {
		cons = append(cons, c.String())
	}
	fmt.Fprintf(w, "search %s: %s, seed %d, shard %s  ·  latency: %s\n", r.Space, r.Strategy, r.Seed, r.Shard, r.Latency)
	fmt.Fprintf(w, "objectives: %s  ·  constraints: %s\n", strings.Join(objs, ", "), orNone(strings.Join(cons, ", ")))
	fmt.Fprintf(w, "%d evaluated, %d feasible, %d invalid  ·  journal %s\n\n", r.Evaluated, r.Feasible, r.Failed, r.Journal)
	var recs []Record
	for _, m := range r.Front {
		recs = append(recs, Record{Metrics: m.Metrics})
	}
	cols := ReportColumns(&Space{Objectives: r.Objectives}, recs)
	labels := make([]string, len(cols))
	right := make([]bool, len(cols))
	for i, c := range cols {
		labels[i], right[i] = Metric(c).Label, true
	}
	cells := func(row []string, m *Metrics) []string {
		for _, c := range cols {
			d := Metric(c)
			row = append(row, d.Cell(d.Value(m)))
		}
		return row
	}
	header := append([]string{"#", "candidate", "mixer"}, labels...)
	align := append([]bool{true, false, false}, right...)
	if measured {
		header, align = append(header, "measured ms"), append(align, true)
	}
	fmt.Fprintf(w, "Pareto front (%d):\n", len(r.Front))
	t := &report.Table{Header: header, Right: align}
	for _, m := range r.Front {
		row := cells([]string{fmt.Sprint(m.Rank), m.Name, m.Metrics.Mixer}, m.Metrics)
		if measured && m.MeasuredMS != nil {
			row = append(row, fmt.Sprintf("%.3f", *m.MeasuredMS))
		}
		t.Add(row...)
	}
	if err := t.Write(w); err != nil {
		return err
	}
	if len(r.Best) > 0 {
		fmt.Fprintln(w, "\nbest feasible candidate (every constraint met) by each objective:")
		bt := &report.Table{Header: append([]string{"best by", "candidate"}, labels...), Right: append([]bool{false, false}, right...)}
		for _, b := range r.Best {
			bt.Add(cells([]string{strings.Join(b.Objectives, ", "), orNone(b.Name)}, b.Metrics)...)
		}
		if err := bt.Write(w); err != nil {
			return err
		}
	}
	if len(r.Hypervolume) > 0 {
		hv := r.Hypervolume[len(r.Hypervolume)-1].Hypervolume
		most := math.Pow(1.1, float64(len(r.Objectives)))
		fmt.Fprintf(w, "\nhypervolume %.4f after %d evaluations, %.0f%% of the most there can be (%.4f): objectives scaled to [0, 1] over the feasible records, reference point 1.1 in each\n",
			hv, r.Evaluated, 100*hv/most, most)
	}
	fmt.Fprintf(w, "charts: %s, %s (and .svg)\nfront specs: %s\n", r.FrontChart, r.HVChart, filepath.Join(filepath.Dir(r.FrontChart), "front", "*.yaml"))
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
