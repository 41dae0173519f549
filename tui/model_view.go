package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/report"
)

func (m modelScreen) view() string {
	w := m.w
	var lines []string
	add := func(s string) { lines = append(lines, line(s, w)) }

	// Title.
	changes := m.good.sets(editOf(m.start.Spec))
	title := stTitle.Render(m.cur.Spec.Name)
	from := " · from " + m.start.Label
	if len(m.start.Sets) > 0 {
		from += fmt.Sprintf(" + %d override(s)", len(m.start.Sets))
	}
	state := " · unchanged"
	if len(changes) > 0 {
		state = fmt.Sprintf(" · %d change(s)", len(changes))
	}
	if m.busy {
		state += " · counting…"
	}
	add(" " + title + from + state)

	// Globals row; the fixed part of the input goes when it does not fit.
	in := m.cur.Spec.Input
	globals := fmt.Sprintf(" embed_dim %s  mlp_ratio %s  input %s",
		m.cell(0, 0, m.edit.value(fEmbed, 0), 6), m.cell(0, 1, m.edit.value(fRatio, 0), 6),
		m.cell(0, 2, m.edit.value(fInput, 0), 11))
	if more := fmt.Sprintf("  (%d channels, batch %d)", in.Channels, in.Batch); ansi.StringWidth(globals+more) <= w {
		globals += more
	}
	add(globals)

	lines = append(lines, m.stageTable()...)

	// Traffic, in analyze's units; the changes go first when it is too wide.
	t, t0 := m.cur.Report.Totals, m.start.Report.Totals
	rel := relChange(t.MACs, t0.MACs)
	if rel == "" {
		rel = "±0%"
	}
	traffic := func(deltas bool) string {
		fl, by := "", ""
		if deltas {
			fl, by = paren(report.Signed(t.FLOPs-t0.FLOPs), t.FLOPs-t0.FLOPs), paren(signedBytes(t.Bytes()-t0.Bytes()), t.Bytes()-t0.Bytes())
		}
		return fmt.Sprintf(" MACs %s · FLOPs %s%s · bytes %s%s · %.2f FLOP/B", rel, report.SI(t.FLOPs), fl,
			report.Bytes(t.Bytes()), by, t.Intensity())
	}
	if tr := traffic(true); ansi.StringWidth(tr) <= w {
		add(tr)
	} else {
		add(traffic(false))
	}

	lines = append(lines, m.layerTable()...)
	return strings.Join(lines, "\n")
}

// cell is an editor field, "[value]" when the cursor is on it.
func (m modelScreen) cell(row, col int, text string, w int) string {
	if m.row == row && m.col == col && !m.layersFocus {
		return stSelected.Render("["+text+"]") + spaces(w-len(text)-2)
	}
	return " " + text + " " + spaces(w-len(text)-2)
}

// stageTable is the stage rows and the total. The editable columns stay;
// on a narrow terminal the width, the params change, the params and the
// MACs change go, in this order.
func (m modelScreen) stageTable() []string {
	start, cur := m.start.Report, m.cur.Report
	sc, ss := stageCost(cur, len(m.good.Stages)), stageCost(start, len(m.start.Spec.Stages))
	// Numbers get the width of a typical value up front, so that columns
	// do not shift when the first change appears.
	cols := []column{{title: "stage", left: true}, {title: "depth", left: true}, {title: "mixer", left: true},
		{title: "n_div", left: true}, {title: "width", drop: 5}, {title: "params", w: 6, drop: 3}, {title: "Δ", w: 7, drop: 4},
		{title: "MACs", w: 6}, {title: "Δ", w: 7, drop: 2}}
	var rows [][]string
	for i := range m.edit.Stages {
		var c, s analyze.Cost
		if i < len(sc) {
			c = sc[i]
		}
		if i < len(ss) {
			s = ss[i]
		}
		rows = append(rows, []string{fmt.Sprint(i), m.cell(i+1, 0, m.edit.value(fDepth, i), 0),
			m.cell(i+1, 1, m.edit.value(fMixer, i), 0), m.cell(i+1, 2, m.edit.value(fSplit, i), 0),
			fmt.Sprint(m.edit.stageDim(i)), report.SI(c.Params), signed(c.Params - s.Params),
			report.SI(c.MACs), signed(c.MACs - s.MACs)})
	}
	t, t0 := cur.Totals, start.Totals
	total := []string{stHeader.Render("total"), "", "", "", "", stHeader.Render(report.SI(t.Params)), signed(t.Params - t0.Params),
		stHeader.Render(report.SI(t.MACs)), signed(t.MACs - t0.MACs)}
	for _, r := range append(rows, total) {
		for j, cell := range r {
			cols[j].widen(cell)
		}
	}
	tb := fitTable(cols, 1, 0, m.w)
	out := []string{line(stHeader.Render(tb.header()), m.w)}
	for _, r := range rows {
		out = append(out, line(tb.row("", r), m.w))
	}
	return append(out, line(tb.row("", total), m.w))
}

