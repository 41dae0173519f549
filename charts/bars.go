package charts

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one colour of a bar chart: Values[i] belongs to category i.
// Lo and Hi (optional, same length) are the ends of each error bar.
type Series struct {
	Name   string
	Values []float64
	Lo, Hi []float64
}

// RefLine is a dashed horizontal line across a bar chart (a peak, a
// budget) with its label at the right end.
type RefLine struct {
	Value float64
	Label string
}

// BarSpec describes a grouped bar chart.
type BarSpec struct {
	Title, XLabel, YLabel string
	Categories            []string
	Series                []Series
	// LogY allows a log axis; Bars takes it only when the values span at
	// least LogDecadesMin decades (ignoring those under 1/1000 of the
	// largest, drawn as zero). The Y label then gets " (log scale)".
	LogY bool
	Refs []RefLine
}

// Bars draws grouped bars with error bars.
func Bars(s BarSpec) (*plot.Plot, error) {
	if len(s.Categories) == 0 || len(s.Series) == 0 {
		return nil, fmt.Errorf("charts: %q: no data", s.Title)
	}
	var all []float64
	for _, se := range s.Series {
		if len(se.Values) != len(s.Categories) || (se.Lo != nil && len(se.Lo) != len(se.Values)) || (se.Hi != nil && len(se.Hi) != len(se.Values)) {
			return nil, fmt.Errorf("charts: %q: series %q has %d values for %d categories", s.Title, se.Name, len(se.Values), len(s.Categories))
		}
		all = append(all, se.Values...)
	}
	logY := s.LogY && logDecades(all, negligible) >= LogDecadesMin
	p := newPlot(s.Title, s.XLabel, yLabel(s.YLabel, logY))
	base := 0.0
	if logY {
		minv := math.Inf(1)
		for _, se := range s.Series {
			for i, v := range se.Values {
				if v > 0 {
					minv = math.Min(minv, v)
				}
				if se.Lo != nil && se.Lo[i] > 0 {
					minv = math.Min(minv, se.Lo[i])
				}
			}
		}
		// A log axis has no zero: bars start half a factor under the smallest.
		base = minv / 2
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, LogTicks{}
	} else if s.LogY && len(all) > 0 && allNonPositive(all) {
		return nil, fmt.Errorf("charts: %q: a log axis needs positive values", s.Title)
	}
	w := 0.8 / float64(len(s.Series))
	for si, se := range s.Series {
		b := &bars{s: se, off: (float64(si) - float64(len(s.Series)-1)/2) * w, w: w, base: base, color: colorOf(si), log: logY}
		p.Add(b)
		if len(s.Series) > 1 {
			p.Legend.Add(se.Name, b)
		}
	}
	for _, r := range s.Refs {
		p.Add(&refLine{RefLine: r})
	}
	p.NominalX(s.Categories...)
	p.X.Min, p.X.Max = -0.6, float64(len(s.Categories))-0.4
	if len(s.Categories) > 6 {
		p.X.Tick.Label.Rotation = math.Pi / 6
		p.X.Tick.Label.XAlign = draw.XRight
	}
	if !logY {
		p.Y.Min = 0
	}
	return p, nil
}

func allNonPositive(vs []float64) bool {
	for _, v := range vs {
		if v > 0 {
			return false
		}
	}
	return true
}

// yLabel is l with the scale named when it is a log scale: "latency
// (ms, log scale)". A caller's own "(log)" or "log scale" note is dropped
// first: Bars, not the caller, decides the scale.
func yLabel(l string, log bool) string {
	for _, suf := range []string{" (log scale)", " (log)"} {
		l = strings.TrimSuffix(l, suf)
	}
	l = strings.Replace(l, ", log scale)", ")", 1)
	if !log {
		return l
	}
	if strings.HasSuffix(l, ")") {
		return strings.TrimSuffix(l, ")") + ", log scale)"
	}
	return l + " (log scale)"
}

