//go:build amd64 && !noasm

package kernels

// Cache blocking of the assembly GEMM (see the package doc). A micro-kernel
// call runs row blocks (outer) times panels (inner): the mr rows of A it
// broadcasts stay in L1 while it streams the call's panels, and the call's
// panels (a column group) stay in L2 while it moves down the row blocks.
// So B is read from memory once per row chunk and K pass instead of once
// per row block, which is what the 7x7 stages (M = 49, B of several MB)
// need. Variables, not constants, so that benchmarks can tune them.
var (
	gemmKSplit = 1024      // K above which a product of several row blocks runs in K passes
	gemmKC     = 1024      // at most this many K per pass when split
	gemmBBytes = 256 << 10 // packed B of one column group (per K pass)
	gemmABytes = 512 << 10 // A of one row chunk (per K pass)
	// B of at least this many floats (512 KiB) is prefetched ahead: larger
	// than L2 can keep along with A, it comes from L3 or DRAM.
	gemmPfFloats = 128 << 10
)

func gemmAVX512(m int, src []Src, b *PackedB, c []float32, ldc int, ep *Epilogue) bool {
	return gemmAsm(AVX512, m, src, b, c, ldc, ep)
}

func gemmAVX2(m int, src []Src, b *PackedB, c []float32, ldc int, ep *Epilogue) bool {
	return gemmAsm(AVX2, m, src, b, c, ldc, ep)
}

// gemmBlocksAsm runs gemmBlocks on the AVX-512 kernels (mr of at most 12).
func gemmBlocksAsm(mr, nblk, ablk int, src []Src, b *PackedB, c []float32, ldc int, ep *Epilogue) bool {
	if level != AVX512 || mr > 12 {
		return false
	}
	return gemmAsmBlk(AVX512, mr*nblk, src, b, c, ldc, ep, gemmBlk{mr: mr, ablk: 4 * ablk})
}

// gemmBlk describes row blocks of A that are not mr rows apart (gemmBlocks):
// the kernels run exactly mr rows a block, the blocks ablk bytes apart.
type gemmBlk struct{ mr, ablk int }

// gemmAsm drives the micro-kernels of isa over the whole product: row
// chunks, then K passes, then column groups, then (at most two kinds of)
// balanced row blocks. It returns false (leaving C untouched) for the one
// case it does not handle: C is the residual, the activation is not the
// identity and there are more than gemmMaxSrc sources, so that the product
// needs more than one K pass (partial sums would overwrite the residual
// before the activation). With the identity, a residual that is C is
// added by starting the first pass from C.
func gemmAsm(isa Level, m int, src []Src, b *PackedB, c []float32, ldc int, ep *Epilogue) bool {
	return gemmAsmBlk(isa, m, src, b, c, ldc, ep, gemmBlk{})
}

