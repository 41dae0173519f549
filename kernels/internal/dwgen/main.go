// Command dwgen generates kernels/depthwise_amd64.s and its Go stubs: the
// AVX-512 depthwise 3x3 row kernel, the strided pixel copies the
// spatial kernels use and the Winograd tile transforms. It is its own module so that the fnlab module does
// not depend on avo's build dependencies. Run it through go generate in
// package kernels.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// Interior column blocks, widest first; the last must be 1.
var tiers = []int{8, 4, 2, 1}

func main() {
	ConstraintExpr("amd64,!noasm")
	for _, v := range []struct {
		name      string
		relu, res bool
	}{
		{"dwRowAVX512", false, false},
		{"dwRowReLUAVX512", true, false},
		{"dwRowResAVX512", false, true},
		{"dwRowReLUResAVX512", true, true},
	} {
		genDWRow(v.name, v.relu, v.res)
	}
	genCopyPix(false)
	genCopyPix(true)
	genWGInput()
	genWGOutput()
	Generate()
}

const dwSig = "func(out *float32, ldo int, r0, r1, r2 *float32, s0, s1, s2 int, w *float32, cp int, bias *float32, res *float32, ldr int, width, c int)"

// dwState is what the column blocks of one channel block use.
type dwState struct {
	relu, res bool
	q         [3]GPVirtual // rows r0..r2 at pixel x-1 (bytes)
	s         [3]GPVirtual // pixel strides of the rows (bytes; 0 for a zero row)
	po, ldo   GPVirtual
	pr, ldr   GPVirtual
	k         OpmaskVirtual // channel mask, when masked
	masked    bool
	wt        [9]VecVirtual
	bias      VecVirtual
	zero      VecVirtual
}

// block emits u output pixels x..x+u-1. Row pointers point at pixel x-1;
// left drops the taps of pixel x-1, right those of pixel x+u. Unless last,
// the row, output and residual pointers end advanced by u pixels.
func (st *dwState) block(u int, left, right, last bool) {
	acc := make([]VecVirtual, u)
	for i := range acc {
		acc[i] = ZMM()
		VMOVAPS(st.bias, acc[i])
	}
	j0, j1 := 0, u+1 // loaded pixels, relative to x-1
	if left {
		j0 = 1
	}
	if right {
		j1 = u
	}
	for r := 0; r < 3; r++ {
		q, s := st.q[r], st.s[r]
		if j0 == 1 {
			ADDQ(s, q)
		}
		for j := j0; j <= j1; j++ {
			t := ZMM()
			st.load(Mem{Base: q}, t)
			for dx := 0; dx < 3; dx++ {
				o := j - dx
				if o >= 0 && o < u {
					VFMADD231PS(t, st.wt[r*3+dx], acc[o])
				}
			}
			if j < j1 {
				ADDQ(s, q)
			}
		}
		// q is now at pixel x-1+j1; move it to x-1+u.
		if !last {
			switch j1 - u {
			case 1:
				SUBQ(s, q)
			case 0:
			default:
				panic("unreachable")
			}
		}
	}
	for i := 0; i < u; i++ {
		if st.relu {
			VMAXPS(st.zero, acc[i], acc[i])
		}
		if st.res {
			if st.masked {
				t := ZMM()
				st.load(Mem{Base: st.pr}, t)
				VADDPS(t, acc[i], acc[i])
			} else {
				VADDPS(Mem{Base: st.pr}, acc[i], acc[i])
			}
			if !last || i < u-1 {
				ADDQ(st.ldr, st.pr)
			}
		}
		if st.masked {
			VMOVUPS(acc[i], st.k, Mem{Base: st.po})
		} else {
			VMOVUPS(acc[i], Mem{Base: st.po})
		}
		if !last || i < u-1 {
			ADDQ(st.ldo, st.po)
		}
	}
}

func (st *dwState) load(m Mem, z VecVirtual) {
	if st.masked {
		VMOVUPS_Z(m, st.k, z)
	} else {
		VMOVUPS(m, z)
	}
}

