package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/fnlab/fnlab/arch"
)

// Edit is what the model screen lets the user change: the knobs people
// turn when they tune a FasterNet. It is a value; methods return copies.
type Edit struct {
	EmbedDim      int
	MlpRatio      float64
	Height, Width int
	Stages        []arch.StageSpec // Depth, Mixer, NDiv, Groups per stage
}

// editOf reads the knobs of a spec.
func editOf(s *arch.Spec) Edit {
	return Edit{EmbedDim: s.EmbedDim, MlpRatio: s.MlpRatio, Height: s.Input.Height, Width: s.Input.Width,
		Stages: slices.Clone(s.Stages)}
}

func (e Edit) clone() Edit {
	e.Stages = slices.Clone(e.Stages)
	return e
}

func (e Edit) equal(o Edit) bool {
	return e.EmbedDim == o.EmbedDim && e.MlpRatio == o.MlpRatio && e.Height == o.Height && e.Width == o.Width &&
		slices.Equal(e.Stages, o.Stages)
}

// stageDim is stage i's width under this edit.
func (e Edit) stageDim(i int) int { return arch.StageWidth(e.EmbedDim, i) }

// sets returns the overrides (arch.Load's "key.path=yaml") that turn the
// model whose knobs are from into one with the knobs of e. Stage depths are
// set per stage (stages.i.depth), which wins over depths in arch's
// resolution order even when the base spec has a stages list.
func (e Edit) sets(from Edit) []string {
	var out []string
	if e.EmbedDim != from.EmbedDim {
		out = append(out, fmt.Sprintf("embed_dim=%d", e.EmbedDim))
	}
	if e.MlpRatio != from.MlpRatio {
		out = append(out, "mlp_ratio="+formatRatio(e.MlpRatio))
	}
	if e.Height != from.Height {
		out = append(out, fmt.Sprintf("input.height=%d", e.Height))
	}
	if e.Width != from.Width {
		out = append(out, fmt.Sprintf("input.width=%d", e.Width))
	}
	for i, st := range e.Stages {
		if i >= len(from.Stages) {
			break
		}
		f := from.Stages[i]
		if st.Depth != f.Depth {
			out = append(out, fmt.Sprintf("stages.%d.depth=%d", i, st.Depth))
		}
		if st.Mixer != f.Mixer {
			out = append(out, fmt.Sprintf("stages.%d.mixer=%s", i, st.Mixer))
		}
		if st.NDiv != f.NDiv {
			out = append(out, fmt.Sprintf("stages.%d.n_div=%d", i, st.NDiv))
		}
		if st.Groups != f.Groups {
			out = append(out, fmt.Sprintf("stages.%d.groups=%d", i, st.Groups))
		}
	}
	return out
}

func formatRatio(r float64) string { return strconv.FormatFloat(r, 'g', -1, 64) }

// field names one editable cell: the globals row holds embed_dim,
// mlp_ratio and input; each stage row holds depth, mixer and split
// (n_div for pconv, groups for gconv).
type field int

const (
	fEmbed field = iota
	fRatio
	fInput
	fDepth
	fMixer
	fSplit
)

// fieldAt maps the editor cursor (row 0: globals, row i+1: stage i) to a field.
func fieldAt(row, col int) field {
	if row == 0 {
		return field(col)
	}
	return fDepth + field(col)
}

func (f field) String() string {
	return [...]string{"embed_dim", "mlp_ratio", "input", "depth", "mixer", "n_div/groups"}[f]
}

// label names field f of stage st as errors and prompts do ("stage 2
// groups"), the way editError names arch's keys.
func (e Edit) label(f field, st int) string {
	if f < fDepth {
		return f.String()
	}
	name := f.String()
	if f == fSplit {
		name = "n_div"
		if e.Stages[st].Mixer == arch.GConv {
			name = "groups"
		}
	}
	return fmt.Sprintf("stage %d %s", st, name)
}

// Steps of the +/- keys.
const (
	embedStep = 8
	ratioStep = 0.5
	inputStep = 32
	maxDepth  = 1024
)