// layerTable is the header and the rows in view. The name keeps the
// width of the longest (up to 34, "s0.b0.spatial_mixing.partial_conv3").
// A wide terminal also gets analyze's other columns (op, out shape, FLOPs,
// read, written, FLOP/B); they go first as it narrows, then bytes, params,
// the MAC share and the change; MACs stay.
func (m modelScreen) layerTable() []string {
	w := m.w
	ls := m.layers()
	t := m.cur.Report.Totals
	which := "layer"
	if m.allLayers {
		which = "layer, all"
	}
	first, last := min(m.offset+1, len(ls)), min(m.offset+m.layerRows(), len(ls))
	cols := []column{{title: fmt.Sprintf("%s (%d-%d of %d)", which, first, last, len(ls)), left: true, flex: true},
		{title: "op", left: true, drop: 9}, {title: "out shape", left: true, drop: 10},
		{title: "params", w: 6, drop: 3}, {title: "MACs", w: 6}, {title: "FLOPs", w: 6, drop: 5},
		{title: "read", w: 9, drop: 7}, {title: "written", w: 9, drop: 7}, {title: "bytes", w: 9, drop: 4},
		{title: "FLOP/B", drop: 8}, {title: "MAC%", w: 5, drop: 2}, {title: "Δ MACs", w: 7, drop: 1}}
	startMACs := map[string]int64{}
	for _, l := range m.start.Report.Layers {
		startMACs[l.Name] = l.MACs
	}
	cells := func(l analyze.LayerCost) []string {
		share := 0.0
		if t.MACs > 0 {
			share = float64(l.MACs) / float64(t.MACs)
		}
		d := stWorse.Render("new")
		if s, ok := startMACs[l.Name]; ok {
			d = signed(l.MACs - s)
		}
		return []string{shortName(l.Name), l.Op, shapeText(l.OutShape), report.SI(l.Params), report.SI(l.MACs), report.SI(l.FLOPs),
			report.Bytes(l.BytesRead), report.Bytes(l.BytesWritten), report.Bytes(l.Bytes()),
			fmt.Sprintf("%.2f", l.Cost.Intensity()), pct(share), d}
	}
	nameMax := 0
	for _, l := range ls {
		for j, c := range cells(l) {
			cols[j].widen(c)
		}
		nameMax = max(nameMax, len(shortName(l.Name)))
	}
	tb := fitTable(cols, 1, min(nameMax, 34), w)
	hdr := tb.header()
	if m.layersFocus {
		hdr = stSelected.Render("▸" + hdr[1:])
	} else {
		hdr = stHeader.Render(hdr)
	}
	out := []string{line(hdr, w)}
	for i := m.offset; i < len(ls) && i < m.offset+m.layerRows(); i++ {
		out = append(out, line(tb.row(" ", cells(ls[i])), w))
	}
	return out
}

// shapeText is a shape as analyze prints it: "1x40x56x56".
func shapeText(s arch.Shape) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "x")
}

// signed is a coloured delta; zero is shown as "·".
func signed(d int64) string {
	if d == 0 {
		return "·"
	}
	return delta(report.Signed(d), float64(d))
}

// signedBytes is a change of bytes in analyze's binary units: "+1.9 MiB".
func signedBytes(d int64) string {
	switch {
	case d > 0:
		return "+" + report.Bytes(d)
	case d < 0:
		return "-" + report.Bytes(-d)
	}
	return "0 B"
}

// paren is " (text)" coloured by the sign of d, or nothing when d is zero.
func paren(text string, d int64) string {
	if d == 0 {
		return ""
	}
	return " " + delta("("+text+")", float64(d))
}

// relChange is the relative change of a total, e.g. "-3.4%".
func relChange(v, v0 int64) string {
	if v0 == 0 || v == v0 {
		return ""
	}
	r := float64(v-v0) / float64(v0)
	return delta(fmt.Sprintf("%+.1f%%", 100*r), r)
}
