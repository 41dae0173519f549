package tui

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/fnlab/fnlab/search"
)

// fmtMetric formats a metric for the list and the axes
// (search.MetricDef.Short).
func fmtMetric(name string, v float64) string { return search.Metric(name).Short(v) }

// keyName shortens a candidate key when the journal's space did not load
// (its ShortName needs the genes): the values, "-" between the same kind
// of key and "_" between kinds, as ShortName does, so
// "stages.0.n_div=2 stages.1.n_div=2 stages.0.depth=1 mixer=dwconv" is
// "2-2_1_dwconv".
func keyName(key string) string {
	var b strings.Builder
	prev := ""
	for i, kv := range strings.Fields(key) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return key
		}
		kind := k[strings.LastIndexByte(k, '.')+1:]
		switch {
		case i == 0:
		case kind == prev:
			b.WriteByte('-')
		default:
			b.WriteByte('_')
		}
		prev = kind
		b.WriteString(v)
	}
	return b.String()
}

func (s searchScreen) view() string {
	w := s.w
	var lines []string
	add := func(x string) { lines = append(lines, line(x, w)) }
	if s.src.Path == "" {
		add(" No search journal. Start one with `fnlab search SPACE --journal FILE`,")
		add(" then run `fnlab tui --journal FILE`, or press o to open a journal here.")
		return strings.Join(lines, "\n")
	}
	nFront := 0
	for _, c := range s.cands {
		if c.front {
			nFront++
		}
	}
	space := s.head.Space
	if s.space != nil {
		space = s.space.Name
	}
	title := fmt.Sprintf(" %s · %s · %d evaluated", stTitle.Render("Search "+space), s.head.Strategy, len(s.cands))
	if s.head.Budget > 0 {
		title += fmt.Sprintf(" of %d", s.head.Budget)
	}
	title += fmt.Sprintf(" · front %d · %s", nFront, filepath.Base(s.src.Path))
	add(title)
	if s.err != nil {
		add(" " + stErr.Render(oneLine(s.err)))
	}
	if s.spaceErr != nil {
		add(" " + stErr.Render("no front, enter cannot open: "+oneLine(s.spaceErr)))
	}
	list := s.shown()
	names := s.objNames()
	var sel *candidate
	if len(list) > 0 {
		sel = list[s.sel]
	}
	lines = append(lines, s.plot(names, sel)...)
	return strings.Join(append(lines, s.listView(list)...), "\n")
}

// listView is the candidate list: cursor and front mark, then index,
// name, mixer and the metric columns; on a narrow terminal the columns
// of least use go first (the other metrics, mixer, MACs, params, index),
// the two objectives stay.
func (s searchScreen) listView(list []*candidate) []string {
	w := s.w
	arrow := "↑"
	if s.sortDesc {
		arrow = "↓"
	}
	title := func(t, key string) string {
		if key == s.sortBy {
			return t + arrow
		}
		return t
	}
	cols := []column{{title: title("#", sortIndex), drop: 1}, {title: "candidate", left: true, flex: true}, {title: "mixer", left: true, drop: 4}}
	for i, m := range s.metrics {
		c := column{title: title(search.Metric(m).Title, m)}
		switch {
		case i < 2:
		case m == "params":
			c.drop = 2
		case m == "macs":
			c.drop = 3
		default:
			c.drop = dropExtra + i
		}
		cols = append(cols, c)
	}
	// Widths come from every candidate, not the rows in view, so that
	// columns do not come and go while scrolling.
	cells := func(c *candidate) []string {
		name := c.name
		if c.rec.Error != "" {
			name += " (" + c.rec.Error + ")"
		} else if !c.rec.Feasible {
			name += " (infeasible)"
		}
		mixer := "-"
		if c.rec.Metrics != nil {
			mixer = c.rec.Metrics.Mixer
		}
		out := []string{fmt.Sprint(c.rec.Index), name, mixer}
		for i, m := range s.metrics {
			out = append(out, fmtMetric(m, c.vals[i]))
		}
		return out
	}
	nameMin := 0
	for i := range s.cands {
		for j, cell := range cells(&s.cands[i]) {
			cols[j].widen(cell)
		}
		nameMin = max(nameMin, len([]rune(s.cands[i].name)))
	}
	t := fitTable(cols, 3, min(nameMin, 40), w)
	out := []string{line(stHeader.Render(t.header()), w)}
	for i := s.offset; i < len(list) && i < s.offset+s.listRows(); i++ {
		c := list[i]
		lead := " "
		if i == s.sel {
			lead = ">"
		}
		switch {
		case c.front:
			lead += "*"
		case c.rec.Error != "" || !c.rec.Feasible:
			lead += "x" // also when the reason is cut off
		default:
			lead += " "
		}
		row := t.row(lead, cells(c))
		switch {
		case i == s.sel:
			row = stSelected.Render(row)
		case c.front:
			row = stFront.Render(row)
		}
		out = append(out, line(row, w))
	}
	if len(list) == 0 {
		out = append(out, "   no candidates"+map[bool]string{true: " match", false: " yet"}[s.filter != "" || s.frontOnly])
	}
	return out
}

