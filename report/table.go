package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Table is a text table with a header row; columns after the first
// numeric ones are right-aligned.
type Table struct {
	Header []string
	Right  []bool // per column: right-align
	Rows   [][]string
}

// Add appends a row.
func (t *Table) Add(cells ...string) { t.Rows = append(t.Rows, cells) }

// Write renders the table with two spaces between columns.
func (t *Table) Write(w io.Writer) error {
	width := make([]int, len(t.Header))
	for i, h := range t.Header {
		width[i] = utf8.RuneCountInString(h)
	}
	for _, r := range t.Rows {
		for i, c := range r {
			if i < len(width) {
				width[i] = max(width[i], utf8.RuneCountInString(c))
			}
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		for i := range t.Header {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if i < len(t.Right) && t.Right[i] {
				b.WriteString(pad + c)
			} else if i == len(t.Header)-1 {
				b.WriteString(c)
			} else {
				b.WriteString(c + pad)
			}
		}
		b.WriteString("\n")
	}
	line(t.Header)
	for _, r := range t.Rows {
		line(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// SI formats n with an SI suffix and four significant digits: 3905500 ->
// "3.906M", 335422720 -> "335.4M", 940 -> "940".
func SI(n int64) string { return SIf(float64(n)) }

// SIf is SI for a float.
func SIf(x float64) string {
	a := x
	if a < 0 {
		a = -a
	}
	units := []struct {
		v float64
		s string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "K"}}
	for _, u := range units {
		if a >= u.v {
			return sig4(x/u.v) + u.s
		}
	}
	if x == float64(int64(x)) {
		return strconv.FormatInt(int64(x), 10)
	}
	return sig4(x)
}

func sig4(v float64) string {
	a := v
	if a < 0 {
		a = -a
	}
	switch {
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// Bytes formats a byte count in binary units: 1536 -> "1.5 KiB".
func Bytes(n int64) string {
	x := float64(n)
	for _, u := range []string{"B", "KiB", "MiB", "GiB"} {
		if x < 1024 || u == "GiB" {
			if u == "B" {
				return fmt.Sprintf("%d B", n)
			}
			return strconv.FormatFloat(x, 'f', 1, 64) + " " + u
		}
		x /= 1024
	}
	return ""
}

// Comma formats n with thousands separators: 335422720 -> "335,422,720".
func Comma(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Signed formats a delta with its sign: "+1.2M", "-40", "0".
func Signed(n int64) string {
	if n > 0 {
		return "+" + SI(n)
	}
	return SI(n)
}
