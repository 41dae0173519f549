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

// No K blocking: B is streamed whole for every block of rows. Even at
// K = 9*640, N = 640 (B = 14.7 MB, far beyond L2) splitting K into chunks of
// 256 or 384 measured no faster on Zen 4: a 12-row block does 24 flops per
// B float, so streaming B from L3 keeps up with the FMA units.
const gemmRowBytes = 16 << 10 // A rows per kernel call: about this many bytes

func gemmAVX512(m int, src []Src, b *PackedB, c []float32, ldc int, ep *Epilogue) bool {
	return gemmAsm(AVX512, m, src, b, c, ldc, ep)
}

func gemmAVX2(m int, src []Src, b *PackedB, c []float32, ldc int, ep *Epilogue) bool {
	return gemmAsm(AVX2, m, src, b, c, ldc, ep)
}

// gemmAsm drives the micro-kernels of isa over the whole product. It returns
// false (leaving C untouched) for the one case it does not handle: C is the
// residual and there are more than gemmMaxSrc sources, so that the product
// needs more than one kernel pass over K (partial sums would overwrite the
// residual before it is added).
func gemmAsm(isa Level, m int, src []Src, b *PackedB, c []float32, ldc int, ep *Epilogue) bool {
	K := b.K
	mr := 12
	if isa == AVX2 {
		mr = 6
	}
	kc := K
	nonEmpty := 0
	for _, s := range src {
		if s.K > 0 {
			nonEmpty++
		}
	}
	if nonEmpty > gemmMaxSrc && residualAliasesC(c, ep) {
		return false
	}

	var epFlags uint64
	var bias, res []float32
	ldr := 0
	if ep != nil {
		if ep.Bias != nil {
			epFlags |= kFlagBias
			bias = ep.Bias
		}
		switch ep.Act {
		case ActReLU:
			epFlags |= kFlagReLU
		case ActGELU:
			epFlags |= kFlagGELU
		}
		if ep.Residual != nil {
			epFlags |= kFlagRes
			res, ldr = ep.Residual, ep.LdR
		}
	}

	var passes [4]gemmColPass
	np := gemmColPasses(isa, b, &passes)
	var args gemmArgs
	args.ldc = ldc * 4
	args.ldr = ldr * 4
	si, soff, k0 := 0, 0, 0
	for k0 < K {
		// Gather up to gemmMaxSrc source pieces, at most kc in total.
		ns, kk := 0, 0
		for ns < gemmMaxSrc && kk < kc && si < len(src) {
			s := src[si]
			if s.K == soff {
				si, soff = si+1, 0
				continue
			}
			take := min(s.K-soff, kc-kk)
			args.a[ns] = &s.A[soff]
			args.lda[ns] = s.LdA * 4
			args.k[ns] = take
			ns++
			kk += take
			soff += take
		}
		args.nsrc = ns
		var flags uint64
		if k0 > 0 {
			flags |= kFlagAccum
		}
		if k0+kk == K {
			flags |= epFlags
		}

		full := m / mr * mr
		rows := mr
		if full > mr {
			rows *= max(1, min(8, gemmRowBytes/(mr*kk*4)))
		}
		for i0 := 0; i0 < m; {
			mrv, nb := mr, 0
			if i0 < full {
				nb = min(rows, full-i0) / mr
			} else {
				mrv, nb = m-full, 1
			}
			args.row0, args.nblk = i0, nb
			for _, p := range passes[:np] {
				args.b = &b.data[p.bOff+k0*p.width]
				args.bstride, args.npanel = p.bstride, p.npanel
				args.kstride, args.cstride = p.width*4, p.cstride
				args.mask = p.mask
				args.flags = flags
				if p.lanes > 0 {
					args.flags |= kFlagMasked
					for l := range args.ymask {
						args.ymask[l] = 0
						if l < p.lanes {
							args.ymask[l] = -1
						}
					}
				}
				// Pointers are stored here, into the local args, so that
				// escape analysis keeps the caller's slices where they are.
				args.c = &c[p.col]
				if bias != nil {
					args.bias = &bias[p.col]
				}
				if res != nil {
					args.res = &res[p.col]
				}
				callKern(isa, mrv, p.nr, &args)
			}
			i0 += nb * mrv
		}
		k0 += kk
	}
	return true
}

// gemmColPass is one kernel call's worth of columns: the full panels, or
// the tail panel (AVX2: each 16-column half of them, and tail pieces).
type gemmColPass struct {
	col     int // first column
	bOff    int // packed B of the first panel at k = 0 (floats)
	width   int // floats per k in those panels
	npanel  int
	bstride int    // bytes between panels
	cstride int    // AVX2: column bytes between panels
	nr      int    // kernel columns
	mask    uint64 // AVX-512: columns to store
	lanes   int    // AVX2: > 0 for a masked pass with this many columns
}

// gemmColPasses lists the column passes of b for isa.
func gemmColPasses(isa Level, b *PackedB, passes *[4]gemmColPass) int {
	K, np := b.K, 0
	j0 := b.full * gemmNR
	if isa == AVX512 {
		if b.full > 0 {
			passes[np] = gemmColPass{width: gemmNR, npanel: b.full, bstride: K * gemmNR * 4, nr: gemmNR, mask: 1<<gemmNR - 1}
			np++
		}
		if b.tailW > 0 {
			passes[np] = gemmColPass{col: j0, bOff: j0 * K, width: b.tailW, npanel: 1, nr: b.tailW, mask: 1<<(b.N-j0) - 1}
			np++
		}
		return np
	}
	if b.full > 0 {
		for h := 0; h < gemmNR; h += 16 {
			passes[np] = gemmColPass{col: h, bOff: h, width: gemmNR, npanel: b.full, bstride: K * gemmNR * 4, cstride: gemmNR * 4, nr: 16}
			np++
		}
	}
	for h := 0; h < b.N-j0; h += 16 {
		v := min(16, b.N-j0-h)
		p := gemmColPass{col: j0 + h, bOff: j0*K + h, width: b.tailW, npanel: 1, nr: 16}
		if v <= 8 {
			p.nr = 8
		}
		if v < p.nr {
			p.lanes = v
		}
		passes[np] = p
		np++
	}
	return np
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
