package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// chanLoop emits a loop over n channels in blocks of 16 (the last one
// masked): body(k, masked) emits one block whose channel offset in bytes is
// off; k is the tail mask when masked.
func chanLoop(name string, n, off GPVirtual, body func(k OpmaskVirtual, masked bool)) {
	full, tail, k := tailMask(n)
	XORQ(off, off)
	Label(name + "_blk")
	CMPQ(off, full)
	JGE(LabelRef(name + "_tail"))
	body(k, false)
	ADDQ(Imm(64), off)
	JMP(LabelRef(name + "_blk"))
	Label(name + "_tail")
	CMPQ(tail, Imm(0))
	JE(LabelRef(name + "_end"))
	body(k, true)
	Label(name + "_end")
	VZEROUPPER()
	RET()
}

// tailMask splits n floats into full, the bytes of its whole 16-float
// blocks, and tail, the floats left, with k masking the tail's lanes.
func tailMask(n GPVirtual) (full, tail GPVirtual, k OpmaskVirtual) {
	full = GP64()
	MOVQ(n, full)
	ANDQ(I32(-16), full)
	SHLQ(Imm(2), full)
	tail = GP64()
	MOVQ(n, tail)
	ANDQ(Imm(15), tail)
	ones := GP32()
	MOVL(U32(0xffffffff), ones)
	m := GP32()
	BZHIL(tail.As32(), ones, m)
	k = K()
	KMOVW(m, k)
	return full, tail, k
}

func load(m Mem, k OpmaskVirtual, masked bool, z VecVirtual) {
	if masked {
		VMOVUPS_Z(m, k, z)
	} else {
		VMOVUPS(m, z)
	}
}

func store(z VecVirtual, k OpmaskVirtual, masked bool, m Mem) {
	if masked {
		VMOVUPS(z, k, m)
	} else {
		VMOVUPS(z, m)
	}
}

// genWGInput emits wgInAVX512: the Winograd F(2x2, 3x3) input transform
// V = B^T d B of one tile, 16 channels a step.
func genWGInput() {
	TEXT("wgInAVX512", NOSPLIT, "func(src *float32, ps, rs int, v *float32, vs int, n int)")
	Doc("wgInAVX512 writes V = B^T d B of one 4x4 input tile for n channels: pixel (i, j) of the",
		"tile starts at src[i*rs+j*ps], element (xi, nu) of channel c goes to v[(xi*4+nu)*vs+c]",
		"(strides in floats).")
	src, ps, rs, v, vs, n := GP64(), GP64(), GP64(), GP64(), GP64(), GP64()
	Load(Param("src"), src)
	Load(Param("ps"), ps)
	Load(Param("rs"), rs)
	Load(Param("v"), v)
	Load(Param("vs"), vs)
	Load(Param("n"), n)
	SHLQ(Imm(2), ps)
	SHLQ(Imm(2), rs)
	SHLQ(Imm(2), vs)
	rs2, rs3, vs2, vs3 := GP64(), GP64(), GP64(), GP64()
	LEAQ(Mem{Base: rs, Index: rs, Scale: 1}, rs2)
	LEAQ(Mem{Base: rs2, Index: rs, Scale: 1}, rs3)
	LEAQ(Mem{Base: vs, Index: vs, Scale: 1}, vs2)
	LEAQ(Mem{Base: vs2, Index: vs, Scale: 1}, vs3)
	off, q := GP64(), GP64()
	chanLoop("wgIn", n, off, func(k OpmaskVirtual, masked bool) {
		// d[i][j] -> t = B^T d, column by column
		var t [4][4]VecVirtual
		LEAQ(Mem{Base: src, Index: off, Scale: 1}, q)
		for j := 0; j < 4; j++ {
			var d [4]VecVirtual
			for i := range d {
				d[i] = ZMM()
			}
			load(Mem{Base: q}, k, masked, d[0])
			load(Mem{Base: q, Index: rs, Scale: 1}, k, masked, d[1])
			load(Mem{Base: q, Index: rs2, Scale: 1}, k, masked, d[2])
			load(Mem{Base: q, Index: rs3, Scale: 1}, k, masked, d[3])
			if j < 3 {
				ADDQ(ps, q)
			}
			for i := range t {
				t[i][j] = ZMM()
			}
			VSUBPS(d[2], d[0], t[0][j]) // d0 - d2
			VADDPS(d[2], d[1], t[1][j]) // d1 + d2
			VSUBPS(d[1], d[2], t[2][j]) // d2 - d1
			VSUBPS(d[3], d[1], t[3][j]) // d1 - d3
		}
		// V = t B, row by row: row i goes to v + 4*i*vs
		LEAQ(Mem{Base: v, Index: off, Scale: 1}, q)
		for i := 0; i < 4; i++ {
			r := t[i]
			var o [4]VecVirtual
			for j := range o {
				o[j] = ZMM()
			}
			VSUBPS(r[2], r[0], o[0])
			VADDPS(r[2], r[1], o[1])
			VSUBPS(r[1], r[2], o[2])
			VSUBPS(r[3], r[1], o[3])
			store(o[0], k, masked, Mem{Base: q})
			store(o[1], k, masked, Mem{Base: q, Index: vs, Scale: 1})
			store(o[2], k, masked, Mem{Base: q, Index: vs2, Scale: 1})
			store(o[3], k, masked, Mem{Base: q, Index: vs3, Scale: 1})
			if i < 3 {
				ADDQ(vs3, q)
				ADDQ(vs, q)
			}
		}
	})
}

