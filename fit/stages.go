package fit

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/fnlab/fnlab/arch"
)

// ParseStages parses a comma-separated list of stages: paper stage
// numbers 1 to 4 (PaperStages) or sizes CxHxW.
func ParseStages(s string) ([]Stage, error) {
	var out []Stage
	for _, f := range arch.SplitList(s) {
		if n, err := strconv.Atoi(f); err == nil {
			if n < 1 || n > len(PaperStages) {
				return nil, fmt.Errorf("%q: stage %d: expected 1 to 4 or CxHxW", s, n)
			}
			out = append(out, PaperStages[n-1])
			continue
		}
		c, h, w, err := arch.ParseCHW(f)
		if err != nil {
			return nil, fmt.Errorf("%q: %q: expected a paper stage 1-4 or CxHxW", s, f)
		}
		out = append(out, Stage{Name: fmt.Sprintf("%dx%dx%d", c, h, w), C: c, H: h, W: w})
	}
	if len(out) == 0 {
		return nil, errors.New("expected at least one stage")
	}
	return out, nil
}

// ParseRedundancies parses a comma-separated list of channel redundancies,
// each in [0, 1).
func ParseRedundancies(s string) ([]float64, error) {
	var out []float64
	for _, f := range arch.SplitList(s) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || v < 0 || v >= 1 {
			return nil, fmt.Errorf("%q: %q is not a number in [0, 1)", s, f)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, errors.New("expected at least one value")
	}
	return out, nil
}