func genDWRow(name string, relu, res bool) {
	TEXT(name, NOSPLIT, dwSig)
	Doc(fmt.Sprintf("%s computes one output row of a depthwise 3x3 convolution (relu=%v, residual=%v).", name, relu, res),
		"Rows r0, r1, r2 are the input rows y-1, y, y+1 with pixel strides s0, s1, s2 in floats",
		"(0 for a row of cp zeros standing in for padding). w is [9][cp], bias cp floats",
		"(masked loads: c floats suffice). Strides are in floats.")
	cboff := AllocLocal(8)
	z0 := GP64()
	XORQ(z0, z0)
	MOVQ(z0, cboff)

	Label(name + "_cb")
	cleft := GP64()
	Load(Param("c"), cleft)
	off := GP64()
	MOVQ(cboff, off)
	SHRQ(Imm(2), off)
	SUBQ(off, cleft) // channels left
	CMPQ(cleft, Imm(16))
	JLT(LabelRef(name + "_tailblk"))
	genDWBody(name+"_f", &dwState{relu: relu, res: res}, cboff)
	JMP(LabelRef(name + "_next"))

	Label(name + "_tailblk")
	st := &dwState{relu: relu, res: res, masked: true}
	{
		ones := GP32()
		MOVL(U32(0xffffffff), ones)
		m := GP32()
		BZHIL(cleft.As32(), ones, m)
		st.k = K()
		KMOVW(m, st.k)
	}
	genDWBody(name+"_m", st, cboff)

	Label(name + "_next")
	{
		off := GP64()
		MOVQ(cboff, off)
		ADDQ(Imm(64), off)
		MOVQ(off, cboff)
		SHRQ(Imm(2), off)
		cc := GP64()
		Load(Param("c"), cc)
		CMPQ(off, cc)
		JLT(LabelRef(name + "_cb"))
	}
	VZEROUPPER()
	RET()
}

// genDWBody emits one channel block (16 channels at byte offset cboff,
// masked by st.k when st.masked) over the whole row.
func genDWBody(name string, st *dwState, cboff Mem) {
	relu, res := st.relu, st.res
	// Weights and bias for this channel block.
	{
		wp := GP64()
		Load(Param("w"), wp)
		ADDQ(cboff, wp)
		cpb := GP64()
		Load(Param("cp"), cpb)
		SHLQ(Imm(2), cpb)
		for t := 0; t < 9; t++ {
			st.wt[t] = ZMM()
			VMOVUPS(Mem{Base: wp}, st.wt[t])
			if t < 8 {
				ADDQ(cpb, wp)
			}
		}
		bp := GP64()
		Load(Param("bias"), bp)
		ADDQ(cboff, bp)
		st.bias = ZMM()
		st.load(Mem{Base: bp}, st.bias)
		if relu {
			st.zero = ZMM()
			VXORPS(st.zero, st.zero, st.zero)
		}
	}
	// Pointers: rows at pixel -1, output and residual at pixel 0.
	for r, pn := range []string{"r0", "r1", "r2"} {
		st.q[r], st.s[r] = GP64(), GP64()
		Load(Param(pn), st.q[r])
		Load(Param(fmt.Sprintf("s%d", r)), st.s[r])
		SHLQ(Imm(2), st.s[r])
		ADDQ(cboff, st.q[r])
		SUBQ(st.s[r], st.q[r])
	}
	st.po, st.ldo = GP64(), GP64()
	Load(Param("out"), st.po)
	ADDQ(cboff, st.po)
	Load(Param("ldo"), st.ldo)
	SHLQ(Imm(2), st.ldo)
	if res {
		st.pr, st.ldr = GP64(), GP64()
		Load(Param("res"), st.pr)
		ADDQ(cboff, st.pr)
		Load(Param("ldr"), st.ldr)
		SHLQ(Imm(2), st.ldr)
	}
	xc := GP64()
	Load(Param("width"), xc)
	CMPQ(xc, Imm(1))
	JNE(LabelRef(name + "_wide"))
	st.block(1, true, true, true)
	JMP(LabelRef(name + "_end"))

	Label(name + "_wide")
	st.block(1, true, false, false)
	SUBQ(Imm(2), xc) // interior pixels
	for _, u := range tiers {
		lbl := fmt.Sprintf("%s_u%d", name, u)
		done := lbl + "_done"
		Label(lbl)
		CMPQ(xc, Imm(uint64(u)))
		JLT(LabelRef(done))
		st.block(u, false, false, false)
		SUBQ(Imm(uint64(u)), xc)
		JMP(LabelRef(lbl))
		Label(done)
	}
	st.block(1, false, true, true)
	Label(name + "_end")
}

