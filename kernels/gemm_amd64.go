//go:build amd64 && !noasm

package kernels

//go:generate go run -C internal/asmgen . -out ../../gemm_amd64.s

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

// AVX-512 micro-kernels: gemmZ<mr>x<nr>(args *gemmArgs), mr = 1..12, nr = 32, 16 or 8.

//go:noescape
func gemmZ1x32(args *gemmArgs)

//go:noescape
func gemmZ2x32(args *gemmArgs)

//go:noescape
func gemmZ3x32(args *gemmArgs)

//go:noescape
func gemmZ4x32(args *gemmArgs)

//go:noescape
func gemmZ5x32(args *gemmArgs)

//go:noescape
func gemmZ6x32(args *gemmArgs)

//go:noescape
func gemmZ7x32(args *gemmArgs)

//go:noescape
func gemmZ8x32(args *gemmArgs)

//go:noescape
func gemmZ9x32(args *gemmArgs)

//go:noescape
func gemmZ10x32(args *gemmArgs)

//go:noescape
func gemmZ11x32(args *gemmArgs)

//go:noescape
func gemmZ12x32(args *gemmArgs)

//go:noescape
func gemmZ1x16(args *gemmArgs)

//go:noescape
func gemmZ2x16(args *gemmArgs)

//go:noescape
func gemmZ3x16(args *gemmArgs)

//go:noescape
func gemmZ4x16(args *gemmArgs)

//go:noescape
func gemmZ5x16(args *gemmArgs)

//go:noescape
func gemmZ6x16(args *gemmArgs)

//go:noescape
func gemmZ7x16(args *gemmArgs)

//go:noescape
func gemmZ8x16(args *gemmArgs)

//go:noescape
func gemmZ9x16(args *gemmArgs)

//go:noescape
func gemmZ10x16(args *gemmArgs)

//go:noescape
func gemmZ11x16(args *gemmArgs)

//go:noescape
func gemmZ12x16(args *gemmArgs)

// nr = 8 kernels work on ymm registers with AVX-512VL masks.

//go:noescape
func gemmZ1x8(args *gemmArgs)

//go:noescape
func gemmZ2x8(args *gemmArgs)

//go:noescape
func gemmZ3x8(args *gemmArgs)

//go:noescape
func gemmZ4x8(args *gemmArgs)

//go:noescape
func gemmZ5x8(args *gemmArgs)

//go:noescape
func gemmZ6x8(args *gemmArgs)

//go:noescape
func gemmZ7x8(args *gemmArgs)

//go:noescape
func gemmZ8x8(args *gemmArgs)

//go:noescape
func gemmZ9x8(args *gemmArgs)

//go:noescape
func gemmZ10x8(args *gemmArgs)

//go:noescape
func gemmZ11x8(args *gemmArgs)

//go:noescape
func gemmZ12x8(args *gemmArgs)

//go:noescape
func actZ(x *float32, n int, act int)

func callZ(mr, nr int, a *gemmArgs) {
	if nr == 8 {
		switch mr {
		case 1:
			gemmZ1x8(a)
		case 2:
			gemmZ2x8(a)
		case 3:
			gemmZ3x8(a)
		case 4:
			gemmZ4x8(a)
		case 5:
			gemmZ5x8(a)
		case 6:
			gemmZ6x8(a)
		case 7:
			gemmZ7x8(a)
		case 8:
			gemmZ8x8(a)
		case 9:
			gemmZ9x8(a)
		case 10:
			gemmZ10x8(a)
		case 11:
			gemmZ11x8(a)
		case 12:
			gemmZ12x8(a)
		}
		return
	}
	if nr == 32 {
		switch mr {
		case 1:
			gemmZ1x32(a)
		case 2:
			gemmZ2x32(a)
		case 3:
			gemmZ3x32(a)
		case 4:
			gemmZ4x32(a)
		case 5:
			gemmZ5x32(a)
		case 6:
			gemmZ6x32(a)
		case 7:
			gemmZ7x32(a)
		case 8:
			gemmZ8x32(a)
		case 9:
			gemmZ9x32(a)
		case 10:
			gemmZ10x32(a)
		case 11:
			gemmZ11x32(a)
		case 12:
			gemmZ12x32(a)
		}
		return
	}
	switch mr {
	case 1:
		gemmZ1x16(a)
	case 2:
		gemmZ2x16(a)
	case 3:
		gemmZ3x16(a)
	case 4:
		gemmZ4x16(a)
	case 5:
		gemmZ5x16(a)
	case 6:
		gemmZ6x16(a)
	case 7:
		gemmZ7x16(a)
	case 8:
		gemmZ8x16(a)
	case 9:
		gemmZ9x16(a)
	case 10:
		gemmZ10x16(a)
	case 11:
		gemmZ11x16(a)
	case 12:
		gemmZ12x16(a)
	}
}

func callKern(isa Level, mr, nr int, a *gemmArgs) {
	if isa == AVX2 {
		callY(mr, nr, a)
		return
	}
	callZ(mr, nr, a)
}

func callY(mr, nr int, a *gemmArgs) {
	if nr == 16 {
		switch mr {
		case 1:
			gemmY1x16(a)
		case 2:
			gemmY2x16(a)
		case 3:
			gemmY3x16(a)
		case 4:
			gemmY4x16(a)
		case 5:
			gemmY5x16(a)
		case 6:
			gemmY6x16(a)
		}
		return
	}
	switch mr {
	case 1:
		gemmY1x8(a)
	case 2:
		gemmY2x8(a)
	case 3:
		gemmY3x8(a)
	case 4:
		gemmY4x8(a)
	case 5:
		gemmY5x8(a)
	case 6:
		gemmY6x8(a)
	}
}

// AVX2 micro-kernels: gemmY<mr>x<nr>(args *gemmArgs), mr = 1..6, nr = 16 or 8.

//go:noescape
func gemmY1x16(args *gemmArgs)

//go:noescape
func gemmY2x16(args *gemmArgs)

//go:noescape
func gemmY3x16(args *gemmArgs)

//go:noescape
func gemmY4x16(args *gemmArgs)

//go:noescape
func gemmY5x16(args *gemmArgs)

//go:noescape
func gemmY6x16(args *gemmArgs)

//go:noescape
func gemmY1x8(args *gemmArgs)

//go:noescape
func gemmY2x8(args *gemmArgs)

//go:noescape
func gemmY3x8(args *gemmArgs)

//go:noescape
func gemmY4x8(args *gemmArgs)

//go:noescape
func gemmY5x8(args *gemmArgs)

//go:noescape
func gemmY6x8(args *gemmArgs)

//go:noescape
func actY(x *float32, n int, act int)

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

//go:noescape
func fmaPeakZ(n int)

//go:noescape
func fmaPeakY(n int)

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
