package kernels

import (
	"fmt"
	"unsafe"
)

// Packed B layout: columns are grouped into panels of gemmNR = 32 columns;
// inside a panel the K rows follow each other (K-major), each row holding the
// panel's 32 columns. When N is not a multiple of 32 the last panel is 16
// wide if at most 16 columns remain (8 wide if at most 8), else 32 wide, and
// is zero-padded. The
// micro-kernels stream one panel while broadcasting A elements read in place.
// (A last panel of at most 8 columns is 8 wide.)
const (
	gemmNR      = 32 // columns of a full panel
	gemmNRTail  = 16 // width of a narrow last panel
	gemmMaxSrc  = 16 // sources one micro-kernel call takes
	packedAlign = 16 // floats (64 bytes): panels start on a cache line
)

// PackedB is B (K x N) rearranged into column panels for the micro-kernels.
// It is read-only after packing and may be shared by concurrent Gemm calls.
type PackedB struct {
	K, N int

	full  int       // number of full 32-column panels
	tailW int       // width of the last, partial panel: 0, 8, 16 or 32
	data  []float32 // full panels (K*32 floats each), then the tail panel (K*tailW)
}

func newPackedB(k, n int) *PackedB {
	if k < 0 || n < 0 {
		panic(fmt.Sprintf("kernels: PackB: bad shape %dx%d", k, n))
	}
	p := &PackedB{K: k, N: n, full: n / gemmNR}
	if t := n % gemmNR; t > 0 {
		p.tailW = gemmNR
		if t <= gemmNRTail {
			p.tailW = gemmNRTail
		}
		if t <= gemmNRTail/2 {
			p.tailW = gemmNRTail / 2
		}
	}
	size := k * (p.full*gemmNR + p.tailW)
	buf := make([]float32, size+packedAlign)
	off := 0
	if size > 0 {
		addr := uintptr(unsafe.Pointer(&buf[0]))
		off = int((64-addr%64)%64) / 4
	}
	p.data = buf[off : off+size : off+size]
	return p
}

// panel returns the packed panel holding column j (a multiple of 32), its
// width and the number of valid columns in it.
func (p *PackedB) panel(j int) (data []float32, width, valid int) {
	q := j / gemmNR
	if q < p.full {
		return p.data[q*p.K*gemmNR : (q+1)*p.K*gemmNR], gemmNR, gemmNR
	}
	off := p.full * p.K * gemmNR
	return p.data[off : off+p.K*p.tailW], p.tailW, p.N - j
}

// set stores B[k][j] = v into the packed layout.
func (p *PackedB) set(k, j int, v float32) {
	data, w, _ := p.panel(j - j%gemmNR)
	data[k*w+j%gemmNR] = v
}

// At returns B[k][j] (for tests and naive twins; slow).
func (p *PackedB) At(k, j int) float32 {
	if k < 0 || k >= p.K || j < 0 || j >= p.N {
		panic(fmt.Sprintf("kernels: PackedB.At(%d, %d) outside %dx%d", k, j, p.K, p.N))
	}
	data, w, _ := p.panel(j - j%gemmNR)
	return data[k*w+j%gemmNR]
}

// PackB packs B where B[k][j] = b[k*ldb+j].
func PackB(b []float32, k, n, ldb int) *PackedB {
	p := newPackedB(k, n)
	if k == 0 || n == 0 {
		return p
	}
	if ldb < n || len(b) < (k-1)*ldb+n {
		panic(fmt.Sprintf("kernels: PackB: %d floats with ldb %d cannot hold %dx%d", len(b), ldb, k, n))
	}
	for j := 0; j < n; j += gemmNR {
		data, w, valid := p.panel(j)
		for kk := 0; kk < k; kk++ {
			copy(data[kk*w:kk*w+valid], b[kk*ldb+j:kk*ldb+j+valid])
		}
	}
	return p
}

// PackBT packs B from a weight stored output-major, as PyTorch stores a
// 1x1 conv or linear weight: B[k][j] = w[j*K+k] for a [N][K] weight.
func PackBT(w []float32, n, k int) *PackedB {
	p := newPackedB(k, n)
	if k == 0 || n == 0 {
		return p
	}
	if len(w) < n*k {
		panic(fmt.Sprintf("kernels: PackBT: %d floats cannot hold %dx%d", len(w), n, k))
	}
	for j := 0; j < n; j++ {
		for kk := 0; kk < k; kk++ {
			p.set(kk, j, w[j*k+kk])
		}
	}
	return p
}

// Gemm computes C = act(A*B + bias) + R for m rows (see the package doc).
// A[i][k] = a[i*lda+k].
func Gemm(m int, a []float32, lda int, b *PackedB, c []float32, ldc int, ep *Epilogue) {
	src := [1]Src{{A: a, LdA: lda, K: b.K}}
	GemmSrc(m, src[:], b, c, ldc, ep)
}

