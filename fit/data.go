package fit

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Stage is one feature-map shape to fit a teacher conv at.
type Stage struct {
	Name    string `json:"name"`
	C, H, W int
}

func (s Stage) String() string { return fmt.Sprintf("%dx%dx%d", s.C, s.H, s.W) }

// PaperStages are the shapes of the first 3x3 conv of each ResNet50 stage,
// where the paper's Table 2 fits its students.
var PaperStages = []Stage{{"1", 64, 56, 56}, {"2", 128, 28, 28}, {"3", 256, 14, 14}, {"4", 512, 7, 7}}

// Data is a set of feature maps, NCHW: image n, channel c, pixel (y, x) at
// X[((n*C+c)*H+y)*W+x].
type Data struct {
	N, C, H, W int
	X          []float32
}

// GenOptions configures Generate (see the package doc for the model).
type GenOptions struct {
	Redundancy float64 `json:"redundancy"` // in [0, 1): channels are mixtures of round(C*(1-Redundancy)) latent maps
	CorrLen    float64 `json:"corr_len"`   // spatial correlation length of the latent maps, pixels
	Noise      float64 `json:"noise"`      // independent per-channel noise before the ReLU
	Samples    float64 `json:"samples"`    // training pixels per input dimension (9C)
	Seed       uint64  `json:"seed"`
}

// DefaultGen is the default generator setting.
var DefaultGen = GenOptions{Redundancy: 0.5, CorrLen: 1.5, Noise: 0.3, Samples: 2}

// Images is how many images Generate makes for stage s: enough that the
// training split (70%) has Samples pixels per input dimension 9C, and at
// least 10.
func (o GenOptions) Images(s Stage) int {
	need := o.Samples * float64(9*s.C) / (0.7 * float64(s.H*s.W))
	return max(10, int(math.Ceil(need)))
}

// Generate makes o.Images(s) feature maps of stage s.
func Generate(s Stage, o GenOptions) (*Data, error) {
	if o.Redundancy < 0 || o.Redundancy >= 1 || math.IsNaN(o.Redundancy) {
		return nil, fmt.Errorf("redundancy %g: expected a value in [0, 1)", o.Redundancy)
	}
	if o.CorrLen < 0 || o.Noise < 0 || o.Samples <= 0 {
		return nil, fmt.Errorf("generator: correlation length %g, noise %g, samples %g: expected >= 0, >= 0, > 0", o.CorrLen, o.Noise, o.Samples)
	}
	r := rand.New(rand.NewPCG(o.Seed, uint64(s.C)<<32|uint64(s.H)))
	n, c, h, w := o.Images(s), s.C, s.H, s.W
	k := max(1, int(math.Round(float64(c)*(1-o.Redundancy))))
	mix := make([]float64, c*k)
	for i := range mix {
		mix[i] = r.NormFloat64() / math.Sqrt(float64(k))
	}
	bias := make([]float64, c)
	for i := range bias {
		bias[i] = 0.5 * r.NormFloat64()
	}
	a := 0.0
	if o.CorrLen > 0 {
		a = math.Exp(-1 / o.CorrLen)
	}
	hw := h * w
	d := &Data{N: n, C: c, H: h, W: w, X: make([]float32, n*c*hw)}
	z := make([]float64, k*hw)
	acc := make([]float64, hw)
	for im := 0; im < n; im++ {
		for j := 0; j < k; j++ {
			field(r, z[j*hw:(j+1)*hw], h, w, a)
		}
		for ch := 0; ch < c; ch++ {
			for p := range acc {
				acc[p] = bias[ch] + o.Noise*r.NormFloat64()
			}
			for j := 0; j < k; j++ {
				m := mix[ch*k+j]
				zj := z[j*hw : (j+1)*hw]
				for p, v := range zj {
					acc[p] += m * v
				}
			}
			out := d.X[(im*c+ch)*hw : (im*c+ch+1)*hw]
			for p, v := range acc {
				out[p] = float32(math.Max(v, 0))
			}
		}
	}
	return d, nil
}

// field fills f (h x w) with a unit-variance Gaussian random field: white
// noise smoothed by a first-order recursive filter (coefficient a) run
// forward and backward along rows, then along columns.
func field(r *rand.Rand, f []float64, h, w int, a float64) {
	for i := range f {
		f[i] = r.NormFloat64()
	}
	if a > 0 {
		b := 1 - a
		for y := 0; y < h; y++ {
			row := f[y*w : (y+1)*w]
			for x := 1; x < w; x++ {
				row[x] = a*row[x-1] + b*row[x]
			}
			for x := w - 2; x >= 0; x-- {
				row[x] = a*row[x+1] + b*row[x]
			}
		}
		for x := 0; x < w; x++ {
			for y := 1; y < h; y++ {
				f[y*w+x] = a*f[(y-1)*w+x] + b*f[y*w+x]
			}
			for y := h - 2; y >= 0; y-- {
				f[y*w+x] = a*f[(y+1)*w+x] + b*f[y*w+x]
			}
		}
	}
	var s, s2 float64
	for _, v := range f {
		s += v
		s2 += v * v
	}
	mean := s / float64(len(f))
	sd := math.Sqrt(math.Max(s2/float64(len(f))-mean*mean, 1e-12))
	for i := range f {
		f[i] = (f[i] - mean) / sd
	}
}

// envelope weights the 3x3 taps of the default teacher: centre 1, edges
// 0.75, corners 0.5 (learned filters are centre-heavy and smooth).
var envelope = [9]float64{0.5, 0.75, 0.5, 0.75, 1, 0.75, 0.5, 0.75, 0.5}

// RandomTeacher is the default teacher, a 3x3 conv c -> c with weights
// [c][c][3][3]: N(0, 2/(9c)) times the tap envelope.
func RandomTeacher(c int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 0x7465616368))
	w := make([]float32, c*c*9)
	sd := math.Sqrt(2 / float64(9*c))
	for i := range w {
		w[i] = float32(r.NormFloat64() * sd * envelope[i%9])
	}
	return w
}

// Split assigns images to train, validation and test (70/10/20 by image,
// after a seeded shuffle); every part gets at least one image.
func Split(n int, seed uint64) (train, val, test []int, err error) {
	if n < 3 {
		return nil, nil, nil, fmt.Errorf("%d images: the 70/10/20 split needs at least 3", n)
	}
	p := rand.New(rand.NewPCG(seed, 0x73706c6974)).Perm(n)
	nt := max(1, int(math.Round(0.7*float64(n))))
	nv := max(1, int(math.Round(0.1*float64(n))))
	if nt+nv >= n {
		nt = n - nv - 1
	}
	return p[:nt], p[nt : nt+nv], p[nt+nv:], nil
}
