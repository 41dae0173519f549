package kernels

import (
	"fmt"
	"math/rand"
	"testing"
)

func benchPatchModes(b *testing.B, f func(b *testing.B)) {
	for _, m := range []struct {
		name string
		mode int
	}{{"auto", patchAuto}, {"src", patchSrc}, {"im2col", patchIm2col}} {
		b.Run(m.name, func(b *testing.B) {
			old := patchMode
			patchMode = m.mode
			defer func() { patchMode = old }()
			f(b)
		})
	}
}

func BenchmarkPatchConv(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	b.Run("embed/3to40_224x224_k4", func(b *testing.B) {
		benchPatchModes(b, func(b *testing.B) {
			p, _ := NewPatchConv(randF32(rng, 40*3*16), 3, 40, 4)
			img := randF32(rng, 3*224*224)
			out := make([]float32, 56*56*40)
			scratch := make([]float32, p.ScratchLen(1, 224, 224))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p.RunNCHW(1, 224, 224, img, out, 40, nil, scratch)
			}
			reportGFLOPS(b, 56*56*40*48)
		})
	})
	for _, s := range t0Stages[:3] {
		cin, cout, hw := s.c, 2*s.c, s.hw
		b.Run(fmt.Sprintf("merge/%dto%d_%dx%d_k2", cin, cout, hw, hw), func(b *testing.B) {
			benchPatchModes(b, func(b *testing.B) {
				p, _ := NewPatchConv(randF32(rng, cout*cin*4), cin, cout, 2)
				in := randF32(rng, hw*hw*cin)
				out := make([]float32, hw*hw/4*cout)
				scratch := make([]float32, p.ScratchLen(1, hw, hw))
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					p.RunNHWC(1, hw, hw, in, cin, out, cout, nil, scratch)
				}
				reportGFLOPS(b, hw*hw/4*cout*cin*4)
			})
		})
	}
}

func BenchmarkGlobalAvgPool(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	in := randF32(rng, 49*1280)
	out := make([]float32, 1280)
	for i := 0; i < b.N; i++ {
		GlobalAvgPool(1, 49, 1280, in, 1280, out)
	}
}

func BenchmarkNCHWToNHWC(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	src := randF32(rng, 3*224*224)
	dst := make([]float32, len(src))
	b.SetBytes(int64(4 * len(src)))
	for i := 0; i < b.N; i++ {
		NCHWToNHWC(1, 3, 224, 224, src, dst)
	}
}
