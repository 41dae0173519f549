package kernels

// Layout conversions and strided pixel copies.

// NCHWToNHWC converts n images of c channels and h x w pixels from NCHW
// (src[((b*c+ch)*h+y)*w+x]) to compact NHWC (dst[((b*h+y)*w+x)*c+ch]).
// src and dst must not overlap.
func NCHWToNHWC(n, c, h, w int, src, dst []float32) {
	hw := h * w
	sz := c * hw
	if n <= 0 || sz == 0 {
		return
	}
	_ = src[n*sz-1]
	_ = dst[n*sz-1]
	for b := 0; b < n; b++ {
		transpose(src[b*sz:(b+1)*sz], hw, dst[b*sz:(b+1)*sz], c, c, hw)
	}
}

// NHWCToNCHW converts n images from compact NHWC to NCHW; the inverse of
// NCHWToNHWC. src and dst must not overlap.
func NHWCToNCHW(n, c, h, w int, src, dst []float32) {
	hw := h * w
	sz := c * hw
	if n <= 0 || sz == 0 {
		return
	}
	_ = src[n*sz-1]
	_ = dst[n*sz-1]
	for b := 0; b < n; b++ {
		transpose(src[b*sz:(b+1)*sz], c, dst[b*sz:(b+1)*sz], hw, hw, c)
	}
}

// transpose writes the rows x cols matrix s (row stride lds) transposed into
// d (cols x rows, row stride ldd): d[j*ldd+i] = s[i*lds+j]. It works in
// square tiles so both sides stay in cache.
func transpose(s []float32, lds int, d []float32, ldd int, rows, cols int) {
	const tile = 16
	if rows == 3 {
		// NCHW RGB to NHWC: interleave three planes.
		s0, s1, s2 := s[:cols], s[lds:lds+cols], s[2*lds:2*lds+cols]
		for j := range s0 {
			dr := d[j*ldd : j*ldd+3]
			dr[0], dr[1], dr[2] = s0[j], s1[j], s2[j]
		}
		return
	}
	if cols == 3 {
		// NHWC RGB to NCHW: split into three planes.
		d0, d1, d2 := d[:rows], d[ldd:ldd+rows], d[2*ldd:2*ldd+rows]
		for i := range d0 {
			sr := s[i*lds : i*lds+3]
			d0[i], d1[i], d2[i] = sr[0], sr[1], sr[2]
		}
		return
	}
	if rows < 3 || cols < 3 {
		for j := 0; j < cols; j++ {
			dr := d[j*ldd : j*ldd+rows]
			for i := range dr {
				dr[i] = s[i*lds+j]
			}
		}
		return
	}
	for i0 := 0; i0 < rows; i0 += tile {
		i1 := min(i0+tile, rows)
		for j0 := 0; j0 < cols; j0 += tile {
			j1 := min(j0+tile, cols)
			i := i0
			// Four source rows at a time: each destination row gets four
			// consecutive floats.
			for ; i+4 <= i1; i += 4 {
				n := j1 - j0
				s0 := s[i*lds+j0:][:n]
				s1 := s[(i+1)*lds+j0:][:n]
				s2 := s[(i+2)*lds+j0:][:n]
				s3 := s[(i+3)*lds+j0:][:n]
				for jj := range s0 {
					dr := d[(j0+jj)*ldd+i:][:4]
					dr[0], dr[1], dr[2], dr[3] = s0[jj], s1[jj], s2[jj], s3[jj]
				}
			}
			for ; i < i1; i++ {
				sr := s[i*lds+j0 : i*lds+j1]
				for jj, v := range sr {
					d[(j0+jj)*ldd+i] = v
				}
			}
		}
	}
}

// copyPixels copies npix pixels of c floats: dst[p*ldd+j] = src[p*lds+j].
func copyPixels(dst []float32, ldd int, src []float32, lds int, npix, c int) {
	if npix <= 0 || c <= 0 {
		return
	}
	if ldd == c && lds == c {
		copy(dst[:npix*c], src[:npix*c])
		return
	}
	_ = dst[(npix-1)*ldd+c-1]
	_ = src[(npix-1)*lds+c-1]
	if level == AVX512 {
		copyPixAVX512(&dst[0], ldd, &src[0], lds, npix, c)
		return
	}
	for p := 0; p < npix; p++ {
		copy(dst[p*ldd:p*ldd+c], src[p*lds:p*lds+c])
	}
}

// copyAddPixels is copyPixels that also adds a residual map:
// dst[p*ldd+j] = src[p*lds+j] + res[p*ldr+j]. res nil means a plain copy.
// dst may be src (in-place residual add).
func copyAddPixels(dst []float32, ldd int, src []float32, lds int, res []float32, ldr int, npix, c int) {
	if res == nil {
		copyPixels(dst, ldd, src, lds, npix, c)
		return
	}
	if npix <= 0 || c <= 0 {
		return
	}
	_ = dst[(npix-1)*ldd+c-1]
	_ = src[(npix-1)*lds+c-1]
	_ = res[(npix-1)*ldr+c-1]
	if level == AVX512 {
		copyAddPixAVX512(&dst[0], ldd, &src[0], lds, &res[0], ldr, npix, c)
		return
	}
	for p := 0; p < npix; p++ {
		d := dst[p*ldd : p*ldd+c]
		s := src[p*lds : p*lds+c]
		r := res[p*ldr : p*ldr+c]
		for j := range d {
			d[j] = s[j] + r[j]
		}
	}
}
