package kernels

import (
	"fmt"
	"math/rand"
	"testing"
)

// FasterNet-T0 stage shapes at 224x224: channels and spatial size.
var t0Stages = []struct{ c, hw int }{{40, 56}, {80, 28}, {160, 14}, {320, 7}}

func reportGFLOPS(b *testing.B, macs int) {
	b.ReportMetric(2*float64(macs)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
}

func benchConv(b *testing.B, cin, cout, groups, hw, ldi, ldo int, ep *Epilogue) {
	rng := rand.New(rand.NewSource(1))
	c, err := NewConv3x3(randF32(rng, cout*cin/groups*9), cin, cout, groups)
	if err != nil {
		b.Fatal(err)
	}
	in := randF32(rng, hw*hw*ldi)
	out := make([]float32, hw*hw*ldo)
	scratch := make([]float32, c.ScratchLen(1, hw, hw))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Run(1, hw, hw, in, ldi, out, ldo, ep, scratch)
	}
	reportGFLOPS(b, hw*hw*cout*cin/groups*9)
}

func benchModes(b *testing.B, f func(b *testing.B)) {
	for _, m := range []struct {
		name string
		mode int
	}{{"auto", convAuto}, {"direct", convDirect}, {"ext", convExt}, {"winograd", convWinograd}} {
		b.Run(m.name, func(b *testing.B) {
			old := conv3x3Mode
			conv3x3Mode = m.mode
			defer func() { conv3x3Mode = old }()
			f(b)
		})
	}
}

func BenchmarkConv3x3(b *testing.B) {
	for _, s := range t0Stages {
		b.Run(fmt.Sprintf("dense/C%d_%dx%d", s.c, s.hw, s.hw), func(b *testing.B) {
			benchModes(b, func(b *testing.B) { benchConv(b, s.c, s.c, 1, s.hw, s.c, s.c, nil) })
		})
	}
	for _, s := range t0Stages {
		cp := s.c / 4
		b.Run(fmt.Sprintf("pconv/C%d_ld%d_%dx%d", cp, s.c, s.hw, s.hw), func(b *testing.B) {
			benchModes(b, func(b *testing.B) { benchConv(b, cp, cp, 1, s.hw, s.c, s.c, nil) })
		})
	}
	for _, s := range t0Stages {
		b.Run(fmt.Sprintf("grouped4/C%d_%dx%d", s.c, s.hw, s.hw), func(b *testing.B) {
			benchModes(b, func(b *testing.B) { benchConv(b, s.c, s.c, 4, s.hw, s.c, s.c, nil) })
		})
	}
	for _, s := range t0Stages {
		b.Run(fmt.Sprintf("depthwise/C%d_%dx%d", s.c, s.hw, s.hw), func(b *testing.B) {
			benchConv(b, s.c, s.c, s.c, s.hw, s.c, s.c, nil)
		})
	}
}

// BenchmarkDepthwiseLevels compares the AVX-512 and pure-Go depthwise kernels.
func BenchmarkDepthwiseLevels(b *testing.B) {
	for _, l := range []Level{BestLevel(), Generic} {
		for _, s := range t0Stages {
			b.Run(fmt.Sprintf("%s/C%d_%dx%d", l, s.c, s.hw, s.hw), func(b *testing.B) {
				old := CurrentLevel()
				SetLevel(l)
				defer SetLevel(old)
				benchConv(b, s.c, s.c, s.c, s.hw, s.c, s.c, &Epilogue{Bias: make([]float32, s.c)})
			})
		}
	}
}
