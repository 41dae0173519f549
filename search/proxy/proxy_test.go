package proxy

import (
	"math"
	"testing"

	"github.com/fnlab/fnlab/arch"
)

func TestLogDet(t *testing.T) {
	cases := []struct {
		name string
		a    []float64
		n    int
		want float64
	}{
		{"identity", []float64{1, 0, 0, 1}, 2, 0},
		{"diag", []float64{2, 0, 0, 3}, 2, math.Log(6)},
		{"pivot", []float64{0, 2, 3, 0}, 2, math.Log(6)},
		{"3x3", []float64{4, 2, 0, 2, 5, 1, 0, 1, 3}, 3, math.Log(4*(15-1) - 2*6)},
		{"singular", []float64{1, 2, 2, 4}, 2, math.Inf(-1)},
	}
	for _, c := range cases {
		if got := logDet(append([]float64(nil), c.a...), c.n); math.Abs(got-c.want) > 1e-12 && !(math.IsInf(got, -1) && math.IsInf(c.want, -1)) {
			t.Errorf("%s: %g, want %g", c.name, got, c.want)
		}
	}
}

func spec(t *testing.T, sets ...string) *arch.Spec {
	s, err := arch.Load("t0", append([]string{"embed_dim=8", "depths=[1,2,1,1]"}, sets...))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNASWOT(t *testing.T) {
	cfg := Config{Batch: 6, Resolution: 32, Seed: 1}
	for _, m := range []string{"mixer=pconv", "mixer=conv", "mixer=dwconv", "mixer=gconv", "act_layer=RELU"} {
		s := spec(t, m, "groups=4")
		a, err := NASWOT(s, cfg)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := NASWOT(s, cfg)
		if a != b || math.IsNaN(a) || math.IsInf(a, 0) {
			t.Errorf("%s: score %g then %g", m, a, b)
		}
		// K's diagonal is the unit count U and every entry is at most U,
		// so log|K| <= N log U.
		if a > float64(cfg.Batch)*math.Log(1e6) {
			t.Errorf("%s: score %g is implausibly large", m, a)
		}
	}
	if _, err := NASWOT(spec(t), Config{Batch: 1, Resolution: 32}); err == nil {
		t.Error("batch 1 accepted")
	}
	if _, err := NASWOT(spec(t), Config{Batch: 2, Resolution: 16}); err == nil {
		t.Error("resolution 16 accepted for 4 stages")
	}
}

func TestCapacity(t *testing.T) {
	cases := []struct {
		st   Stage
		want float64
	}{
		{Stage{Width: 96, Mixer: arch.Conv}, 0},
		{Stage{Width: 96, Mixer: arch.PConv, NDiv: 4}, 0.75},
		{Stage{Width: 96, Mixer: arch.GConv, Groups: 16}, 0.75},
		{Stage{Width: 96, Mixer: arch.DWConv}, 1 - 1/math.Sqrt(96)},
		{Stage{Width: 64, Mixer: arch.PConv, NDiv: 2}, 0.5},
	}
	for _, c := range cases {
		got, err := Capacity{}.StageScore(c.st)
		if err != nil || math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%+v: %g (%v), want %g", c.st, got, err, c.want)
		}
	}
	s := spec(t, "stages.0.mixer=conv")
	total, per, err := Recon(s, Capacity{})
	if err != nil {
		t.Fatal(err)
	}
	// Blocks 1, 2, 1, 1: one conv block (0) and four n_div 4 blocks (0.75).
	if math.Abs(total-0.6) > 1e-12 || per[0] != 0 || per[1] != 0.75 {
		t.Errorf("recon %g per stage %v", total, per)
	}
}

func TestPositive(t *testing.T) {
	for _, c := range []struct {
		v    float32
		want uint64
	}{
		{1, 1}, {1e-45, 1}, {float32(math.Inf(1)), 1}, {math.MaxFloat32, 1},
		{0, 0}, {float32(math.Copysign(0, -1)), 0}, {-1e-45, 0}, {-3, 0},
		{float32(math.Inf(-1)), 0}, {float32(math.NaN()), 0}, {math.Float32frombits(0xffffffff), 0},
	} {
		if got := positive(c.v); got != c.want {
			t.Errorf("positive(%g [%#x]) = %d, want %d", c.v, math.Float32bits(c.v), got, c.want)
		}
	}
}

func TestBatchNorm(t *testing.T) {
	const rows, c = 300, 5
	x := make([]float32, rows*c)
	for p := 0; p < rows; p++ {
		for ch := 0; ch < c; ch++ {
			x[p*c+ch] = float32(ch*10) + float32(ch+1)*float32(math.Sin(float64(p*7+ch)))
		}
	}
	batchNorm(x, rows, c)
	for ch := 0; ch < c; ch++ {
		var m, v float64
		for p := 0; p < rows; p++ {
			m += float64(x[p*c+ch])
		}
		m /= rows
		for p := 0; p < rows; p++ {
			d := float64(x[p*c+ch]) - m
			v += d * d
		}
		v /= rows
		if math.Abs(m) > 1e-5 || math.Abs(v-1) > 1e-4 {
			t.Errorf("channel %d: mean %g, variance %g after batchNorm", ch, m, v)
		}
	}
}

