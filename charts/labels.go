package charts

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Labels is a plotter of text labels next to points, placed at draw time
// (only then are sizes on the canvas known) by PlaceLabels, so that no two
// overlap and none covers a point, a note or a line; a label with no free
// place is left out. A label set apart from its point gets a leader line.
// Fixed notes are drawn first, exactly where asked. The order of Texts is
// the priority: earlier labels get the free places.
type Labels struct {
	XYs    plotter.XYs // the points, in data coordinates
	Texts  []string
	Notes  []Note
	Radius vg.Length // glyph radius of the points: labels keep clear of every point
	// Obstacles are more points (of that radius) no label may cover.
	Obstacles plotter.XYs
	// Lines are polylines (in data coordinates) no label may cross.
	Lines []plotter.XYs
	Style text.Style
	Gap   vg.Length
}

// Note is text at a fixed place, anchored by its own alignment.
type Note struct {
	X, Y  float64 // data coordinates
	Text  string
	Style text.Style
	Off   vg.Point // added on the canvas
}

// Plot implements plot.Plotter.
func (l *Labels) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	var taken []vg.Rectangle
	for _, n := range l.Notes {
		at := vg.Point{X: trX(n.X) + n.Off.X, Y: trY(n.Y) + n.Off.Y}
		c.FillText(n.Style, at, n.Text)
		taken = append(taken, n.Style.Rectangle(n.Text).Add(at))
	}
	for _, q := range l.Obstacles {
		x, y := trX(q.X), trY(q.Y)
		taken = append(taken, vg.Rectangle{Min: vg.Point{X: x - l.Radius, Y: y - l.Radius}, Max: vg.Point{X: x + l.Radius, Y: y + l.Radius}})
	}
	for _, line := range l.Lines {
		taken = append(taken, lineBoxes(line, trX, trY)...)
	}
	anchors := make([]vg.Point, len(l.XYs))
	for i, p := range l.XYs {
		anchors[i] = vg.Point{X: trX(p.X), Y: trY(p.Y)}
	}
	sizes := make([]vg.Point, len(l.Texts))
	for i, t := range l.Texts {
		sizes[i] = l.Style.Rectangle(t).Size()
	}
	boxes := PlaceLabels(anchors, sizes, l.Radius, l.Gap, c.Rectangle, taken)
	for i, b := range boxes {
		if b == (vg.Rectangle{}) {
			continue
		}
		r := l.Style.Rectangle(l.Texts[i])
		c.FillText(l.Style, b.Min.Sub(r.Min), l.Texts[i])
		if q := nearest(b, anchors[i]); dist(q, anchors[i]) > l.Radius+l.Gap+1 {
			a := anchors[i]
			from := a.Add(q.Sub(a).Scale(l.Radius / dist(q, a)))
			c.StrokeLine2(draw.LineStyle{Color: color.Gray{90}, Width: vg.Points(0.6)}, from.X, from.Y, q.X, q.Y)
		}
	}
}

