package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

type gemmShape struct {
	name    string
	m, k, n int
	act     Act  // with bias when not ActNone
	res     bool // in-place residual
}

// FasterNet-T0 at 224x224, batch 1 (NHWC), plus the kernel's own limits.
var gemmShapes = []gemmShape{
	{"patch_3136x48x40", 3136, 48, 40, ActNone, false},
	{"s1_mlp1_3136x40x80_gelu", 3136, 40, 80, ActGELU, false},
	{"s1_mlp2_3136x80x40_res", 3136, 80, 40, ActNone, true},
	{"s2_mlp1_784x80x160_gelu", 784, 80, 160, ActGELU, false},
	{"s2_mlp2_784x160x80_res", 784, 160, 80, ActNone, true},
	{"s3_mlp1_196x160x320_gelu", 196, 160, 320, ActGELU, false},
	{"s3_mlp2_196x320x160_res", 196, 320, 160, ActNone, true},
	{"s4_mlp1_49x320x640_gelu", 49, 320, 640, ActGELU, false},
	{"s4_mlp2_49x640x320_res", 49, 640, 320, ActNone, true},
	{"head_1x320x1280_gelu", 1, 320, 1280, ActGELU, false},
	{"fc_1x1280x1000", 1, 1280, 1000, ActNone, false},
	{"plain_3136x40x80", 3136, 40, 80, ActNone, false},
	{"plain_196x320x160", 196, 320, 160, ActNone, false},
	{"grouped_3136x10x10", 3136, 10, 10, ActNone, false},
	{"conv3x3_196x5760x640", 196, 9 * 640, 640, ActNone, false},
	{"kernel_96x256x64_l1", 96, 256, 64, ActNone, false},
}

// BenchmarkGemm measures one thread per shape and level; GFLOPS = 2*M*N*K/t.
func BenchmarkGemm(b *testing.B) {
	for _, l := range levels() {
		for _, s := range gemmShapes {
			b.Run(fmt.Sprintf("%s/%s", l, s.name), func(b *testing.B) {
				if l == Generic && s.k*s.n*s.m > 40e6 {
					b.Skip("too slow for the generic kernel")
				}
				withLevel(b, l, func() {
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
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						if s.res {
							// keep the values bounded: alternate the sign of A's effect
							Gemm(s.m, a, s.k, pb, c, s.n, ep)
						} else {
							Gemm(s.m, a, s.k, pb, c, s.n, ep)
						}
					}
					b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
				})
			})
		}
	}
}

// BenchmarkApplyAct measures the vectorised activations over 3136*80 floats.
func BenchmarkApplyAct(b *testing.B) {
	for _, l := range levels() {
		for _, a := range []Act{ActReLU, ActGELU} {
			b.Run(fmt.Sprintf("%s/%s", l, a), func(b *testing.B) {
				withLevel(b, l, func() {
					src := randSlice(rand.New(rand.NewPCG(1, 2)), 3136*80)
					x := append([]float32(nil), src...)
					b.SetBytes(int64(4 * len(x)))
					for i := 0; i < b.N; i++ {
						if a == ActGELU {
							// GELU of its own output heads for denormals
							b.StopTimer()
							copy(x, src)
							b.StartTimer()
						}
						ApplyAct(a, x)
					}
				})
			})
		}
	}
}

// BenchmarkGemmSmall measures per-call overhead on tiny products (as in
// per-row convolution GEMMs).
func BenchmarkGemmSmall(b *testing.B) {
	for _, l := range levels() {
		for _, s := range []struct {
			name    string
			m, k, n int
			nsrc    int
		}{{"1x1x1", 1, 1, 1, 1}, {"56x30x10_3src", 56, 30, 10, 3}, {"56x90x40_3src", 56, 90, 40, 3}} {
			b.Run(fmt.Sprintf("%s/%s", l, s.name), func(b *testing.B) {
				withLevel(b, l, func() {
					r := rand.New(rand.NewPCG(1, 2))
					a := randSlice(r, s.m*s.k)
					pb := PackB(randSlice(r, s.k*s.n), s.k, s.n, s.n)
					c := make([]float32, s.m*s.n)
					src := make([]Src, s.nsrc)
					for i := range src {
						src[i] = Src{A: a[i*s.k/s.nsrc:], LdA: s.k, K: s.k / s.nsrc}
					}
					ep := &Epilogue{Bias: randSlice(r, s.n), Act: ActReLU}
					for i := 0; i < b.N; i++ {
						GemmSrc(s.m, src, pb, c, s.n, ep)
					}
					b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
				})
			})
		}
	}
}

// BenchmarkGemmPool splits the rows of the T0 shapes over a Pool of two
// workers (tasks of whole 12-row blocks), as a network runner would.
func BenchmarkGemmPool(b *testing.B) {
	for _, s := range gemmShapes[:9] {
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
			p := NewPool(2)
			defer p.Close()
			rows := max(12, (s.m/8+11)/12*12) // about 8 tasks
			tasks := (s.m + rows - 1) / rows
			job := func(t, _ int) {
				i0 := t * rows
				m := min(rows, s.m-i0)
				var e *Epilogue
				var local Epilogue
				if ep != nil {
					local = *ep
					if local.Residual != nil {
						local.Residual = local.Residual[i0*s.n:]
					}
					e = &local
				}
				Gemm(m, a[i0*s.k:], s.k, pb, c[i0*s.n:], s.n, e)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p.Run(tasks, job)
			}
			b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}
