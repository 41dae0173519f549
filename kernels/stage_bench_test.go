package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Stage shape classes of the wide FasterNets at 224x224, batch 1 unless
// named b8: stage 3 is 14x14 (M = 196 rows), stage 4 is 7x7 (M = 49). The
// MLP widens C to 2C (mlp0: bias and activation) and back (mlp2: residual
// added in place); the merge into stage 4 is a 2x2 stride-2 patch conv, a
// GEMM with K = 4*C3.
var stageWidths = []struct {
	model string
	c     [4]int
}{
	{"t2", [4]int{96, 192, 384, 768}},
	{"s", [4]int{128, 256, 512, 1024}},
	{"l", [4]int{192, 384, 768, 1536}},
}

func stageGemmShapes() []gemmShape {
	var out []gemmShape
	for _, w := range stageWidths {
		for _, st := range []struct{ i, m int }{{2, 196}, {3, 49}} {
			c, m := w.c[st.i], st.m
			out = append(out,
				gemmShape{fmt.Sprintf("%s_stage%d_mlp0_M%d_K%d_N%d", w.model, st.i+1, m, c, 2*c), m, c, 2 * c, ActGELU, false},
				gemmShape{fmt.Sprintf("%s_stage%d_mlp2_M%d_K%d_N%d", w.model, st.i+1, m, 2*c, c), m, 2 * c, c, ActNone, true})
		}
		c3 := w.c[2]
		out = append(out, gemmShape{fmt.Sprintf("%s_merge4_M49_K%d_N%d", w.model, 4*c3, 2*c3), 49, 4 * c3, 2 * c3, ActNone, false})
	}
	out = append(out,
		gemmShape{"t2_stage3_mlp0_b8_M1568_K384_N768", 8 * 196, 384, 768, ActGELU, false},
		gemmShape{"t2_stage4_mlp0_b8_M392_K768_N1536", 8 * 49, 768, 1536, ActGELU, false},
		gemmShape{"s_stage4_mlp0_b8_M392_K1024_N2048", 8 * 49, 1024, 2048, ActReLU, false})
	return out
}

// reportPeak adds GFLOPS and the share of the one-thread FMA peak.
func reportPeak(b *testing.B, flops float64) {
	g := flops * float64(b.N) / b.Elapsed().Seconds() / 1e9
	b.ReportMetric(g, "GFLOPS")
	b.ReportMetric(g/PeakGFLOPS(1), "peak_share")
}

// BenchmarkStageGemm times the 1x1-conv GEMMs of stages 3-4 on one thread
// at the best SIMD level.
func BenchmarkStageGemm(b *testing.B) {
	for _, s := range stageGemmShapes() {
		b.Run(s.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			a := randSlice(r, s.m*s.k)
			pb := PackB(randSlice(r, s.k*s.n), s.k, s.n, s.n)
			c := randSlice(r, s.m*s.n)
			var ep *Epilogue
			if s.act != ActNone {
				ep = &Epilogue{Bias: randSlice(r, s.n), Act: s.act}
			}
			if s.res {
				ep = &Epilogue{Residual: c, LdR: s.n}
			}
			PeakGFLOPS(1)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				Gemm(s.m, a, s.k, pb, c, s.n, ep)
			}
			reportPeak(b, 2*float64(s.m*s.n*s.k))
		})
	}
}

// BenchmarkStageConv3x3 times 3x3 convs of the wide stages on one thread:
// the dense Table 1 stacks (C x H x W), the partial conv of stages 3-4
// (C/4 channels of a C-channel map) and grouped conv (16 groups).
func BenchmarkStageConv3x3(b *testing.B) {
	type cs struct {
		name                   string
		cin, groups, hw, ld, n int
	}
	var shapes []cs
	for _, d := range []struct{ c, hw int }{{96, 56}, {192, 28}, {384, 14}, {768, 7}} {
		shapes = append(shapes, cs{fmt.Sprintf("dense_%dx%dx%d", d.c, d.hw, d.hw), d.c, 1, d.hw, d.c, 1})
	}
	shapes = append(shapes, cs{"dense_b8_384x14x14", 384, 1, 14, 384, 8})
	for _, w := range stageWidths {
		shapes = append(shapes,
			cs{fmt.Sprintf("%s_stage3_pconv_%dof%dx14x14", w.model, w.c[2]/4, w.c[2]), w.c[2] / 4, 1, 14, w.c[2], 1},
			cs{fmt.Sprintf("%s_stage4_pconv_%dof%dx7x7", w.model, w.c[3]/4, w.c[3]), w.c[3] / 4, 1, 7, w.c[3], 1})
	}
	shapes = append(shapes,
		cs{"gconv16_768x7x7", 768, 16, 7, 768, 1},
		cs{"gconv16_b8_768x7x7", 768, 16, 7, 768, 8})
	for _, s := range shapes {
		// Both algorithms (the automatic plan picks one of them).
		for _, m := range []struct {
			name string
			mode int
		}{{"implicit_gemm", convAuto}, {"winograd", convWinograd}} {
			b.Run(s.name+"/"+m.name, func(b *testing.B) {
				oldMode, oldMin := conv3x3Mode, wgMinC
				conv3x3Mode = m.mode
				if m.mode == convAuto {
					wgMinC = 1 << 30
				}
				defer func() { conv3x3Mode, wgMinC = oldMode, oldMin }()
				benchStageConv(b, s.cin, s.groups, s.hw, s.ld, s.n)
			})
		}
	}
}

func benchStageConv(b *testing.B, cin, groups, hw, ld, n int) {
	rng := rand.New(rand.NewPCG(1, 2))
	cg := cin / groups
	conv, err := NewConv3x3(randSlice(rng, cin*cg*9), cin, cin, groups)
	if err != nil {
		b.Fatal(err)
	}
	in := randSlice(rng, n*hw*hw*ld)
	out := make([]float32, n*hw*hw*ld)
	scratch := make([]float32, conv.ScratchLen(n, hw, hw))
	PeakGFLOPS(1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		conv.Run(n, hw, hw, in, ld, out, ld, nil, scratch)
	}
	reportPeak(b, 2*float64(n*hw*hw*cin*cg*9))
}