// step changes field f of stage st (ignored for globals) by one step in
// direction dir (+1 or -1). It returns the new edit, or an error saying why
// the field cannot move; arch validates the result further.
func (e Edit) step(f field, st, dir int) (Edit, error) {
	e = e.clone()
	switch f {
	case fEmbed:
		v := e.EmbedDim + dir*embedStep
		if v < 1 {
			return e, fmt.Errorf("embed_dim: %d is the smallest step", e.EmbedDim)
		}
		e.EmbedDim = v
	case fRatio:
		v := e.MlpRatio + float64(dir)*ratioStep
		if v <= 0 {
			return e, fmt.Errorf("mlp_ratio: %s is the smallest step", formatRatio(e.MlpRatio))
		}
		e.MlpRatio = v
	case fInput:
		h, w := e.Height+dir*inputStep, e.Width+dir*inputStep
		if h < 1 || w < 1 {
			return e, fmt.Errorf("input: %dx%d is the smallest step", e.Height, e.Width)
		}
		e.Height, e.Width = h, w
	case fDepth:
		v := e.Stages[st].Depth + dir
		if v < 0 || v > maxDepth {
			return e, fmt.Errorf("stage %d depth: expected 0 to %d blocks", st, maxDepth)
		}
		e.Stages[st].Depth = v
	case fMixer:
		i := slices.Index(arch.Mixers, e.Stages[st].Mixer)
		n := len(arch.Mixers)
		e.Stages[st].Mixer = arch.Mixers[((i+dir)%n+n)%n]
	case fSplit:
		s := &e.Stages[st]
		switch s.Mixer {
		case arch.PConv:
			v := s.NDiv + dir
			if v < 1 || v > e.stageDim(st) {
				return e, fmt.Errorf("stage %d n_div: expected 1 to the stage width %d", st, e.stageDim(st))
			}
			s.NDiv = v
		case arch.GConv:
			g, ok := nextDivisor(e.stageDim(st), s.Groups, dir)
			if !ok {
				return e, fmt.Errorf("stage %d groups: no further divisor of the width %d", st, e.stageDim(st))
			}
			s.Groups = g
		default:
			return e, fmt.Errorf("stage %d: %s has no n_div or groups (pconv and gconv do)", st, s.Mixer)
		}
	}
	return e, nil
}

// nextDivisor is the next divisor of n above (dir > 0) or below g.
func nextDivisor(n, g, dir int) (int, bool) {
	for v := g + dir; v >= 1 && v <= n; v += dir {
		if n%v == 0 {
			return v, true
		}
	}
	return g, false
}

// set parses a typed value for field f of stage st.
func (e Edit) set(f field, st int, text string) (Edit, error) {
	e = e.clone()
	text = strings.TrimSpace(text)
	atoi := func(lo, hi int) (int, error) {
		v, err := strconv.Atoi(text)
		if err != nil || v < lo || v > hi {
			return 0, fmt.Errorf("%s: expected an integer from %d to %d, found %q", e.label(f, st), lo, hi, text)
		}
		return v, nil
	}
	var err error
	switch f {
	case fEmbed:
		e.EmbedDim, err = atoi(1, 1<<16)
	case fRatio:
		v, perr := strconv.ParseFloat(text, 64)
		if perr != nil || !(v > 0 && v <= 64) {
			return e, fmt.Errorf("mlp_ratio: expected a number above 0 and at most 64, found %q", text)
		}
		e.MlpRatio = v
	case fInput:
		h, w, ok := parseHW(text)
		if !ok {
			return e, fmt.Errorf("input: expected SIDE or HxW (e.g. 224 or 256x192), found %q", text)
		}
		e.Height, e.Width = h, w
	case fDepth:
		e.Stages[st].Depth, err = atoi(0, maxDepth)
	case fMixer:
		m := arch.Mixer(strings.ToLower(text))
		if !slices.Contains(arch.Mixers, m) {
			return e, fmt.Errorf("%s: expected pconv, conv, dwconv or gconv, found %q", e.label(f, st), text)
		}
		e.Stages[st].Mixer = m
	case fSplit:
		switch e.Stages[st].Mixer {
		case arch.PConv:
			e.Stages[st].NDiv, err = atoi(1, 1<<16)
		case arch.GConv:
			text = strings.TrimPrefix(strings.ToLower(text), "g")
			e.Stages[st].Groups, err = atoi(1, 1<<16)
		default:
			return e, fmt.Errorf("stage %d: %s has no n_div or groups (pconv and gconv do)", st, e.Stages[st].Mixer)
		}
	}
	return e, err
}

// value is the text of field f of stage st, as shown and as typed.
func (e Edit) value(f field, st int) string {
	switch f {
	case fEmbed:
		return strconv.Itoa(e.EmbedDim)
	case fRatio:
		return formatRatio(e.MlpRatio)
	case fInput:
		if e.Height == e.Width {
			return strconv.Itoa(e.Height)
		}
		return fmt.Sprintf("%dx%d", e.Height, e.Width)
	case fDepth:
		return strconv.Itoa(e.Stages[st].Depth)
	case fMixer:
		return string(e.Stages[st].Mixer)
	case fSplit:
		switch e.Stages[st].Mixer {
		case arch.PConv:
			return strconv.Itoa(e.Stages[st].NDiv)
		case arch.GConv:
			return "g" + strconv.Itoa(e.Stages[st].Groups)
		}
		return "-"
	}
	return ""
}

func parseHW(s string) (h, w int, ok bool) {
	s = strings.ToLower(s)
	parts := strings.Split(s, "x")
	if len(parts) == 3 { // CxHxW: the channels are not edited here
		parts = parts[1:]
	}
	var v []int
	for _, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 || n > 1<<14 {
			return 0, 0, false
		}
		v = append(v, n)
	}
	switch len(v) {
	case 1:
		return v[0], v[0], true
	case 2:
		return v[0], v[1], true
	}
	return 0, 0, false
}
