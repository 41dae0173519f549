package arch

import (
	"fmt"
	"sort"
	"strings"
)

// validate checks what single keys cannot: widths against n_div and
// groups, and the input against the downsampling.
func validate(s *Spec, where locs) error {
	loc := func(keys ...string) string {
		for _, k := range keys {
			if w, ok := where[k]; ok {
				return w
			}
		}
		return s.Source
	}
	if s.EmbedDim<<uint(len(s.Depths)-1) > maxDim {
		return fmt.Errorf("%s: embed_dim: %d doubled over %d stages reaches %d channels, above the limit of %d",
			loc("embed_dim", "depths"), s.EmbedDim, len(s.Depths), s.EmbedDim<<uint(len(s.Depths)-1), maxDim)
	}
	for i, st := range s.Stages {
		dim := s.StageDim(i)
		if h := s.Hidden(dim); h < 1 {
			return fmt.Errorf("%s: mlp_ratio: %g gives stage %d (width %d) a hidden width of %d, expected at least 1",
				loc("mlp_ratio"), s.MlpRatio, i, dim, h)
		}
		if st.Depth == 0 {
			continue
		}
		sp := fmt.Sprintf("stages[%d].", i)
		switch st.Mixer {
		case PConv:
			if st.NDiv > dim {
				return fmt.Errorf("%s: %s: %d is larger than stage %d's width %d (PConv would convolve no channel)",
					loc(sp+"n_div", "n_div"), keyName(where, sp, "n_div"), st.NDiv, i, dim)
			}
		case GConv:
			if dim%st.Groups != 0 {
				return fmt.Errorf("%s: %s: %d does not divide stage %d's width %d (expected a divisor of %d)",
					loc(sp+"groups", "groups"), keyName(where, sp, "groups"), st.Groups, i, dim, dim)
			}
		}
	}
	// Input against the downsampling: patch embedding, then one merge per later stage.
	for _, dimName := range []string{"height", "width"} {
		size := s.Input.Height
		if dimName == "width" {
			size = s.Input.Width
		}
		need := minInput(s)
		if size < need {
			return fmt.Errorf("%s: input.%s: %d is too small: patch embedding (%d/%d) and %d merges (%d/%d) need at least %d",
				loc("input."+dimName, "input", "image_size"), dimName, size, s.PatchSize, s.PatchStride,
				len(s.Depths)-1, s.PatchSize2, s.PatchStride2, need)
		}
	}
	return nil
}

func keyName(where locs, stagePrefix, key string) string {
	if _, ok := where[stagePrefix+key]; ok {
		return stagePrefix + key
	}
	return key
}

// minInput is the smallest input side that leaves every stage at least 1x1.
func minInput(s *Spec) int {
	need := 1
	for i := len(s.Depths) - 1; i >= 1; i-- {
		need = (need-1)*s.PatchStride2 + s.PatchSize2
	}
	return (need-1)*s.PatchStride + s.PatchSize
}

// suggest returns ` (did you mean "x"?)` for a near-miss of a model key.
func suggest(k string) string {
	best, bestD := "", 3
	for _, m := range modelKeys {
		if d := editDistance(k, m); d < bestD {
			best, bestD = m, d
		}
	}
	if best == "" {
		keys := append([]string(nil), modelKeys...)
		sort.Strings(keys)
		return " (model keys: " + strings.Join(keys, ", ") + ")"
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
