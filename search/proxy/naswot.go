package proxy

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/kernels"
)

// Config is the seeded batch the score is computed on.
type Config struct {
	Batch      int    // images (at least 2)
	Resolution int    // input height and width
	Seed       uint64 // weights and inputs
}

// NASWOT returns log|det K| for spec s at initialisation, where
// K[i][j] = number of activation units (inputs of every MLP activation)
// whose sign agrees between images i and j. Weights are Kaiming-normal
// from cfg.Seed, the input batch N(0, 1) from cfg.Seed, and BatchNorm
// uses batch statistics (training mode, gamma 1, beta 0) as at the start
// of training. Single-threaded; deterministic for a given kernel level.
func NASWOT(s *arch.Spec, cfg Config) (float64, error) {
	if cfg.Batch < 2 {
		return 0, fmt.Errorf("proxy: batch %d: expected at least 2 images", cfg.Batch)
	}
	if s.PatchSize != s.PatchStride || s.PatchSize2 != s.PatchStride2 {
		return 0, fmt.Errorf("proxy: %s: patch kernels must equal their strides", s.Name)
	}
	r := rand.New(rand.NewPCG(cfg.Seed, 0x6e6173776f74))
	n, res, c0 := cfg.Batch, cfg.Resolution, s.Input.Channels
	img := make([]float32, n*c0*res*res)
	for i := range img {
		img[i] = float32(r.NormFloat64())
	}
	f := &forward{n: n, r: r, k: make([]float64, n*n)}
	// Patch embedding, NCHW -> NHWC, then BN.
	pe, err := kernels.NewPatchConv(f.kaiming(s.EmbedDim*c0*s.PatchSize*s.PatchSize, c0*s.PatchSize*s.PatchSize), c0, s.EmbedDim, s.PatchSize)
	if err != nil {
		return 0, fmt.Errorf("proxy: %v", err)
	}
	h, w := pe.OutSize(res, res)
	if h < 1 || w < 1 {
		return 0, fmt.Errorf("proxy: resolution %d is below the patch size %d", res, s.PatchSize)
	}
	c := s.EmbedDim
	x := make([]float32, n*h*w*c)
	pe.RunNCHW(n, res, res, img, x, c, nil, f.scratch(pe.ScratchLen(n, res, res)))
	batchNorm(x, n*h*w, c)
	for si, st := range s.Stages {
		if si > 0 {
			mg, err := kernels.NewPatchConv(f.kaiming(2*c*c*s.PatchSize2*s.PatchSize2, c*s.PatchSize2*s.PatchSize2), c, 2*c, s.PatchSize2)
			if err != nil {
				return 0, fmt.Errorf("proxy: %v", err)
			}
			oh, ow := mg.OutSize(h, w)
			if oh < 1 || ow < 1 {
				return 0, fmt.Errorf("proxy: resolution %d is too small for %d stages", res, len(s.Stages))
			}
			y := make([]float32, n*oh*ow*2*c)
			mg.RunNHWC(n, h, w, x, c, y, 2*c, nil, f.scratch(mg.ScratchLen(n, h, w)))
			x, h, w, c = y, oh, ow, 2*c
			batchNorm(x, n*h*w, c)
		}
		for b := 0; b < st.Depth; b++ {
			if err := f.block(s, st, x, h, w, c); err != nil {
				return 0, err
			}
		}
	}
	return logDet(f.k, n), nil
}

type forward struct {
	n       int
	r       *rand.Rand
	k       []float64 // n x n agreement kernel
	scr     []float32
	codes   []uint64
	mix, hb []float32
}

func (f *forward) kaiming(count, fanIn int) []float32 {
	std := math.Sqrt(2 / float64(fanIn))
	w := make([]float32, count)
	for i := range w {
		w[i] = float32(f.r.NormFloat64() * std)
	}
	return w
}

func (f *forward) scratch(n int) []float32 {
	if len(f.scr) < n {
		f.scr = make([]float32, n)
	}
	return f.scr[:n]
}

func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

