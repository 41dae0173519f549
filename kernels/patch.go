package kernels

import "fmt"

// PatchConv is a convolution whose kernel equals its stride (k x k, stride
// k, no padding, no bias in the weight): the patch embedding (4x4/s4 on
// the NCHW input image) and patch merging (2x2/s2 on NHWC maps). Output is
// NHWC of floor(h/k) x floor(w/k) pixels; trailing input rows and columns
// that do not fill a patch are ignored, as in PyTorch. It is read-only
// after NewPatchConv.
type PatchConv struct {
	cin, cout, k int
	bHWC         *PackedB // K = k*k*cin, rows ordered (ky, kx, ci)
	bCHW         *PackedB // K = cin*k*k, rows ordered (ci, ky, kx) as PyTorch stores them
}

// NewPatchConv packs w, a PyTorch weight [cout][cin][k][k].
func NewPatchConv(w []float32, cin, cout, k int) (*PatchConv, error) {
	if cin <= 0 || cout <= 0 || k <= 0 {
		return nil, fmt.Errorf("kernels: NewPatchConv: cin=%d cout=%d k=%d must be positive", cin, cout, k)
	}
	kk := cin * k * k
	if len(w) != cout*kk {
		return nil, fmt.Errorf("kernels: NewPatchConv: weight has %d floats, want %d*%d*%d*%d = %d", len(w), cout, cin, k, k, cout*kk)
	}
	p := &PatchConv{cin: cin, cout: cout, k: k}
	p.bCHW = PackBT(w, cout, kk)
	tmp := make([]float32, kk*cout)
	for co := 0; co < cout; co++ {
		for ci := 0; ci < cin; ci++ {
			for t := 0; t < k*k; t++ {
				tmp[(t*cin+ci)*cout+co] = w[(co*cin+ci)*k*k+t]
			}
		}
	}
	p.bHWC = PackB(tmp, kk, cout, cout)
	return p, nil
}

// Cin, Cout and K report the convolution's shape.
func (p *PatchConv) Cin() int  { return p.cin }
func (p *PatchConv) Cout() int { return p.cout }
func (p *PatchConv) K() int    { return p.k }

// OutSize is the output height and width for an h x w input.
func (p *PatchConv) OutSize(h, w int) (oh, ow int) { return h / p.k, w / p.k }

// Patch strategies.
const (
	patchAuto   = iota
	patchSrc    // GemmSrc straight from the input, one GEMM per output row
	patchIm2col // gather patches into scratch, one GEMM per chunk of rows
)

// patchMode forces a strategy (tests and benchmarks).
var patchMode = patchAuto

// patchBudget is the scratch, in floats, an im2col chunk aims to stay under.
var patchBudget = 32 << 10

// maxPatchSrc bounds the sources of a patchSrc GEMM (a stack array).
const maxPatchSrc = 16

func (p *PatchConv) chunkRows(oh, ow int) int {
	kk := p.cin * p.k * p.k
	budget := patchBudget
	if p.bigB() {
		budget *= 8 // each chunk streams all of B: few, large chunks
	}
	r := budget / max(1, ow*kk)
	r = max(1, min(r, oh))
	nch := (oh + r - 1) / r
	return (oh + nch - 1) / nch
}

// ScratchLen is the number of floats of scratch RunNCHW, RunNHWC and their
// row forms need for h x w inputs (any n, any row range).
func (p *PatchConv) ScratchLen(n, h, w int) int {
	oh, ow := p.OutSize(h, w)
	if oh <= 0 || ow <= 0 {
		return 0
	}
	return p.chunkRows(oh, ow) * ow * p.cin * p.k * p.k
}

// useSrcNCHW: the cin*k sources (one per channel and patch row, K = k
// each) measured faster than im2col for the 4x4 RGB embedding.
func (p *PatchConv) useSrcNCHW() bool {
	return patchMode != patchIm2col && p.cin*p.k <= maxPatchSrc
}

func (p *PatchConv) useSrcNHWC(ldi, ow int) bool {
	ns := p.k * p.k
	if ldi == p.cin {
		ns = p.k
	}
	if patchMode == patchAuto && ow < patchSmallW && p.bigB() {
		// One GEMM per output row would stream all of B for a few rows
		// (7 at a merge into 7x7): gather the rows instead, so that the
		// GEMM's cache blocking reuses B across all of them.
		return false
	}
	return patchMode != patchIm2col && ns <= maxPatchSrc
}

