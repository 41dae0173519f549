package kernels

// Winograd F(2x2, 3x3) for stride-1 3x3 convolutions, dense, grouped or
// partial (see the package doc): each 2x2 block of output pixels (a tile)
// is computed from the 4x4 input pixels around it as
//
//	Y = A^T [ (G g G^T) .* (B^T d B) ] A
//
// per channel pair, where .* is element-wise over the 16 positions (xi, nu)
// of the 4x4 transformed tile. Summed over a group's input channels,
// position (xi, nu) is one GEMM: V[xi,nu] (tiles x cg) times U[xi,nu]
// (cg x cog), 16 GEMMs a group of 4 multiply-adds per output pixel and
// channel pair instead of the 9 of the direct convolution.

// wgMinC is the fewest channels per group, each way, for which the
// convolution packs Winograd weights and the automatic plan (with AVX-512
// transforms) may use them: at 10 channels it measured even with the
// implicit GEMM, from 20 faster.
var wgMinC = 8

// wgBudget is the scratch of one chunk in floats (2.5 MiB): the transformed
// input and the 16 GEMM outputs of as many tile rows as fit.
var wgBudget = 640 << 10

// wgWeights holds U = G g G^T for every group and (xi, nu): u[g*16+xi*4+nu]
// is cg x cog.
type wgWeights struct {
	u []*PackedB
}

// newWGWeights transforms w ([cout][cin/groups][3][3]) in float64 and packs
// the 16 matrices of each group, with
//
//	G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]].
func newWGWeights(w []float32, cin, cout, groups int) *wgWeights {
	cg, cog := cin/groups, cout/groups
	tmp := make([][]float32, 16)
	for i := range tmp {
		tmp[i] = make([]float32, cg*cog)
	}
	wg := &wgWeights{u: make([]*PackedB, 16*groups)}
	for g := 0; g < groups; g++ {
		for co := 0; co < cog; co++ {
			for ci := 0; ci < cg; ci++ {
				k := w[((g*cog+co)*cg+ci)*9:][:9]
				var gk [4][3]float64 // G k
				for j := 0; j < 3; j++ {
					a, b, c := float64(k[j]), float64(k[3+j]), float64(k[6+j])
					gk[0][j], gk[1][j], gk[2][j], gk[3][j] = a, (a+b+c)/2, (a-b+c)/2, c
				}
				for i := 0; i < 4; i++ {
					a, b, c := gk[i][0], gk[i][1], gk[i][2]
					u := [4]float64{a, (a + b + c) / 2, (a - b + c) / 2, c} // (G k) G^T
					for j, v := range u {
						tmp[i*4+j][ci*cog+co] = float32(v)
					}
				}
			}
		}
		for i := range tmp {
			wg.u[g*16+i] = PackB(tmp[i], cg, cog, cog)
		}
	}
	return wg
}

// wgPlan sizes the chunks of a Winograd run over h x w maps: rows tile rows
// of tw tiles, and the scratch: V (16 x tiles x cin), the GEMM outputs
// (16 x tiles x cout), one zero-padded input tile, zero biases and one
// output tile for pixels outside the range.
func (c *Conv3x3) wgPlan(h, w int) conv3x3Plan {
	tw := (w + 1) / 2
	per := 16 * tw * (c.cin + c.cout)
	r := max(1, wgBudget/per)
	return conv3x3Plan{rows: r, wino: true, scratch: r*per + 16*c.cin + 5*c.cout}
}

// runWinograd computes output rows [y0, y1) of every image in chunks of at
// most r tile rows (rows 2q and 2q+1 of an image). When the range is whole
// images, chunks run on over image boundaries, so that a batch of small maps
// makes GEMMs of many tiles.
func (c *Conv3x3) runWinograd(r, n, h, w, y0, y1 int, in []float32, ldi int, out []float32, ldo int, ep *Epilogue, scratch []float32) {
	forChunks(n, (h+1)/2, y0/2, (y1+1)/2, r, func(q0, q1 int) {
		c.wgChunk(q0, q1, h, w, y0, y1, in, ldi, out, ldo, ep, scratch)
	})
}

