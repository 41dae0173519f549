// AVX2 GEMM micro-kernels and their GELU.

package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

var geluConstY = Symbol{Name: "·geluConstY"}

// gy addresses constant off/4 of geluConst replicated 8 times (geluConstY).
func gy(off int) Mem { return NewDataAddr(geluConstY, off*8) }

// geluY is geluZ for ymm registers, with the constants as full-vector
// memory operands (geluConstY) so that four temporaries suffice.
func geluY(x, xc, s, p, q VecPhysical) {
	VMINPS(gy(gcClampHi), x, xc)
	VMAXPS(gy(gcClampLo), xc, xc)
	VMULPS(xc, xc, s)
	VMOVUPS(gy(gcP), p)
	for i := 1; i < gcNP; i++ {
		VFMADD213PS(gy(gcP+4*i), s, p)
	}
	VMULPS(xc, p, p)
	VMOVUPS(gy(gcQ), q)
	for i := 1; i < gcNQ; i++ {
		VFMADD213PS(gy(gcQ+4*i), s, q)
	}
	VDIVPS(q, p, p)
	VMINPS(gy(gcHalf), p, p)
	VMAXPS(gy(gcNHalf), p, p)
	VMULPS(gy(gcHalf), x, xc)
	VFMADD213PS(xc, p, x)
}

