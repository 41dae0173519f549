package searchplot

import (
	"fmt"
	"image/color"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fnlab/fnlab/internal/atomicfile"
)

// Point is one evaluated candidate on the front chart.
type Point struct {
	X, Y  float64
	Mixer string // colour group: pconv, conv, dwconv, gconv, mixed
	Front bool   // on the Pareto front
}

// MixerColors are the colours of each mixer group (others are purple).
var MixerColors = map[string]color.RGBA{
	"pconv":  {R: 31, G: 119, B: 180, A: 255},
	"conv":   {R: 214, G: 39, B: 40, A: 255},
	"dwconv": {R: 44, G: 160, B: 44, A: 255},
	"gconv":  {R: 255, G: 127, B: 14, A: 255},
	"mixed":  {R: 148, G: 103, B: 189, A: 255},
}

var grey = color.RGBA{R: 190, G: 190, B: 190, A: 255}

func mixerColor(m string) color.RGBA {
	if c, ok := MixerColors[m]; ok {
		return c
	}
	return MixerColors["mixed"]
}

// Front draws every feasible candidate in grey, the front members in their
// mixer's colour joined by a line in X order, and saves a PNG (or SVG,
// PDF: by path's extension) of 6 x 4 inches.
func Front(path, title, xLabel, yLabel string, pts []Point) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Add(plotter.NewGrid())
	var all plotter.XYs
	groups := map[string]plotter.XYs{}
	var front plotter.XYs
	for _, q := range pts {
		if q.Front {
			groups[q.Mixer] = append(groups[q.Mixer], plotter.XY{X: q.X, Y: q.Y})
			front = append(front, plotter.XY{X: q.X, Y: q.Y})
		} else {
			all = append(all, plotter.XY{X: q.X, Y: q.Y})
		}
	}
	if len(all) > 0 {
		s, err := plotter.NewScatter(all)
		if err != nil {
			return fmt.Errorf("searchplot: %v", err)
		}
		s.GlyphStyle = draw.GlyphStyle{Color: grey, Radius: vg.Points(1.5), Shape: draw.CircleGlyph{}}
		p.Add(s)
		p.Legend.Add("evaluated", s)
	}
	if len(front) > 1 {
		sort.Slice(front, func(a, b int) bool { return front[a].X < front[b].X })
		l, err := plotter.NewLine(front)
		if err != nil {
			return fmt.Errorf("searchplot: %v", err)
		}
		l.LineStyle.Color = color.RGBA{A: 160}
		l.LineStyle.Width = vg.Points(0.8)
		p.Add(l)
	}
	names := make([]string, 0, len(groups))
	for m := range groups {
		names = append(names, m)
	}
	sort.Strings(names)
	for _, m := range names {
		s, err := plotter.NewScatter(groups[m])
		if err != nil {
			return fmt.Errorf("searchplot: %v", err)
		}
		s.GlyphStyle = draw.GlyphStyle{Color: mixerColor(m), Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
		p.Add(s)
		p.Legend.Add("front: "+m, s)
	}
	p.Legend.Top = false // bottom right: fronts rise to the top left or right
	return save(p, 6*vg.Inch, 4*vg.Inch, path)
}

// save writes the plot atomically (internal/atomicfile), in the format of
// path's extension, so that a kill never leaves a half-written chart.
func save(p *plot.Plot, w, h vg.Length, path string) error {
	ext := strings.TrimPrefix(filepath.Ext(path), ".")
	wt, err := p.WriterTo(w, h, ext)
	if err != nil {
		return fmt.Errorf("searchplot: %s: %v", path, err)
	}
	if err := atomicfile.Write(path, func(out io.Writer) error { _, err := wt.WriteTo(out); return err }); err != nil {
		return fmt.Errorf("searchplot: %s: %v", path, err)
	}
	return nil
}

// Hypervolume draws hypervolume against evaluations and saves it.
func Hypervolume(path, title string, evals []int, hv []float64) error {
	if len(evals) != len(hv) {
		return fmt.Errorf("searchplot: %d evaluation counts for %d hypervolumes", len(evals), len(hv))
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "evaluations"
	p.Y.Label.Text = "hypervolume (normalised)"
	p.Add(plotter.NewGrid())
	xy := make(plotter.XYs, len(evals))
	for i := range evals {
		xy[i] = plotter.XY{X: float64(evals[i]), Y: hv[i]}
	}
	if len(xy) > 0 {
		l, err := plotter.NewLine(xy)
		if err != nil {
			return fmt.Errorf("searchplot: %v", err)
		}
		l.LineStyle.Color = MixerColors["pconv"]
		l.LineStyle.Width = vg.Points(1.5)
		p.Add(l)
	}
	return save(p, 6*vg.Inch, 3.5*vg.Inch, path)
}
