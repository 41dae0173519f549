package kernels

import "math"

// GELU is computed as x*e + x/2 where e = erf(x/sqrt2)/2 comes from the
// rational approximation erf(y) = y*P(y^2)/Q(y^2) on y in [-4, 4] (the
// minimax coefficients Eigen and XLA use for float32 erf), with y = x/sqrt2
// and the 1/2 folded into the coefficients (so P and Q take x^2). The input
// of the polynomials is clamped to |x| <= 4*sqrt2, where the approximation
// already exceeds 1/2 in float32, and e is clamped to [-1/2, 1/2]: GELU is
// then exactly x far right and exactly 0 far left. NaN propagates; GELU(-Inf)
// is NaN, as in PyTorch's formula. Measured error against the float64
// reference 0.5*x*(1+math.Erf(x/sqrt2)), relative to max(1, |x|): about
// 2e-7 (see TestGELUAccuracy).

// Source coefficients (float32 erf on [-4, 4]), highest degree first.
var (
	erfAlpha = [7]float64{-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06,
		-5.69250639462346e-05, -7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02}
	erfBeta = [5]float64{-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03,
		-7.37332916720468e-03, -1.42647390514189e-02}
)

// geluConst is read by the assembly kernels (offsets fixed in
// internal/asmgen): clamp hi, clamp lo, 1/2, -1/2, P[0..6], Q[0..4].
var geluConst = geluConstants()

func geluConstants() (t [16]float32) {
	clamp := 4 * math.Sqrt2
	t[0], t[1], t[2], t[3] = float32(clamp), float32(-clamp), 0.5, -0.5
	for i, a := range erfAlpha {
		deg := len(erfAlpha) - 1 - i
		t[4+i] = float32(a * math.Pow(0.5, float64(deg)) * 0.5 / math.Sqrt2)
	}
	for i, b := range erfBeta {
		deg := len(erfBeta) - 1 - i
		t[11+i] = float32(b * math.Pow(0.5, float64(deg)))
	}
	return t
}

// geluScalar is the portable GELU, the same algorithm as the vector kernels.
func geluScalar(x float32) float32 {
	g := &geluConst
	xc := min(max(x, g[1]), g[0])
	s := xc * xc
	p := g[4]
	p = p*s + g[5]
	p = p*s + g[6]
	p = p*s + g[7]
	p = p*s + g[8]
	p = p*s + g[9]
	p = p*s + g[10]
	q := g[11]
	q = q*s + g[12]
	q = q*s + g[13]
	q = q*s + g[14]
	q = q*s + g[15]
	e := min(max(xc*p/q, -0.5), 0.5)
	return x*e + 0.5*x
}

func act1(a Act, v float32) float32 {
	switch a {
	case ActReLU:
		if v < 0 {
			return 0
		}
	case ActGELU:
		return geluScalar(v)
	}
	return v
}

// ApplyAct applies a in place to x (vectorised where the CPU allows).
func ApplyAct(a Act, x []float32) {
	if a == ActNone || len(x) == 0 {
		return
	}
	if applyActAsm(a, x) {
		return
	}
	switch a {
	case ActReLU:
		for i, v := range x {
			if v < 0 {
				x[i] = 0
			}
		}
	case ActGELU:
		for i, v := range x {
			x[i] = geluScalar(v)
		}
	}
}

// RefAct is ApplyAct's naive twin: exact activations in float64.
func RefAct(a Act, x []float32) {
	for i, v := range x {
		x[i] = float32(refAct64(a, float64(v)))
	}
}

// refAct64 is the exact activation: ReLU, or GELU = 0.5*x*(1+erf(x/sqrt2)).
func refAct64(a Act, v float64) float64 {
	switch a {
	case ActReLU:
		if v < 0 {
			return 0
		}
	case ActGELU:
		return 0.5 * v * (1 + math.Erf(v/math.Sqrt2))
	}
	return v
}