// gemmY generates the AVX2 kernel for an mr x (8*H) register block (mr <= 6,
// H ymm per row). Unlike gemmZ it takes the B row stride (kstride) and the
// panel column stride (cstride) from the arguments, so that it can run over
// either half of the 32-wide panels, and it uses lane masks (VMASKMOVPS) only
// when flagMasked is set.
func gemmY(mr, H int) {
	name := fmt.Sprintf("gemmY%dx%d", mr, 8*H)
	function(name, "func(args *byte)", "func(args *gemmArgs)",
		fmt.Sprintf("%s is the AVX2 %dx%d GEMM micro-kernel with fused epilogue.", name, mr, 8*H))
	sets := 1
	for sets < 4 && sets*mr*H < 8 && (sets+1)*mr*H <= 12 {
		sets++
	}
	unroll := 4
	acc := func(s, r, h int) VecPhysical { return yr(s*mr*H + r*H + h) }
	all := func(f func(r, h int)) {
		for r := 0; r < mr; r++ {
			for h := 0; h < H; h++ {
				f(r, h)
			}
		}
	}
	ymask := func(h int) Mem { return Mem{Base: DI, Disp: offYmask + 32*h} }

	Load(Param("args"), RDI)
	MOVQ(Mem{Base: DI, Disp: offKstride}, R10) // B bytes per k
	LEAQ(Mem{Base: R10, Index: R10, Scale: 2}, R11)
	XORQ(R13, R13)
	Label(name + "_block")
	XORQ(RSI, RSI)
	Label(name + "_panel")
	// column byte offset of panel SI in BX... recomputed where needed
	for s := 0; s < sets; s++ {
		all(func(r, h int) { VXORPS(acc(s, r, h), acc(s, r, h), acc(s, r, h)) })
	}
	MOVQ(Mem{Base: DI, Disp: offFlags}, RDX)
	TESTQ(I(flagAccum), RDX)
	JZ(LabelRef(name + "_init"))
	MOVQ(Mem{Base: DI, Disp: offLdc}, R12)
	rowOffset(mr, R12, RCX)
	MOVQ(RSI, RBX)
	IMULQ(Mem{Base: DI, Disp: offCstride}, RBX)
	ADDQ(RBX, RCX)
	ADDQ(Mem{Base: DI, Disp: offC}, RCX)
	TESTQ(I(flagMasked), RDX)
	JNZ(LabelRef(name + "_initm"))
	all(func(r, h int) {
		VMOVUPS(Mem{Base: CX, Disp: 32 * h}, acc(0, r, h))
		if h == H-1 && r < mr-1 {
			ADDQ(R12, RCX)
		}
	})
	JMP(LabelRef(name + "_init"))
	Label(name + "_initm")
	for h := 0; h < H; h++ {
		VMOVUPS(ymask(h), yr(12+h))
	}
	all(func(r, h int) {
		VMASKMOVPS(Mem{Base: CX, Disp: 32 * h}, yr(12+h), acc(0, r, h))
		if h == H-1 && r < mr-1 {
			ADDQ(R12, RCX)
		}
	})
	Label(name + "_init")

	MOVQ(RSI, RBX)
	IMULQ(Mem{Base: DI, Disp: offBstride}, RBX)
	ADDQ(Mem{Base: DI, Disp: offB}, RBX)
	XORQ(RAX, RAX)
	Label(name + "_src")
	setupRows(name, mr)

	bAddr := func(u, h int) Mem {
		switch u {
		case 0:
			return Mem{Base: BX, Disp: 32 * h}
		case 1:
			return Mem{Base: BX, Index: R10, Scale: 1, Disp: 32 * h}
		case 2:
			return Mem{Base: BX, Index: R10, Scale: 2, Disp: 32 * h}
		}
		return Mem{Base: BX, Index: R11, Scale: 1, Disp: 32 * h}
	}
	step := func(u, set int, pf bool) {
		for h := 0; h < H; h++ {
			VMOVUPS(bAddr(u, h), yr(12+h))
		}
		if pf {
			// as in gemmZ: one line per k (a pass reads 32 or 64 of a
			// panel's 128 bytes per k; the other half's pass follows)
			a := bAddr(u, 0)
			a.Disp += pfDist
			PREFETCHT0(a)
		}
		for r := 0; r < mr; r++ {
			t := yr(14 + r%2)
			VBROADCASTSS(rowAddr(r, 4*u), t)
			for h := 0; h < H; h++ {
				VFMADD231PS(yr(12+h), t, acc(set, r, h))
			}
		}
	}
	CMPQ(RCX, I(uint64(unroll)))
	JB(LabelRef(name + "_k1"))
	k4 := func(label string, pf bool) {
		Label(label)
		for u := 0; u < unroll; u++ {
			step(u, u%sets, pf)
		}
		advanceRows(mr, 4*unroll)
		LEAQ(Mem{Base: BX, Index: R10, Scale: 4}, RBX)
		SUBQ(I(uint64(unroll)), RCX)
		CMPQ(RCX, I(uint64(unroll)))
		JAE(LabelRef(label))
	}
	TESTQ(I(flagPf), Mem{Base: DI, Disp: offFlags})
	JZ(LabelRef(name + "_k4"))
	k4(name+"_k4p", true)
	JMP(LabelRef(name + "_k1"))
	k4(name+"_k4", false)
	Label(name + "_k1")
	TESTQ(RCX, RCX)
	JZ(LabelRef(name + "_kdone"))
	Label(name + "_k1loop")
	step(0, 0, false)
	advanceRows(mr, 4)
	ADDQ(R10, RBX)
	DECQ(RCX)
	JNZ(LabelRef(name + "_k1loop"))
	Label(name + "_kdone")
	INCQ(RAX)
	CMPQ(RAX, Mem{Base: DI, Disp: offNsrc})
	JB(LabelRef(name + "_src"))

	for s := 1; s < sets; s++ {
		all(func(r, h int) { VADDPS(acc(s, r, h), acc(0, r, h), acc(0, r, h)) })
	}

	// Epilogue; BX = column byte offset of the panel.
	MOVQ(Mem{Base: DI, Disp: offFlags}, RDX)
	MOVQ(RSI, RBX)
	IMULQ(Mem{Base: DI, Disp: offCstride}, RBX)
	TESTQ(I(flagBias), RDX)
	JZ(LabelRef(name + "_nobias"))
	MOVQ(Mem{Base: DI, Disp: offBias}, RCX)
	ADDQ(RBX, RCX)
	TESTQ(I(flagMasked), RDX)
	JNZ(LabelRef(name + "_biasm"))
	for h := 0; h < H; h++ {
		VMOVUPS(Mem{Base: CX, Disp: 32 * h}, yr(12+h))
	}
	JMP(LabelRef(name + "_biasadd"))
	Label(name + "_biasm")
	for h := 0; h < H; h++ {
		VMOVUPS(ymask(h), yr(14))
		VMASKMOVPS(Mem{Base: CX, Disp: 32 * h}, yr(14), yr(12+h))
	}
	Label(name + "_biasadd")
	all(func(r, h int) { VADDPS(yr(12+h), acc(0, r, h), acc(0, r, h)) })
	Label(name + "_nobias")
	TESTQ(I(flagReLU), RDX)
	JZ(LabelRef(name + "_norelu"))
	VXORPS(Y12, Y12, Y12)
	all(func(r, h int) { VMAXPS(acc(0, r, h), Y12, acc(0, r, h)) })
	Label(name + "_norelu")
	TESTQ(I(flagGELU), RDX)
	JZ(LabelRef(name + "_nogelu"))
	all(func(r, h int) { geluY(acc(0, r, h), Y12, Y13, Y14, Y15) })
	Label(name + "_nogelu")

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
	Label(name + "_nores")
	for h := 0; h < H; h++ {
		VMOVUPS(ymask(h), yr(12+h))
	}
	TESTQ(I(flagMasked), RDX)
	JNZ(LabelRef(name + "_storem"))
	// Unmasked store, with or without residual.
	TESTQ(I(flagRes), RDX)
	JZ(LabelRef(name + "_store"))
	all(func(r, h int) {
		VADDPS(Mem{Base: R8, Disp: 32 * h}, acc(0, r, h), acc(0, r, h))
		VMOVUPS(acc(0, r, h), Mem{Base: CX, Disp: 32 * h})
		if h == H-1 && r < mr-1 {
			ADDQ(R12, RCX)
			ADDQ(R9, R8)
		}
	})
	JMP(LabelRef(name + "_stored"))
	Label(name + "_store")
	all(func(r, h int) {
		VMOVUPS(acc(0, r, h), Mem{Base: CX, Disp: 32 * h})
		if h == H-1 && r < mr-1 {
			ADDQ(R12, RCX)
		}
	})
	JMP(LabelRef(name + "_stored"))
	// Masked store, with or without residual.
	Label(name + "_storem")
	TESTQ(I(flagRes), RDX)
	JZ(LabelRef(name + "_storem2"))
	all(func(r, h int) {
		VMASKMOVPS(Mem{Base: R8, Disp: 32 * h}, yr(12+h), Y14)
		VADDPS(Y14, acc(0, r, h), acc(0, r, h))
		VMASKMOVPS(acc(0, r, h), yr(12+h), Mem{Base: CX, Disp: 32 * h})
		if h == H-1 && r < mr-1 {
			ADDQ(R12, RCX)
			ADDQ(R9, R8)
		}
	})
	JMP(LabelRef(name + "_stored"))
	Label(name + "_storem2")
	all(func(r, h int) {
		VMASKMOVPS(acc(0, r, h), yr(12+h), Mem{Base: CX, Disp: 32 * h})
		if h == H-1 && r < mr-1 {
			ADDQ(R12, RCX)
		}
	})
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

// actY generates actY(x *float32, n int, act int) for AVX2: whole vectors of
// 8 only; the caller finishes the last n%8 floats.
func actY() {
	function("actY", "func(x *float32, n int, act int)", "func(x *float32, n int, act int)",
		"actY applies activation act (1 ReLU, 2 GELU) in place to x[:n&^7] with AVX2.")
	Load(Param("x"), RDI)
	Load(Param("n"), RCX)
	Load(Param("act"), RDX)
	SHRQ(Imm(3), RCX)
	JZ(LabelRef("actY_done"))
	CMPQ(RDX, I(2))
	JEQ(LabelRef("actY_gelu"))
	VXORPS(Y15, Y15, Y15)
	Label("actY_relu")
	VMAXPS(Mem{Base: DI}, Y15, Y0)
	VMOVUPS(Y0, Mem{Base: DI})
	ADDQ(I(32), RDI)
	DECQ(RCX)
	JNZ(LabelRef("actY_relu"))
	JMP(LabelRef("actY_done"))
	Label("actY_gelu")
	VMOVUPS(Mem{Base: DI}, Y0)
	geluY(Y0, Y8, Y9, Y10, Y11)
	VMOVUPS(Y0, Mem{Base: DI})
	ADDQ(I(32), RDI)
	DECQ(RCX)
	JNZ(LabelRef("actY_gelu"))
	Label("actY_done")
	VZEROUPPER()
	RET()
}
