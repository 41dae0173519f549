package searchplot

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// pixels counts the pixels of img within a small distance of c.
func pixels(img image.Image, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	near := func(a uint32, b uint8) bool { d := int(a>>8) - int(b); return d > -12 && d < 12 }
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if near(r, c.R) && near(g, c.G) && near(bl, c.B) {
				n++
			}
		}
	}
	return n
}

func TestFront(t *testing.T) {
	dir := t.TempDir()
	pts := []Point{
		{X: 3, Y: 0.50, Mixer: "pconv", Front: true},
		{X: 4, Y: 0.40, Mixer: "dwconv", Front: true},
		{X: 6, Y: 0.30, Mixer: "pconv", Front: true},
		{X: 5, Y: 0.55, Mixer: "conv"}, // dominated: grey, not red
		{X: 7, Y: 0.45, Mixer: "gconv"},
	}
	png := filepath.Join(dir, "front.png")
	if err := Front(png, "Pareto front", "latency (ms)", "loss", pts); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, png)
	if b := img.Bounds(); b.Dx() != 576 || b.Dy() != 384 {
		t.Errorf("front.png is %dx%d, want 576x384 (6x4 in)", b.Dx(), b.Dy())
	}
	for _, m := range []string{"pconv", "dwconv"} {
		if pixels(img, MixerColors[m]) < 10 {
			t.Errorf("front member of mixer %s is not drawn in its colour", m)
		}
	}
	for _, m := range []string{"conv", "gconv"} {
		if pixels(img, MixerColors[m]) != 0 {
			t.Errorf("dominated %s candidate drawn in its mixer colour; want grey", m)
		}
	}
	if pixels(img, grey) < 10 {
		t.Error("dominated candidates are not drawn in grey")
	}

	svg := filepath.Join(dir, "front.svg")
	if err := Front(svg, "Pareto front", "latency (ms)", "loss", pts); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("front.svg is not well-formed XML: %v", err)
		}
	}
	if !bytes.Contains(data, []byte("Pareto")) {
		t.Error("front.svg lacks its title")
	}
}

func TestHypervolume(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hv.png")
	if err := Hypervolume(path, "Hypervolume", []int{10, 20, 40, 80}, []float64{0.1, 0.3, 0.35, 0.5}); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, path)
	if b := img.Bounds(); b.Dx() != 576 || b.Dy() != 336 {
		t.Errorf("hv.png is %dx%d, want 576x336 (6x3.5 in)", b.Dx(), b.Dy())
	}
	if pixels(img, MixerColors["pconv"]) < 20 {
		t.Error("hypervolume line not drawn")
	}
	if err := Hypervolume(path, "x", []int{1, 2}, []float64{0.1}); err == nil {
		t.Error("mismatched lengths: want an error")
	}
	if err := Front(filepath.Join(dir, "missing", "f.png"), "x", "x", "y", nil); err == nil {
		t.Error("missing directory: want an error")
	}
}