// block runs x += mlp(mixer(x)) in place and adds the MLP activation
// inputs' sign codes to the kernel.
func (f *forward) block(s *arch.Spec, st arch.StageSpec, x []float32, h, w, c int) error {
	n := f.n
	rows := n * h * w
	cin, groups := c, 1
	switch st.Mixer {
	case arch.PConv:
		cin = c / st.NDiv
	case arch.DWConv:
		groups = c
	case arch.GConv:
		groups = st.Groups
	}
	conv, err := kernels.NewConv3x3(f.kaiming(cin*(cin/groups)*9, (cin/groups)*9), cin, cin, groups)
	if err != nil {
		return fmt.Errorf("proxy: %s: %v", st.Mixer, err)
	}
	f.mix = grow(f.mix, rows*c)
	mix := f.mix
	conv.Run(n, h, w, x, c, mix, c, nil, f.scratch(conv.ScratchLen(n, h, w)))
	if cin < c {
		for p := 0; p < rows; p++ {
			copy(mix[p*c+cin:p*c+c], x[p*c+cin:p*c+c])
		}
	}
	hidden := s.Hidden(c)
	f.hb = grow(f.hb, rows*hidden)
	hb := f.hb
	kernels.Gemm(rows, mix, c, kernels.PackBT(f.kaiming(hidden*c, c), hidden, c), hb, hidden, nil)
	batchNorm(hb, rows, hidden)
	f.addCodes(hb, h*w*hidden)
	act := kernels.ActReLU
	if s.Act == arch.GELU {
		act = kernels.ActGELU
	}
	kernels.ApplyAct(act, hb)
	ep := &kernels.Epilogue{Residual: x, LdR: c}
	kernels.Gemm(rows, hb, hidden, kernels.PackBT(f.kaiming(c*hidden, hidden), c, hidden), x, c, ep)
	return nil
}

// addCodes packs each image's per units signs (v > 0) into bits and adds
// the agreement counts to the kernel: K[i][j] += units - popcount(c_i ^ c_j).
func (f *forward) addCodes(a []float32, units int) {
	n := f.n
	words := (units + 63) / 64
	if cap(f.codes) < n*words {
		f.codes = make([]uint64, n*words)
	}
	codes := f.codes[:n*words]
	clear(codes)
	for i := 0; i < n; i++ {
		img := a[i*units : (i+1)*units]
		cw := codes[i*words : (i+1)*words]
		for u, v := range img {
			if v > 0 {
				cw[u>>6] |= 1 << uint(u&63)
			}
		}
	}
	for i := 0; i < n; i++ {
		ci := codes[i*words : (i+1)*words]
		for j := i; j < n; j++ {
			cj := codes[j*words : (j+1)*words]
			d := 0
			for q := range ci {
				d += bits.OnesCount64(ci[q] ^ cj[q])
			}
			agree := float64(units - d)
			f.k[i*n+j] += agree
			if i != j {
				f.k[j*n+i] += agree
			}
		}
	}
}

// batchNorm normalises each of c channels over rows (NHWC) to zero mean
// and unit variance with batch statistics (eps 1e-5).
func batchNorm(x []float32, rows, c int) {
	mean := make([]float64, c)
	vr := make([]float64, c)
	for p := 0; p < rows; p++ {
		row := x[p*c : p*c+c]
		for ch, v := range row {
			mean[ch] += float64(v)
		}
	}
	for ch := range mean {
		mean[ch] /= float64(rows)
	}
	for p := 0; p < rows; p++ {
		row := x[p*c : p*c+c]
		for ch, v := range row {
			d := float64(v) - mean[ch]
			vr[ch] += d * d
		}
	}
	scale := make([]float32, c)
	shift := make([]float32, c)
	for ch := range vr {
		s := 1 / math.Sqrt(vr[ch]/float64(rows)+1e-5)
		scale[ch], shift[ch] = float32(s), float32(-mean[ch]*s)
	}
	for p := 0; p < rows; p++ {
		row := x[p*c : p*c+c]
		for ch := range row {
			row[ch] = row[ch]*scale[ch] + shift[ch]
		}
	}
}

// logDet returns log|det A| of the n x n matrix a (destroyed) by LU
// decomposition with partial pivoting; -Inf for a singular matrix.
func logDet(a []float64, n int) float64 {
	var ld float64
	for col := 0; col < n; col++ {
		p := col
		for r := col + 1; r < n; r++ {
			if math.Abs(a[r*n+col]) > math.Abs(a[p*n+col]) {
				p = r
			}
		}
		if a[p*n+col] == 0 {
			return math.Inf(-1)
		}
		if p != col {
			for q := 0; q < n; q++ {
				a[p*n+q], a[col*n+q] = a[col*n+q], a[p*n+q]
			}
		}
		piv := a[col*n+col]
		ld += math.Log(math.Abs(piv))
		for r := col + 1; r < n; r++ {
			m := a[r*n+col] / piv
			if m == 0 {
				continue
			}
			for q := col; q < n; q++ {
				a[r*n+q] -= m * a[col*n+q]
			}
		}
	}
	return ld
}
