package kernels

// gemmGeneric is the portable GEMM: 4x4 register blocks of scalar float32
// accumulators over the same packed B the assembly kernels use. It handles
// every case, including a residual that is C itself (each tile reads its
// residual just before it stores).
func gemmGeneric(m int, src []Src, b *PackedB, c []float32, ldc int, ep *Epilogue) {
	var acc [16]float32
	for j0 := 0; j0 < b.N; j0 += gemmNR {
		panel, w, valid := b.panel(j0)
		for i0 := 0; i0 < m; i0 += 4 {
			mr := min(4, m-i0)
			for jj := 0; jj < valid; jj += 4 {
				nr := min(4, valid-jj)
				acc = [16]float32{}
				k0 := 0
				for _, s := range src {
					if s.K == 0 {
						continue
					}
					bp := panel[k0*w+jj:]
					if mr == 4 {
						kernel4x4(&acc, s.A[i0*s.LdA:], s.LdA, s.K, bp, w)
					} else {
						kernelSmall(&acc, mr, s.A[i0*s.LdA:], s.LdA, s.K, bp, w)
					}
					k0 += s.K
				}
				for r := 0; r < mr; r++ {
					i := i0 + r
					row := c[i*ldc+j0+jj : i*ldc+j0+jj+nr]
					for q := range row {
						row[q] = epilogue1(acc[r*4+q], i, j0+jj+q, ep)
					}
				}
			}
		}
	}
}

// kernel4x4 accumulates a 4-row, 4-column tile over k: rows of a are lda
// apart, B rows w apart (only the first 4 columns of each are used; the
// packed panel is zero-padded, so the tile may read padding).
func kernel4x4(acc *[16]float32, a []float32, lda, k int, b []float32, w int) {
	a0 := a[:k]
	a1 := a[lda : lda+k]
	a2 := a[2*lda : 2*lda+k]
	a3 := a[3*lda : 3*lda+k]
	c00, c01, c02, c03 := acc[0], acc[1], acc[2], acc[3]
	c10, c11, c12, c13 := acc[4], acc[5], acc[6], acc[7]
	c20, c21, c22, c23 := acc[8], acc[9], acc[10], acc[11]
	c30, c31, c32, c33 := acc[12], acc[13], acc[14], acc[15]
	for kk := 0; kk < k; kk++ {
		bk := b[kk*w : kk*w+4 : kk*w+4]
		b0, b1, b2, b3 := bk[0], bk[1], bk[2], bk[3]
		x := a0[kk]
		c00 += x * b0
		c01 += x * b1
		c02 += x * b2
		c03 += x * b3
		x = a1[kk]
		c10 += x * b0
		c11 += x * b1
		c12 += x * b2
		c13 += x * b3
		x = a2[kk]
		c20 += x * b0
		c21 += x * b1
		c22 += x * b2
		c23 += x * b3
		x = a3[kk]
		c30 += x * b0
		c31 += x * b1
		c32 += x * b2
		c33 += x * b3
	}
	acc[0], acc[1], acc[2], acc[3] = c00, c01, c02, c03
	acc[4], acc[5], acc[6], acc[7] = c10, c11, c12, c13
	acc[8], acc[9], acc[10], acc[11] = c20, c21, c22, c23
	acc[12], acc[13], acc[14], acc[15] = c30, c31, c32, c33
}

// kernelSmall is kernel4x4 for fewer than 4 rows.
func kernelSmall(acc *[16]float32, mr int, a []float32, lda, k int, b []float32, w int) {
	for r := 0; r < mr; r++ {
		ar := a[r*lda : r*lda+k]
		c0, c1, c2, c3 := acc[r*4], acc[r*4+1], acc[r*4+2], acc[r*4+3]
		for kk, x := range ar {
			bk := b[kk*w : kk*w+4 : kk*w+4]
			c0 += x * bk[0]
			c1 += x * bk[1]
			c2 += x * bk[2]
			c3 += x * bk[3]
		}
		acc[r*4], acc[r*4+1], acc[r*4+2], acc[r*4+3] = c0, c1, c2, c3
	}
}
