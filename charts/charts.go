package charts

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
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

// Size is the default chart size.
var Size = [2]vg.Length{8 * vg.Inch, 4.5 * vg.Inch}

// Margins of Draw: around the whole chart, under the title, between the
// data area and the legend at its right, and between panels.
const (
	margin     = vg.Length(8)
	titleGap   = vg.Length(8)
	legendGap  = vg.Length(10)
	panelGap   = vg.Length(16)
	legendFont = vg.Length(10)
)

func newPlot(title, xl, yl string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = xl
	p.Y.Label.Text = yl
	p.X.Tick.Marker, p.Y.Tick.Marker = Ticks{}, Ticks{}
	p.Legend.TextStyle.Font.Size = legendFont
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.Padding = vg.Points(2)
	p.Add(plotter.NewGrid())
	return p
}

// Draw draws p on c with a margin all round, the title across the whole
// width (wrapped onto more lines when it is wider), and the legend in a
// column right of the axes, so it never covers data. p is not changed.
func Draw(p *plot.Plot, c draw.Canvas) { DrawPanels(c, p) }

// DrawPanels draws plots side by side as Draw draws one: the title and the
// legend are those of the first plot, shared by all; each plot's own
// title is not drawn.
func DrawPanels(c draw.Canvas, ps ...*plot.Plot) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	if len(ps) == 0 {
		return
	}
	c = draw.Crop(c, margin, -margin, margin, -margin)
	if title := ps[0].Title; title.Text != "" {
		sty := title.TextStyle
		t := wrap(title.Text, sty, c.Size().X)
		descent := sty.FontExtents().Descent
		c.FillText(sty, vg.Point{X: c.Center().X, Y: c.Max.Y + descent}, t)
		c.Max.Y -= sty.Rectangle(t).Size().Y + titleGap
	}
	leg := ps[0].Legend
	if w := leg.Rectangle(c).Size().X; w > 0 {
		strip := c
		strip.Min.X = c.Max.X - w
		c.Max.X = strip.Min.X - legendGap
		leg.Top, leg.Left, leg.XOffs, leg.YOffs = true, true, 0, 0
		leg.Draw(strip)
	}
	n := vg.Length(len(ps))
	w := (c.Size().X - panelGap*(n-1)) / n
	for i, p := range ps {
		q := *p // a shallow copy: title and legend are drawn above
		q.BackgroundColor = nil
		q.Title.Text = ""
		q.Legend = plot.NewLegend()
		pc := c
		pc.Min.X = c.Min.X + vg.Length(i)*(w+panelGap)
		pc.Max.X = pc.Min.X + w
		drawAxisLabels(&q, pc)
	}
}

// drawAxisLabels draws q in c with its axis labels centred on the data
// area, drawn here rather than by gonum/plot: plot v0.17 reserves room for
// an axis label around the arithmetic mid-point of the axis range, which
// on a log axis lies near the top (or right) end, and shrinks the data
// area by the label's length to make room for it.
func drawAxisLabels(q *plot.Plot, c draw.Canvas) {
	xl, yl := q.X.Label, q.Y.Label
	q.X.Label.Text, q.Y.Label.Text = "", ""
	inner := c
	if yl.Text != "" {
		inner.Min.X += yl.TextStyle.Height(yl.Text) + yl.TextStyle.FontExtents().Descent + yl.Padding
	}
	if xl.Text != "" {
		inner.Min.Y += xl.TextStyle.Height(xl.Text) + xl.Padding
	}
	da := q.DataCanvas(inner)
	q.Draw(inner)
	if yl.Text != "" {
		sty := yl.TextStyle
		sty.Rotation += math.Pi / 2
		x := c.Min.X + yl.TextStyle.Height(yl.Text) - yl.TextStyle.FontExtents().Descent
		c.FillText(sty, vg.Point{X: x, Y: da.Center().Y}, yl.Text)
	}
	if xl.Text != "" {
		c.FillText(xl.TextStyle, vg.Point{X: da.Center().X, Y: c.Min.Y + xl.TextStyle.FontExtents().Descent}, xl.Text)
	}
}

// wrap breaks s at spaces into as few lines as fit width (a word longer
// than width gets a line of its own).
func wrap(s string, sty text.Style, width vg.Length) string {
	if sty.Rectangle(s).Size().X <= width {
		return s
	}
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && sty.Rectangle(line+" "+w).Size().X > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return strings.Join(append(lines, line), "\n")
}

// WriteFile draws with fn on a w x h canvas and writes it to path in the
// format its extension names (png at 96 dpi, svg, pdf, ...), atomically.
func WriteFile(path string, w, h vg.Length, fn func(draw.Canvas)) error {
	cv, err := draw.NewFormattedCanvas(w, h, strings.TrimPrefix(filepath.Ext(path), "."))
	if err != nil {
		return fmt.Errorf("charts: %s: %v", path, err)
	}
	fn(draw.New(cv))
	if err := atomicfile.Write(path, func(w io.Writer) error { _, err := cv.WriteTo(w); return err }); err != nil {
		return fmt.Errorf("charts: writing %s: %v", path, err)
	}
	return nil
}

// Save writes p (drawn by Draw, at Size) as dir/name.png and dir/name.svg
// and returns the two paths.
func Save(p *plot.Plot, dir, name string) ([]string, error) {
	var paths []string
	for _, ext := range []string{"png", "svg"} {
		path := filepath.Join(dir, name+"."+ext)
		if err := WriteFile(path, Size[0], Size[1], func(c draw.Canvas) { Draw(p, c) }); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// Dir is an output directory that decides whether a chart's files may be
// written there (internal/outdir.Dir: only over files fnlab wrote).
type Dir interface {
	Path() string
	ClaimChart(name string) error
}

// SaveIn claims name in d, then saves p there as Save does.
func SaveIn(d Dir, p *plot.Plot, name string) ([]string, error) {
	if err := d.ClaimChart(name); err != nil {
		return nil, err
	}
	return Save(p, d.Path(), name)
}

// PNG encodes p as a PNG image at Size, in memory: for showing a chart
// where it is made (a notebook cell's output) instead of writing files.
func PNG(p *plot.Plot) ([]byte, error) {
	cv, err := draw.NewFormattedCanvas(Size[0], Size[1], "png")
	if err != nil {
		return nil, fmt.Errorf("charts: %v", err)
	}
	Draw(p, draw.New(cv)) // the layout WriteFile and Save draw
	var b bytes.Buffer
	if _, err := cv.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("charts: %v", err)
	}
	return b.Bytes(), nil
}