// genWGOutput emits wgOutAVX512: the output transform Y = A^T M A + bias of
// one tile, 16 channels a step.
func genWGOutput() {
	TEXT("wgOutAVX512", NOSPLIT, "func(m *float32, ms int, o *float32, ps, rs int, bias *float32, n int)")
	Doc("wgOutAVX512 writes Y = A^T M A + bias of one tile for n channels: element (xi, nu) of",
		"channel c is m[(xi*4+nu)*ms+c], output pixel (i, j) of the tile starts at o[i*rs+j*ps]",
		"(strides in floats); bias has n floats.")
	m, ms, o, ps, rs, bias, n := GP64(), GP64(), GP64(), GP64(), GP64(), GP64(), GP64()
	Load(Param("m"), m)
	Load(Param("ms"), ms)
	Load(Param("o"), o)
	Load(Param("ps"), ps)
	Load(Param("rs"), rs)
	Load(Param("bias"), bias)
	Load(Param("n"), n)
	SHLQ(Imm(2), ms)
	SHLQ(Imm(2), ps)
	SHLQ(Imm(2), rs)
	ms2, ms3 := GP64(), GP64()
	LEAQ(Mem{Base: ms, Index: ms, Scale: 1}, ms2)
	LEAQ(Mem{Base: ms2, Index: ms, Scale: 1}, ms3)
	off, q := GP64(), GP64()
	chanLoop("wgOut", n, off, func(k OpmaskVirtual, masked bool) {
		// s = A^T M (2 x 4), column by column
		var s [2][4]VecVirtual
		LEAQ(Mem{Base: m, Index: off, Scale: 1}, q)
		for j := 0; j < 4; j++ {
			// column j: elements (i, j) for i = 0..3 at q + (4*i+j)*ms
			var x [4]VecVirtual
			for i := range x {
				x[i] = ZMM()
			}
			p := GP64()
			MOVQ(q, p)
			for i := 0; i < 4; i++ {
				load(Mem{Base: p}, k, masked, x[i])
				if i < 3 {
					ADDQ(ms3, p)
					ADDQ(ms, p)
				}
			}
			if j < 3 {
				ADDQ(ms, q)
			}
			s[0][j], s[1][j] = ZMM(), ZMM()
			VADDPS(x[1], x[0], s[0][j])
			VADDPS(x[2], s[0][j], s[0][j]) // m0 + m1 + m2
			VSUBPS(x[2], x[1], s[1][j])
			VSUBPS(x[3], s[1][j], s[1][j]) // m1 - m2 - m3
		}
		b := ZMM()
		load(Mem{Base: bias, Index: off, Scale: 1}, k, masked, b)
		LEAQ(Mem{Base: o, Index: off, Scale: 1}, q)
		for i := 0; i < 2; i++ {
			r := s[i]
			y0, y1 := ZMM(), ZMM()
			VADDPS(r[1], r[0], y0)
			VADDPS(r[2], y0, y0)
			VADDPS(b, y0, y0) // s0 + s1 + s2 + bias
			VSUBPS(r[2], r[1], y1)
			VSUBPS(r[3], y1, y1)
			VADDPS(b, y1, y1) // s1 - s2 - s3 + bias
			store(y0, k, masked, Mem{Base: q})
			store(y1, k, masked, Mem{Base: q, Index: ps, Scale: 1})
			if i < 1 {
				ADDQ(rs, q)
			}
		}
	})
}
