package search

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/internal/yamlx"
)

// dimension kinds under vary.
var varyKeys = []string{"n_div", "depth", "mixer", "groups", "embed_dim", "mlp_ratio", "resolution"}

func (p *spaceParser) vary(v *yaml.Node, sp *Space) error {
	err := p.mapping(v, "vary", varyKeys, func(k string, kn, val *yaml.Node) error {
		switch k {
		case "n_div", "depth", "mixer", "groups":
			return p.stageDim(k, val, sp)
		case "embed_dim":
			vals, err := p.intChoices(val, "vary.embed_dim", 1, 1<<14)
			if err != nil {
				return err
			}
			return p.addGlobal(sp, val, "embed_dim", vals, func(s string) []string { return []string{"embed_dim=" + s} })
		case "resolution":
			vals, err := p.intChoices(val, "vary.resolution", 8, 4096)
			if err != nil {
				return err
			}
			in := sp.baseSpec.Input
			return p.addGlobal(sp, val, "resolution", vals, func(s string) []string {
				return []string{fmt.Sprintf("input={batch: %d, channels: %d, height: %s, width: %s}", in.Batch, in.Channels, s, s)}
			})
		case "mlp_ratio":
			vals, err := p.floatChoices(val, "vary.mlp_ratio", 0, 64)
			if err != nil {
				return err
			}
			return p.addGlobal(sp, val, "mlp_ratio", vals, func(s string) []string { return []string{"mlp_ratio=" + s} })
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(sp.Genes) == 0 {
		return p.Errf(v, "vary", "no dimension to search: expected at least one of %s", strings.Join(varyKeys, ", "))
	}
	if len(sp.Genes) > maxGenes {
		return p.Errf(v, "vary", "%d dimensions, at most %d", len(sp.Genes), maxGenes)
	}
	// Genes in a stable order: as written, stages in order.
	return nil
}

func (p *spaceParser) addGlobal(sp *Space, n *yaml.Node, name string, vals []string, sets func(string) []string) error {
	g := Gene{Name: name, Stage: -1, Where: p.Where(n)}
	for _, v := range vals {
		g.Choices = append(g.Choices, Choice{Label: v, Sets: sets(v)})
	}
	sp.Genes = append(sp.Genes, g)
	return nil
}

// stageDim parses a per-stage dimension: a choice list (each stage picks
// independently), {values, tied} or {stages: [choices per stage]}, or a
// list of per-stage choice lists.
func (p *spaceParser) stageDim(k string, v *yaml.Node, sp *Space) error {
	key := "vary." + k
	parse := func(n *yaml.Node, kp string) ([]string, error) {
		switch k {
		case "mixer":
			return p.mixerChoices(n, kp)
		case "depth":
			return p.intChoices(n, kp, 0, 1024)
		default:
			return p.intChoices(n, kp, 1, 1<<16)
		}
	}
	var perStage [][]string
	tied := false
	perStageList := v.Kind == yaml.SequenceNode && len(v.Content) > 0 &&
		(v.Content[0].Kind == yaml.SequenceNode || v.Content[0].Kind == yaml.MappingNode) && k != "mixer"
	if k == "mixer" && v.Kind == yaml.SequenceNode && len(v.Content) > 0 && v.Content[0].Kind == yaml.SequenceNode {
		perStageList = true
	}
	switch {
	case perStageList:
		if len(v.Content) != sp.Stages {
			return p.Errf(v, key, "%d per-stage entries, but base %s has %d stages", len(v.Content), sp.Base, sp.Stages)
		}
		for i, e := range v.Content {
			c, err := parse(e, fmt.Sprintf("%s[%d]", key, i))
			if err != nil {
				return err
			}
			perStage = append(perStage, c)
		}
	case v.Kind == yaml.MappingNode && hasKey(v, "values") || hasKey(v, "stages") || hasKey(v, "tied"):
		var values []string
		var stagesNode *yaml.Node
		err := p.mapping(v, key, []string{"values", "tied", "stages"}, func(kk string, kn, val *yaml.Node) error {
			var err error
			switch kk {
			case "values":
				values, err = parse(val, key+".values")
			case "tied":
				tied, err = p.Bool(val, key+".tied")
			case "stages":
				stagesNode = val
			}
			return err
		})
		if err != nil {
			return err
		}
		switch {
		case stagesNode != nil && values != nil:
			return p.Errf(v, key, "give either values (every stage) or stages (per stage), not both")
		case stagesNode != nil:
			if tied {
				return p.Errf(v, key+".tied", "tied needs values (one list shared by every stage), not stages")
			}
			if stagesNode.Kind != yaml.SequenceNode || len(stagesNode.Content) != sp.Stages {
				return p.Errf(stagesNode, key+".stages", "expected a list of %d choice lists (base %s has %d stages), found %s", sp.Stages, sp.Base, sp.Stages, yamlx.Kind(stagesNode))
			}
			for i, e := range stagesNode.Content {
				c, err := parse(e, fmt.Sprintf("%s.stages[%d]", key, i))
				if err != nil {
					return err
				}
				perStage = append(perStage, c)
			}
		case values == nil:
			return p.Errf(v, key, "expected values: [...] or stages: [[...], ...]")
		default:
			for i := 0; i < sp.Stages; i++ {
				perStage = append(perStage, values)
			}
		}
	default:
		c, err := parse(v, key)
		if err != nil {
			return err
		}
		for i := 0; i < sp.Stages; i++ {
			perStage = append(perStage, c)
		}
	}
	setsFor := func(stage int, label string) []string {
		pre := fmt.Sprintf("stages.%d.", stage)
		if k == "mixer" {
			m, g, ok := strings.Cut(label, ":")
			if ok {
				return []string{pre + "mixer=" + m, pre + "groups=" + g}
			}
			return []string{pre + "mixer=" + m}
		}
		return []string{pre + k + "=" + label}
	}
	if tied {
		g := Gene{Name: k, Stage: -1, Depth: k == "depth", Where: p.Where(v)}
		for _, label := range perStage[0] {
			var sets []string
			for i := 0; i < sp.Stages; i++ {
				sets = append(sets, setsFor(i, label)...)
			}
			g.Choices = append(g.Choices, Choice{Label: label, Sets: sets})
		}
		sp.Genes = append(sp.Genes, g)
		return nil
	}
	for i, labels := range perStage {
		if len(labels) < 2 {
			continue // a fixed value: applied as a set, not searched
		}
		g := Gene{Name: fmt.Sprintf("stages.%d.%s", i, k), Stage: i, Depth: k == "depth", Where: p.Where(v)}
		for _, label := range labels {
			g.Choices = append(g.Choices, Choice{Label: label, Sets: setsFor(i, label)})
		}
		sp.Genes = append(sp.Genes, g)
	}
	for i, labels := range perStage {
		if len(labels) == 1 {
			sp.Sets = append(sp.Sets, setsFor(i, labels[0])...)
		}
	}
	return nil
}

func hasKey(n *yaml.Node, k string) bool {
	if n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == k {
			return true
		}
	}
	return false
}

// intChoices reads a list of integers or a range {min, max, step}.
func (p *spaceParser) intChoices(n *yaml.Node, key string, lo, hi int) ([]string, error) {
	if n.Kind == yaml.MappingNode {
		r := map[string]int{"step": 1}
		set := map[string]bool{}
		err := p.mapping(n, key, []string{"min", "max", "step"}, func(k string, kn, v *yaml.Node) error {
			var err error
			set[k] = true
			if k == "step" {
				r[k], err = p.IntIn(v, key+"."+k, 1, hi)
			} else {
				r[k], err = p.IntIn(v, key+"."+k, lo, hi)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if !set["min"] || !set["max"] {
			return nil, p.Errf(n, key, "a range needs min and max (and optionally step), e.g. {min: 1, max: 4}")
		}
		if r["max"] < r["min"] {
			return nil, p.Errf(n, key+".max", "%d is below min %d", r["max"], r["min"])
		}
		if (r["max"]-r["min"])/r["step"]+1 > maxChoices {
			return nil, p.Errf(n, key, "range gives %d choices, at most %d", (r["max"]-r["min"])/r["step"]+1, maxChoices)
		}
		var out []string
		for v := r["min"]; v <= r["max"]; v += r["step"] {
			out = append(out, strconv.Itoa(v))
		}
		return out, nil
	}
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		v, err := p.IntIn(n, key, lo, hi)
		if err != nil {
			return nil, err
		}
		return []string{strconv.Itoa(v)}, nil
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, p.Errf(n, key, "expected a non-empty list of integers or a range {min, max, step}, found %s", yamlx.Kind(n))
	}
	if len(n.Content) > maxChoices {
		return nil, p.Errf(n, key, "%d choices, at most %d", len(n.Content), maxChoices)
	}
	var out []string
	seen := map[int]bool{}
	for i, e := range n.Content {
		v, err := p.IntIn(e, fmt.Sprintf("%s[%d]", key, i), lo, hi)
		if err != nil {
			return nil, err
		}
		if seen[v] {
			return nil, p.Errf(e, fmt.Sprintf("%s[%d]", key, i), "%d listed twice", v)
		}
		seen[v] = true
		out = append(out, strconv.Itoa(v))
	}
	return out, nil
}

func (p *spaceParser) floatChoices(n *yaml.Node, key string, lo, hi float64) ([]string, error) {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, p.Errf(n, key, "expected a non-empty list of numbers, found %s", yamlx.Kind(n))
	}
	if len(n.Content) > maxChoices {
		return nil, p.Errf(n, key, "%d choices, at most %d", len(n.Content), maxChoices)
	}
	var out []string
	seen := map[float64]bool{}
	for i, e := range n.Content {
		kp := fmt.Sprintf("%s[%d]", key, i)
		want := fmt.Sprintf("a number above %g and at most %g", lo, hi)
		s, err := p.Scalar(e, kp, want)
		if err != nil {
			return nil, err
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || f <= lo || f > hi {
			return nil, p.Errf(e, kp, "expected %s, found %q", want, s)
		}
		if seen[f] {
			return nil, p.Errf(e, kp, "%g listed twice", f)
		}
		seen[f] = true
		out = append(out, strconv.FormatFloat(f, 'g', -1, 64))
	}
	return out, nil
}

// mixerChoices reads a list of mixers: pconv, conv, dwconv, gconv or
// gconv:G (G groups).
func (p *spaceParser) mixerChoices(n *yaml.Node, key string) ([]string, error) {
	const want = "pconv, conv, dwconv, gconv or gconv:G (e.g. gconv:4)"
	one := func(e *yaml.Node, kp string) (string, error) {
		s, err := p.Scalar(e, kp, want)
		if err != nil {
			return "", err
		}
		m, g, hasG := strings.Cut(strings.ToLower(s), ":")
		switch arch.Mixer(m) {
		case arch.PConv, arch.Conv, arch.DWConv:
			if !hasG {
				return m, nil
			}
		case arch.GConv:
			if !hasG {
				return m, nil
			}
			if v, err := strconv.Atoi(g); err == nil && v >= 1 && v <= 1<<16 {
				return fmt.Sprintf("gconv:%d", v), nil
			}
		}
		return "", p.Errf(e, kp, "expected %s, found %q", want, s)
	}
	if n.Kind == yaml.ScalarNode {
		s, err := one(n, key)
		return []string{s}, err
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, p.Errf(n, key, "expected a non-empty list of %s, found %s", want, yamlx.Kind(n))
	}
	var out []string
	seen := map[string]bool{}
	for i, e := range n.Content {
		kp := fmt.Sprintf("%s[%d]", key, i)
		s, err := one(e, kp)
		if err != nil {
			return nil, err
		}
		if seen[s] {
			return nil, p.Errf(e, kp, "%s listed twice", s)
		}
		seen[s] = true
		out = append(out, s)
	}
	return out, nil
}