// PlaceLabels places a label of size sizes[i] beside each anchors[i]
// (a point of glyph radius r), in order, greedily: the first of eight
// positions (right, left, above, below, then the diagonals; next to the
// point, then in two rings farther out) that stays in bounds and overlaps
// no placed label, no taken rectangle and no point, preferring places
// nearer its own point than any other. A label with no free position gets
// the zero rectangle (left out). Greedy is enough for the few dozen labels
// of a chart: at most 48 tries per label, each against every rectangle.
func PlaceLabels(anchors []vg.Point, sizes []vg.Point, r, gap vg.Length, bounds vg.Rectangle, taken []vg.Rectangle) []vg.Rectangle {
	points := make([]vg.Rectangle, len(anchors))
	for i, a := range anchors {
		points[i] = vg.Rectangle{Min: vg.Point{X: a.X - r, Y: a.Y - r}, Max: vg.Point{X: a.X + r, Y: a.Y + r}}
	}
	placed := append([]vg.Rectangle(nil), taken...)
	out := make([]vg.Rectangle, len(anchors))
	for i, a := range anchors {
		if i >= len(sizes) {
			break
		}
		w, h := sizes[i].X, sizes[i].Y
	place:
		// First only places nearer their own point than any other (so the
		// label reads as that point's), then any free place. Rings: next to
		// the point, then farther out (drawn with a leader line) for labels
		// in a crowd.
		for pass := range 2 {
			for ring := range 3 {
				d := r + gap + vg.Length(ring)*12
				e := r + gap + vg.Length(ring)*9
				for _, min := range []vg.Point{
					{X: a.X + d, Y: a.Y - h/2},       // right
					{X: a.X - d - w, Y: a.Y - h/2},   // left
					{X: a.X - w/2, Y: a.Y + d},       // above
					{X: a.X - w/2, Y: a.Y - d - h},   // below
					{X: a.X + e, Y: a.Y + e},         // above right
					{X: a.X + e, Y: a.Y - e - h},     // below right
					{X: a.X - e - w, Y: a.Y + e},     // above left
					{X: a.X - e - w, Y: a.Y - e - h}, // below left
				} {
					b := vg.Rectangle{Min: min, Max: vg.Point{X: min.X + w, Y: min.Y + h}}
					if !inside(b, bounds) || overlapsAny(b, placed) || overlapsAny(b, points) || (pass == 0 && closerToOther(b, i, anchors)) {
						continue
					}
					out[i] = b
					placed = append(placed, b)
					break place
				}
			}
		}
	}
	return out
}

func inside(b, bounds vg.Rectangle) bool {
	return b.Min.X >= bounds.Min.X && b.Min.Y >= bounds.Min.Y && b.Max.X <= bounds.Max.X && b.Max.Y <= bounds.Max.Y
}

func overlaps(a, b vg.Rectangle) bool {
	return a.Min.X < b.Max.X && b.Min.X < a.Max.X && a.Min.Y < b.Max.Y && b.Min.Y < a.Max.Y
}

func overlapsAny(b vg.Rectangle, rs []vg.Rectangle) bool {
	for _, r := range rs {
		if overlaps(b, r) {
			return true
		}
	}
	return false
}

// lineBoxes covers a polyline with 1-point squares every 2 points along
// it: enough for the overlap test to see a line through a label.
func lineBoxes(xy plotter.XYs, trX, trY func(float64) vg.Length) []vg.Rectangle {
	var out []vg.Rectangle
	for i := 1; i < len(xy); i++ {
		a := vg.Point{X: trX(xy[i-1].X), Y: trY(xy[i-1].Y)}
		b := vg.Point{X: trX(xy[i].X), Y: trY(xy[i].Y)}
		d := b.Sub(a)
		n := int(math.Hypot(float64(d.X), float64(d.Y))/2) + 1
		for k := 0; k <= n; k++ {
			p := a.Add(d.Scale(vg.Length(float64(k) / float64(n))))
			out = append(out, vg.Rectangle{Min: vg.Point{X: p.X - 0.5, Y: p.Y - 0.5}, Max: vg.Point{X: p.X + 0.5, Y: p.Y + 0.5}})
		}
	}
	return out
}

// nearest is the point of b closest to p.
func nearest(b vg.Rectangle, p vg.Point) vg.Point {
	return vg.Point{X: min(max(p.X, b.Min.X), b.Max.X), Y: min(max(p.Y, b.Min.Y), b.Max.Y)}
}

func dist(a, b vg.Point) vg.Length {
	return vg.Length(math.Hypot(float64(a.X-b.X), float64(a.Y-b.Y)))
}

// closerToOther reports whether b is nearer some anchor other than i.
func closerToOther(b vg.Rectangle, i int, anchors []vg.Point) bool {
	own := dist(nearest(b, anchors[i]), anchors[i])
	for j, a := range anchors {
		if j != i && dist(nearest(b, a), a) < own {
			return true
		}
	}
	return false
}
