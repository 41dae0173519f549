package charts

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fnlab/fnlab/internal/atomicfile"
)

// Palette is the series colours, in order (colour-blind safe, Okabe-Ito).
var Palette = []color.Color{
	color.RGBA{0, 114, 178, 255},   // blue
	color.RGBA{230, 159, 0, 255},   // orange
	color.RGBA{0, 158, 115, 255},   // green
	color.RGBA{204, 121, 167, 255}, // purple
	color.RGBA{86, 180, 233, 255},  // sky
	color.RGBA{213, 94, 0, 255},    // vermillion
	color.RGBA{240, 228, 66, 255},  // yellow
	color.RGBA{0, 0, 0, 255},       // black
}

func colorOf(i int) color.Color { return Palette[i%len(Palette)] }

// Series is one colour of a bar chart: Values[i] belongs to category i.
// Lo and Hi (optional, same length) are the ends of each error bar.
type Series struct {
	Name   string
	Values []float64
	Lo, Hi []float64
}

// BarSpec describes a grouped bar chart.
type BarSpec struct {
	Title, XLabel, YLabel string
	Categories            []string
	Series                []Series
	LogY                  bool
}

// Size is the default chart size.
var Size = [2]vg.Length{8 * vg.Inch, 4.5 * vg.Inch}

func newPlot(title, xl, yl string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = xl
	p.Y.Label.Text = yl
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	return p
}

