package report

import (
	"fmt"
	"io"

	"github.com/fnlab/fnlab/analyze"
)

// LayerDiff is one layer that differs between two analyses.
type LayerDiff struct {
	Name   string             `json:"name"`
	Change string             `json:"change"` // "changed", "added" (only in B) or "removed" (only in A)
	A      *analyze.LayerCost `json:"a"`
	B      *analyze.LayerCost `json:"b"`
	Delta  analyze.Cost       `json:"delta"` // B - A
}

// DiffDoc compares two analyses layer by layer (matched by name).
type DiffDoc struct {
	A         string       `json:"a"`
	B         string       `json:"b"`
	TotalsA   analyze.Cost `json:"totals_a"`
	TotalsB   analyze.Cost `json:"totals_b"`
	Delta     analyze.Cost `json:"delta"`
	Layers    []LayerDiff  `json:"layers"`
	Unchanged int          `json:"unchanged"`
}

// Diff compares a and b. Layers keep a's order; layers only in b follow.
func Diff(a, b *analyze.Report) DiffDoc {
	d := DiffDoc{A: a.Model, B: b.Model, TotalsA: a.Totals, TotalsB: b.Totals, Delta: b.Totals.Sub(a.Totals), Layers: []LayerDiff{}}
	inB := map[string]int{}
	for i, l := range b.Layers {
		inB[l.Name] = i
	}
	seen := map[string]bool{}
	for i := range a.Layers {
		la := &a.Layers[i]
		seen[la.Name] = true
		j, ok := inB[la.Name]
		if !ok {
			d.Layers = append(d.Layers, LayerDiff{Name: la.Name, Change: "removed", A: la, Delta: analyze.Cost{}.Sub(la.Cost)})
			continue
		}
		lb := &b.Layers[j]
		if la.Cost == lb.Cost && la.Op == lb.Op && shapeStr(la.OutShape) == shapeStr(lb.OutShape) {
			d.Unchanged++
			continue
		}
		d.Layers = append(d.Layers, LayerDiff{Name: la.Name, Change: "changed", A: la, B: lb, Delta: lb.Cost.Sub(la.Cost)})
	}
	for i := range b.Layers {
		lb := &b.Layers[i]
		if !seen[lb.Name] {
			d.Layers = append(d.Layers, LayerDiff{Name: lb.Name, Change: "added", B: lb, Delta: lb.Cost})
		}
	}
	return d
}

// DiffTable writes the differing layers and the totals.
func DiffTable(w io.Writer, d DiffDoc) error {
	fmt.Fprintf(w, "A = %s, B = %s: %d layers differ, %d unchanged\n", d.A, d.B, len(d.Layers), d.Unchanged)
	t := &Table{
		Header: []string{"layer", "change", "op", "out shape A → B", "params A → B", "MACs A → B", "Δ MACs", "Δ bytes"},
		Right:  []bool{false, false, false, false, true, true, true, true},
	}
	side := func(l *analyze.LayerCost, f func(*analyze.LayerCost) string) string {
		if l == nil {
			return "-"
		}
		return f(l)
	}
	op := func(l *analyze.LayerCost) string { return l.Op }
	shape := func(l *analyze.LayerCost) string { return shapeStr(l.OutShape) }
	params := func(l *analyze.LayerCost) string { return SI(l.Params) }
	macs := func(l *analyze.LayerCost) string { return SI(l.MACs) }
	for _, l := range d.Layers {
		o := side(l.A, op)
		if l.A == nil || (l.B != nil && l.B.Op != l.A.Op) {
			o = side(l.A, op) + " → " + side(l.B, op)
		}
		t.Add(l.Name, l.Change, o, side(l.A, shape)+" → "+side(l.B, shape), side(l.A, params)+" → "+side(l.B, params),
			side(l.A, macs)+" → "+side(l.B, macs), Signed(l.Delta.MACs), Signed(l.Delta.Bytes()))
	}
	t.Add("total", "", "", "", SI(d.TotalsA.Params)+" → "+SI(d.TotalsB.Params), SI(d.TotalsA.MACs)+" → "+SI(d.TotalsB.MACs),
		Signed(d.Delta.MACs), Signed(d.Delta.Bytes()))
	if err := t.Write(w); err != nil {
		return err
	}
	ratio := func(a, b int64) string {
		if a == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.3fx", float64(b)/float64(a))
	}
	_, err := fmt.Fprintf(w, "B/A: params %s · MACs %s · FLOPs %s · bytes %s\n", ratio(d.TotalsA.Params, d.TotalsB.Params),
		ratio(d.TotalsA.MACs, d.TotalsB.MACs), ratio(d.TotalsA.FLOPs, d.TotalsB.FLOPs), ratio(d.TotalsA.Bytes(), d.TotalsB.Bytes()))
	return err
}
