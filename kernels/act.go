package kernels

import "math"

// PLACEHOLDER scalar activations, to be replaced by vectorised ones.

func act1(a Act, v float32) float32 {
	switch a {
	case ActReLU:
		if v < 0 {
			return 0
		}
	case ActGELU:
		return float32(0.5 * float64(v) * (1 + math.Erf(float64(v)/math.Sqrt2)))
	}
	return v
}

// ApplyAct applies a in place to x.
func ApplyAct(a Act, x []float32) {
	if a == ActNone {
		return
	}
	for i, v := range x {
		x[i] = act1(a, v)
	}
}