func (s searchScreen) plot(names []string, sel *candidate) []string {
	w, rows := s.w, s.plotRows()
	const yLabelW = 10
	pw := max(10, w-yLabelW-3)
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, c := range s.cands {
		x, y := c.obj(0), c.obj(1)
		if math.IsNaN(x) || math.IsNaN(y) {
			continue
		}
		minX, maxX, minY, maxY = math.Min(minX, x), math.Max(maxX, x), math.Min(minY, y), math.Max(maxY, y)
	}
	grid := make([][]rune, rows)
	for i := range grid {
		grid[i] = []rune(strings.Repeat(" ", pw))
	}
	cell := func(x, y float64) (int, int) {
		cx, cy := 0, rows-1
		if maxX > minX {
			cx = int((x - minX) / (maxX - minX) * float64(pw-1))
		}
		if maxY > minY {
			cy = rows - 1 - int((y-minY)/(maxY-minY)*float64(rows-1))
		}
		return cx, cy
	}
	rank := map[rune]int{' ': 0, '·': 1, '*': 2, '@': 3}
	put := func(c *candidate, r rune) {
		if math.IsNaN(c.obj(0)) || math.IsNaN(c.obj(1)) {
			return
		}
		x, y := cell(c.obj(0), c.obj(1))
		if rank[r] > rank[grid[y][x]] {
			grid[y][x] = r
		}
	}
	for i := range s.cands {
		c := &s.cands[i]
		if c.front {
			put(c, '*')
		} else {
			put(c, '·')
		}
	}
	if sel != nil {
		put(sel, '@')
	}
	var out []string
	for i, r := range grid {
		label := ""
		switch {
		case math.IsInf(minY, 1):
		case i == 0:
			label = fmtMetric(names[1], maxY)
		case i == rows-1:
			label = fmtMetric(names[1], minY)
		case i == rows/2:
			label = names[1]
		}
		row := string(r)
		row = strings.ReplaceAll(row, "*", stFront.Render("*"))
		out = append(out, " "+right(cut(label, yLabelW), yLabelW)+" │"+row)
	}
	// The x axis: its range and name under the plot.
	xl := ""
	if !math.IsInf(minX, 1) {
		lo, hi := fmtMetric(names[0], minX), fmtMetric(names[0], maxX)
		mid := names[0] + " →   * front  @ selected"
		gap := pw - len(lo) - len(hi) - len([]rune(mid))
		xl = lo + spaces(max(1, gap/2)) + mid + spaces(max(1, gap-gap/2)) + hi
	}
	out = append(out, " "+spaces(yLabelW)+" └"+xl)
	return out
}
