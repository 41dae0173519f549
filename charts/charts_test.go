package charts

import (
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/cmpimg"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata from the current code")

// checkGolden draws with fn as PNG and SVG and compares each with
// testdata/name_golden.{png,svg} (cmpimg: PNG with a small colour
// tolerance, SVG byte for byte). With -update it rewrites them instead.
// A mismatch leaves the new image next to the golden one as name_got.*
// to look at.
func checkGolden(t *testing.T, name string, w, h vg.Length, fn func(draw.Canvas)) {
	t.Helper()
	for _, ext := range []string{"png", "svg"} {
		golden := filepath.Join("testdata", name+"_golden."+ext)
		got := filepath.Join(t.TempDir(), name+"."+ext)
		if err := WriteFile(got, w, h, fn); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(got)
		if err != nil {
			t.Fatal(err)
		}
		if *update {
			if err := os.WriteFile(golden, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (go test -update creates it)", err)
		}
		ok, err := cmpimg.EqualApprox(ext, raw, want, 0.01)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			failed := filepath.Join("testdata", name+"_got."+ext)
			_ = os.WriteFile(failed, raw, 0o644)
			t.Errorf("%s differs from %s (new image in %s; go test -update accepts it)", name, golden, failed)
		}
	}
}

// opsRun is testdata/ops.json: the measurements of one `fnlab ops` run
// (9 operators x 4 sizes, 2 threads).
type opsRun struct {
	Peak  float64 `json:"peak_gflops"`
	BW    float64 `json:"bandwidth_gbs"`
	Cache float64 `json:"cache_gbs"`
	Rows  []struct {
		Op        string  `json:"op"`
		Size      string  `json:"size"`
		Intensity float64 `json:"intensity"`
		GFLOPS    float64 `json:"gflops"`
		Median    float64 `json:"median_ms"`
		P10       float64 `json:"p10_ms"`
		P90       float64 `json:"p90_ms"`
		MACs      float64 `json:"macs"`
	} `json:"rows"`
}

