//go:build !amd64 || noasm

package kernels

// Without assembly every level falls back to the portable kernels (level is
// always Generic here; these exist so that the dispatch compiles).

func gemmAVX512(m int, src []Src, b *PackedB, c []float32, ldc int, ep *Epilogue) bool {
	return false
}

func gemmAVX2(m int, src []Src, b *PackedB, c []float32, ldc int, ep *Epilogue) bool {
	return false
}

func applyActAsm(a Act, x []float32) bool { return false }

func fmaPeakLoop(l Level, iters int) float64 { return 0 }

func gemmBlocksAsm(mr, nblk, ablk int, src []Src, b *PackedB, c []float32, ldc int, ep *Epilogue) bool {
	return false
}