// Bars draws grouped bars with error bars.
func Bars(s BarSpec) (*plot.Plot, error) {
	if len(s.Categories) == 0 || len(s.Series) == 0 {
		return nil, fmt.Errorf("charts: %q: no data", s.Title)
	}
	p := newPlot(s.Title, s.XLabel, s.YLabel)
	base := 0.0
	if s.LogY {
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
		if math.IsInf(minv, 1) {
			return nil, fmt.Errorf("charts: %q: a log axis needs positive values", s.Title)
		}
		base = minv / 2
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	w := 0.8 / float64(len(s.Series))
	for si, se := range s.Series {
		if len(se.Values) != len(s.Categories) || (se.Lo != nil && len(se.Lo) != len(se.Values)) || (se.Hi != nil && len(se.Hi) != len(se.Values)) {
			return nil, fmt.Errorf("charts: %q: series %q has %d values for %d categories", s.Title, se.Name, len(se.Values), len(s.Categories))
		}
		b := &bars{s: se, off: (float64(si) - float64(len(s.Series)-1)/2) * w, w: w, base: base, color: colorOf(si)}
		p.Add(b)
		if len(s.Series) > 1 {
			p.Legend.Add(se.Name, b)
		}
	}
	p.NominalX(s.Categories...)
	p.X.Min, p.X.Max = -0.6, float64(len(s.Categories))-0.4
	if len(s.Categories) > 6 {
		p.X.Tick.Label.Rotation = math.Pi / 6
		p.X.Tick.Label.XAlign = draw.XRight
	}
	if !s.LogY {
		p.Y.Min = 0
	}
	return p, nil
}

// bars is one series drawn in data coordinates, with its error bars.
type bars struct {
	s      Series
	off, w float64
	base   float64
	color  color.Color
}

func (b *bars) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	line := draw.LineStyle{Color: color.Black, Width: vg.Points(0.6)}
	for i, v := range b.s.Values {
		if math.IsNaN(v) {
			continue
		}
		x0, x1 := trX(float64(i)+b.off-b.w/2), trX(float64(i)+b.off+b.w/2)
		y0, y1 := trY(b.base), trY(math.Max(v, b.base))
		pts := []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}
		c.FillPolygon(b.color, c.ClipPolygonY(pts))
		c.StrokeLines(draw.LineStyle{Color: color.Gray{60}, Width: vg.Points(0.3)}, c.ClipLinesY(append(pts, pts[0]))...)
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

// Roofline draws the measured ceiling and the operators under it.
func Roofline(s RooflineSpec) (*plot.Plot, error) {
	if s.PeakGFLOPS <= 0 || s.BandwidthGBs <= 0 {
		return nil, fmt.Errorf("charts: roofline needs a positive peak and bandwidth")
	}
	p := newPlot(s.Title, "arithmetic intensity (FLOPs per byte moved)", "GFLOPS (2 x MACs / s)")
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	ridge := s.PeakGFLOPS / s.BandwidthGBs
	xmin, xmax := ridge/100, ridge*10
	ymin := s.PeakGFLOPS / 1000
	for _, pt := range s.Points {
		if pt.X > 0 && pt.Y > 0 {
			xmin, xmax = math.Min(xmin, pt.X/2), math.Max(xmax, pt.X*2)
			ymin = math.Min(ymin, pt.Y/2)
		}
	}
	var roof plotter.XYs
	for i := 0; i <= 60; i++ {
		x := xmin * math.Pow(xmax/xmin, float64(i)/60)
		roof = append(roof, plotter.XY{X: x, Y: math.Min(s.PeakGFLOPS, s.BandwidthGBs*x)})
	}
	roof = append(roof, plotter.XY{X: ridge, Y: s.PeakGFLOPS})
	sortXY(roof)
	l, err := plotter.NewLine(roof)
	if err != nil {
		return nil, err
	}
	l.LineStyle.Width = vg.Points(2)
	p.Add(l)
	p.Legend.Add(fmt.Sprintf("ceiling: %.0f GFLOPS, DRAM %.1f GB/s (ridge %.1f FLOPs/B)", s.PeakGFLOPS, s.BandwidthGBs, ridge), l)
	if s.CacheGBs > s.BandwidthGBs {
		var cr plotter.XYs
		for _, xy := range roof {
			cr = append(cr, plotter.XY{X: xy.X, Y: math.Min(s.PeakGFLOPS, s.CacheGBs*xy.X)})
		}
		cl, err := plotter.NewLine(cr)
		if err != nil {
			return nil, err
		}
		cl.LineStyle.Width = vg.Points(1)
		cl.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(cl)
		p.Legend.Add(fmt.Sprintf("in-cache bandwidth %.0f GB/s", s.CacheGBs), cl)
	}
	if err := addPoints(p, s.Points, s.Groups); err != nil {
		return nil, err
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xmin, xmax, ymin, s.PeakGFLOPS*3
	// Bottom right: operators sit under the roof, so that corner is free.
	p.Legend.Top = false
	return p, nil
}

func sortXY(xy plotter.XYs) {
	for i := 1; i < len(xy); i++ {
		for j := i; j > 0 && xy[j].X < xy[j-1].X; j-- {
			xy[j], xy[j-1] = xy[j-1], xy[j]
		}
	}
}

func addPoints(p *plot.Plot, pts []Point, groups []string) error {
	byGroup := map[int]plotter.XYs{}
	var lab plotter.XYLabels
	for _, pt := range pts {
		if pt.X <= 0 || pt.Y <= 0 || math.IsNaN(pt.X) || math.IsNaN(pt.Y) {
			if _, ok := p.X.Scale.(plot.LogScale); ok {
				continue
			}
		}
		byGroup[pt.Group] = append(byGroup[pt.Group], plotter.XY{X: pt.X, Y: pt.Y})
		if crowded(p, lab.XYs, pt) {
			continue // a label already sits there: the colour and legend still place the point
		}
		lab.XYs = append(lab.XYs, plotter.XY{X: pt.X, Y: pt.Y})
		lab.Labels = append(lab.Labels, pt.Label)
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
		sc.GlyphStyle.Radius = vg.Points(3.5)
		sc.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(sc)
		if g < len(groups) {
			p.Legend.Add(groups[g], sc)
		}
	}
	if len(lab.XYs) > 0 {
		labels, err := plotter.NewLabels(lab)
		if err != nil {
			return err
		}
		for i := range labels.TextStyle {
			labels.TextStyle[i].Font.Size = vg.Points(7)
		}
		labels.Offset = vg.Point{X: vg.Points(4), Y: vg.Points(2)}
		p.Add(labels)
	}
	return nil
}

// crowded reports whether pt's label would overlap one already placed:
// on log-log axes, within 0.3 decades across and 0.06 decades up or down
// (about a label's size on a 6-inch chart).
// Linear charts carry few points and keep every label.
func crowded(p *plot.Plot, placed plotter.XYs, pt Point) bool {
	_, lx := p.X.Scale.(plot.LogScale)
	_, ly := p.Y.Scale.(plot.LogScale)
	if !lx || !ly {
		return false
	}
	for _, q := range placed {
		if math.Abs(math.Log10(q.X/pt.X)) < 0.3 && math.Abs(math.Log10(q.Y/pt.Y)) < 0.06 {
			return true
		}
	}
	return false
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
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	}
	if s.LogY {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	}
	if err := addPoints(p, s.Points, s.Groups); err != nil {
		return nil, err
	}
	// Room for the labels right of the points.
	xmin, xmax := math.Inf(1), math.Inf(-1)
	for _, pt := range s.Points {
		xmin, xmax = math.Min(xmin, pt.X), math.Max(xmax, pt.X)
	}
	if s.LogX {
		p.X.Min, p.X.Max = xmin/1.5, xmax*2
	} else {
		span := math.Max(xmax-xmin, math.Abs(xmax)*0.1+1e-9)
		p.X.Min, p.X.Max = xmin-0.05*span, xmax+0.25*span
	}
	if !s.LogY {
		p.Y.Min = 0
	}
	return p, nil
}

// Save writes p as dir/name.png and dir/name.svg and returns the two paths.
func Save(p *plot.Plot, dir, name string) ([]string, error) {
	var paths []string
	for _, ext := range []string{"png", "svg"} {
		path := filepath.Join(dir, name+"."+ext)
		wt, err := p.WriterTo(Size[0], Size[1], ext)
		if err != nil {
			return paths, fmt.Errorf("charts: %s: %v", path, err)
		}
		if err := atomicfile.Write(path, func(w io.Writer) error { _, err := wt.WriteTo(w); return err }); err != nil {
			return paths, fmt.Errorf("charts: writing %s: %v", path, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// PNG encodes p as a PNG image at Size, in memory: for showing a chart
// where it is made (a notebook cell's output) instead of writing files.
func PNG(p *plot.Plot) ([]byte, error) {
	wt, err := p.WriterTo(Size[0], Size[1], "png")
	if err != nil {
		return nil, fmt.Errorf("charts: %v", err)
	}
	var b bytes.Buffer
	if _, err := wt.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("charts: %v", err)
	}
	return b.Bytes(), nil
}
