package proxy

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/bits"
	"math/rand/v2"
	"sync"

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
// whose sign agrees between images i and j. Weights are Kaiming-normal,
// each layer's drawn from cfg.Seed, its position (stage, block, role) and
// its shape, so candidates that share a layer share its weights: common
// random numbers, so that two candidates' scores differ by architecture,
// not by draws. The input batch is N(0, 1) from cfg.Seed. BatchNorm uses
// batch statistics (training mode, gamma 1, beta 0) as at the start of
// training. The forward follows the compiled model (arch.Compile at the
// score's batch and resolution): its patch embedding and merges with
// their BatchNorms, each block's mixer conv and MLP; a layer scale is left
// out and the head does not enter the score. Prepared layers are cached
// across calls (safe for concurrent use). Single-threaded; deterministic
// for a given kernel level.
func NASWOT(s *arch.Spec, cfg Config) (float64, error) {
	if cfg.Batch < 2 {
		return 0, fmt.Errorf("proxy: batch %d: expected at least 2 images", cfg.Batch)
	}
	n, res, c0 := cfg.Batch, cfg.Resolution, s.Input.Channels
	// The structure is the compiled model's at the score's batch and
	// resolution; the map sizes are the kernels' own (OutSize), so that a
	// resolution too small for the model is an error, not an empty map.
	sc := *s
	sc.Input = arch.Input{Batch: n, Channels: c0, Height: res, Width: res}
	g, err := arch.Compile(&sc)
	if err != nil {
		return 0, fmt.Errorf("proxy: %v", err)
	}
	ls := g.Layers
	for i := range ls {
		if l := &ls[i]; downsample(l) && l.Op == arch.OpConv && (l.KH != l.Stride || l.KW != l.Stride) {
			return 0, fmt.Errorf("proxy: %s: patch kernels must equal their strides", s.Name)
		}
	}
	f := &forward{n: n, seed: cfg.Seed, k: make([]float64, n*n)}
	img := cached(layerKey{seed: cfg.Seed, stage: -1, role: "input", a: n, b: c0, c: res}, func() (any, int64) {
		r := rand.New(rand.NewPCG(cfg.Seed, 0x6e6173776f74))
		img := make([]float32, n*c0*res*res)
		for i := range img {
			img[i] = float32(r.NormFloat64())
		}
		return img, int64(4 * len(img))
	}).([]float32)
	var x []float32 // the current map, NHWC
	var h, w, c int
	for i := 0; i < len(ls); {
		l := &ls[i]
		switch {
		case l.Role == arch.RoleEmbed && l.Op == arch.OpConv:
			// Patch embedding, NCHW -> NHWC.
			pe, err := f.patch(layerKey{stage: -1, role: "embed", a: l.InC, b: l.OutC, c: l.KH})
			if err != nil {
				return 0, err
			}
			if h, w = pe.OutSize(res, res); h < 1 || w < 1 {
				return 0, fmt.Errorf("proxy: resolution %d is below the patch size %d", res, l.KH)
			}
			c = l.OutC
			x = make([]float32, n*h*w*c)
			pe.RunNCHW(n, res, res, img, x, c, nil, f.scratch(pe.ScratchLen(n, res, res)))
		case l.Role == arch.RoleMerge && l.Op == arch.OpConv:
			// The merge after stage l.Stage is keyed by the stage it feeds.
			mg, err := f.patch(layerKey{stage: l.Stage + 1, block: -1, role: "merge", a: l.InC, b: l.OutC, c: l.KH})
			if err != nil {
				return 0, err
			}
			oh, ow := mg.OutSize(h, w)
			if oh < 1 || ow < 1 {
				return 0, fmt.Errorf("proxy: resolution %d is too small for %d stages", res, len(s.Stages))
			}
			y := make([]float32, n*oh*ow*l.OutC)
			mg.RunNHWC(n, h, w, x, c, y, l.OutC, nil, f.scratch(mg.ScratchLen(n, h, w)))
			x, h, w, c = y, oh, ow, l.OutC
		case downsample(l) && l.Op == arch.OpBN:
			batchNorm(x, n*h*w, c)
		case l.Role == arch.RoleMixer:
			j := i
			for j < len(ls) && ls[j].Stage == l.Stage && ls[j].Block == l.Block && (ls[j].Role == arch.RoleMixer || ls[j].Role == arch.RoleMLP) {
				j++
			}
			if err := f.block(ls[i:j], x, h, w, c); err != nil {
				return 0, err
			}
			i = j
			continue
		}
		i++ // the head and detection outputs do not enter the score
	}
	return logDet(f.k, n), nil
}