// wgChunk runs global tile rows [q0, q1) (tile row q is rows 2(q%th) and
// 2(q%th)+1 of image q/th), writing only output rows in [y0, y1): input
// transforms into V, 16 GEMMs into M, output transforms into out. Tiles
// that reach over the image's edge are read from a zero-padded copy and
// written through a spare tile.
func (c *Conv3x3) wgChunk(q0, q1, h, w, y0, y1 int, in []float32, ldi int, out []float32, ldo int, ep *Epilogue, scratch []float32) {
	cin, cout := c.cin, c.cout
	th, tw := (h+1)/2, (w+1)/2
	nt := (q1 - q0) * tw
	vs, ms := nt*cin, nt*cout
	v, rest := scratch[:16*vs], scratch[16*vs:]
	mm, rest := rest[:16*ms], rest[16*ms:]
	patch, rest := rest[:16*cin], rest[16*cin:]
	zero, spare := rest[:cout], rest[cout:5*cout]

	for q := q0; q < q1; q++ {
		b, ty := q/th, q%th
		for tx := 0; tx < tw; tx++ {
			vt := v[((q-q0)*tw+tx)*cin:]
			ya, xa := 2*ty-1, 2*tx-1
			if ya >= 0 && ya+3 < h && xa >= 0 && xa+3 < w {
				wgInput(in[((b*h+ya)*w+xa)*ldi:], ldi, w*ldi, vt, vs, cin)
				continue
			}
			for i := 0; i < 4; i++ {
				for j := 0; j < 4; j++ {
					d := patch[(i*4+j)*cin:][:cin]
					if y, x := ya+i, xa+j; y < 0 || y >= h || x < 0 || x >= w {
						clear(d)
					} else {
						copy(d, in[((b*h+y)*w+x)*ldi:])
					}
				}
			}
			wgInput(patch, cin, 4*cin, vt, vs, cin)
		}
	}
	// Group g multiplies its channels of V (a column slice, lda = cin).
	for k := 0; k < 16; k++ {
		for g := 0; g < c.groups; g++ {
			Gemm(nt, v[k*vs+g*c.cg:], cin, c.wg.u[g*16+k], mm[k*ms+g*c.cog:], cout, nil)
		}
	}
	bias, act := zero, ActNone
	var res []float32
	ldr := 0
	if ep != nil {
		if ep.Bias != nil {
			bias = ep.Bias
		}
		act, res, ldr = ep.Act, ep.Residual, ep.LdR
	}
	clear(zero)
	for q := q0; q < q1; q++ {
		b, ty := q/th, q%th
		ya := 2 * ty
		ra, rb := max(ya, y0), min(ya+2, y1) // output rows of the tile that are wanted
		for tx := 0; tx < tw; tx++ {
			xa := 2 * tx
			nx := min(2, w-xa)
			m := mm[((q-q0)*tw+tx)*cout:]
			if res == nil && ra == ya && rb == ya+2 && nx == 2 {
				p0 := (b*h+ya)*w + xa // the tile's top left output pixel
				wgOutput(m, ms, out[p0*ldo:], ldo, w*ldo, bias, cout)
				if act != ActNone {
					for k := 0; k < 4; k++ {
						ApplyAct(act, out[(p0+k/2*w+k%2)*ldo:][:cout])
					}
				}
				continue
			}
			// Through the spare tile: edge tiles, and residuals (which may
			// be out itself: each pixel's residual is read before it is
			// written).
			wgOutput(m, ms, spare, cout, 2*cout, bias, cout)
			for y := ra; y < rb; y++ {
				row := spare[(y-ya)*2*cout:][:nx*cout]
				ApplyAct(act, row)
				p := (b*h+y)*w + xa
				if res != nil {
					copyAddPixels(out[p*ldo:], ldo, row, cout, res[p*ldr:], ldr, nx, cout)
				} else {
					copyPixels(out[p*ldo:], ldo, row, cout, nx, cout)
				}
			}
		}
	}
}

