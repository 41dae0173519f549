package kernels

// dwWeights is a depthwise 3x3 weight packed tap-major: w[t*cp+ch] is tap
// t = dy*3+dx of channel ch, cp = c rounded up to 16, padding zero.
type dwWeights struct {
	c, cp int
	w     []float32
	zero  []float32 // cp zeros: the bias when there is none, and the row above/below the image
}

func newDWWeights(w []float32, c int) *dwWeights {
	cp := (c + 15) &^ 15
	d := &dwWeights{c: c, cp: cp, w: make([]float32, 9*cp), zero: make([]float32, cp)}
	for ch := 0; ch < c; ch++ {
		for t := 0; t < 9; t++ {
			d.w[t*cp+ch] = w[ch*9+t]
		}
	}
	return d
}

// run computes output rows [y0, y1) of n images (arguments checked by the caller).
func (d *dwWeights) run(n, h, w, y0, y1 int, in []float32, ldi int, out []float32, ldo int, ep *Epilogue) {
	var bias, res []float32
	act, ldr := ActNone, 0
	if ep != nil {
		bias, act, ldr = ep.Bias, ep.Act, ep.LdR
		if bias != nil {
			_ = bias[d.c-1]
		}
		res = ep.Residual
	}
	asm := level == AVX512
	for b := 0; b < n; b++ {
		for y := y0; y < y1; y++ {
			pix := (b*h + y) * w
			var rows [3][]float32
			for dy := 0; dy < 3; dy++ {
				yy := y + dy - 1
				if yy >= 0 && yy < h {
					rows[dy] = in[(b*h+yy)*w*ldi:]
				}
			}
			o := out[pix*ldo:]
			var r []float32
			if res != nil {
				r = res[pix*ldr:]
			}
			if asm {
				d.rowAVX512(o, ldo, &rows, ldi, w, bias, act, r, ldr)
			} else {
				d.rowGo(o, ldo, &rows, ldi, w, bias, act, r, ldr)
			}
		}
	}
}

// rowAVX512 computes one output row with the assembly kernel. rows[dy] is
// input row y+dy-1 from its first pixel, nil outside the image.
func (d *dwWeights) rowAVX512(o []float32, ldo int, rows *[3][]float32, ldi, w int, bias []float32, act Act, res []float32, ldr int) {
	var rp [3]*float32
	var rs [3]int
	for i, r := range rows {
		if r == nil {
			rp[i], rs[i] = &d.zero[0], 0
		} else {
			_ = r[(w-1)*ldi+d.c-1]
			rp[i], rs[i] = &r[0], ldi
		}
	}
	_ = o[(w-1)*ldo+d.c-1]
	bp := &d.zero[0]
	if bias != nil {
		bp = &bias[0]
	}
	var rr *float32
	if res != nil {
		_ = res[(w-1)*ldr+d.c-1]
		rr = &res[0]
	}
	op, wp := &o[0], &d.w[0]
	switch {
	case act == ActGELU:
		dwRowAVX512(op, ldo, rp[0], rp[1], rp[2], rs[0], rs[1], rs[2], wp, d.cp, bp, nil, 0, w, d.c)
		if ldo == d.c {
			ApplyAct(ActGELU, o[:w*d.c])
		} else {
			for x := 0; x < w; x++ {
				ApplyAct(ActGELU, o[x*ldo:x*ldo+d.c])
			}
		}
		if res != nil {
			copyAddPixels(o, ldo, o, ldo, res, ldr, w, d.c)
		}
	case act == ActReLU && res != nil:
		dwRowReLUResAVX512(op, ldo, rp[0], rp[1], rp[2], rs[0], rs[1], rs[2], wp, d.cp, bp, rr, ldr, w, d.c)
	case act == ActReLU:
		dwRowReLUAVX512(op, ldo, rp[0], rp[1], rp[2], rs[0], rs[1], rs[2], wp, d.cp, bp, nil, 0, w, d.c)
	case res != nil:
		dwRowResAVX512(op, ldo, rp[0], rp[1], rp[2], rs[0], rs[1], rs[2], wp, d.cp, bp, rr, ldr, w, d.c)
	default:
		dwRowAVX512(op, ldo, rp[0], rp[1], rp[2], rs[0], rs[1], rs[2], wp, d.cp, bp, nil, 0, w, d.c)
	}
}

// rowGo is the pure-Go row kernel: per output pixel, start from the bias
// and add each input row's taps (the three horizontal taps in one pass
// where all three exist), then activation and residual.
func (d *dwWeights) rowGo(o []float32, ldo int, rows *[3][]float32, ldi, w int, bias []float32, act Act, res []float32, ldr int) {
	c, cp := d.c, d.cp
	for x := 0; x < w; x++ {
		ov := o[x*ldo : x*ldo+c]
		if bias != nil {
			copy(ov, bias[:c])
		} else {
			clear(ov)
		}
		for dy, r := range rows {
			if r == nil {
				continue
			}
			wt := d.w[dy*3*cp:]
			w0, w1, w2 := wt[:c], wt[cp:cp+c], wt[2*cp:2*cp+c]
			if x > 0 && x < w-1 {
				a := r[(x-1)*ldi : (x-1)*ldi+c]
				m := r[x*ldi : x*ldi+c]
				z := r[(x+1)*ldi : (x+1)*ldi+c]
				a, m, z = a[:len(ov)], m[:len(ov)], z[:len(ov)]
				w0, w1, w2 = w0[:len(ov)], w1[:len(ov)], w2[:len(ov)]
				for j := range ov {
					ov[j] += a[j]*w0[j] + m[j]*w1[j] + z[j]*w2[j]
				}
				continue
			}
			for dx, wv := range [3][]float32{w0, w1, w2} {
				xx := x + dx - 1
				if xx < 0 || xx >= w {
					continue
				}
				iv := r[xx*ldi : xx*ldi+c]
				iv, wv = iv[:len(ov)], wv[:len(ov)]
				for j := range ov {
					ov[j] += iv[j] * wv[j]
				}
			}
		}
		switch act {
		case ActReLU:
			for j, v := range ov {
				if v < 0 {
					ov[j] = 0
				}
			}
		case ActGELU:
			ApplyAct(ActGELU, ov)
		}
		if res != nil {
			rv := res[x*ldr : x*ldr+c]
			rv = rv[:len(ov)]
			for j := range ov {
				ov[j] += rv[j]
			}
		}
	}
}