// downsample reports whether l is part of the patch embedding or a merge.
func downsample(l *arch.Layer) bool { return l.Role == arch.RoleEmbed || l.Role == arch.RoleMerge }

type forward struct {
	n       int
	seed    uint64
	k       []float64 // n x n agreement kernel
	scr     []float32
	codes   []uint64
	mix, hb []float32
}

// layerKey names one layer's weights: where it sits and its shape (a, b,
// c: in channels, out channels or groups, kernel or hidden width).
type layerKey struct {
	seed         uint64
	stage, block int
	role         string
	a, b, c      int
}

// kaiming draws count Kaiming-normal weights (std sqrt(2/fanIn)) from the
// layer's own stream.
func (k layerKey) kaiming(count, fanIn int) []float32 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d/%s/%d/%d/%d", k.stage, k.block, k.role, k.a, k.b, k.c)
	r := rand.New(rand.NewPCG(k.seed, h.Sum64()))
	std := math.Sqrt(2 / float64(fanIn))
	w := make([]float32, count)
	for i := range w {
		w[i] = float32(r.NormFloat64() * std)
	}
	return w
}

// The cache of prepared layers, shared by all calls: in a search most
// candidates share most layers. It is emptied when it passes cacheLimit.
var cache struct {
	sync.Mutex
	m     map[layerKey]any
	bytes int64
}

const cacheLimit = 512 << 20

func cached(k layerKey, make func() (any, int64)) any {
	cache.Lock()
	v, ok := cache.m[k]
	cache.Unlock()
	if ok {
		return v
	}
	v, size := make() // outside the lock: workers prepare different layers at once
	cache.Lock()
	defer cache.Unlock()
	if cache.m == nil || cache.bytes+size > cacheLimit {
		cache.m, cache.bytes = map[layerKey]any{}, 0
	}
	if old, ok := cache.m[k]; ok {
		return old
	}
	cache.m[k] = v
	cache.bytes += size
	return v
}