func loadOps(t *testing.T) opsRun {
	var d opsRun
	raw, err := os.ReadFile(filepath.Join("testdata", "ops.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// opsBars builds the ops latency and GFLOPS series as cmd/fnlab does:
// operators sorted by mean log latency, one series per size.
func opsBars(d opsRun) (ops []string, lat, gf []Series) {
	var sizes []string
	for _, r := range d.Rows {
		if !slices.Contains(ops, r.Op) {
			ops = append(ops, r.Op)
		}
		if !slices.Contains(sizes, r.Size) {
			sizes = append(sizes, r.Size)
		}
	}
	logMean := func(op string) float64 {
		s := 0.0
		for _, r := range d.Rows {
			if r.Op == op {
				s += math.Log(r.Median)
			}
		}
		return s
	}
	slices.SortStableFunc(ops, func(a, b string) int { return cmp.Compare(logMean(a), logMean(b)) })
	for _, sz := range sizes {
		l, g := Series{Name: sz}, Series{Name: sz}
		for _, op := range ops {
			for _, r := range d.Rows {
				if r.Op == op && r.Size == sz {
					l.Values, l.Lo, l.Hi = append(l.Values, r.Median), append(l.Lo, r.P10), append(l.Hi, r.P90)
					g.Values = append(g.Values, r.GFLOPS)
					g.Lo, g.Hi = append(g.Lo, 2*r.MACs/(r.P90/1e3)/1e9), append(g.Hi, 2*r.MACs/(r.P10/1e3)/1e9)
				}
			}
		}
		lat, gf = append(lat, l), append(gf, g)
	}
	return ops, lat, gf
}

// The ablate numbers of one `fnlab ablate --quick` run of fasternet_t0,
// in the order its table uses (by median latency).
var (
	ablNames = []string{"dwconv", "pconv n_div=8", "pconv n_div=4", "pconv n_div=2", "gconv groups=8", "conv"}
	ablMACs  = []float64{303.5, 307.9, 335.4, 445.5, 372.1, 885.8}
	ablMS    = []float64{2.698, 2.88, 3.094, 3.971, 4.264, 7.641}
	ablP10   = []float64{2.63, 2.652, 2.935, 3.577, 3.708, 7.487}
	ablP90   = []float64{2.935, 3.411, 3.226, 4.853, 4.508, 8.506}
	ablLoss  = []float64{0.4644, 0.4873, 0.4393, 0.3173, 0.3368, 0}
	ablStd   = []float64{0.0097, 0.0064, 0.0087, 0.0126, 0.0094, 0}
	ablParts = []string{"patch_embed", "mixers", "mlps", "merges", "head"}
	ablSplit = [][]float64{
		{0.1, 0.172, 1.929, 0.239, 0.192},
		{0.095, 0.315, 1.872, 0.228, 0.152},
		{0.102, 0.554, 1.929, 0.237, 0.141},
		{0.104, 1.27, 1.933, 0.256, 0.201},
		{0.111, 1.462, 2.087, 0.248, 0.195},
		{0.112, 4.272, 2.788, 0.251, 0.164},
	}
)

// fitLoss is normalised test MSE per student (rows) and stage 1-4 of one
// `fnlab fit --seeds 2` run: the conv student fits to ~1e-9.
var (
	fitStudents = []string{"conv", "gconv+pwconv", "pconv+pwconv", "dwconv+pwconv", "pwconv"}
	fitLoss     = [][]float64{
		{1.76e-9, 3.80e-9, 2.81e-8, 5.73e-8},
		{0.2943, 0.3366, 0.3868, 0.3889},
		{0.3662, 0.4120, 0.4544, 0.4635},
		{0.3597, 0.4238, 0.4975, 0.5111},
		{0.4581, 0.5162, 0.5774, 0.6266},
	}
)

// TestGolden draws every chart kind from a real run's numbers and
// compares it with its golden image.
func TestGolden(t *testing.T) {
	ops := loadOps(t)
	opNames, opLat, opGF := opsBars(ops)
	cases := []struct {
		name string
		make func() (*plot.Plot, error)
	}{
		{"ablate_latency", func() (*plot.Plot, error) {
			return Bars(BarSpec{Title: "fasternet_t0: latency per variant, batch 1, 2 thread(s) (median, p10-p90)", XLabel: "variant (fastest first)", YLabel: "latency (ms)",
				Categories: ablNames, Series: []Series{{Name: "latency", Values: ablMS, Lo: ablP10, Hi: ablP90}}})
		}},
		{"ablate_time_split", func() (*plot.Plot, error) {
			var ss []Series
			for i, n := range ablNames {
				ss = append(ss, Series{Name: n, Values: ablSplit[i]})
			}
			return Bars(BarSpec{Title: "fasternet_t0: where the time goes (median per part), 2 thread(s)", XLabel: "part of the model", YLabel: "latency (ms)", Categories: ablParts, Series: ss})
		}},
		{"ablate_loss", func() (*plot.Plot, error) {
			se := Series{Name: "loss"}
			var names []string
			for i, n := range ablNames {
				if n == "conv" {
					continue
				}
				names = append(names, n)
				se.Values, se.Lo, se.Hi = append(se.Values, ablLoss[i]), append(se.Lo, ablLoss[i]-ablStd[i]), append(se.Hi, ablLoss[i]+ablStd[i])
			}
			return Bars(BarSpec{Title: "fasternet_t0: reconstruction loss of mixer+PWConv vs a 3x3 conv (mean over stages, ± std)", XLabel: "variant (fastest first)",
				YLabel: "normalised test MSE", Categories: names, Series: []Series{se}})
		}},
		{"ablate_latency_vs_macs", func() (*plot.Plot, error) {
			var pts []Point
			for i, n := range ablNames {
				pts = append(pts, Point{Label: n, X: ablMACs[i], Y: ablMS[i]})
			}
			return Scatter(ScatterSpec{Title: "fasternet_t0: latency against MACs per variant, 2 thread(s)", XLabel: "MACs (M)", YLabel: "median latency (ms)", Points: pts})
		}},
		{"fit_loss", func() (*plot.Plot, error) {
			var ss []Series
			for i, s := range fitStudents {
				se := Series{Name: s, Values: fitLoss[i]}
				for _, v := range fitLoss[i] {
					se.Lo, se.Hi = append(se.Lo, v*0.97), append(se.Hi, v*1.03)
				}
				ss = append(ss, se)
			}
			// LogY as fit asks: the conv's 1e-9 is "zero", the rest spans 0.3 decades: linear.
			return Bars(BarSpec{Title: "Reconstruction of a 3x3 conv: normalised test MSE (mean ± std over seeds), redundancy 0.5", XLabel: "stage",
				YLabel: "test MSE / teacher output variance (log)", Categories: []string{"1", "2", "3", "4"}, Series: ss, LogY: true})
		}},
		{"ops_latency", func() (*plot.Plot, error) {
			return Bars(BarSpec{Title: "Latency of 10 stacked layers, batch 1, 2 thread(s) (bars: median, whiskers: p10-p90)", XLabel: "operator (sorted by latency)",
				YLabel: "latency (ms)", Categories: opNames, Series: opLat, LogY: true})
		}},
		{"ops_gflops", func() (*plot.Plot, error) {
			return Bars(BarSpec{Title: "Achieved GFLOPS (2 x MACs / median time), 2 thread(s); peak 457 GFLOPS", XLabel: "operator (sorted by latency)",
				YLabel: "GFLOPS", Categories: opNames, Series: opGF, LogY: true, Refs: []RefLine{{Value: ops.Peak, Label: "peak 457 GFLOPS"}}})
		}},
		{"ops_roofline", func() (*plot.Plot, error) {
			var sizes []string
			var pts []Point
			for _, r := range ops.Rows {
				if !slices.Contains(sizes, r.Size) {
					sizes = append(sizes, r.Size)
				}
				pts = append(pts, Point{Label: r.Op, X: r.Intensity, Y: r.GFLOPS, Group: slices.Index(sizes, r.Size)})
			}
			return Roofline(RooflineSpec{Title: "Roofline of this machine, 2 thread(s), operators placed by measured GFLOPS",
				PeakGFLOPS: ops.Peak, BandwidthGBs: ops.BW, CacheGBs: ops.Cache, Points: pts, Groups: sizes})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := c.make()
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, c.name, Size[0], Size[1], func(dc draw.Canvas) { Draw(p, dc) })
		})
	}
}

func TestSave(t *testing.T) {
	p, err := Bars(BarSpec{Title: "x", Categories: []string{"a"}, Series: []Series{{Values: []float64{1}}}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	paths, err := Save(p, dir, "x")
	if err != nil || len(paths) != 2 {
		t.Fatalf("Save: %v %v", paths, err)
	}
	for _, path := range paths {
		if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", path, err)
		}
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

func TestFormatTick(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{
		{0, "0"},
		{9.999999999999999e-05, "1e-4"},
		{2.5e-4, "2.5e-4"},
		{1e-9, "1e-9"},
		{0.30000000000000004, "0.3"},
		{0.35, "0.35"},
		{0.001, "0.001"},
		{7.5, "7.5"},
		{100, "100"},
		{457.01798717317905, "457.017987"},
		{2.5e6, "2.5e6"},
		{-0.25, "-0.25"},
	} {
		if got := FormatTick(c.v); got != c.want {
			t.Errorf("FormatTick(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}

func labels(ts []plot.Tick) []string {
	var out []string
	for _, t := range ts {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return out
}

func TestTickers(t *testing.T) {
	for _, c := range []struct {
		name     string
		ticker   plot.Ticker
		min, max float64
		want     []string
	}{
		{"log nine decades", LogTicks{}, 1e-9, 1, []string{"1e-9", "1e-8", "1e-7", "1e-6", "1e-5", "1e-4", "0.001", "0.01", "0.1", "1"}},
		{"log under two decades", LogTicks{}, 0.05, 3, []string{"0.05", "0.1", "0.2", "0.5", "1", "2"}},
		{"log within a factor of two", LogTicks{}, 6, 9.5, []string{"6", "7", "8", "9"}},
		{"linear losses", Ticks{}, 0, 0.6, []string{"0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6"}},
		{"linear small", Ticks{}, 0, 3e-4, []string{"0", "5e-5", "1e-4", "1.5e-4", "2e-4", "2.5e-4", "3e-4"}},
		{"linear latency", Ticks{}, 0, 8.9, []string{"0", "2", "4", "6", "8"}},
		{"linear offset", Ticks{}, 0.37, 0.96, []string{"0.4", "0.5", "0.6", "0.7", "0.8", "0.9"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := labels(c.ticker.Ticks(c.min, c.max)); !slices.Equal(got, c.want) {
				t.Errorf("labels %q, want %q", got, c.want)
			}
		})
	}
}

func TestLogChoice(t *testing.T) {
	for _, c := range []struct {
		name string
		vs   []float64
		log  bool
	}{
		{"students 0.3-0.6 with a conv at 1e-9", []float64{1.8e-9, 0.29, 0.36, 0.46, 0.63}, false},
		{"latencies 0.07-20 ms", []float64{0.068, 0.37, 1.2, 4.5, 19}, true},
		{"GFLOPS 60-500", []float64{60, 100, 300, 500}, false},
		{"all zero", []float64{0, 0}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := logDecades(c.vs, negligible) >= LogDecadesMin; got != c.log {
				t.Errorf("log axis: %v, want %v (%.2f decades)", got, c.log, logDecades(c.vs, negligible))
			}
		})
	}
}

func TestYLabel(t *testing.T) {
	for _, c := range []struct {
		in   string
		log  bool
		want string
	}{
		{"test MSE (log)", false, "test MSE"},
		{"latency (ms)", true, "latency (ms, log scale)"},
		{"latency (ms, log scale)", false, "latency (ms)"},
		{"GFLOPS (log scale)", true, "GFLOPS (log scale)"},
		{"GFLOPS", false, "GFLOPS"},
	} {
		if got := yLabel(c.in, c.log); got != c.want {
			t.Errorf("yLabel(%q, %v) = %q, want %q", c.in, c.log, got, c.want)
		}
	}
}

// TestPlaceLabels: placed labels never overlap each other, a point or the
// bounds; a label with no room is left out rather than drawn over another.
func TestPlaceLabels(t *testing.T) {
	bounds := vg.Rectangle{Max: vg.Point{X: 200, Y: 100}}
	sz := vg.Point{X: 40, Y: 8}
	for _, c := range []struct {
		name    string
		anchors []vg.Point
		placed  int
		bounds  vg.Rectangle
	}{
		{"far apart", []vg.Point{{X: 20, Y: 20}, {X: 150, Y: 80}}, 2, bounds},
		{"two close: the second goes left", []vg.Point{{X: 100, Y: 50}, {X: 104, Y: 51}}, 2, bounds},
		{"a tight cluster: farther rings", []vg.Point{{X: 100, Y: 50}, {X: 101, Y: 50}, {X: 102, Y: 50}, {X: 103, Y: 50}, {X: 100, Y: 51}, {X: 101, Y: 51}, {X: 102, Y: 51}, {X: 103, Y: 51}, {X: 100, Y: 52}}, 9, bounds},
		{"no room: left out", []vg.Point{{X: 30, Y: 15}, {X: 31, Y: 15}, {X: 29, Y: 15}}, 2, vg.Rectangle{Max: vg.Point{X: 60, Y: 30}}},
		{"at the edge: placed inward", []vg.Point{{X: 195, Y: 95}}, 1, bounds},
	} {
		t.Run(c.name, func(t *testing.T) {
			sizes := make([]vg.Point, len(c.anchors))
			for i := range sizes {
				sizes[i] = sz
			}
			boxes := PlaceLabels(c.anchors, sizes, 3, 2, c.bounds, nil)
			n := 0
			for i, b := range boxes {
				if b == (vg.Rectangle{}) {
					continue
				}
				n++
				if !inside(b, c.bounds) {
					t.Errorf("label %d %v outside %v", i, b, c.bounds)
				}
				for j, o := range boxes[:i] {
					if o != (vg.Rectangle{}) && overlaps(b, o) {
						t.Errorf("labels %d and %d overlap: %v %v", i, j, b, o)
					}
				}
				for j, a := range c.anchors {
					pt := vg.Rectangle{Min: vg.Point{X: a.X - 3, Y: a.Y - 3}, Max: vg.Point{X: a.X + 3, Y: a.Y + 3}}
					if overlaps(b, pt) {
						t.Errorf("label %d covers point %d", i, j)
					}
				}
			}
			if n != c.placed {
				t.Errorf("%d labels placed, want %d", n, c.placed)
			}
		})
	}
}

func TestWrap(t *testing.T) {
	p := plot.New()
	sty := p.Title.TextStyle
	short := "Roofline"
	if got := wrap(short, sty, 500); got != short {
		t.Errorf("a short title is wrapped: %q", got)
	}
	long := "fasternet_t0: reconstruction loss of mixer+PWConv vs a 3x3 conv (mean over stages, ± std)"
	got := wrap(long, sty, 300)
	for _, line := range p.Title.TextStyle.Handler.Lines(got) {
		if w := sty.Rectangle(line).Size().X; w > 300 {
			t.Errorf("line %q is %v wide, over 300", line, w)
		}
	}
	if math.Abs(float64(len(got)-len(long))) > 5 {
		t.Errorf("wrap changed more than the breaks: %q", got)
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

// colours counts the distinct colours on a grid of every third pixel.
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
