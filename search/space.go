package search

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/internal/inputfile"
	"github.com/fnlab/fnlab/internal/yamlx"
	"github.com/fnlab/fnlab/search/proxy"
	"github.com/fnlab/fnlab/specs"
)

// Limits on what a space file may ask for.
const (
	maxSpaceBytes = 1 << 20
	maxChoices    = 256 // choices of one dimension
	maxGenes      = 64
	maxObjectives = 4
	maxRangeSteps = 4096
)

// Choice is one value a gene can take: a label and the arch --set
// overrides it stands for.
type Choice struct {
	Label string
	Sets  []string
}

// Gene is one searchable dimension: an arch key path (or a tied group of
// them) and its choices.
type Gene struct {
	Name    string // e.g. "stages.2.n_div", "n_div" (tied), "embed_dim"
	Stage   int    // stage index for per-stage genes, -1 otherwise
	Depth   bool   // a stage depth (does not change any step's configuration)
	Choices []Choice
	Where   string // file:line of its definition
}

// Objective is one quantity to minimise or maximise.
type Objective struct {
	Metric   string `json:"metric"`
	Maximize bool   `json:"maximize"`
}

func (o Objective) String() string {
	if o.Maximize {
		return "max " + o.Metric
	}
	return "min " + o.Metric
}

// Constraint is a hard upper bound on a metric.
type Constraint struct {
	Metric string  `json:"metric"`
	Max    float64 `json:"max"`
	Where  string  `json:"-"`
}

// ProxyConfig sets up the training-free accuracy proxy.
type ProxyConfig struct {
	Batch      int    `json:"batch"`
	Resolution int    `json:"resolution"`
	Seed       uint64 `json:"seed"`
}

// ReconConfig chooses how the recon metric scores a stage: "capacity"
// (proxy.Capacity, analytic, free) or "fit" (proxy.Fitted: the mixer's
// measured reconstruction loss at the stage's width and map size, fitted
// once per distinct stage).
type ReconConfig struct {
	Method  string `json:"method"`
	Seeds   int    `json:"seeds,omitempty"`
	MaxIter int    `json:"max_iter,omitempty"`
}

// Space is a validated search space.
type Space struct {
	Name        string
	File        string   // where it was read from
	Base        string   // preset name or absolute spec path
	Sets        []string // fixed overrides for every candidate
	Genes       []Gene
	Objectives  []Objective
	Constraints []Constraint
	Proxy       ProxyConfig
	Recon       ReconConfig
	Stages      int    // stages of the base spec
	Hash        string // sha256 of what decides the candidates' metrics
	baseSpec    *arch.Spec
	reconOnce   sync.Once
	recon       proxy.ReconScorer
	fixedOnce   sync.Once
	fixed       []stageState // each stage's mixer and depth before any gene (Canonical)
}

// ReconScorer is the space's recon scorer, made once and shared by every
// evaluation of the space (a fitted scorer caches its fits).
func (sp *Space) ReconScorer() proxy.ReconScorer {
	sp.reconOnce.Do(func() {
		if sp.Recon.Method == "fit" {
			sp.recon = &proxy.Fitted{Seeds: sp.Recon.Seeds, MaxIter: sp.Recon.MaxIter}
		} else {
			sp.recon = proxy.Capacity{}
		}
	})
	return sp.recon
}

// Metric names a space may constrain or optimise.
var metricNames = []string{"latency", "params", "macs", "flops", "bytes", "peak_memory", "recon", "naswot"}

// constraintKeys maps constraint keys to metrics.
var constraintKeys = map[string]string{
	"latency_ms": "latency", "params": "params", "macs": "macs", "flops": "flops",
	"bytes": "bytes", "peak_memory": "peak_memory", "recon": "recon",
}