// patch returns the patch conv of k (a -> b channels, kernel c).
func (f *forward) patch(k layerKey) (*kernels.PatchConv, error) {
	k.seed = f.seed
	var err error
	v := cached(k, func() (any, int64) {
		pc, e := kernels.NewPatchConv(k.kaiming(k.b*k.a*k.c*k.c, k.a*k.c*k.c), k.a, k.b, k.c)
		if e != nil {
			err = fmt.Errorf("proxy: %v", e)
			return (*kernels.PatchConv)(nil), 0
		}
		return pc, int64(8 * k.a * k.b * k.c * k.c)
	}).(*kernels.PatchConv)
	if err != nil || v == nil {
		if err == nil {
			err = fmt.Errorf("proxy: %s %dx%d k%d cannot be built", k.role, k.a, k.b, k.c)
		}
		return nil, err
	}
	return v, nil
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

// block runs the block of layers bl, x += mlp(mixer(x)), in place and
// adds the MLP activation inputs' sign codes to the kernel. The block's
// parts are its mixer conv, then its MLP's two 1x1 convs (the first
// followed by BN and the activation); a layer scale is left out (the
// score is taken at a scale of 1).
func (f *forward) block(bl []arch.Layer, x []float32, h, w, c int) error {
	n := f.n
	rows := n * h * w
	var mixer, fc1, act, fc2 *arch.Layer
	for q := range bl {
		l := &bl[q]
		switch {
		case l.Op == arch.OpConv && l.Role == arch.RoleMixer:
			mixer = l
		case l.Op == arch.OpConv && fc1 == nil:
			fc1 = l
		case l.Op == arch.OpConv:
			fc2 = l
		case l.Op == arch.OpAct:
			act = l
		}
	}
	if mixer == nil || fc1 == nil || act == nil || fc2 == nil {
		return fmt.Errorf("proxy: block at %s does not have the FasterNet block structure", bl[0].Name)
	}
	si, bi := mixer.Stage, mixer.Block
	cin, groups := mixer.InC, mixer.Groups
	mk := layerKey{seed: f.seed, stage: si, block: bi, role: "mixer", a: cin, b: groups, c: 3}
	var err error
	conv, _ := cached(mk, func() (any, int64) {
		cv, e := kernels.NewConv3x3(mk.kaiming(cin*(cin/groups)*9, (cin/groups)*9), cin, cin, groups)
		if e != nil {
			err = fmt.Errorf("proxy: %s: %v", mixer.MixerKind, e)
			return (*kernels.Conv3x3)(nil), 0
		}
		return cv, int64(8 * cin * (cin / groups) * 9)
	}).(*kernels.Conv3x3)
	if err != nil {
		return err
	}
	if conv == nil {
		return fmt.Errorf("proxy: %s: %d channels in %d groups cannot be built", mixer.MixerKind, cin, groups)
	}
	f.mix = grow(f.mix, rows*c)
	mix := f.mix
	conv.Run(n, h, w, x, c, mix, c, nil, f.scratch(conv.ScratchLen(n, h, w)))
	if cin < c {
		for p := 0; p < rows; p++ {
			copy(mix[p*c+cin:p*c+c], x[p*c+cin:p*c+c])
		}
	}
	hidden := fc1.OutC
	fc := func(role string, in, out int) *kernels.PackedB {
		k := layerKey{seed: f.seed, stage: si, block: bi, role: role, a: in, b: out}
		return cached(k, func() (any, int64) {
			return kernels.PackBT(k.kaiming(out*in, in), out, in), int64(4 * in * out)
		}).(*kernels.PackedB)
	}
	f.hb = grow(f.hb, rows*hidden)
	hb := f.hb
	kernels.Gemm(rows, mix, c, fc("fc1", c, hidden), hb, hidden, nil)
	batchNorm(hb, rows, hidden)
	f.addCodes(hb, h*w*hidden)
	a := kernels.ActReLU
	if act.Act == arch.GELU {
		a = kernels.ActGELU
	}
	kernels.ApplyAct(a, hb)
	ep := &kernels.Epilogue{Residual: x, LdR: c}
	kernels.Gemm(rows, hb, hidden, fc("fc2", hidden, c), x, c, ep)
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
		// Signs are random at initialisation: a branch per unit would
		// mispredict half the time, so bits are computed, not tested.
		for q := range cw {
			seg := img[q*64 : min(q*64+64, len(img))]
			var word uint64
			for u, v := range seg {
				word |= positive(v) << uint(u)
			}
			cw[q] = word
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

// positive is 1 when v > 0, else 0 (for -0 and NaN too), without a
// branch: v > 0 exactly when its bits b satisfy 0 < b <= 0x7f800000
// (+Inf), that is when b-1 (wrapping at 0) is below 0x7f800000.
func positive(v float32) uint64 {
	b := math.Float32bits(v)
	return (uint64(b-1) - 0x7f800000) >> 63
}

// batchNorm normalises each of c channels over rows (NHWC) to zero mean
// and unit variance with batch statistics (eps 1e-5). One pass gathers
// sum and sum of squares in float64 (var = E[x^2] - mean^2: the maps here
// have O(1) values and means, so float64 loses nothing that matters).
func batchNorm(x []float32, rows, c int) {
	sum := make([]float64, c)
	sq := make([]float64, c)
	for p := 0; p < rows; p++ {
		row := x[p*c : p*c+c]
		s, q := sum[:len(row)], sq[:len(row)]
		for ch, v := range row {
			d := float64(v)
			s[ch] += d
			q[ch] += d * d
		}
	}
	scale := make([]float32, c)
	shift := make([]float32, c)
	for ch := range sum {
		mean := sum[ch] / float64(rows)
		vr := max(0, sq[ch]/float64(rows)-mean*mean)
		s := 1 / math.Sqrt(vr+1e-5)
		scale[ch], shift[ch] = float32(s), float32(-mean*s)
	}
	for p := 0; p < rows; p++ {
		row := x[p*c : p*c+c]
		sc, sh := scale[:len(row)], shift[:len(row)]
		for ch := range row {
			row[ch] = row[ch]*sc[ch] + sh[ch]
		}
	}
}