// patchSmallW: output rows narrower than this make too small a GEMM when B
// is big (bigB).
const patchSmallW = 24

// bigB reports whether the packed weight exceeds 256 KiB, about what a
// GEMM keeps in L2 while it reuses B across row blocks.
func (p *PatchConv) bigB() bool { return p.cin*p.k*p.k*p.cout >= 64<<10 }

func (p *PatchConv) checkOut(n, oh, ow int, out []float32, ldo int, ep *Epilogue) {
	npix := n * oh * ow
	if ldo < p.cout || len(out) < (npix-1)*ldo+p.cout {
		panic(fmt.Sprintf("kernels: PatchConv: out (%d floats, ldo=%d) too short for %d pixels of %d", len(out), ldo, npix, p.cout))
	}
	if ep != nil && ep.Residual != nil && len(ep.Residual) < (npix-1)*ep.LdR+p.cout {
		panic("kernels: PatchConv: residual too short")
	}
}

// RunNCHW convolves n NCHW images of cin x h x w (img[((b*cin+c)*h+y)*w+x],
// the user's input tensor) into NHWC out (pixel stride ldo) of
// floor(h/k) x floor(w/k) pixels, applying ep as Conv3x3.Run does. scratch
// holds ScratchLen(n, h, w) floats. It does not allocate.
func (p *PatchConv) RunNCHW(n, h, w int, img []float32, out []float32, ldo int, ep *Epilogue, scratch []float32) {
	p.RunNCHWRows(n, h, w, 0, h/p.k, img, out, ldo, ep, scratch)
}

// RunNCHWRows is RunNCHW restricted to output rows [oy0, oy1) of every
// image; disjoint ranges may run in parallel with separate scratch.
func (p *PatchConv) RunNCHWRows(n, h, w, oy0, oy1 int, img []float32, out []float32, ldo int, ep *Epilogue, scratch []float32) {
	oh, ow := p.OutSize(h, w)
	oy0, oy1 = max(oy0, 0), min(oy1, oh)
	if n <= 0 || ow <= 0 || oy0 >= oy1 {
		return
	}
	if len(img) < n*p.cin*h*w {
		panic(fmt.Sprintf("kernels: PatchConv: image has %d floats, want %d", len(img), n*p.cin*h*w))
	}
	p.checkOut(n, oh, ow, out, ldo, ep)
	k, cin := p.k, p.cin
	var e Epilogue
	if p.useSrcNCHW() {
		var src [maxPatchSrc]Src
		for b := 0; b < n; b++ {
			for oy := oy0; oy < oy1; oy++ {
				for c := 0; c < cin; c++ {
					for ky := 0; ky < k; ky++ {
						src[c*k+ky] = Src{A: img[((b*cin+c)*h+oy*k+ky)*w:], LdA: k, K: k}
					}
				}
				pix := (b*oh + oy) * ow
				GemmSrc(ow, src[:cin*k], p.bCHW, out[pix*ldo:], ldo, subEpilogue(ep, 0, pix, &e))
			}
		}
		return
	}
	kk := cin * k * k
	r := p.chunkRows(oh, ow)
	if len(scratch) < r*ow*kk {
		panic(fmt.Sprintf("kernels: PatchConv: scratch has %d floats, need %d", len(scratch), r*ow*kk))
	}
	for b := 0; b < n; b++ {
		for ya := oy0; ya < oy1; ya += r {
			yb := min(ya+r, oy1)
			m := (yb - ya) * ow
			a := scratch[:m*kk]
			for oy := ya; oy < yb; oy++ {
				dr := a[(oy-ya)*ow*kk : (oy-ya+1)*ow*kk]
				for c := 0; c < cin; c++ {
					for ky := 0; ky < k; ky++ {
						sr := img[((b*cin+c)*h+oy*k+ky)*w:][:ow*k]
						off := (c*k + ky) * k
						if k == 4 {
							for ox := 0; ox < ow; ox++ {
								s := sr[ox*4 : ox*4+4]
								d := dr[ox*kk+off : ox*kk+off+4]
								d[0], d[1], d[2], d[3] = s[0], s[1], s[2], s[3]
							}
							continue
						}
						for ox := 0; ox < ow; ox++ {
							copy(dr[ox*kk+off:ox*kk+off+k], sr[ox*k:ox*k+k])
						}
					}
				}
			}
			pix := (b*oh + ya) * ow
			Gemm(m, a, kk, p.bCHW, out[pix*ldo:], ldo, subEpilogue(ep, 0, pix, &e))
		}
	}
}

