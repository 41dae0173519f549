// Vectorised activations and the FMA peak loops.

package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// actZ generates actZ(x *float32, n int, act int): in-place ReLU (act 1) or
// GELU (act 2) over n floats, 16 at a time with a masked tail.
func actZ() {
	function("actZ", "func(x *float32, n int, act int)", "func(x *float32, n int, act int)",
		"actZ applies activation act (1 ReLU, 2 GELU) in place to x[:n] with AVX-512.")
	Load(Param("x"), RDI)
	Load(Param("n"), RCX)
	Load(Param("act"), RDX)
	CMPQ(RDX, Imm(2))
	JEQ(LabelRef("actZ_gelu"))

	VPXORD(Z31, Z31, Z31)
	CMPQ(RCX, Imm(64))
	JB(LabelRef("actZ_relu16"))
	Label("actZ_relu64")
	for u := 0; u < 4; u++ {
		VMAXPS(Mem{Base: DI, Disp: 64 * u}, Z31, zr(u))
	}
	for u := 0; u < 4; u++ {
		VMOVUPS(zr(u), Mem{Base: DI, Disp: 64 * u})
	}
	ADDQ(I(256), RDI)
	SUBQ(I(64), RCX)
	CMPQ(RCX, Imm(64))
	JAE(LabelRef("actZ_relu64"))
	Label("actZ_relu16")
	TESTQ(RCX, RCX)
	JZ(LabelRef("actZ_done"))
	tailMask("actZ_rmask")
	VMOVUPS_Z(Mem{Base: DI}, K1, Z0)
	VMAXPS(Z0, Z31, Z0)
	VMOVUPS(Z0, K1, Mem{Base: DI})
	ADDQ(I(64), RDI)
	SUBQ(I(16), RCX)
	JA(LabelRef("actZ_relu16"))
	JMP(LabelRef("actZ_done"))

	Label("actZ_gelu")
	CMPQ(RCX, Imm(32))
	JB(LabelRef("actZ_gelu16"))
	Label("actZ_gelu32")
	VMOVUPS(Mem{Base: DI}, Z0)
	VMOVUPS(Mem{Base: DI, Disp: 64}, Z1)
	geluZ(Z0, Z8, Z9, Z10, Z11)
	geluZ(Z1, Z12, Z13, Z14, Z15)
	VMOVUPS(Z0, Mem{Base: DI})
	VMOVUPS(Z1, Mem{Base: DI, Disp: 64})
	ADDQ(I(128), RDI)
	SUBQ(I(32), RCX)
	CMPQ(RCX, Imm(32))
	JAE(LabelRef("actZ_gelu32"))
	Label("actZ_gelu16")
	TESTQ(RCX, RCX)
	JZ(LabelRef("actZ_done"))
	tailMask("actZ_gmask")
	VMOVUPS_Z(Mem{Base: DI}, K1, Z0)
	geluZ(Z0, Z8, Z9, Z10, Z11)
	VMOVUPS(Z0, K1, Mem{Base: DI})
	ADDQ(I(64), RDI)
	SUBQ(I(16), RCX)
	JA(LabelRef("actZ_gelu16"))
	Label("actZ_done")
	VZEROUPPER()
	RET()
}

// tailMask sets K1 to the low min(n,16) bits of n in RCX (n > 0); clobbers AX.
func tailMask(name string) {
	MOVL(U32(0xFFFF), EAX)
	CMPQ(RCX, Imm(16))
	JAE(LabelRef(name))
	MOVL(U32(1), EAX)
	SHLL(CL, EAX)
	DECL(EAX)
	Label(name)
	KMOVW(EAX, K1)
}

// fmaPeakZ generates fmaPeakZ(n int): n iterations of 24 independent zmm
// FMAs (768 flops), a calibration loop for the benchmarks.
func fmaPeakZ() {
	function("fmaPeakZ", "func(n int)", "func(n int)",
		"fmaPeakZ runs n iterations of 24 independent AVX-512 FMAs (benchmark calibration).")
	Load(Param("n"), RCX)
	for i := 0; i < 26; i++ {
		VPXORD(zr(i), zr(i), zr(i))
	}
	TESTQ(RCX, RCX)
	JZ(LabelRef("fmaPeakZ_done"))
	Label("fmaPeakZ_loop")
	for i := 0; i < 24; i++ {
		VFMADD231PS(zr(24+i%2), zr(25-i%2), zr(i))
	}
	DECQ(RCX)
	JNZ(LabelRef("fmaPeakZ_loop"))
	Label("fmaPeakZ_done")
	VZEROUPPER()
	RET()
}

// fmaPeakY generates fmaPeakY(n int): n iterations of 12 independent ymm
// FMAs (192 flops), the AVX2 counterpart of fmaPeakZ (12 chains cover the
// 4-cycle latency of two FMA pipes with room to spare).
func fmaPeakY() {
	function("fmaPeakY", "func(n int)", "func(n int)",
		"fmaPeakY runs n iterations of 12 independent AVX2 FMAs (peak calibration).")
	Load(Param("n"), RCX)
	for i := 0; i < 14; i++ {
		VXORPS(yr(i), yr(i), yr(i))
	}
	TESTQ(RCX, RCX)
	JZ(LabelRef("fmaPeakY_done"))
	Label("fmaPeakY_loop")
	for i := 0; i < 12; i++ {
		VFMADD231PS(yr(12+i%2), yr(13-i%2), yr(i))
	}
	DECQ(RCX)
	JNZ(LabelRef("fmaPeakY_loop"))
	Label("fmaPeakY_done")
	VZEROUPPER()
	RET()
}
