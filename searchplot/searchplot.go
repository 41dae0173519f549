package searchplot

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fnlab/fnlab/charts"
)

// Axis is one metric of the front chart.
type Axis struct {
	Label string // with its unit: "predicted latency (ms)"
	// Limit, when positive, is a constraint's upper bound on this metric,
	// drawn as a dashed line labelled LimitLabel; the axis reaches it.
	Limit      float64
	LimitLabel string
}

// Candidate is one evaluated candidate: V[i] is its value on Axes[i].
type Candidate struct {
	V     []float64
	Mixer string // colour group: pconv, conv, dwconv, gconv, mixed
	Front bool   // on the Pareto front
}

// FrontSpec describes a front chart: two axes give one panel, three give
// the three pairwise panels (0 against 1, 0 against 2, 1 against 2) side
// by side, so each objective is seen against each other.
type FrontSpec struct {
	Title  string
	Axes   []Axis
	Points []Candidate
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

// Sizes of the charts: one panel, three panels, hypervolume.
var (
	FrontSize  = [2]vg.Length{7 * vg.Inch, 4.2 * vg.Inch}
	Front3Size = [2]vg.Length{13 * vg.Inch, 4.4 * vg.Inch}
	HVSize     = [2]vg.Length{6.5 * vg.Inch, 3.5 * vg.Inch}
)

// Front draws every feasible candidate in grey and the front members in
// their mixer's colour (joined by a line in X order when there is one
// panel: a 2-objective front is a staircase; projected from three
// objectives it is not), with the constraint lines, and writes it to
// path in the format of its extension (.png, .svg, .pdf).
func Front(path string, s FrontSpec) error {
	var pairs [][2]int
	switch len(s.Axes) {
	case 2:
		pairs = [][2]int{{0, 1}}
	case 3:
		pairs = [][2]int{{0, 1}, {0, 2}, {1, 2}}
	default:
		return fmt.Errorf("searchplot: %d axes: want 2 or 3", len(s.Axes))
	}
	for _, q := range s.Points {
		if len(q.V) != len(s.Axes) {
			return fmt.Errorf("searchplot: a candidate has %d values for %d axes", len(q.V), len(s.Axes))
		}
	}
	var ps []*plot.Plot
	for i, pr := range pairs {
		p, err := panel(s, pr[0], pr[1], len(pairs) == 1, i == 0)
		if err != nil {
			return err
		}
		ps = append(ps, p)
	}
	ps[0].Title.Text = s.Title
	size := FrontSize
	if len(pairs) > 1 {
		size = Front3Size
	}
	if err := charts.WriteFile(path, size[0], size[1], func(c draw.Canvas) { charts.DrawPanels(c, ps...) }); err != nil {
		return fmt.Errorf("searchplot: %v", err)
	}
	return nil
}

// panel is the plot of axis xi against axis yi; the legend entries go on
// the first panel only (DrawPanels draws that one legend for all).
func panel(s FrontSpec, xi, yi int, line, legend bool) (*plot.Plot, error) {
	p := plot.New()
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text, p.Y.Label.Text = s.Axes[xi].Label, s.Axes[yi].Label
	p.X.Tick.Marker, p.Y.Tick.Marker = charts.Ticks{}, charts.Ticks{}
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	p.Legend.Padding = vg.Points(2)
	p.Add(plotter.NewGrid())
	var all, front plotter.XYs
	groups := map[string]plotter.XYs{}
	for _, q := range s.Points {
		xy := plotter.XY{X: q.V[xi], Y: q.V[yi]}
		if q.Front {
			groups[q.Mixer] = append(groups[q.Mixer], xy)
			front = append(front, xy)
		} else {
			all = append(all, xy)
		}
	}
	if len(all) > 0 {
		sc, err := plotter.NewScatter(all)
		if err != nil {
			return nil, fmt.Errorf("searchplot: %v", err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: grey, Radius: vg.Points(1.5), Shape: draw.CircleGlyph{}}
		p.Add(sc)
		if legend {
			p.Legend.Add("evaluated", sc)
		}
	}
	if line && len(front) > 1 {
		sort.Slice(front, func(a, b int) bool { return front[a].X < front[b].X })
		l, err := plotter.NewLine(front)
		if err != nil {
			return nil, fmt.Errorf("searchplot: %v", err)
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
		sc, err := plotter.NewScatter(groups[m])
		if err != nil {
			return nil, fmt.Errorf("searchplot: %v", err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: mixerColor(m), Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
		p.Add(sc)
		if legend {
			p.Legend.Add("front: "+m, sc)
		}
	}
	for _, lim := range []struct {
		a        Axis
		vertical bool
	}{{s.Axes[xi], true}, {s.Axes[yi], false}} {
		if lim.a.Limit > 0 {
			p.Add(&limitLine{value: lim.a.Limit, label: lim.a.LimitLabel, vertical: lim.vertical})
		}
	}
	return p, nil
}

// limitLine is a constraint's bound: a dashed line across the panel with
// its label beside it on the infeasible side (above a horizontal bound,
// right of a vertical one: only feasible candidates are plotted). Its data range holds the
// bound, so the axis reaches it even when no feasible point comes close.
type limitLine struct {
	value    float64
	label    string
	vertical bool
}

var limitStyle = draw.LineStyle{Color: color.RGBA{R: 200, G: 30, B: 30, A: 255}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}

func (l *limitLine) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	ts := plt.X.Tick.Label
	ts.Font.Size = vg.Points(9)
	ts.Color = limitStyle.Color
	if l.vertical {
		x := trX(l.value)
		c.StrokeLine2(limitStyle, x, c.Min.Y, x, c.Max.Y)
		// Upright text, on the infeasible side of the bound (right of it),
		// where no plotted point is.
		ts.Rotation = math.Pi / 2
		ts.XAlign, ts.YAlign = draw.XRight, draw.YTop
		c.FillText(ts, vg.Point{X: x + vg.Points(2), Y: c.Max.Y - vg.Points(2)}, l.label)
		return
	}
	y := trY(l.value)
	c.StrokeLine2(limitStyle, c.Min.X, y, c.Max.X, y)
	ts.XAlign, ts.YAlign = draw.XLeft, draw.YBottom
	c.FillText(ts, vg.Point{X: c.Min.X + vg.Points(2), Y: y + vg.Points(2)}, l.label)
}

func (l *limitLine) DataRange() (xmin, xmax, ymin, ymax float64) {
	// Room past the bound for its label.
	if l.vertical {
		return l.value * 0.98, l.value * 1.06, math.Inf(1), math.Inf(-1)
	}
	return math.Inf(1), math.Inf(-1), l.value * 0.98, l.value * 1.06
}

// Hypervolume draws hypervolume against evaluations and writes it to path
// (format by extension).
func Hypervolume(path, title string, evals []int, hv []float64) error {
	if len(evals) != len(hv) {
		return fmt.Errorf("searchplot: %d evaluation counts for %d hypervolumes", len(evals), len(hv))
	}
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = "evaluations"
	p.Y.Label.Text = "hypervolume (normalised)"
	p.X.Tick.Marker, p.Y.Tick.Marker = charts.Ticks{}, charts.Ticks{}
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
	if err := charts.WriteFile(path, HVSize[0], HVSize[1], func(c draw.Canvas) { charts.Draw(p, c) }); err != nil {
		return fmt.Errorf("searchplot: %v", err)
	}
	return nil
}
