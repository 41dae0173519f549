package charts

import (
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
)

// Ticks is a linear-axis ticker: four to seven labelled ticks at
// multiples of 1, 2, 2.5 or 5 times a power of ten (gonum's default gives
// two or three, too few to read a bar against), a minor tick half way,
// labels by FormatTick so none shows float noise (0.30000000000000004).
type Ticks struct{}

// Ticks implements plot.Ticker.
func (Ticks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) || math.IsInf(max-min, 0) {
		return nil
	}
	raw := (max - min) / 6
	mag := math.Pow10(int(math.Floor(math.Log10(raw))))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw*0.999 {
			step = m * mag
			break
		}
	}
	minor := step / 2
	var ts []plot.Tick
	// Integer multiples of the minor step: no accumulated rounding.
	for i := math.Ceil(min / minor); i*minor <= max+1e-9*step; i++ {
		t := plot.Tick{Value: i * minor}
		if math.Mod(i, 2) == 0 {
			t.Label = "x" // relabelled below
		}
		ts = append(ts, t)
	}
	relabel(ts)
	return ts
}

// LogTicks is a log-axis ticker: a labelled tick at every power of ten
// and, when fewer than three powers of ten fall inside the axis, also at 2
// and 5 times them, so a short log axis still reads (and at every
// multiple when even that leaves fewer than two); minor ticks at the other
// multiples. Labels come from FormatTick: 1e-4, not
// 9.999999999999999e-05 (what math.Pow10 products print as).
type LogTicks struct{}

// Ticks implements plot.Ticker.
func (LogTicks) Ticks(min, max float64) []plot.Tick {
	if min <= 0 || max <= min {
		return nil
	}
	lo, hi := int(math.Floor(math.Log10(min))), int(math.Ceil(math.Log10(max)))
	in := func(v float64) bool { return v >= min*(1-1e-9) && v <= max*(1+1e-9) }
	decades := 0
	for d := lo; d <= hi; d++ {
		if in(math.Pow10(d)) {
			decades++
		}
	}
	var ts []plot.Tick
	for d := lo; d <= hi; d++ {
		for m := 1; m < 10; m++ {
			// m * 10^d computed from a decimal string: exact to the last bit.
			v, _ := strconv.ParseFloat(strconv.Itoa(m)+"e"+strconv.Itoa(d), 64)
			if !in(v) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || (decades < 3 && (m == 2 || m == 5)) {
				t.Label = "x" // relabelled below
			}
			ts = append(ts, t)
		}
	}
	if labelled(ts) < 2 {
		// Under a factor of five: label every tick rather than none.
		for i := range ts {
			ts[i].Label = "x"
		}
	}
	relabel(ts)
	return ts
}

func labelled(ts []plot.Tick) int {
	n := 0
	for _, t := range ts {
		if t.Label != "" {
			n++
		}
	}
	return n
}

// relabel rewrites the label of every labelled tick with FormatTick.
// Values within 1e-9 of the largest tick of zero are zero: tick arithmetic
// leaves 5.5e-17 where 0 was meant.
func relabel(ts []plot.Tick) {
	maxAbs := 0.0
	for _, t := range ts {
		maxAbs = math.Max(maxAbs, math.Abs(t.Value))
	}
	for i, t := range ts {
		if t.Label == "" {
			continue
		}
		v := t.Value
		if math.Abs(v) < 1e-9*maxAbs {
			v = 0
		}
		ts[i].Label = FormatTick(v)
	}
}

// FormatTick writes v with the fewest significant digits that give v back
// to 1e-9 relative (so 0.35, 2.5e-4, 1e-4; never float noise), in plain
// decimals from 0.001 up to a million and as mantissa e exponent outside
// ("1e-5", "2.5e6": shorter than 0.000025 and easier to compare).
func FormatTick(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	digits := 1
	for ; digits < 15; digits++ {
		r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'e', digits-1, 64), 64)
		if math.Abs(r-v) <= 1e-9*math.Abs(v) {
			break
		}
	}
	s := strconv.FormatFloat(v, 'e', digits-1, 64) // 2.5e-04
	mant, exp, _ := strings.Cut(s, "e")
	if a := math.Abs(v); a >= 1e-3 && a < 1e6 {
		e, _ := strconv.Atoi(exp) // from the string: Log10(0.001) may round below -3
		return strconv.FormatFloat(v, 'f', max(0, digits-1-e), 64)
	}
	sign := ""
	if exp[0] == '-' {
		sign = "-"
	}
	exp = strings.TrimLeft(exp[1:], "0")
	return mant + "e" + sign + exp
}

// logDecades is how many decades the positive values of vs span; values
// at or below floor*max count as zero (a fitting check that reached 1e-9
// next to losses of 0.4 is "zero", not a reason for a log axis).
func logDecades(vs []float64, floor float64) float64 {
	hi := math.Inf(-1)
	for _, v := range vs {
		if v > 0 && !math.IsInf(v, 0) {
			hi = math.Max(hi, v)
		}
	}
	if math.IsInf(hi, -1) {
		return 0
	}
	lo := hi
	for _, v := range vs {
		if v > floor*hi && !math.IsInf(v, 0) {
			lo = math.Min(lo, v)
		}
	}
	return math.Log10(hi / lo)
}

// LogDecadesMin is the span (in decades) from which a chart that allows a
// log axis takes one: below it a linear axis shows the differences better
// (0.3 against 0.6 is a visible factor of two on a linear axis and a
// sliver on a nine-decade log axis).
const LogDecadesMin = 1.5

// negligible is the fraction of the largest value under which a value is
// drawn as zero on an auto-scaled axis (under a pixel on a linear axis).
const negligible = 1e-3
