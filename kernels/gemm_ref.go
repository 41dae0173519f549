package kernels

// RefGemm is Gemm's naive twin: plain loops, float64 accumulation, exact GELU.
func RefGemm(m int, a []float32, lda int, b *PackedB, c []float32, ldc int, ep *Epilogue) {
	RefGemmSrc(m, []Src{{A: a, LdA: lda, K: b.K}}, b, c, ldc, ep)
}

// RefGemmSrc is GemmSrc's naive twin.
func RefGemmSrc(m int, src []Src, b *PackedB, c []float32, ldc int, ep *Epilogue) {
	bt := make([]float64, b.N*b.K) // B transposed: bt[j*K+k] = B[k][j]
	for k := 0; k < b.K; k++ {
		for j := 0; j < b.N; j++ {
			bt[j*b.K+k] = float64(b.At(k, j))
		}
	}
	for i := 0; i < m; i++ {
		for j := 0; j < b.N; j++ {
			var s float64
			k0 := 0
			for _, sr := range src {
				for k := 0; k < sr.K; k++ {
					s += float64(sr.A[i*sr.LdA+k]) * bt[j*b.K+k0+k]
				}
				k0 += sr.K
			}
			if ep != nil && ep.Bias != nil {
				s += float64(ep.Bias[j])
			}
			if ep != nil {
				s = refAct64(ep.Act, s)
			}
			v := float32(s)
			if ep != nil && ep.Residual != nil {
				v += ep.Residual[i*ep.LdR+j]
			}
			c[i*ldc+j] = v
		}
	}
}
