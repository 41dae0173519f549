// Command asmgen generates fnlab's AVX-512 and AVX2 kernels (GEMM micro-kernels
// with a fused epilogue, and the vectorised activations) as Go assembly, using
// avo. It lives in its own module so that avo and its dependencies stay out of
// the main module's build.
//
// Run it through go generate in package kernels:
//
//	//go:generate go run -C internal/asmgen . -out ../../gemm_amd64.s -stubs ../../gemm_stubs_amd64.go
//
// -stubs writes the Go declarations of the generated functions and the
// switches that call a GEMM kernel by tile shape (callZ, callY). The
// gemmArgs struct is hand-written in kernels/gemm_amd64.go; the offsets
// used here are checked against it by TestGemmArgsLayout.
package main

import (
	"fmt"
	"os"
	"strings"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// Layout of kernels.gemmArgs (all fields 8 bytes).
const (
	maxSrc     = 16
	offA       = 0                 // [maxSrc]*float32: row 0 of each source
	offLda     = offA + 8*maxSrc   // [maxSrc]int: source row stride in bytes
	offK       = offLda + 8*maxSrc // [maxSrc]int: K of each source
	offNsrc    = offK + 8*maxSrc
	offB       = offNsrc + 8 // packed B at the first panel
	offBstride = offB + 8    // bytes between panels
	offNpanel  = offBstride + 8
	offC       = offNpanel + 8
	offLdc     = offC + 8 // bytes
	offBias    = offLdc + 8
	offRes     = offBias + 8
	offLdr     = offRes + 8 // bytes
	offNblk    = offLdr + 8
	offMask    = offNblk + 8 // uint64: bits 0-15 first 16 columns, 16-31 next 16
	offFlags   = offMask + 8
	offKstride = offFlags + 8   // AVX2 only: bytes of B per k
	offCstride = offKstride + 8 // AVX2 only: column bytes between panels
	offYmask   = offCstride + 8 // AVX2 only: [16]int32, lane masks of the two ymm
	offRow0    = offYmask + 64  // first row of the call (A, C and R pointers are at row 0)
	offAblk    = offRow0 + 8    // bytes between the row blocks of every source; 0: mr rows
)

// Flag bits of gemmArgs.flags (mirrored in kernels/gemm_amd64.go).
const (
	flagAccum = 1 << iota // start from C instead of zero
	flagBias
	flagReLU
	flagGELU
	flagRes
	flagMasked // AVX2 only: tail columns, use masked loads and stores
	flagPfNext // AVX-512: K runs in passes, prefetch the next panel's range
	flagPf     // B is big (likely not in cache), prefetch it ahead
)

// Offsets into kernels.geluConst ([16]float32).
const (
	gcClampHi = 0
	gcClampLo = 4
	gcHalf    = 8
	gcNHalf   = 12
	gcP       = 16 // 7 coefficients, highest degree first
	gcQ       = 44 // 5 coefficients, highest degree first
	gcNP      = 7
	gcNQ      = 5
)

var geluConst = Symbol{Name: "·geluConst"}

// pfDist is how far ahead in packed B the AVX-512 kernels prefetch (bytes).
// Measured on Zen 5 with B cold in DRAM (M = 49, K x N = 2048 x 1024):
// 1 KiB no better than none, 4 KiB +25%, 8 KiB no better than 4.
const pfDist = 4096

// I is a 32-bit immediate (the assembler picks the short encoding).
func I(x uint64) Constant { return U32(uint32(x)) }

func gc(off int) Mem { return NewDataAddr(geluConst, off) }

func main() {
	stubs, argv := stubsFlag()
	ConstraintExpr("amd64,!noasm")
	for _, nr := range []int{32, 16, 8} {
		for mr := 1; mr <= zmr; mr++ {
			gemmZ(mr, nr)
		}
	}
	for _, H := range []int{2, 1} {
		for mr := 1; mr <= ymr; mr++ {
			gemmY(mr, H)
		}
	}
	actZ()
	actY()
	fmaPeakZ()
	fmaPeakY()
	Generate()
	alignLoops()
	if stubs != "" {
		writeStubs(stubs, argv)
	}
}

// alignLoops inserts PCALIGN $64 before the GEMM k-loops of the generated
// file (avo has no alignment directive), so that where a hot loop starts
// in a cache line does not shift with unrelated edits to the generator.
func alignLoops() {
	out := ""
	for i, a := range os.Args {
		if a == "-out" && i+1 < len(os.Args) {
			out = os.Args[i+1]
		}
	}
	if out == "" {
		return
	}
	b, err := os.ReadFile(out)
	if err != nil {
		panic(err)
	}
	lines := strings.Split(string(b), "\n")
	var res []string
	for _, l := range lines {
		if strings.HasPrefix(l, "gemm") && (strings.HasSuffix(l, "_k4:") || strings.HasSuffix(l, "_k4p:")) {
			res = append(res, "\tPCALIGN $0x40")
		}
		res = append(res, l)
	}
	if err := os.WriteFile(out, []byte(strings.Join(res, "\n")), 0o644); err != nil {
		panic(err)
	}
}

func zr(i int) VecPhysical {
	return []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15, Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}[i]
}
func yr(i int) VecPhysical {
	return []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15,
		Y16, Y17, Y18, Y19, Y20, Y21, Y22, Y23, Y24, Y25, Y26, Y27, Y28, Y29, Y30, Y31}[i]
}