// gemmAsmBlk is gemmAsm, over the row blocks blk when blk.mr > 0.
func gemmAsmBlk(isa Level, m int, src []Src, b *PackedB, c []float32, ldc int, ep *Epilogue, blk gemmBlk) bool {
	K := b.K
	nonEmpty, aliased := 0, false
	for _, s := range src {
		if s.K > 0 {
			nonEmpty++
			aliased = aliased || (s.LdA*4)%4096 == 0
		}
	}
	mr := 12
	switch {
	case isa == AVX2:
		mr = 6
	case aliased && blk.mr == 0:
		// Rows of A a multiple of 4 KiB apart (K or a map's channels a
		// multiple of 1024) fall in one L1 set at every k: twelve of them
		// overflow its 8 ways (Zen 4; 12 on recent Intel cores, with B
		// competing) and the broadcasts miss L1. S's stage-4 MLP at batch 8
		// (M = 392, K = 1024, N = 2048) ran at 83-97 GFLOPS in 12-row blocks
		// and 104-107 in 8-row ones on one AMD EPYC core.
		mr = 8
	}
	kc := K
	if K > gemmKSplit && m > mr { // one row block gains nothing from K passes
		n := (K + gemmKC - 1) / gemmKC
		kc = (K + n - 1) / n
	}
	var epFlags uint64
	var bias, res []float32
	ldr := 0
	fromC := false // first pass starts from C, which holds the residual
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
		if residualAliasesC(c, ep) && (kc < K || nonEmpty > gemmMaxSrc) {
			switch {
			case ep.Act == ActNone:
				fromC = true
				epFlags &^= kFlagRes
			case nonEmpty > gemmMaxSrc:
				return false
			default:
				kc = K
			}
		}
	}

	var passes [4]gemmColPass
	np := gemmColPasses(isa, b, &passes)
	var args gemmArgs
	args.ldc = ldc * 4
	args.ldr = ldr * 4
	args.ablk = blk.ablk

	// pass runs one K pass (kk values from k0, sources already in args)
	// over rows [r0, r1) and every column: column groups of about gemmBBytes
	// of packed B, each over all the rows in blocks of nearly equal height
	// (at most mr; a 49-row product runs 4 x 10 + 9 rows rather than
	// 4 x 12 + 1, whose one-row block streams B for 2% of the work).
	// A closure, not a function: args must stay in this frame (a pointer
	// parameter would make the slices stored into it escape; a copy costs
	// 576 bytes a call).
	pass := func(r0, r1, k0, kk int, flags uint64) {
		// (The divisions are skipped in the common small cases: per-row conv
		// GEMMs are short enough for them to show.)
		rows := r1 - r0
		nb, mrA, n1 := 1, rows, 1
		if blk.mr > 0 {
			nb, mrA, n1 = rows/blk.mr, blk.mr, rows/blk.mr
		} else if rows > mr {
			nb = (rows + mr - 1) / mr
			mrA = (rows + nb - 1) / nb
			n1 = rows - (mrA-1)*nb // blocks of mrA rows; the other nb-n1 have mrA-1
		}
		full := b.full
		ng := 1
		if full*kk*gemmNR*4 > gemmBBytes {
			gp := max(1, gemmBBytes/(kk*gemmNR*4))
			ng = (full + gp - 1) / gp
		}
		for g := 0; g < ng; g++ {
			p0, p1 := full*g/ng, full*(g+1)/ng
			for _, p := range passes[:np] {
				col, bOff, npanel := p.col, p.bOff, p.npanel
				if p.full {
					// a pass over the full panels: this group's share
					col += p0 * gemmNR
					bOff += p0 * b.K * gemmNR
					npanel = p1 - p0
				} else if g < ng-1 {
					continue // the tail panel goes with the last group
				}
				if npanel == 0 {
					continue
				}
				args.b = &b.data[bOff+k0*p.width]
				args.bstride, args.npanel = p.bstride, npanel
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
				args.c = &c[col]
				if bias != nil {
					args.bias = &bias[col]
				}
				if res != nil {
					args.res = &res[col]
				}
				args.row0, args.nblk = r0, n1
				callKern(isa, mrA, p.nr, &args)
				if n1 < nb {
					args.row0, args.nblk = r0+n1*mrA, nb-n1
					callKern(isa, mrA-1, p.nr, &args)
				}
			}
		}
	}

	nch := 1
	if 4*m*kc > gemmABytes && blk.mr == 0 { // (blocks: A is a few image rows)
		mc := max(mr, gemmABytes/(4*kc)/mr*mr)
		nch = (m + mc - 1) / mc
	}
	for ch := 0; ch < nch; ch++ {
		r0, r1 := m*ch/nch, m*(ch+1)/nch
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
			if k0 > 0 || fromC {
				flags |= kFlagAccum
			}
			if k0+kk == K {
				flags |= epFlags
			}
			if kk < K {
				flags |= kFlagPfNext
			}
			if K*b.N >= gemmPfFloats {
				flags |= kFlagPf
			}
			pass(r0, r1, k0, kk, flags)
			k0 += kk
		}
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
	full    bool   // over the full panels (split into column groups)
	mask    uint64 // AVX-512: columns to store
	lanes   int    // AVX2: > 0 for a masked pass with this many columns
}

// gemmColPasses lists the column passes of b for isa.
func gemmColPasses(isa Level, b *PackedB, passes *[4]gemmColPass) int {
	K, np := b.K, 0
	j0 := b.full * gemmNR
	if isa == AVX512 {
		if b.full > 0 {
			passes[np] = gemmColPass{width: gemmNR, npanel: b.full, bstride: K * gemmNR * 4, nr: gemmNR, full: true, mask: 1<<gemmNR - 1}
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
			passes[np] = gemmColPass{col: h, bOff: h, width: gemmNR, npanel: b.full, bstride: K * gemmNR * 4, cstride: gemmNR * 4, nr: 16, full: true}
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
