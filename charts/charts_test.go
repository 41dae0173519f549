package charts

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// checkFiles decodes the PNG (size, not blank: several distinct colours)
// and parses the SVG (well-formed, title present).
func checkFiles(t *testing.T, dir, name, title string) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s.png: %v", name, err)
	}
	if b := img.Bounds(); b.Dx() != 768 || b.Dy() != 432 {
		t.Errorf("%s.png is %dx%d, want 768x432", name, b.Dx(), b.Dy())
	}
	if n := colours(img); n < 4 {
		t.Errorf("%s.png has %d distinct colours: blank?", name, n)
	}
	svg, err := os.ReadFile(filepath.Join(dir, name+".svg"))
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("%s.svg is not well-formed XML: %v", name, err)
		}
	}
	// SVG text is written glyph by glyph in some backends; check the first word.
	if w := strings.Fields(title)[0]; !bytes.Contains(svg, []byte(w)) {
		t.Errorf("%s.svg does not contain %q", name, w)
	}
}

func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bb, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bb, a}] = true
		}
	}
	return len(seen)
}

func TestCharts(t *testing.T) {
	cases := []struct {
		name, title string
		make        func() (*plot.Plot, error)
	}{
		{"bars", "Latency per operator", func() (*plot.Plot, error) {
			return Bars(BarSpec{Title: "Latency per operator", YLabel: "ms", Categories: []string{"conv", "pconv", "dwconv"},
				Series: []Series{{Name: "96x56x56", Values: []float64{3, 1, 0.5}, Lo: []float64{2.8, .9, .4}, Hi: []float64{3.5, 1.2, .6}},
					{Name: "768x7x7", Values: []float64{4, 1.5, 0.2}}}})
		}},
		{"bars_log", "Loss per student", func() (*plot.Plot, error) {
			return Bars(BarSpec{Title: "Loss per student", YLabel: "MSE", LogY: true, Categories: []string{"a", "b", "c", "d", "e", "f", "g"},
				Series: []Series{{Name: "s", Values: []float64{1e-6, 0.1, 0.2, 0.3, 0.01, 0.5, 0.7}, Lo: make([]float64, 7), Hi: []float64{1e-5, .2, .3, .4, .02, .6, .8}}}})
		}},
		{"roofline", "Roofline of this machine", func() (*plot.Plot, error) {
			return Roofline(RooflineSpec{Title: "Roofline of this machine", PeakGFLOPS: 500, BandwidthGBs: 40, Groups: []string{"96x56x56", "768x7x7"},
				Points: []Point{{"conv", 50, 300, 0}, {"dwconv", 1, 20, 0}, {"pconv", 20, 200, 1}}})
		}},
		{"scatter", "Latency against MACs", func() (*plot.Plot, error) {
			return Scatter(ScatterSpec{Title: "Latency against MACs", XLabel: "MACs", YLabel: "ms",
				Points: []Point{{"t0", 3.4e8, 5, 0}, {"t0 conv", 9e8, 12, 1}, {"t0 dw", 3e8, 6, 2}}})
		}},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := c.make()
			if err != nil {
				t.Fatal(err)
			}
			paths, err := Save(p, dir, c.name)
			if err != nil || len(paths) != 2 {
				t.Fatalf("Save: %v %v", paths, err)
			}
			checkFiles(t, dir, c.name, c.title)
		})
	}
}

func TestChartErrors(t *testing.T) {
	if _, err := Bars(BarSpec{Title: "x"}); err == nil {
		t.Error("no data: want an error")
	}
	if _, err := Bars(BarSpec{Title: "x", Categories: []string{"a"}, Series: []Series{{Values: []float64{1, 2}}}}); err == nil {
		t.Error("length mismatch: want an error")
	}
	if _, err := Bars(BarSpec{Title: "x", LogY: true, Categories: []string{"a"}, Series: []Series{{Values: []float64{0}}}}); err == nil {
		t.Error("log axis without positive values: want an error")
	}
	if _, err := Roofline(RooflineSpec{}); err == nil {
		t.Error("empty roofline: want an error")
	}
	if _, err := Save(plot.New(), filepath.Join(t.TempDir(), "missing"), "x"); err == nil {
		t.Error("missing directory: want an error")
	}
}

func TestCrowdedLabels(t *testing.T) {
	p := plot.New()
	placed := plotter.XYs{{X: 20, Y: 150}}
	near, far := Point{"b", 25, 155, 0}, Point{"c", 60, 150, 0}
	if crowded(p, placed, near) {
		t.Error("linear axes: every label is kept")
	}
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	if !crowded(p, placed, near) {
		t.Error("log axes: a label next to a placed one should be dropped")
	}
	if crowded(p, placed, far) {
		t.Error("log axes: a label half a decade away should be kept")
	}
}

func TestPNG(t *testing.T) {
	p, err := Bars(BarSpec{Title: "in memory", Categories: []string{"a", "b"}, Series: []Series{{Name: "s", Values: []float64{1, 2}}}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := PNG(p)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 768 || b.Dy() != 432 {
		t.Errorf("PNG is %dx%d, want 768x432 (Size)", b.Dx(), b.Dy())
	}
	if n := colours(img); n < 4 {
		t.Errorf("PNG has %d distinct colours: blank?", n)
	}
}
