package kernels

// PLACEHOLDER: naive implementation, to be replaced by the blocked SIMD GEMM.

// PackedB is B (K x N) rearranged for the micro-kernel.
type PackedB struct {
	K, N int
	data []float32 // row-major K x N in this placeholder
}

// PackB packs B where B[k][j] = b[k*ldb+j].
func PackB(b []float32, k, n, ldb int) *PackedB {
	p := &PackedB{K: k, N: n, data: make([]float32, k*n)}
	for kk := 0; kk < k; kk++ {
		copy(p.data[kk*n:kk*n+n], b[kk*ldb:kk*ldb+n])
	}
	return p
}

// PackBT packs B from a weight stored output-major, as PyTorch stores a
// 1x1 conv or linear weight: B[k][j] = w[j*k+k].
func PackBT(w []float32, n, k int) *PackedB {
	p := &PackedB{K: k, N: n, data: make([]float32, k*n)}
	for j := 0; j < n; j++ {
		for kk := 0; kk < k; kk++ {
			p.data[kk*n+j] = w[j*k+kk]
		}
	}
	return p
}

// Gemm computes C = act(A*B + bias) + R for m rows (see the package doc).
func Gemm(m int, a []float32, lda int, b *PackedB, c []float32, ldc int, ep *Epilogue) {
	GemmSrc(m, []Src{{A: a, LdA: lda, K: b.K}}, b, c, ldc, ep)
}

// GemmSrc is Gemm with A concatenated along K from several sources.
func GemmSrc(m int, src []Src, b *PackedB, c []float32, ldc int, ep *Epilogue) {
	n := b.N
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			k0 := 0
			for _, sr := range src {
				for kk := 0; kk < sr.K; kk++ {
					s += sr.A[i*sr.LdA+kk] * b.data[(k0+kk)*n+j]
				}
				k0 += sr.K
			}
			c[i*ldc+j] = epilogue1(s, i, j, ep)
		}
	}
}

func epilogue1(v float32, i, j int, ep *Epilogue) float32 {
	if ep == nil {
		return v
	}
	if ep.Bias != nil {
		v += ep.Bias[j]
	}
	v = act1(ep.Act, v)
	if ep.Residual != nil {
		v += ep.Residual[i*ep.LdR+j]
	}
	return v
}
