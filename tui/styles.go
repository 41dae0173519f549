package tui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// Styles are package-level: lipgloss picks the colour profile of the
// terminal (none when the output is not a terminal, as in tests), so the
// frames stay readable as plain text; every highlight has a textual mark
// too ([value] for the selected field, +/- signs on deltas).
var (
	stTitle    = lipgloss.NewStyle().Bold(true)
	stTabOn    = lipgloss.NewStyle().Bold(true).Reverse(true)
	stTabOff   = lipgloss.NewStyle().Faint(true)
	stHeader   = lipgloss.NewStyle().Bold(true)
	stFaint    = lipgloss.NewStyle().Faint(true)
	stSelected = lipgloss.NewStyle().Reverse(true)
	stBetter   = lipgloss.NewStyle().Foreground(lipgloss.Color("42"))  // green: cheaper than the start
	stWorse    = lipgloss.NewStyle().Foreground(lipgloss.Color("203")) // red: dearer than the start
	stErr      = lipgloss.NewStyle().Foreground(lipgloss.Color("203")).Bold(true)
	stOK       = lipgloss.NewStyle().Foreground(lipgloss.Color("42"))
	stTimeBar  = lipgloss.NewStyle().Foreground(lipgloss.Color("213"))
	stMACBar   = lipgloss.NewStyle().Foreground(lipgloss.Color("39"))
	stFront    = lipgloss.NewStyle().Foreground(lipgloss.Color("214")).Bold(true)
)

// fit pads or cuts s (which may hold escape sequences) to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := ansi.StringWidth(s)
	if n > w {
		return ansi.Truncate(s, w-1, "") + "…"
	}
	return s + spaces(w-n)
}

// line cuts s to w cells and drops trailing blanks (frames do not pad).
func line(s string, w int) string {
	return strings.TrimRight(cut(s, w), " ")
}

// cut shortens s to at most w cells, marking the cut with "…".
func cut(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	if w <= 1 {
		return ansi.Truncate(s, w, "")
	}
	return ansi.Truncate(s, w-1, "") + "…"
}

// right right-aligns s in w cells (cutting it when longer).
func right(s string, w int) string {
	n := ansi.StringWidth(s)
	if n >= w {
		return cut(s, w)
	}
	return spaces(w-n) + s
}

func spaces(n int) string {
	if n <= 0 {
		return ""
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = ' '
	}
	return string(b)
}

// delta styles a signed change: green when it lowers a cost, red when it
// raises it, plain when zero.
func delta(text string, d float64) string {
	switch {
	case d < 0:
		return stBetter.Render(text)
	case d > 0:
		return stWorse.Render(text)
	}
	return text
}

// hbar draws a horizontal bar of frac*w cells with eighth-block resolution.
func hbar(frac float64, w int) string {
	if frac < 0 {
		frac = 0
	}
	if frac > 1 {
		frac = 1
	}
	eighths := int(frac*float64(w)*8 + 0.5)
	full, rem := eighths/8, eighths%8
	s := make([]rune, 0, w)
	for i := 0; i < full; i++ {
		s = append(s, '█')
	}
	if rem > 0 {
		s = append(s, []rune("▏▎▍▌▋▊▉")[rem-1])
	}
	return string(s)
}