func log2(n int) uint64 {
	s := uint64(0)
	for 1<<s < n {
		s++
	}
	if 1<<s != n {
		panic("not a power of two")
	}
	return s
}

// rowAddr returns the address of A row r (0..11) at byte displacement disp,
// with rows 0, 3, 6, 9 in R8..R11 and the row stride in R12.
func rowAddr(r, disp int) Mem {
	base := []Register{R8, R9, R10, R11}[r/3]
	m := Mem{Base: base, Disp: disp}
	if r%3 != 0 {
		m.Index = R12
		m.Scale = uint8(r % 3)
	}
	return m
}

// rowOffset sets dst = (row0 + R13*mr) * stride: the byte offset of the
// first row of row block R13 in a matrix of the given row stride.
func rowOffset(mr int, stride, dst Register) {
	IMUL3Q(I(uint64(mr)), R13, dst)
	ADDQ(Mem{Base: DI, Disp: offRow0}, dst)
	IMULQ(stride, dst)
}

// setupRows loads the A row pointers for source AX of row block R13: row
// row0 + r of block R13 starts R13*ablk + (row0+r)*lda bytes in, ablk
// being mr*lda unless set (the rows of a 3x3 conv's padded map, whose
// blocks are image rows further apart than their width).
func setupRows(name string, mr int) {
	Comment("A rows of source AX for row block R13")
	MOVQ(Mem{Base: DI, Index: RAX, Scale: 8, Disp: offLda}, R12)
	MOVQ(Mem{Base: DI, Disp: offAblk}, RDX)
	TESTQ(RDX, RDX)
	JNZ(LabelRef(name + "_ablk"))
	IMUL3Q(I(uint64(mr)), R12, RDX)
	Label(name + "_ablk")
	IMULQ(R13, RDX)
	MOVQ(Mem{Base: DI, Disp: offRow0}, RCX)
	IMULQ(R12, RCX)
	ADDQ(RCX, RDX)
	ADDQ(Mem{Base: DI, Index: RAX, Scale: 8, Disp: offA}, RDX)
	MOVQ(RDX, R8)
	var prev Register = R8
	for i, r := range []Register{R9, R10, R11} {
		if mr > 3*(i+1) {
			LEAQ(Mem{Base: prev, Index: R12, Scale: 2}, r)
			ADDQ(R12, r)
			prev = r
		}
	}
	MOVQ(Mem{Base: DI, Index: RAX, Scale: 8, Disp: offK}, RCX)
}