// TestAddCodes holds the packed popcount kernel to a plain count of
// agreeing signs.
func TestAddCodes(t *testing.T) {
	const n, units = 3, 130 // words with a partial tail
	a := make([]float32, n*units)
	for i := range a {
		a[i] = float32(math.Sin(float64(i) * 1.7))
	}
	a[5], a[7] = float32(math.Copysign(0, -1)), 0
	f := &forward{n: n, k: make([]float64, n*n)}
	f.addCodes(a, units)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			want := 0.0
			for u := 0; u < units; u++ {
				if (a[i*units+u] > 0) == (a[j*units+u] > 0) {
					want++
				}
			}
			if f.k[i*n+j] != want {
				t.Errorf("K[%d][%d] = %g, want %g", i, j, f.k[i*n+j], want)
			}
		}
	}
}

// TestNASWOTCache: the score does not depend on what the layer cache
// holds or on concurrent callers, and a layer's weights depend only on its
// key.
func TestNASWOTCache(t *testing.T) {
	cfg := Config{Batch: 4, Resolution: 32, Seed: 3}
	s := spec(t, "mixer=pconv")
	reset := func() {
		cache.Lock()
		cache.m, cache.bytes = nil, 0
		cache.Unlock()
	}
	reset()
	cold, err := NASWOT(s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	warm, _ := NASWOT(s, cfg)
	reset()
	got := make([]float64, 4)
	done := make(chan int)
	for i := range got {
		go func() { got[i], _ = NASWOT(s, cfg); done <- i }()
	}
	for range got {
		<-done
	}
	for i, g := range got {
		if g != cold || warm != cold {
			t.Errorf("cold %g, warm %g, concurrent[%d] %g", cold, warm, i, g)
		}
	}
	k := layerKey{seed: 1, stage: 2, block: 0, role: "fc1", a: 8, b: 16}
	w1, w2 := k.kaiming(128, 8), k.kaiming(128, 8)
	k.block = 1
	w3 := k.kaiming(128, 8)
	if w1[0] != w2[0] || w1[127] != w2[127] || w1[0] == w3[0] {
		t.Errorf("weights by key: same key %g/%g, other block %g", w1[0], w2[0], w3[0])
	}
	if other, _ := NASWOT(s, Config{Batch: 4, Resolution: 32, Seed: 4}); other == cold {
		t.Errorf("seeds 3 and 4 give the same score %g", cold)
	}
}

func TestFitted(t *testing.T) {
	f := &Fitted{Seeds: 2, MaxIter: 3}
	st := Stage{Width: 16, MapH: 6, MapW: 6, Depth: 1}
	score := func(m arch.Mixer, ndiv, groups int) float64 {
		t.Helper()
		s := st
		s.Mixer, s.NDiv, s.Groups = m, ndiv, groups
		v, err := f.StageScore(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	pc4, pc2, dw, gc := score(arch.PConv, 4, 0), score(arch.PConv, 2, 0), score(arch.DWConv, 0, 0), score(arch.GConv, 0, 4)
	if conv := score(arch.Conv, 0, 0); conv != 0 {
		t.Errorf("full conv scores %g, want 0", conv)
	}
	for name, v := range map[string]float64{"pconv4": pc4, "pconv2": pc2, "dwconv": dw, "gconv4": gc} {
		if !(v > 0 && v < 1) {
			t.Errorf("%s: normalised loss %g, want in (0, 1)", name, v)
		}
	}
	if pc2 >= pc4 {
		t.Errorf("pconv n_div 2 (%g) should reconstruct better than n_div 4 (%g): it convolves twice the channels", pc2, pc4)
	}
	fits := f.fits
	// Cached: the same stage again, also from several goroutines, fits nothing new.
	done := make(chan float64)
	for range 4 {
		go func() {
			v, _ := f.StageScore(Stage{Width: 16, MapH: 6, MapW: 6, Mixer: arch.PConv, NDiv: 4})
			done <- v
		}()
	}
	for range 4 {
		if v := <-done; v != pc4 {
			t.Errorf("cached score %g, first %g", v, pc4)
		}
	}
	if f.fits != fits {
		t.Errorf("%d fits after cached calls, want %d", f.fits, fits)
	}
	// A fresh scorer gives the same numbers (seeded, one thread).
	g := &Fitted{Seeds: 2, MaxIter: 3}
	if v, _ := g.StageScore(Stage{Width: 16, MapH: 6, MapW: 6, Mixer: arch.PConv, NDiv: 4}); v != pc4 {
		t.Errorf("fresh scorer %g, first %g", v, pc4)
	}
	if _, err := f.StageScore(Stage{Width: 16, MapH: 6, MapW: 6, Mixer: arch.PConv, NDiv: 32}); err == nil {
		t.Error("n_div 32 on 16 channels: want an error")
	}
}

type recordStages []Stage

func (r *recordStages) Name() string { return "record" }
func (r *recordStages) StageScore(st Stage) (float64, error) {
	*r = append(*r, st)
	return 0.5, nil
}

func TestReconStageMaps(t *testing.T) {
	s, err := arch.Load("t0", nil)
	if err != nil {
		t.Fatal(err)
	}
	var rec recordStages
	mean, per, err := Recon(s, &rec)
	if err != nil || mean != 0.5 || len(per) != 4 {
		t.Fatalf("Recon: %g %v %v", mean, per, err)
	}
	for i, want := range [][3]int{{40, 56, 56}, {80, 28, 28}, {160, 14, 14}, {320, 7, 7}} {
		if got := [3]int{rec[i].Width, rec[i].MapH, rec[i].MapW}; got != want {
			t.Errorf("stage %d: %v, want %v", i, got, want)
		}
	}
}