// GemmSrc is Gemm with A concatenated along K from several sources: row i of
// A is src[0] row i, then src[1] row i, and so on (the K of the sources add
// up to b.K). It is single-threaded, allocates nothing and may run
// concurrently with other calls that write disjoint parts of C.
func GemmSrc(m int, src []Src, b *PackedB, c []float32, ldc int, ep *Epilogue) {
	if m <= 0 || b.N == 0 {
		return
	}
	checkGemm(m, src, b, c, ldc, ep)
	if ep != nil && ep.Bias == nil && ep.Residual == nil && ep.Act == ActNone {
		ep = nil
	}
	if b.K == 0 {
		gemmZeroK(m, b.N, c, ldc, ep)
		return
	}
	switch level {
	case AVX512:
		if gemmAVX512(m, src, b, c, ldc, ep) {
			return
		}
	case AVX2:
		if gemmAVX2(m, src, b, c, ldc, ep) {
			return
		}
	}
	gemmGeneric(m, src, b, c, ldc, ep)
}

// gemmBlocks is GemmSrc over nblk blocks of mr rows whose rows of A are
// not evenly spaced: row r of block i reads source s at s.A[i*ablk+r*s.LdA]
// (ablk in floats, the same for every source), while C and the residual
// rows run on as in GemmSrc (row i*mr+r). A 3x3 conv's padded map is such
// an A, its blocks the image rows, so that one call covers a chunk of rows
// rather than one call per row. It reports false, doing nothing, where no
// kernel takes such blocks (below AVX-512, or mr over 12): the caller then
// runs a GemmSrc per block.
func gemmBlocks(mr, nblk, ablk int, src []Src, b *PackedB, c []float32, ldc int, ep *Epilogue) bool {
	m := mr * nblk
	if m <= 0 || b.N == 0 || b.K == 0 {
		return false
	}
	for i, s := range src {
		if s.K > 0 && (ablk < 0 || len(s.A) < (nblk-1)*ablk+(mr-1)*s.LdA+s.K) {
			panic(fmt.Sprintf("kernels: gemmBlocks: source %d (%d floats) cannot hold %d blocks of %dx%d, %d apart", i, len(s.A), nblk, mr, s.K, ablk))
		}
	}
	checkGemmOut(m, src, b, c, ldc, ep)
	if ep != nil && ep.Bias == nil && ep.Residual == nil && ep.Act == ActNone {
		ep = nil
	}
	return gemmBlocksAsm(mr, nblk, ablk, src, b, c, ldc, ep)
}

// checkGemm panics unless every slice holds what the call will touch, so
// that the assembly kernels never read or write outside them.
func checkGemm(m int, src []Src, b *PackedB, c []float32, ldc int, ep *Epilogue) {
	for i, s := range src {
		if s.K > 0 && (s.LdA < s.K && m > 1 || len(s.A) < (m-1)*s.LdA+s.K) {
			panic(fmt.Sprintf("kernels: Gemm: source %d (%d floats, lda %d) cannot hold %dx%d", i, len(s.A), s.LdA, m, s.K))
		}
	}
	checkGemmOut(m, src, b, c, ldc, ep)
}

// checkGemmOut checks the sources' K against B, and C and the epilogue.
func checkGemmOut(m int, src []Src, b *PackedB, c []float32, ldc int, ep *Epilogue) {
	n, k := b.N, 0
	for i, s := range src {
		if s.K < 0 {
			panic(fmt.Sprintf("kernels: Gemm: source %d has K %d", i, s.K))
		}
		k += s.K
	}
	if k != b.K {
		panic(fmt.Sprintf("kernels: Gemm: sources have K %d, B has %d", k, b.K))
	}
	if ldc < n && m > 1 || len(c) < (m-1)*ldc+n {
		panic(fmt.Sprintf("kernels: Gemm: C (%d floats, ldc %d) cannot hold %dx%d", len(c), ldc, m, n))
	}
	if ep == nil {
		return
	}
	if ep.Bias != nil && len(ep.Bias) < n {
		panic(fmt.Sprintf("kernels: Gemm: bias has %d floats, want %d", len(ep.Bias), n))
	}
	if ep.Residual != nil && (ep.LdR < n && m > 1 || len(ep.Residual) < (m-1)*ep.LdR+n) {
		panic(fmt.Sprintf("kernels: Gemm: residual (%d floats, ldr %d) cannot hold %dx%d", len(ep.Residual), ep.LdR, m, n))
	}
}

// residualAliasesC reports whether the residual is C itself (in-place add).
func residualAliasesC(c []float32, ep *Epilogue) bool {
	return ep != nil && len(ep.Residual) > 0 && &ep.Residual[0] == &c[0]
}

// gemmZeroK handles K = 0: C = act(bias) + R.
func gemmZeroK(m, n int, c []float32, ldc int, ep *Epilogue) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			row[j] = epilogue1(0, i, j, ep)
		}
	}
}

// epilogue1 applies the epilogue to one accumulated value.
func epilogue1(v float32, i, j int, ep *Epilogue) float32 {
	if ep == nil {
		return v
	}
	if ep.Bias != nil {
		v += ep.Bias[j]
	}
	v = act1(ep.Act, v)
	if ep.Residual != nil {
		v += ep.Residual[i*ep.LdR+j]
	}
	return v
}