func advanceRows(mr, bytes int) {
	for i, r := range []Register{R8, R9, R10, R11} {
		if mr > 3*i {
			ADDQ(I(uint64(bytes)), r)
		}
	}
}

// gemmZ generates the AVX-512 kernel for an mr x nr register block.
//
// It computes, for row blocks i < nblk and panels p < npanel, the tile
// C[i*mr : i*mr+mr, p*nr : p*nr+nr] over all sources, then applies the
// epilogue (bias, activation, residual) and stores it through the column
// masks.
func gemmZ(mr, nr int) {
	name := fmt.Sprintf("gemmZ%dx%d", mr, nr)
	function(name, "func(args *byte)", "func(args *gemmArgs)",
		fmt.Sprintf("%s is the AVX-512 %dx%d GEMM micro-kernel with fused epilogue.", name, mr, nr))
	// nr 32 and 16 use zmm (H = 2 or 1 per row); nr 8 uses ymm with
	// AVX-512VL masking (on CPUs that split zmm ops in two, a ymm FMA costs
	// half a zmm one, so an 8-column tail should not pay for 16).
	H := max(1, nr/16)
	lane := min(nr, 16) * 4 // bytes per vector
	nrB := nr * 4
	vr := zr
	if nr == 8 {
		vr = yr
	}
	// Independent accumulator sets give short row blocks enough FMA chains.
	sets := 1
	if mr*H < 8 {
		sets = (8 + mr*H - 1) / (mr * H)
		if sets > 4 {
			sets = 4
		}
	}
	unroll := 4
	acc := func(s, r, h int) VecPhysical { return vr(s*mr*H + r*H + h) }
	masks := []Register{K1, K2}

	Load(Param("args"), RDI)
	KMOVW(Mem{Base: DI, Disp: offMask}, K1)
	if H == 2 {
		KMOVW(Mem{Base: DI, Disp: offMask + 2}, K2)
	}
	XORQ(R13, R13)
	Label(name + "_block")
	XORQ(RSI, RSI)
	Label(name + "_panel")

	// Initialise the accumulators: zero, or C when accumulating.
	for s := 0; s < sets; s++ {
		for r := 0; r < mr; r++ {
			for h := 0; h < H; h++ {
				VPXORD(acc(s, r, h), acc(s, r, h), acc(s, r, h))
			}
		}
	}
	TESTQ(I(flagAccum), Mem{Base: DI, Disp: offFlags})
	JZ(LabelRef(name + "_init"))
	MOVQ(Mem{Base: DI, Disp: offLdc}, R12)
	rowOffset(mr, R12, RDX)
	MOVQ(RSI, RCX)
	SHLQ(Imm(log2(nrB)), RCX)
	ADDQ(RCX, RDX)
	ADDQ(Mem{Base: DI, Disp: offC}, RDX)
	for r := 0; r < mr; r++ {
		for h := 0; h < H; h++ {
			VMOVUPS_Z(Mem{Base: DX, Disp: lane * h}, masks[h], acc(0, r, h))
		}
		if r < mr-1 {
			ADDQ(R12, RDX)
		}
	}
	Label(name + "_init")

	// B pointer for panel SI.
	MOVQ(RSI, RBX)
	IMULQ(Mem{Base: DI, Disp: offBstride}, RBX)
	ADDQ(Mem{Base: DI, Disp: offB}, RBX)
	// The running prefetch (pfDist ahead) stops at the end of this panel's
	// K range; with K in passes the next panel's range starts bstride on,
	// so fetch its first pfDist bytes (into L2) now. Only then: for short
	// K it would cost more than the FMAs it feeds.
	TESTQ(I(flagPfNext), Mem{Base: DI, Disp: offFlags})
	JZ(LabelRef(name + "_nopf"))
	MOVQ(Mem{Base: DI, Disp: offBstride}, RDX)
	for off := 0; off < pfDist; off += 64 {
		PREFETCHT1(Mem{Base: BX, Index: DX, Scale: 1, Disp: off})
	}
	Label(name + "_nopf")

	XORQ(RAX, RAX)
	Label(name + "_src")
	setupRows(name, mr)

	step := func(u, set int, pf bool) {
		bregs := []VecPhysical{vr(24 + (u%2)*2), vr(25 + (u%2)*2)}
		for h := 0; h < H; h++ {
			VMOVUPS(Mem{Base: BX, Disp: u*nrB + lane*h}, bregs[h])
		}
		// Prefetch the panel pfDist bytes ahead, one line per 64 bytes
		// consumed: the first row block of a call meets B cold (from L3 or
		// DRAM) and the hardware prefetchers alone leave it latency-bound.
		for off := 0; off < nrB && pf; off += 64 {
			if (u*nrB+off)%64 == 0 {
				PREFETCHT0(Mem{Base: BX, Disp: u*nrB + off + pfDist})
			}
		}
		for r := 0; r < mr; r++ {
			if H == 1 {
				// One FMA per A element: its broadcast is folded into the
				// FMA (embedded broadcast), a uop less per row; measured
				// 14% faster on Zen 4 for 16 groups of 48 channels at 7x7,
				// whose 16-column tails ran at 3/4 of the 32-column rate.
				VFMADD231PS_BCST(rowAddr(r, 4*u), bregs[0], acc(set, r, 0))
				continue
			}
			t := vr(28 + r%4)
			VBROADCASTSS(rowAddr(r, 4*u), t)
			for h := 0; h < H; h++ {
				VFMADD231PS(bregs[h], t, acc(set, r, h))
			}
		}
	}
	CMPQ(RCX, Imm(uint64(unroll)))
	JB(LabelRef(name + "_k1"))
	k4 := func(label string, pf bool) {
		Label(label)
		for u := 0; u < unroll; u++ {
			step(u, u%sets, pf)
		}
		advanceRows(mr, 4*unroll)
		ADDQ(I(uint64(unroll*nrB)), RBX)
		SUBQ(I(uint64(unroll)), RCX)
		CMPQ(RCX, Imm(uint64(unroll)))
		JAE(LabelRef(label))
	}
	if nr == 32 {
		// Two copies of the loop: prefetching a B that is in cache anyway
		// costs load slots (grouped convs: 10% slower).
		TESTQ(I(flagPf), Mem{Base: DI, Disp: offFlags})
		JZ(LabelRef(name + "_k4"))
		k4(name+"_k4p", true)
		JMP(LabelRef(name + "_k1"))
	}
	k4(name+"_k4", false)
	Label(name + "_k1")
	TESTQ(RCX, RCX)
	JZ(LabelRef(name + "_kdone"))
	Label(name + "_k1loop")
	step(0, 0, false)
	advanceRows(mr, 4)
	ADDQ(I(uint64(nrB)), RBX)
	DECQ(RCX)
	JNZ(LabelRef(name + "_k1loop"))
	Label(name + "_kdone")
	INCQ(RAX)
	CMPQ(RAX, Mem{Base: DI, Disp: offNsrc})
	JB(LabelRef(name + "_src"))

	for s := 1; s < sets; s++ {
		for r := 0; r < mr; r++ {
			for h := 0; h < H; h++ {
				VADDPS(acc(s, r, h), acc(0, r, h), acc(0, r, h))
			}
		}
	}

	// Epilogue.
	MOVQ(Mem{Base: DI, Disp: offFlags}, RDX)
	MOVQ(RSI, RBX)
	SHLQ(Imm(log2(nrB)), RBX) // column byte offset of the panel
	TESTQ(I(flagBias), RDX)
	JZ(LabelRef(name + "_nobias"))
	MOVQ(Mem{Base: DI, Disp: offBias}, RCX)
	for h := 0; h < H; h++ {
		VMOVUPS_Z(Mem{Base: CX, Index: BX, Scale: 1, Disp: lane * h}, masks[h], vr(24+h))
	}
	for r := 0; r < mr; r++ {
		for h := 0; h < H; h++ {
			VADDPS(vr(24+h), acc(0, r, h), acc(0, r, h))
		}
	}
	Label(name + "_nobias")
	TESTQ(I(flagReLU), RDX)
	JZ(LabelRef(name + "_norelu"))
	VPXORD(vr(24), vr(24), vr(24))
	for r := 0; r < mr; r++ {
		for h := 0; h < H; h++ {
			VMAXPS(acc(0, r, h), vr(24), acc(0, r, h)) // NaN stays NaN
		}
	}
	Label(name + "_norelu")
	TESTQ(I(flagGELU), RDX)
	JZ(LabelRef(name + "_nogelu"))
	n := 0
	for r := 0; r < mr; r++ {
		for h := 0; h < H; h++ {
			t := 24 + 4*(n%2)
			geluZ(acc(0, r, h), vr(t), vr(t+1), vr(t+2), vr(t+3))
			n++
		}
	}
	Label(name + "_nogelu")

	// C row pointer in CX, stride R12.
	MOVQ(Mem{Base: DI, Disp: offLdc}, R12)
	rowOffset(mr, R12, RCX)
	ADDQ(RBX, RCX)
	ADDQ(Mem{Base: DI, Disp: offC}, RCX)
	TESTQ(I(flagRes), RDX)
	JZ(LabelRef(name + "_nores"))
	MOVQ(Mem{Base: DI, Disp: offLdr}, R9)
	rowOffset(mr, R9, R8)
	ADDQ(RBX, R8)
	ADDQ(Mem{Base: DI, Disp: offRes}, R8)
	for r := 0; r < mr; r++ {
		for h := 0; h < H; h++ {
			VADDPS_Z(Mem{Base: R8, Disp: lane * h}, acc(0, r, h), masks[h], acc(0, r, h))
			VMOVUPS(acc(0, r, h), masks[h], Mem{Base: CX, Disp: lane * h})
		}
		if r < mr-1 {
			ADDQ(R12, RCX)
			ADDQ(R9, R8)
		}
	}
	JMP(LabelRef(name + "_stored"))
	Label(name + "_nores")
	for r := 0; r < mr; r++ {
		for h := 0; h < H; h++ {
			VMOVUPS(acc(0, r, h), masks[h], Mem{Base: CX, Disp: lane * h})
		}
		if r < mr-1 {
			ADDQ(R12, RCX)
		}
	}
	Label(name + "_stored")

	INCQ(RSI)
	CMPQ(RSI, Mem{Base: DI, Disp: offNpanel})
	JB(LabelRef(name + "_panel"))
	INCQ(R13)
	CMPQ(R13, Mem{Base: DI, Disp: offNblk})
	JB(LabelRef(name + "_block"))
	VZEROUPPER()
	RET()
}

