package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// A table that fits the terminal by dropping whole columns, never by
// cutting a number: a cut "41.…" reads as a different value. One column
// (the layer or candidate name) is flexible: it keeps at least the width
// that makes its names usable, takes what the kept columns leave, and is
// the only one whose cells are ever cut.
type column struct {
	title string
	w     int  // widest cell or title
	left  bool // left-aligned (names); numbers are right-aligned
	drop  int  // 0: always kept; the highest is dropped first, equal ones together
	flex  bool
}

// Columns with drop >= dropExtra are extras for a wide terminal: they go
// before the tables pack their columns closer.
const dropExtra = 5

// table is the columns of one frame and which of them fit.
type table struct {
	cols  []column
	shown []bool
	leadW int // cells before every row: cursor and marks are not columns
	gap   int // blanks before each column
}

// widen makes c wide enough for cell (cells may hold escape sequences).
func (c *column) widen(cell string) { c.w = max(c.w, ansi.StringWidth(cell)) }

// fitTable drops columns, highest drop first, until the others and the
// flexible column at flexMin fit in avail cells (lead included); the
// flexible column then gets the room left, at most its widest cell.
func fitTable(cols []column, leadW, flexMin, avail int) table {
	t := table{cols: cols, shown: make([]bool, len(cols)), leadW: leadW, gap: 1}
	for i := range cols {
		cols[i].w = max(cols[i].w, ansi.StringWidth(cols[i].title))
		t.shown[i] = true
	}
	need := func() int {
		n := leadW - t.gap // no gap before the first column
		for i, c := range cols {
			if !t.shown[i] {
				continue
			}
			if c.flex {
				n += min(c.w, flexMin)
			} else {
				n += c.w
			}
			n += t.gap
		}
		return n
	}
	// dropUntil drops columns, highest drop first, down to drop level
	// lowest, until the table fits; it reports whether it does. Columns of
	// one drop level go together (read without written would mislead).
	dropUntil := func(lowest int) bool {
		for need() > avail {
			worst := 0
			for i, c := range cols {
				if t.shown[i] && c.drop >= lowest {
					worst = max(worst, c.drop)
				}
			}
			if worst == 0 {
				return false
			}
			for i, c := range cols {
				if c.drop == worst {
					t.shown[i] = false
				}
			}
		}
		return true
	}
	// Two blanks between columns read better than the extra columns of a
	// wide terminal; the essential ones go before the second blank does.
	t.gap = 2
	if !dropUntil(dropExtra) {
		t.gap = 1
		dropUntil(1)
	}
	for i, c := range cols {
		if c.flex {
			rest := avail - need() + min(c.w, flexMin)
			cols[i].w = max(1, min(c.w, rest))
		}
	}
	return t
}

// has reports whether the column titled title is shown.
func (t table) has(title string) bool {
	for i, c := range t.cols {
		if c.title == title {
			return t.shown[i]
		}
	}
	return false
}

// header is the title row.
func (t table) header() string {
	titles := make([]string, len(t.cols))
	for i, c := range t.cols {
		titles[i] = c.title
	}
	return t.row("", titles)
}

// row lays cells (one per column, shown or not) out in the kept columns
// after lead (padded to the lead width).
func (t table) row(lead string, cells []string) string {
	var b strings.Builder
	b.WriteString(lead + spaces(t.leadW-ansi.StringWidth(lead)))
	first := true
	for i, c := range t.cols {
		if !t.shown[i] {
			continue
		}
		if !first {
			b.WriteString(spaces(t.gap))
		}
		first = false
		cell := cells[i]
		if c.flex {
			cell = cut(cell, c.w)
		}
		pad := spaces(c.w - ansi.StringWidth(cell))
		if c.left {
			b.WriteString(cell + pad)
		} else {
			b.WriteString(pad + cell)
		}
	}
	return b.String()
}
