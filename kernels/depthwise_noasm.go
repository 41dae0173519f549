//go:build !amd64 || noasm

package kernels

// Without assembly level is always Generic, so these are never called.

func dwRowAVX512(out *float32, ldo int, r0, r1, r2 *float32, s0, s1, s2 int, w *float32, cp int, bias *float32, res *float32, ldr int, width, c int) {
	panic("kernels: no assembly")
}

func dwRowReLUAVX512(out *float32, ldo int, r0, r1, r2 *float32, s0, s1, s2 int, w *float32, cp int, bias *float32, res *float32, ldr int, width, c int) {
	panic("kernels: no assembly")
}

func dwRowResAVX512(out *float32, ldo int, r0, r1, r2 *float32, s0, s1, s2 int, w *float32, cp int, bias *float32, res *float32, ldr int, width, c int) {
	panic("kernels: no assembly")
}

func dwRowReLUResAVX512(out *float32, ldo int, r0, r1, r2 *float32, s0, s1, s2 int, w *float32, cp int, bias *float32, res *float32, ldr int, width, c int) {
	panic("kernels: no assembly")
}

func copyPixAVX512(dst *float32, ldd int, src *float32, lds int, npix, c int) {
	panic("kernels: no assembly")
}

func copyAddPixAVX512(dst *float32, ldd int, src *float32, lds int, res *float32, ldr int, npix, c int) {
	panic("kernels: no assembly")
}

func wgInAVX512(src *float32, ps, rs int, v *float32, vs int, n int) {
	panic("kernels: no assembly")
}

func wgOutAVX512(m *float32, ms int, o *float32, ps, rs int, bias *float32, n int) {
	panic("kernels: no assembly")
}