// LoadSpace reads a search space: a YAML file, or the name of an embedded
// one (specs/search_NAME.yaml, e.g. "search_t0_ndiv").
func LoadSpace(ref string) (*Space, error) {
	if !strings.ContainsAny(ref, `/\`) && !strings.HasSuffix(ref, ".yaml") && !strings.HasSuffix(ref, ".yml") {
		name := ref
		if !strings.HasPrefix(name, "search_") {
			name = "search_" + name
		}
		data, err := fs.ReadFile(specs.FS, name+".yaml")
		if err != nil {
			if _, serr := os.Stat(ref); serr != nil {
				return nil, fmt.Errorf("space %q: not an embedded space (%s) and no such file", ref, strings.Join(EmbeddedSpaces(), ", "))
			}
		} else {
			return ParseSpace("specs/"+name+".yaml", data)
		}
	}
	data, err := inputfile.ReadFile(ref, maxSpaceBytes, "a search space")
	if err != nil {
		return nil, fmt.Errorf("space %s: %s (a YAML search space)", ref, inputfile.Reason(err))
	}
	return ParseSpace(ref, data)
}

// EmbeddedSpaces lists the search spaces built into the binary.
func EmbeddedSpaces() []string {
	var out []string
	ents, _ := fs.ReadDir(specs.FS, ".")
	for _, e := range ents {
		if n := strings.TrimSuffix(e.Name(), ".yaml"); strings.HasPrefix(n, "search_") {
			out = append(out, n)
		}
	}
	return out
}

func unwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// spaceParser walks the YAML nodes of one space file.
type spaceParser struct {
	yamlx.Decoder
}

// mapping checks n is a mapping with unique keys from allowed and calls f per key.
func (p *spaceParser) mapping(n *yaml.Node, key string, allowed []string, f func(k string, kn, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return p.Errf(n, key, "expected a mapping with keys %s, found %s", strings.Join(allowed, ", "), yamlx.Kind(n))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, v := n.Content[i], n.Content[i+1]
		kp := kn.Value
		if key != "" {
			kp = key + "." + kn.Value
		}
		if kn.Kind != yaml.ScalarNode {
			return p.Errf(kn, key, "expected a key name, found %s", yamlx.Kind(kn))
		}
		if line, dup := seen[kn.Value]; dup {
			return p.Errf(kn, kp, "key repeated (first at line %d)", line)
		}
		seen[kn.Value] = kn.Line
		ok := false
		for _, a := range allowed {
			ok = ok || a == kn.Value
		}
		if !ok {
			return p.Errf(kn, kp, "unknown key (expected %s)", strings.Join(allowed, ", "))
		}
		if err := f(kn.Value, kn, v); err != nil {
			return err
		}
	}
	return nil
}

// ParseSpace reads a space from data; file names it in errors and anchors
// a relative base path.
func ParseSpace(file string, data []byte) (*Space, error) {
	if len(data) > maxSpaceBytes {
		return nil, fmt.Errorf("%s: %d bytes, larger than the %d-byte limit", file, len(data), maxSpaceBytes)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: invalid YAML: %s", file, strings.ReplaceAll(strings.TrimPrefix(err.Error(), "yaml: "), "\n", "; "))
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: empty space, expected a mapping with base, vary, objectives", file)
	}
	p := &spaceParser{yamlx.Decoder{File: file}}
	top := root.Content[0]
	sp := &Space{File: file, Name: FileLabel(strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))),
		Proxy: ProxyConfig{Batch: 16, Resolution: 64, Seed: 1}, Recon: ReconConfig{Method: "capacity"}}
	var varyNode, baseNode *yaml.Node
	var objNode, conNode *yaml.Node
	err := p.mapping(top, "", []string{"name", "base", "set", "vary", "constraints", "objectives", "proxy", "recon"}, func(k string, kn, v *yaml.Node) error {
		var err error
		switch k {
		case "name":
			if sp.Name, err = p.Scalar(v, k, "a name"); err == nil && !SafeName(sp.Name) {
				err = p.Errf(v, k, "%q: expected letters, digits, '_', '.' and '-' only (the name forms default output paths such as search_NAME and NAME.lut.json)", sp.Name)
			}
		case "base":
			baseNode = v
			sp.Base, err = p.Scalar(v, k, "a preset name or a spec file path")
		case "set":
			sp.Sets, err = p.sets(v)
		case "vary":
			varyNode = v
		case "constraints":
			conNode = v
		case "objectives":
			objNode = v
		case "proxy":
			err = p.proxy(v, &sp.Proxy)
		case "recon":
			err = p.recon(v, &sp.Recon)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if baseNode == nil {
		return nil, fmt.Errorf("%s: base: missing, expected a preset name (%s) or a spec file path", file, strings.Join(arch.Presets(), ", "))
	}
	if looksLikePath(sp.Base) && !filepath.IsAbs(sp.Base) {
		sp.Base = filepath.Join(filepath.Dir(file), sp.Base)
	}
	base, err := arch.Load(sp.Base, sp.Sets)
	if err != nil {
		return nil, p.Errf(baseNode, "base", "%v", err)
	}
	sp.baseSpec = base
	sp.Stages = len(base.Depths)
	if varyNode == nil {
		return nil, p.Errf(top, "vary", "missing, expected the dimensions to search (n_div, depth, embed_dim, mlp_ratio, mixer, resolution)")
	}
	if err := p.vary(varyNode, sp); err != nil {
		return nil, err
	}
	if conNode != nil {
		if err := p.constraints(conNode, sp); err != nil {
			return nil, err
		}
	}
	if objNode != nil {
		if err := p.objectives(objNode, sp); err != nil {
			return nil, err
		}
	} else {
		sp.Objectives = []Objective{{Metric: "latency"}, {Metric: "naswot", Maximize: true}}
	}
	// Every choice must be valid on its own on top of the base.
	for _, g := range sp.Genes {
		for _, c := range g.Choices {
			if _, err := arch.Load(sp.Base, append(append([]string(nil), sp.Sets...), c.Sets...)); err != nil {
				return nil, fmt.Errorf("%s: vary.%s: choice %s does not fit base %s: %v", g.Where, g.Name, c.Label, sp.Base, err)
			}
		}
	}
	sp.Hash = sp.hash()
	return sp, nil
}

// SafeName reports whether name may form a file name in the working
// directory: [A-Za-z0-9_.-] only, at most 128 bytes, not only dots. A
// space named ../../x or /tmp/x would otherwise make search and lut build
// write outside it.
func SafeName(name string) bool {
	if name == "" || len(name) > 128 || strings.Trim(name, ".") == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// FileLabel makes a label safe for a file name: characters outside
// [A-Za-z0-9_.-] become '_'.
func FileLabel(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}

func looksLikePath(s string) bool {
	return strings.ContainsAny(s, `/\`) || strings.HasSuffix(s, ".yaml") || strings.HasSuffix(s, ".yml")
}

func (p *spaceParser) sets(v *yaml.Node) ([]string, error) {
	var out []string
	switch v.Kind {
	case yaml.SequenceNode:
		for i, e := range v.Content {
			s, err := p.Scalar(e, fmt.Sprintf("set[%d]", i), `an override "key.path=value"`)
			if err != nil {
				return nil, err
			}
			if k, _, ok := strings.Cut(s, "="); !ok || strings.TrimSpace(k) == "" {
				return nil, p.Errf(e, fmt.Sprintf("set[%d]", i), `expected "key.path=value" (e.g. act_layer=RELU), found %q`, s)
			}
			out = append(out, s)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(v.Content); i += 2 {
			k, val := v.Content[i], v.Content[i+1]
			b, err := yaml.Marshal(val)
			if err != nil {
				return nil, p.Errf(val, "set."+k.Value, "cannot re-encode value: %v", err)
			}
			out = append(out, k.Value+"="+strings.TrimSpace(flowYAML(val, string(b))))
		}
	default:
		return nil, p.Errf(v, "set", `expected a list of "key.path=value" overrides or a mapping of them, found %s`, yamlx.Kind(v))
	}
	return out, nil
}

// flowYAML renders simple values on one line so that --set can read them.
func flowYAML(n *yaml.Node, block string) string {
	c := *n
	c.Style = yaml.FlowStyle
	for i := range c.Content {
		cc := *c.Content[i]
		cc.Style |= yaml.FlowStyle
		c.Content[i] = &cc
	}
	b, err := yaml.Marshal(&c)
	if err != nil {
		return block
	}
	return string(b)
}

func (p *spaceParser) proxy(v *yaml.Node, pc *ProxyConfig) error {
	return p.mapping(v, "proxy", []string{"batch", "resolution", "seed"}, func(k string, kn, val *yaml.Node) error {
		var err error
		switch k {
		case "batch":
			pc.Batch, err = p.IntIn(val, "proxy.batch", 2, 256)
		case "resolution":
			pc.Resolution, err = p.IntIn(val, "proxy.resolution", 8, 1024)
		case "seed":
			var s int
			s, err = p.IntIn(val, "proxy.seed", 0, math.MaxInt32)
			pc.Seed = uint64(s)
		}
		return err
	})
}

func (p *spaceParser) recon(v *yaml.Node, rc *ReconConfig) error {
	err := p.mapping(v, "recon", []string{"method", "seeds", "max_iter"}, func(k string, kn, val *yaml.Node) error {
		var err error
		switch k {
		case "method":
			rc.Method, err = p.Enum(val, "recon.method", false, "capacity", "fit")
		case "seeds":
			rc.Seeds, err = p.IntIn(val, "recon.seeds", 1, 10)
		case "max_iter":
			rc.MaxIter, err = p.IntIn(val, "recon.max_iter", 1, 100)
		}
		return err
	})
	if err == nil && rc.Method != "fit" && (rc.Seeds != 0 || rc.MaxIter != 0) {
		return p.Errf(v, "recon", "seeds and max_iter apply to method: fit only")
	}
	return err
}

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

func (p *spaceParser) constraints(n *yaml.Node, sp *Space) error {
	keys := make([]string, 0, len(constraintKeys))
	for k := range constraintKeys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return p.mapping(n, "constraints", keys, func(k string, kn, v *yaml.Node) error {
		kp := "constraints." + k
		s, err := p.Scalar(v, kp, "a positive number")
		if err != nil {
			return err
		}
		var f float64
		if k == "latency_ms" || k == "recon" {
			f, err = strconv.ParseFloat(s, 64)
		} else {
			f, err = parseAmount(s)
		}
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 {
			want := "a positive number with an optional K, M, G suffix (e.g. 4M)"
			if k == "peak_memory" || k == "bytes" {
				want = "a positive byte count with an optional suffix (e.g. 8MiB, 20MB)"
			} else if k == "latency_ms" || k == "recon" {
				want = "a positive number"
			}
			return p.Errf(v, kp, "expected %s, found %q", want, s)
		}
		sp.Constraints = append(sp.Constraints, Constraint{Metric: constraintKeys[k], Max: f, Where: p.Where(v)})
		return nil
	})
}

// parseAmount reads 4000000, 4M, 4e6, 8MiB, 20MB, 1.5G.
func parseAmount(s string) (float64, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimSuffix(t, "B")
	mult := 1.0
	units := []struct {
		suf string
		m   float64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"K", 1e3}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}}
	for _, u := range units {
		if strings.HasSuffix(t, u.suf) {
			t, mult = strings.TrimSuffix(t, u.suf), u.m
			break
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil {
		return 0, err
	}
	return f * mult, nil
}

func (p *spaceParser) objectives(n *yaml.Node, sp *Space) error {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		found := yamlx.Kind(n)
		if n.Kind == yaml.SequenceNode {
			found = "an empty list"
		}
		return p.Errf(n, "objectives", "expected a list of one or more objectives such as [{min: latency}, {max: naswot}], found %s", found)
	}
	if len(n.Content) > maxObjectives {
		return p.Errf(n, "objectives", "%d objectives, at most %d", len(n.Content), maxObjectives)
	}
	seen := map[string]bool{}
	for i, e := range n.Content {
		kp := fmt.Sprintf("objectives[%d]", i)
		var o Objective
		var metricNode *yaml.Node
		switch {
		case e.Kind == yaml.ScalarNode:
			metricNode = e
			o.Metric = e.Value
			o.Maximize = e.Value == "naswot"
		case e.Kind == yaml.MappingNode && len(e.Content) == 2:
			dir := e.Content[0].Value
			if dir != "min" && dir != "max" {
				return p.Errf(e.Content[0], kp, "expected min or max as the key, found %q", dir)
			}
			metricNode = e.Content[1]
			s, err := p.Scalar(metricNode, kp+"."+dir, "a metric ("+strings.Join(metricNames, ", ")+")")
			if err != nil {
				return err
			}
			o = Objective{Metric: s, Maximize: dir == "max"}
		default:
			return p.Errf(e, kp, "expected an objective such as {min: latency} or {max: naswot}, found %s", yamlx.Kind(e))
		}
		ok := false
		for _, m := range metricNames {
			ok = ok || m == o.Metric
		}
		if !ok {
			return p.Errf(metricNode, kp, "unknown metric %q (expected %s)", o.Metric, strings.Join(metricNames, ", "))
		}
		if seen[o.Metric] {
			return p.Errf(metricNode, kp, "%s is already an objective", o.Metric)
		}
		seen[o.Metric] = true
		sp.Objectives = append(sp.Objectives, o)
	}
	return nil
}

// hash identifies what decides a candidate's identity and metrics: base,
// sets, genes, objectives, constraints and proxy settings.
func (sp *Space) hash() string {
	h := sha256.New()
	fmt.Fprintf(h, "base=%s\n", sp.Base)
	if looksLikePath(sp.Base) {
		if b, err := inputfile.ReadFile(sp.Base, maxSpaceBytes, "a spec"); err == nil {
			h.Write(b)
		}
	}
	for _, s := range sp.Sets {
		fmt.Fprintf(h, "set=%s\n", s)
	}
	for _, g := range sp.Genes {
		fmt.Fprintf(h, "gene=%s", g.Name)
		for _, c := range g.Choices {
			fmt.Fprintf(h, " %s", c.Label)
		}
		h.Write([]byte{'\n'})
	}
	for _, o := range sp.Objectives {
		fmt.Fprintf(h, "obj=%s\n", o)
	}
	for _, c := range sp.Constraints {
		fmt.Fprintf(h, "con=%s<=%g\n", c.Metric, c.Max)
	}
	fmt.Fprintf(h, "proxy=%d/%d/%d\n", sp.Proxy.Batch, sp.Proxy.Resolution, sp.Proxy.Seed)
	if sp.Recon.Method == "fit" { // capacity, the default, leaves older hashes as they were
		fmt.Fprintf(h, "recon=%s\n", sp.ReconScorer().Name())
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Size is the number of candidates (the product of the genes' choice
// counts), saturating at math.MaxInt64.
func (sp *Space) Size() int64 {
	n := int64(1)
	for _, g := range sp.Genes {
		c := int64(len(g.Choices))
		if n > math.MaxInt64/c {
			return math.MaxInt64
		}
		n *= c
	}
	return n
}

// Uses reports whether an objective or a constraint needs metric m.
func (sp *Space) Uses(m string) bool {
	for _, o := range sp.Objectives {
		if o.Metric == m {
			return true
		}
	}
	for _, c := range sp.Constraints {
		if c.Metric == m {
			return true
		}
	}
	return false
}

// BaseSpec is the base spec with the fixed overrides applied.
func (sp *Space) BaseSpec() *arch.Spec { return sp.baseSpec }