// wgInput writes V = B^T d B of one tile for n channels: pixel (i, j) of
// the tile starts at src[i*rs+j*ps], element (xi, nu) of channel c goes to
// v[(xi*4+nu)*vs+c], with
//
//	B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]].
func wgInput(src []float32, ps, rs int, v []float32, vs, n int) {
	_ = src[3*rs+3*ps+n-1]
	_ = v[15*vs+n-1]
	if level == AVX512 {
		wgInAVX512(&src[0], ps, rs, &v[0], vs, n)
		return
	}
	var t [16]float32
	for c := 0; c < n; c++ {
		// columns: t = B^T d
		for j := 0; j < 4; j++ {
			d0, d1, d2, d3 := src[j*ps+c], src[rs+j*ps+c], src[2*rs+j*ps+c], src[3*rs+j*ps+c]
			t[j], t[4+j], t[8+j], t[12+j] = d0-d2, d1+d2, d2-d1, d1-d3
		}
		// rows: V = t B
		for i := 0; i < 4; i++ {
			t0, t1, t2, t3 := t[i*4], t[i*4+1], t[i*4+2], t[i*4+3]
			o := i*4*vs + c
			v[o], v[o+vs], v[o+2*vs], v[o+3*vs] = t0-t2, t1+t2, t2-t1, t1-t3
		}
	}
}

// wgOutput writes Y = A^T M A + bias of one tile for n channels: element
// (xi, nu) of channel c is m[(xi*4+nu)*ms+c], output pixel (i, j) of the
// tile starts at o[i*rs+j*ps], with
//
//	A^T = [[1, 1, 1, 0], [0, 1, -1, -1]].
func wgOutput(m []float32, ms int, o []float32, ps, rs int, bias []float32, n int) {
	_ = m[15*ms+n-1]
	_ = o[rs+ps+n-1]
	_ = bias[n-1]
	if level == AVX512 {
		wgOutAVX512(&m[0], ms, &o[0], ps, rs, &bias[0], n)
		return
	}
	var s [8]float32
	for c := 0; c < n; c++ {
		// columns: s = A^T M (2 x 4)
		for j := 0; j < 4; j++ {
			m0, m1, m2, m3 := m[j*ms+c], m[(4+j)*ms+c], m[(8+j)*ms+c], m[(12+j)*ms+c]
			s[j], s[4+j] = m0+m1+m2, m1-m2-m3
		}
		// rows: Y = s A
		for i := 0; i < 2; i++ {
			s0, s1, s2, s3 := s[i*4], s[i*4+1], s[i*4+2], s[i*4+3]
			o[i*rs+c] = s0 + s1 + s2 + bias[c]
			o[i*rs+ps+c] = s1 - s2 - s3 + bias[c]
		}
	}
}

// wgMinTiles is the fewest tiles a call must have for the automatic plan to
// use Winograd, unless its transformed weights are small (wgSmallBytes).
// Its GEMMs read 16/9 of the implicit GEMM's weights, so they need M rows
// enough to stay compute-bound: a 7x7 map (16 tiles) at batch 1 reads 64
// bytes of weights per 512 flops, and with weights from DRAM (a model's
// layers each have their own) that measured slower than the implicit GEMM
// on 2 threads (PConv of 192 channels at 7x7: no gain from the second
// thread) and on one for grouped convs (16 groups of 48 at 7x7: 1.2x
// slower). Weights of at most wgSmallBytes stay in cache: T0's stage-4
// PConv (80 channels at 7x7, 410 KB) ran 1.4x faster as Winograd.
var (
	wgMinTiles   = 20
	wgSmallBytes = 512 << 10
)

// wgMinCScalar replaces wgMinC below AVX-512, where the transforms are
// scalar Go: measured at AVX2, Winograd lost up to 2.8x at 10-80 channels
// and won 1.4x from 160.
var wgMinCScalar = 128

// wgAuto reports whether the automatic plan runs a call of t tiles with
// Winograd.
func (c *Conv3x3) wgAuto(t int) bool {
	minC := wgMinC
	if level != AVX512 {
		minC = wgMinCScalar
	}
	if min(c.cg, c.cog) < minC {
		return false
	}
	return t >= wgMinTiles || 64*c.cin*c.cog <= wgSmallBytes
}
