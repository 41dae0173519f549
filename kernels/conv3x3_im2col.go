package kernels

// conv3x3Im2colBudget is the scratch, in floats (2 MiB), of one im2col
// chunk: as many rows as fit, since each chunk streams all of B.
var conv3x3Im2colBudget = 512 << 10

// runIm2col computes output rows [y0, y1) of every image in balanced
// chunks of at most r image rows' patches: A[p][(dy*3+dx)*cg+ci] = in[y+dy-1][x+dx-1][ci]
// (zero outside the image) for the chunk's pixels p, then one GEMM per
// group writes them to out with the epilogue. When the range is whole
// images, a chunk runs on over image boundaries (the output pixels stay
// consecutive), so a batch of 7x7 maps streams B once per chunk, not once
// per image.
func (c *Conv3x3) runIm2col(r, n, h, w, y0, y1 int, in []float32, ldi int, out []float32, ldo int, ep *Epilogue, scratch []float32) {
	forChunks(n, h, y0, y1, r, func(q0, q1 int) {
		c.im2colChunk(q0, q1, h, w, in, ldi, out, ldo, ep, scratch)
	})
}

// forChunks calls f on balanced chunks of at most r units of units [u0, u1)
// of each of n images of per units, a chunk as global units [q0, q1) (unit
// q is unit q%per of image q/per). When the range is whole images, chunks
// run on over image boundaries. f does not escape, so the callers' closures
// stay on the stack (TestConv3x3NoAlloc).
func forChunks(n, per, u0, u1, r int, f func(q0, q1 int)) {
	if u0 == 0 && u1 == per {
		nch := (n*per + r - 1) / r
		for ch := 0; ch < nch; ch++ {
			f(n*per*ch/nch, n*per*(ch+1)/nch)
		}
		return
	}
	nch := (u1 - u0 + r - 1) / r
	for b := 0; b < n; b++ {
		for ch := 0; ch < nch; ch++ {
			f(b*per+u0+(u1-u0)*ch/nch, b*per+u0+(u1-u0)*(ch+1)/nch)
		}
	}
}

// im2colChunk gathers and multiplies global image rows [q0, q1) (row q is
// row q%h of image q/h).
func (c *Conv3x3) im2colChunk(q0, q1, h, w int, in []float32, ldi int, out []float32, ldo int, ep *Epilogue, scratch []float32) {
	cg, cog := c.cg, c.cog
	kk := 9 * cg
	m := (q1 - q0) * w
	a := scratch[:m*kk]
	var e Epilogue
	for g := 0; g < c.groups; g++ {
		for q := q0; q < q1; q++ {
			b, y := q/h, q%h
			row := a[(q-q0)*w*kk : (q-q0+1)*w*kk]
			for dy := 0; dy < 3; dy++ {
				yy := y + dy - 1
				for dx := 0; dx < 3; dx++ {
					t := (dy*3 + dx) * cg
					if yy < 0 || yy >= h {
						for x := 0; x < w; x++ {
							clear(row[x*kk+t : x*kk+t+cg])
						}
						continue
					}
					// output x reads input x+dx-1: pixels [x0, x1) are inside
					x0, x1 := max(0, 1-dx), min(w, w+1-dx)
					if x0 > 0 {
						clear(row[t : t+cg])
					}
					if x1 < w {
						clear(row[(w-1)*kk+t : (w-1)*kk+t+cg])
					}
					if x1 > x0 {
						src := in[((b*h+yy)*w+x0+dx-1)*ldi+g*cg:]
						copyPixels(row[x0*kk+t:], kk, src, ldi, x1-x0, cg)
					}
				}
			}
		}
		pix := q0 * w
		Gemm(m, a, kk, c.b[g], out[pix*ldo+g*cog:], ldo, subEpilogue(ep, g*cog, pix, &e))
	}
}
