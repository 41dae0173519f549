package charts

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Point is a labelled point.
type Point struct {
	Label string
	X, Y  float64
	Group int // colour index
}

// RooflineSpec describes a roofline chart.
type RooflineSpec struct {
	Title        string
	PeakGFLOPS   float64
	BandwidthGBs float64
	CacheGBs     float64 // optional second, cache-resident bandwidth roof
	Points       []Point // X: FLOPs/byte, Y: achieved GFLOPS
	Groups       []string
}

// pointRadius is the glyph radius of every labelled point.
var pointRadius = vg.Points(3.5)

// Roofline draws the measured ceiling and the operators under it.
func Roofline(s RooflineSpec) (*plot.Plot, error) {
	if s.PeakGFLOPS <= 0 || s.BandwidthGBs <= 0 {
		return nil, fmt.Errorf("charts: roofline needs a positive peak and bandwidth")
	}
	p := newPlot(s.Title, "arithmetic intensity (FLOPs per byte moved)", "achieved GFLOPS (2 x MACs / s)")
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = LogTicks{}, LogTicks{}
	ridge := s.PeakGFLOPS / s.BandwidthGBs
	// The axes reach a bit past the points and show the roof's slope over
	// at least a decade and a half left of the ridge.
	xmin, xmax := ridge/30, ridge*10
	ymin := s.PeakGFLOPS / 100
	for _, pt := range s.Points {
		if pt.X > 0 && pt.Y > 0 {
			xmin, xmax = math.Min(xmin, pt.X/2), math.Max(xmax, pt.X*2)
			ymin = math.Min(ymin, pt.Y/2)
		}
	}
	roofAt := func(bw float64) plotter.XYs {
		var xy plotter.XYs
		for i := 0; i <= 60; i++ {
			x := xmin * math.Pow(xmax/xmin, float64(i)/60)
			xy = append(xy, plotter.XY{X: x, Y: math.Min(s.PeakGFLOPS, bw*x)})
		}
		if r := s.PeakGFLOPS / bw; r > xmin && r < xmax {
			xy = append(xy, plotter.XY{X: r, Y: s.PeakGFLOPS})
		}
		sortXY(xy)
		return xy
	}
	roofs := []plotter.XYs{roofAt(s.BandwidthGBs)}
	l, err := plotter.NewLine(roofs[0])
	if err != nil {
		return nil, err
	}
	l.LineStyle.Width = vg.Points(2)
	p.Add(l)
	p.Legend.Add("roof (DRAM)", l)
	note := p.X.Tick.Label
	note.Font.Size = vg.Points(9)
	// Each roof is named where it is drawn: the legend stays short.
	x0 := xmin * math.Pow(xmax/xmin, 0.12)
	notes := []Note{
		{X: xmax, Y: s.PeakGFLOPS, Text: fmt.Sprintf("peak %s GFLOPS", FormatTick(sig3(s.PeakGFLOPS))), Off: vg.Point{X: -3, Y: 3}},
		{X: ridge, Y: s.PeakGFLOPS, Text: fmt.Sprintf("ridge %s FLOPs/B", FormatTick(sig3(ridge))), Off: vg.Point{Y: 3}},
		{X: x0, Y: s.BandwidthGBs * x0, Text: fmt.Sprintf("DRAM %s GB/s", FormatTick(sig3(s.BandwidthGBs))), Off: vg.Point{X: 5, Y: -4}},
	}
	notes[0].Style, notes[1].Style, notes[2].Style = note, note, note
	notes[0].Style.XAlign, notes[0].Style.YAlign = draw.XRight, draw.YBottom
	notes[1].Style.XAlign, notes[1].Style.YAlign = draw.XCenter, draw.YBottom
	notes[2].Style.XAlign, notes[2].Style.YAlign = draw.XLeft, draw.YTop
	if s.CacheGBs > s.BandwidthGBs {
		roofs = append(roofs, roofAt(s.CacheGBs))
		cl, err := plotter.NewLine(roofs[1])
		if err != nil {
			return nil, err
		}
		cl.LineStyle.Width = vg.Points(1)
		cl.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(cl)
		p.Legend.Add("roof (in cache)", cl)
		n := Note{X: x0, Y: s.CacheGBs * x0, Text: fmt.Sprintf("cache %s GB/s", FormatTick(sig3(s.CacheGBs))), Style: note, Off: vg.Point{X: -3, Y: 3}}
		n.Style.XAlign, n.Style.YAlign = draw.XRight, draw.YBottom
		notes = append(notes, n)
	}
	if err := addPoints(p, s.Points, s.Groups, notes, roofs); err != nil {
		return nil, err
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xmin, xmax, ymin, s.PeakGFLOPS*3
	return p, nil
}

// sig3 rounds v to three significant digits.
func sig3(v float64) float64 {
	if v == 0 {
		return 0
	}
	e := math.Pow10(int(math.Floor(math.Log10(math.Abs(v)))) - 2)
	return math.Round(v/e) * e
}

func sortXY(xy plotter.XYs) {
	for i := 1; i < len(xy); i++ {
		for j := i; j > 0 && xy[j].X < xy[j-1].X; j-- {
			xy[j], xy[j-1] = xy[j-1], xy[j]
		}
	}
}

// addPoints adds one scatter per group and the points' labels. Labels are
// tried first-occurrence first: on a roofline the same operator appears
// once per size, and every operator should be named once before any is
// named twice.
func addPoints(p *plot.Plot, pts []Point, groups []string, notes []Note, lines []plotter.XYs) error {
	_, logX := p.X.Scale.(plot.LogScale)
	_, logY := p.Y.Scale.(plot.LogScale)
	byGroup := map[int]plotter.XYs{}
	var first, again []Point
	seen := map[string]bool{}
	for _, pt := range pts {
		if math.IsNaN(pt.X) || math.IsNaN(pt.Y) || (logX && pt.X <= 0) || (logY && pt.Y <= 0) {
			continue
		}
		byGroup[pt.Group] = append(byGroup[pt.Group], plotter.XY{X: pt.X, Y: pt.Y})
		if pt.Label == "" {
			continue
		}
		if seen[pt.Label] {
			again = append(again, pt)
		} else {
			seen[pt.Label] = true
			first = append(first, pt)
		}
	}
	n := len(groups)
	for g := range byGroup {
		n = max(n, g+1)
	}
	for g := 0; g < n; g++ {
		xy, ok := byGroup[g]
		if !ok {
			continue
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return err
		}
		sc.GlyphStyle.Color = colorOf(g)
		sc.GlyphStyle.Radius = pointRadius
		sc.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(sc)
		if g < len(groups) {
			p.Legend.Add(groups[g], sc)
		}
	}
	lab := &Labels{Notes: notes, Lines: lines, Radius: pointRadius, Gap: vg.Points(2), Style: p.X.Tick.Label}
	lab.Style.Font.Size = vg.Points(8)
	for _, pt := range append(first, again...) {
		lab.XYs = append(lab.XYs, plotter.XY{X: pt.X, Y: pt.Y})
		lab.Texts = append(lab.Texts, pt.Label)
	}
	// Points without a label are still obstacles for the others.
	for _, xy := range byGroup {
		for _, q := range xy {
			lab.Obstacles = append(lab.Obstacles, q)
		}
	}
	p.Add(lab)
	return nil
}

// ScatterSpec describes labelled points on linear or log axes.
type ScatterSpec struct {
	Title, XLabel, YLabel string
	Points                []Point
	Groups                []string
	LogX, LogY            bool
}

// Scatter draws labelled points.
func Scatter(s ScatterSpec) (*plot.Plot, error) {
	if len(s.Points) == 0 {
		return nil, fmt.Errorf("charts: %q: no points", s.Title)
	}
	p := newPlot(s.Title, s.XLabel, s.YLabel)
	if s.LogX {
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, LogTicks{}
	}
	if s.LogY {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, LogTicks{}
	}
	if err := addPoints(p, s.Points, s.Groups, nil, nil); err != nil {
		return nil, err
	}
	// Room on both sides for labels, which go right or left of their point.
	xmin, xmax := math.Inf(1), math.Inf(-1)
	for _, pt := range s.Points {
		xmin, xmax = math.Min(xmin, pt.X), math.Max(xmax, pt.X)
	}
	if s.LogX {
		p.X.Min, p.X.Max = xmin/1.5, xmax*1.5
	} else {
		span := math.Max(xmax-xmin, math.Abs(xmax)*0.1+1e-9)
		p.X.Min, p.X.Max = xmin-0.15*span, xmax+0.15*span
	}
	if !s.LogY {
		p.Y.Min = 0
	}
	return p, nil
}