// genCopyPix emits copyPixAVX512 (dst[p*ldd+j] = src[p*lds+j]) or, with
// res, copyAddPixAVX512 (dst = src + res), for npix pixels of c floats.
func genCopyPix(res bool) {
	name := "copyPixAVX512"
	sig := "func(dst *float32, ldd int, src *float32, lds int, npix, c int)"
	if res {
		name = "copyAddPixAVX512"
		sig = "func(dst *float32, ldd int, src *float32, lds int, res *float32, ldr int, npix, c int)"
	}
	TEXT(name, NOSPLIT, sig)
	if res {
		Doc(name+" sets dst[p*ldd+j] = src[p*lds+j] + res[p*ldr+j] for p < npix, j < c (strides in floats).",
			"dst may equal src.")
	} else {
		Doc(name + " copies dst[p*ldd+j] = src[p*lds+j] for p < npix, j < c (strides in floats).")
	}
	d, ldd, s, lds := GP64(), GP64(), GP64(), GP64()
	Load(Param("dst"), d)
	Load(Param("ldd"), ldd)
	Load(Param("src"), s)
	Load(Param("lds"), lds)
	SHLQ(Imm(2), ldd)
	SHLQ(Imm(2), lds)
	var r, ldr GPVirtual
	if res {
		r, ldr = GP64(), GP64()
		Load(Param("res"), r)
		Load(Param("ldr"), ldr)
		SHLQ(Imm(2), ldr)
	}
	np := GP64()
	Load(Param("npix"), np)
	c := GP64()
	Load(Param("c"), c)
	full, tail, k := tailMask(c)

	i := GP64()
	Label(name + "_pix")
	CMPQ(np, Imm(0))
	JLE(LabelRef(name + "_end"))
	XORQ(i, i)
	Label(name + "_chunk")
	CMPQ(i, full)
	JGE(LabelRef(name + "_tail"))
	z := ZMM()
	VMOVUPS(Mem{Base: s, Index: i, Scale: 1}, z)
	if res {
		VADDPS(Mem{Base: r, Index: i, Scale: 1}, z, z)
	}
	VMOVUPS(z, Mem{Base: d, Index: i, Scale: 1})
	ADDQ(Imm(64), i)
	JMP(LabelRef(name + "_chunk"))
	Label(name + "_tail")
	CMPQ(tail, Imm(0))
	JE(LabelRef(name + "_adv"))
	z2 := ZMM()
	VMOVUPS_Z(Mem{Base: s, Index: i, Scale: 1}, k, z2)
	if res {
		z3 := ZMM()
		VMOVUPS_Z(Mem{Base: r, Index: i, Scale: 1}, k, z3)
		VADDPS(z3, z2, z2)
	}
	VMOVUPS(z2, k, Mem{Base: d, Index: i, Scale: 1})
	Label(name + "_adv")
	ADDQ(ldd, d)
	ADDQ(lds, s)
	if res {
		ADDQ(ldr, r)
	}
	DECQ(np)
	JMP(LabelRef(name + "_pix"))
	Label(name + "_end")
	VZEROUPPER()
	RET()
}