// bars is one series drawn in data coordinates, with its error bars.
type bars struct {
	s      Series
	off, w float64
	base   float64
	color  color.Color
	log    bool
}

func (b *bars) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	line := draw.LineStyle{Color: color.Black, Width: vg.Points(0.6)}
	small := plt.Y.Tick.Label
	small.Font.Size = vg.Points(7)
	// Upright text would be wider than a thin bar: it reads bottom to top.
	small.Rotation = math.Pi / 2
	small.XAlign, small.YAlign = draw.XLeft, draw.YCenter
	for i, v := range b.s.Values {
		if math.IsNaN(v) {
			continue
		}
		x0, x1 := trX(float64(i)+b.off-b.w/2), trX(float64(i)+b.off+b.w/2)
		y0, y1 := trY(b.base), trY(math.Max(v, b.base))
		pts := []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}
		c.FillPolygon(b.color, c.ClipPolygonY(pts))
		c.StrokeLines(draw.LineStyle{Color: color.Gray{60}, Width: vg.Points(0.3)}, c.ClipLinesY(append(pts, pts[0]))...)
		if !b.log && v > 0 && y1-y0 < vg.Points(2) {
			// Under two points tall reads as missing: say what it is.
			c.FillText(small, vg.Point{X: (x0 + x1) / 2, Y: y1 + vg.Points(1.5)}, FormatTick(sig2(v)))
		}
		if b.s.Lo == nil || b.s.Hi == nil {
			continue
		}
		lo, hi := math.Max(b.s.Lo[i], b.base), math.Max(b.s.Hi[i], b.base)
		xm := trX(float64(i) + b.off)
		cap := (x1 - x0) / 4
		yl, yh := trY(lo), trY(hi)
		c.StrokeLines(line, c.ClipLinesY([]vg.Point{{X: xm, Y: yl}, {X: xm, Y: yh}})...)
		c.StrokeLines(line, c.ClipLinesY([]vg.Point{{X: xm - cap, Y: yl}, {X: xm + cap, Y: yl}})...)
		c.StrokeLines(line, c.ClipLinesY([]vg.Point{{X: xm - cap, Y: yh}, {X: xm + cap, Y: yh}})...)
	}
}

// sig2 rounds v to two significant digits (a label, not a measurement).
func sig2(v float64) float64 {
	if v == 0 {
		return 0
	}
	e := math.Pow10(int(math.Floor(math.Log10(math.Abs(v)))) - 1)
	return math.Round(v/e) * e
}

func (b *bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	ymin, ymax = b.base, b.base
	for i, v := range b.s.Values {
		if math.IsNaN(v) {
			continue
		}
		ymax = math.Max(ymax, v)
		if b.s.Hi != nil {
			ymax = math.Max(ymax, b.s.Hi[i])
		}
	}
	if ymax == ymin {
		ymax = ymin + 1
	}
	return -0.5, float64(len(b.s.Values)) - 0.5, ymin, ymax * 1.05
}

func (b *bars) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Min.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Min.Y}}
	c.FillPolygon(b.color, c.ClipPolygonY(pts))
}

// refLine is a RefLine as a plotter; its DataRange holds the value so the
// axis always reaches the line.
type refLine struct{ RefLine }

func (r *refLine) Plot(c draw.Canvas, plt *plot.Plot) {
	_, trY := plt.Transforms(&c)
	y := trY(r.Value)
	sty := draw.LineStyle{Color: color.Gray{70}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}
	c.StrokeLine2(sty, c.Min.X, y, c.Max.X, y)
	if r.Label != "" {
		ts := plt.Y.Tick.Label
		ts.Font.Size = vg.Points(9)
		ts.XAlign, ts.YAlign = draw.XRight, draw.YBottom
		c.FillText(ts, vg.Point{X: c.Max.X - vg.Points(3), Y: y + vg.Points(2)}, r.Label)
	}
}

func (r *refLine) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Inf(1), math.Inf(-1), r.Value, r.Value * 1.06
}
