package kernels

// GlobalAvgPool averages n NHWC maps of hw pixels and c channels (pixel
// stride ldi >= c) into out[b*c+ch] = (1/hw) * sum_p in[(b*hw+p)*ldi+ch].
//
// Each channel's sum is accumulated in float64 (pixels taken in pairs) and
// rounded to float32 once: for any realistic hw the result is the mean
// correctly rounded or within an ulp of it, at least as accurate as
// PyTorch's float32 reduction. hw == 0 yields zeros.
func GlobalAvgPool(n, hw, c int, in []float32, ldi int, out []float32) {
	if n <= 0 || c <= 0 {
		return
	}
	_ = out[n*c-1]
	if hw <= 0 {
		clear(out[:n*c])
		return
	}
	_ = in[((n-1)*hw+hw-1)*ldi+c-1]
	inv := 1 / float64(hw)
	const blk = 64
	var acc [blk]float64
	for b := 0; b < n; b++ {
		base := b * hw * ldi
		for c0 := 0; c0 < c; c0 += blk {
			cw := min(blk, c-c0)
			a := acc[:cw]
			clear(a)
			p := 0
			for ; p+2 <= hw; p += 2 {
				r0 := in[base+p*ldi+c0:][:cw]
				r1 := in[base+(p+1)*ldi+c0:][:cw]
				r1 = r1[:len(r0)]
				a := a[:len(r0)]
				for j, v := range r0 {
					a[j] += float64(v) + float64(r1[j])
				}
			}
			if p < hw {
				r0 := in[base+p*ldi+c0:][:cw]
				a := a[:len(r0)]
				for j, v := range r0 {
					a[j] += float64(v)
				}
			}
			o := out[b*c+c0 : b*c+c0+cw]
			for j := range o {
				o[j] = float32(a[j] * inv)
			}
		}
	}
}
