package proxy

import (
	"fmt"
	"math"

	"github.com/fnlab/fnlab/arch"
)

// Stage describes one stage of a candidate for a reconstruction score.
type Stage struct {
	Index, Width, Depth int
	Mixer               arch.Mixer
	NDiv, Groups        int
	MapH, MapW          int // feature-map size at this stage for the spec's input
}

// ReconScorer scores how well a stage's mixer (followed by the block's
// 1x1 convs) can stand in for a full 3x3 conv of the stage's width: an
// estimate of the reconstruction loss, lower is better. fit/'s measured
// losses (paper Table 2 style) plug in here.
type ReconScorer interface {
	Name() string
	StageScore(st Stage) (float64, error)
}

// Capacity is the built-in analytic score: the share of a full 3x3
// conv's spatial weights that the mixer lacks, on a square-root scale,
//
//	score = 1 - sqrt(P_mixer / P_conv),  P_conv = 9 c^2,
//
// with P_mixer = 9 (c/n_div)^2 for PConv, 9 c^2/g for GConv, 9 c for
// DWConv and 9 c^2 for Conv. It is 0 for a full conv, 0.75 for PConv with
// n_div 4 or GConv with 16 groups and 1 - 1/sqrt(c) for DWConv: the
// ordering of the paper's Table 2 (DWConv worst, PConv and GConv close),
// not its values. It costs nothing to compute.
type Capacity struct{}

// Name implements ReconScorer.
func (Capacity) Name() string { return "capacity" }

// StageScore implements ReconScorer.
func (Capacity) StageScore(st Stage) (float64, error) {
	c := float64(st.Width)
	full := 9 * c * c
	var p float64
	switch st.Mixer {
	case arch.PConv:
		cp := float64(st.Width / st.NDiv)
		p = 9 * cp * cp
	case arch.GConv:
		p = full / float64(st.Groups)
	case arch.DWConv:
		p = 9 * c
	case arch.Conv:
		p = full
	default:
		return 0, fmt.Errorf("proxy: no capacity rule for mixer %q", st.Mixer)
	}
	return 1 - math.Sqrt(p/full), nil
}

// Recon scores every stage of s with sc and returns the depth-weighted
// mean (the mean over blocks) and the per-stage scores. A model without
// blocks scores 0.
func Recon(s *arch.Spec, sc ReconScorer) (float64, []float64, error) {
	per := make([]float64, len(s.Stages))
	var sum float64
	var blocks int
	shapes := s.StageShapes()
	for i, st := range s.Stages {
		sh := shapes[i]
		v, err := sc.StageScore(Stage{Index: i, Width: sh.Channels, Depth: st.Depth, Mixer: st.Mixer, NDiv: st.NDiv, Groups: st.Groups,
			MapH: max(1, sh.Height), MapW: max(1, sh.Width)})
		if err != nil {
			return 0, nil, err
		}
		per[i] = v
		sum += v * float64(st.Depth)
		blocks += st.Depth
	}
	if blocks == 0 {
		return 0, per, nil
	}
	return sum / float64(blocks), per, nil
}
