package kernels

// RefConv2d is the naive twin of every convolution in this package: a plain
// PyTorch-semantics 2-D convolution (cross-correlation) over n NCHW images
// x[((b*cin+c)*h+y)*w+x] with weights wt[co][cin/groups][kh][kw], no bias,
// zero padding pad on all sides and the same stride in both directions. It
// returns the NCHW output and its height and width,
// oh = (h+2*pad-kh)/stride+1 (floor), ow likewise. Sums are accumulated in
// float64.
func RefConv2d(n, cin, h, w int, x []float32, wt []float32, cout, kh, kw, stride, pad, groups int) (out []float32, oh, ow int) {
	if groups <= 0 || cin%groups != 0 || cout%groups != 0 || stride <= 0 {
		panic("kernels: RefConv2d: bad groups or stride")
	}
	if h+2*pad >= kh {
		oh = (h+2*pad-kh)/stride + 1
	}
	if w+2*pad >= kw {
		ow = (w+2*pad-kw)/stride + 1
	}
	if oh == 0 || ow == 0 {
		return nil, oh, ow
	}
	cg, cog := cin/groups, cout/groups
	out = make([]float32, n*cout*oh*ow)
	for b := 0; b < n; b++ {
		for co := 0; co < cout; co++ {
			g := co / cog
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					var s float64
					for ci := 0; ci < cg; ci++ {
						c := g*cg + ci
						for ky := 0; ky < kh; ky++ {
							y := oy*stride - pad + ky
							if y < 0 || y >= h {
								continue
							}
							for kx := 0; kx < kw; kx++ {
								xx := ox*stride - pad + kx
								if xx < 0 || xx >= w {
									continue
								}
								s += float64(x[((b*cin+c)*h+y)*w+xx]) *
									float64(wt[((co*cg+ci)*kh+ky)*kw+kx])
							}
						}
					}
					out[((b*cout+co)*oh+oy)*ow+ox] = float32(s)
				}
			}
		}
	}
	return out, oh, ow
}