// RunNHWC convolves n NHWC maps of h x w pixels (pixel stride ldi) into NHWC
// out (pixel stride ldo) of floor(h/k) x floor(w/k) pixels, applying ep as
// Conv3x3.Run does. scratch holds ScratchLen(n, h, w) floats (it may go
// unused). It does not allocate.
func (p *PatchConv) RunNHWC(n, h, w int, in []float32, ldi int, out []float32, ldo int, ep *Epilogue, scratch []float32) {
	p.RunNHWCRows(n, h, w, 0, h/p.k, in, ldi, out, ldo, ep, scratch)
}

// RunNHWCRows is RunNHWC restricted to output rows [oy0, oy1) of every
// image; disjoint ranges may run in parallel with separate scratch.
func (p *PatchConv) RunNHWCRows(n, h, w, oy0, oy1 int, in []float32, ldi int, out []float32, ldo int, ep *Epilogue, scratch []float32) {
	oh, ow := p.OutSize(h, w)
	oy0, oy1 = max(oy0, 0), min(oy1, oh)
	if n <= 0 || ow <= 0 || oy0 >= oy1 {
		return
	}
	if ldi < p.cin || len(in) < (n*h*w-1)*ldi+p.cin {
		panic(fmt.Sprintf("kernels: PatchConv: in (%d floats, ldi=%d) too short for %dx%dx%d", len(in), ldi, n, h, w))
	}
	p.checkOut(n, oh, ow, out, ldo, ep)
	k, cin := p.k, p.cin
	var e Epilogue
	if p.useSrcNHWC(ldi, ow) {
		var src [maxPatchSrc]Src
		for b := 0; b < n; b++ {
			for oy := oy0; oy < oy1; oy++ {
				ns := 0
				for ky := 0; ky < k; ky++ {
					row := in[((b*h+oy*k+ky)*w)*ldi:]
					if ldi == cin {
						src[ns] = Src{A: row, LdA: k * ldi, K: k * cin}
						ns++
						continue
					}
					for kx := 0; kx < k; kx++ {
						src[ns] = Src{A: row[kx*ldi:], LdA: k * ldi, K: cin}
						ns++
					}
				}
				pix := (b*oh + oy) * ow
				GemmSrc(ow, src[:ns], p.bHWC, out[pix*ldo:], ldo, subEpilogue(ep, 0, pix, &e))
			}
		}
		return
	}
	kk := cin * k * k
	r := p.chunkRows(oh, ow)
	if len(scratch) < r*ow*kk {
		panic(fmt.Sprintf("kernels: PatchConv: scratch has %d floats, need %d", len(scratch), r*ow*kk))
	}
	for b := 0; b < n; b++ {
		for ya := oy0; ya < oy1; ya += r {
			yb := min(ya+r, oy1)
			m := (yb - ya) * ow
			a := scratch[:m*kk]
			for oy := ya; oy < yb; oy++ {
				for ky := 0; ky < k; ky++ {
					row := in[((b*h+oy*k+ky)*w)*ldi:]
					// Pixel ox's k input pixels of this ky go to row (oy-ya)*ow+ox, columns [ky*k*cin, (ky+1)*k*cin).
					for kx := 0; kx < k; kx++ {
						copyPixels(a[((oy-ya)*ow)*kk+(ky*k+kx)*cin:], kk, row[kx*ldi:], k*ldi, ow, cin)
					}
				}
			}
			pix := (b*oh + ya) * ow
			Gemm(m, a, kk, p.bHWC, out[pix*ldo:], ldo, subEpilogue(ep, 0, pix, &e))
		}
	}
}
