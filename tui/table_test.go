package tui

import (
	"strings"
	"testing"
)

func TestFitTable(t *testing.T) {
	cols := func() []column {
		return []column{{title: "name", left: true, flex: true, w: 20}, {title: "a", w: 6}, {title: "b", w: 6, drop: 1},
			{title: "r", w: 6, drop: 7}, {title: "w", w: 6, drop: 7}, {title: "x", w: 6, drop: 9}}
	}
	cases := []struct {
		avail int
		shown string // titles kept
		gap   int
	}{
		{100, "name a b r w x", 2},
		{60, "name a b r w", 2}, // the extra x goes before the gap shrinks
		{45, "name a b", 2},     // r and w go together
		{35, "name a b", 1},
		{34, "name a", 1},
		{10, "name a", 1}, // the name is cut, a is not
	}
	for _, c := range cases {
		tb := fitTable(cols(), 1, 20, c.avail)
		var got []string
		for i, col := range tb.cols {
			if tb.shown[i] {
				got = append(got, col.title)
			}
		}
		if strings.Join(got, " ") != c.shown || tb.gap != c.gap {
			t.Errorf("avail %d: shown %q gap %d, want %q gap %d", c.avail, got, tb.gap, c.shown, c.gap)
		}
		row := tb.row(" ", []string{strings.Repeat("n", 20), "41.23M", "1", "2", "3", "4"})
		if !strings.Contains(row, "41.23M") {
			t.Errorf("avail %d: number cut: %q", c.avail, row)
		}
	}
}
