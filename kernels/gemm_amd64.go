//go:build amd64 && !noasm

package kernels

// gemmArgs is the parameter block of the generated micro-kernels (offsets
// fixed in internal/asmgen; TestGemmArgsLayout checks them). Strides are in
// bytes. A kernel computes, for row blocks i < nblk of mr rows and panels
// p < npanel, the tile of C at rows i*mr, columns p*nr, over all nsrc
// sources, then applies the epilogue selected by flags and stores it
// through the column mask.
type gemmArgs struct {
	a       [gemmMaxSrc]*float32 // row 0 of each source, at the pass's K offset
	lda     [gemmMaxSrc]int
	k       [gemmMaxSrc]int // > 0
	nsrc    int             // >= 1
	b       *float32        // first panel, at the first source's K offset
	bstride int             // bytes between panels
	npanel  int
	c       *float32
	ldc     int
	bias    *float32 // at the first panel's column
	res     *float32
	ldr     int
	nblk    int
	mask    uint64 // columns of a panel to store: bit j = column j
	flags   uint64

	// AVX2 kernels only.
	kstride int       // bytes of packed B per k (128, 64 or 32)
	cstride int       // column bytes between panels
	ymask   [16]int32 // lanes to load and store when kFlagMasked: -1 or 0

	// a, c and res point at row 0; a kernel starts at row row0 (its row
	// block i at row0 + i*mr).
	row0 int
	// ablk > 0: bytes between the row blocks of every source's A (row r
	// of block i at row0*lda + i*ablk + r*lda); 0: blocks are mr rows.
	ablk int
}

const (
	kFlagAccum = 1 << iota // start from C instead of zero
	kFlagBias
	kFlagReLU
	kFlagGELU
	kFlagRes
	kFlagMasked // AVX2: tail columns, use ymask
	kFlagPfNext // AVX-512: K runs in passes, prefetch the next panel's range
	kFlagPf     // B is big (likely not in cache), prefetch it ahead
)

func callKern(isa Level, mr, nr int, a *gemmArgs) {
	if isa == AVX2 {
		callY(mr, nr, a)
		return
	}
	callZ(mr, nr, a)
}

// geluConstY is geluConst with every value replicated over 8 lanes (the AVX2
// kernels use them as full-vector memory operands).
var geluConstY = func() (t [16][8]float32) {
	for i, v := range geluConst {
		for l := range t[i] {
			t[i][l] = v
		}
	}
	return t
}()

func applyActAsm(a Act, x []float32) bool {
	switch level {
	case AVX512:
		actZ(&x[0], len(x), int(a))
		return true
	case AVX2:
		n := len(x) &^ 7
		if n > 0 {
			actY(&x[0], n, int(a))
		}
		for i := n; i < len(x); i++ {
			x[i] = act1(a, x[i])
		}
		return true
	}
	return false
}

// fmaPeakLoop runs iters iterations of the calibration loop of level l and
// returns the flops done (0 when l has no assembly loop).
func fmaPeakLoop(l Level, iters int) float64 {
	switch l {
	case AVX512:
		fmaPeakZ(iters)
		return 768 * float64(iters)
	case AVX2:
		fmaPeakY(iters)
		return 192 * float64(iters)
	}
	return 0
}
