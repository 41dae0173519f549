//go:build amd64 && !noasm

package kernels

import (
	"testing"
	"unsafe"
)

// TestGemmArgsLayout checks gemmArgs against the offsets the generator uses.
func TestGemmArgsLayout(t *testing.T) {
	var a gemmArgs
	for _, f := range []struct {
		name      string
		got, want uintptr
	}{
		{"a", unsafe.Offsetof(a.a), 0},
		{"lda", unsafe.Offsetof(a.lda), 128},
		{"k", unsafe.Offsetof(a.k), 256},
		{"nsrc", unsafe.Offsetof(a.nsrc), 384},
		{"b", unsafe.Offsetof(a.b), 392},
		{"bstride", unsafe.Offsetof(a.bstride), 400},
		{"npanel", unsafe.Offsetof(a.npanel), 408},
		{"c", unsafe.Offsetof(a.c), 416},
		{"ldc", unsafe.Offsetof(a.ldc), 424},
		{"bias", unsafe.Offsetof(a.bias), 432},
		{"res", unsafe.Offsetof(a.res), 440},
		{"ldr", unsafe.Offsetof(a.ldr), 448},
		{"nblk", unsafe.Offsetof(a.nblk), 456},
		{"mask", unsafe.Offsetof(a.mask), 464},
		{"flags", unsafe.Offsetof(a.flags), 472},
		{"kstride", unsafe.Offsetof(a.kstride), 480},
		{"cstride", unsafe.Offsetof(a.cstride), 488},
		{"ymask", unsafe.Offsetof(a.ymask), 496},
		{"row0", unsafe.Offsetof(a.row0), 560},
		{"ablk", unsafe.Offsetof(a.ablk), 568},
	} {
		if f.got != f.want {
			t.Errorf("gemmArgs.%s at %d, generator expects %d", f.name, f.got, f.want)
		}
	}
}

// BenchmarkFMAPeak is the AVX-512 FMA throughput of one core right now (24
// independent zmm FMAs per iteration): the ceiling for BenchmarkGemm.
func BenchmarkFMAPeak(b *testing.B) {
	if BestLevel() < AVX512 {
		b.Skip("no AVX-512")
	}
	const iters = 10000
	for i := 0; i < b.N; i++ {
		fmaPeakZ(iters)
	}
	b.ReportMetric(768*iters*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
}

// BenchmarkGemmTile is one 12x32 micro-kernel tile with K=128, everything in L1.
func BenchmarkGemmTile(b *testing.B) {
	if BestLevel() < AVX512 {
		b.Skip("no AVX-512")
	}
	const K = 128
	a := make([]float32, 12*K)
	pb := PackB(make([]float32, K*32), K, 32, 32)
	c := make([]float32, 12*32)
	var args gemmArgs
	args.a[0], args.lda[0], args.k[0], args.nsrc = &a[0], K*4, K, 1
	args.b, args.npanel, args.nblk = &pb.data[0], 1, 1
	args.c, args.ldc, args.mask = &c[0], 32*4, 0xFFFFFFFF
	for i := 0; i < b.N; i++ {
		gemmZ12x32(&args)
	}
	b.ReportMetric(2*12*32*K*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
}

// TestGemmBlocking reruns the conformance suites with tiny cache blocks, so
// that every random shape goes through K passes (with the residual in
// place: started from C, or one pass under an activation), several row
// chunks and column groups, and both kinds of row blocks.
func TestGemmBlocking(t *testing.T) {
	old := [4]int{gemmKSplit, gemmKC, gemmBBytes, gemmABytes}
	defer func() { gemmKSplit, gemmKC, gemmBBytes, gemmABytes = old[0], old[1], old[2], old[3] }()
	for _, p := range [][4]int{{8, 7, 1, 1}, {16, 9, 32 * 4 * 20, 4 * 37 * 30}, {30, 13, 2 << 10, 3 << 10}} {
		gemmKSplit, gemmKC, gemmBBytes, gemmABytes = p[0], p[1], p[2], p[3]
		t.Run("conformance", TestGemmConformance)
		t.Run("big", TestGemmBig)
	}
}
