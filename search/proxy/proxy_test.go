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