// geluZ replaces x by 0.5*x*(1+erf(x/sqrt2)) using four temporaries.
//
// erf(x/sqrt2)/2 = xc*P(xc^2)/Q(xc^2) with xc = clamp(x, +-4*sqrt2), clamped
// to +-1/2, and the result is the fused x*e + x/2 (exactly 0 far left, x far
// right, NaN for NaN).
func geluZ(x, xc, s, p, q VecPhysical) {
	VMINPS_BCST(gc(gcClampHi), x, xc)
	VMAXPS_BCST(gc(gcClampLo), xc, xc)
	VMULPS(xc, xc, s)
	VBROADCASTSS(gc(gcP), p)
	for i := 1; i < gcNP; i++ {
		VFMADD213PS_BCST(gc(gcP+4*i), s, p)
	}
	VMULPS(xc, p, p)
	VBROADCASTSS(gc(gcQ), q)
	for i := 1; i < gcNQ; i++ {
		VFMADD213PS_BCST(gc(gcQ+4*i), s, q)
	}
	VDIVPS(q, p, p) // (a reciprocal estimate + Newton step measured no faster)
	VMINPS_BCST(gc(gcHalf), p, p)
	VMAXPS_BCST(gc(gcNHalf), p, p)
	VMULPS_BCST(gc(gcHalf), x, xc)
	VFMADD213PS(xc, p, x)
}
