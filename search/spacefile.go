package search

import (
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/internal/yamlx"
	"github.com/fnlab/fnlab/specs"
)

// spaceFiles reads space files and the embedded spaces.
var spaceFiles = &yamlx.Loader{
	FS:  specs.FS,
	Dir: "specs/",
	Lookup: func(name string) string {
		if !strings.HasPrefix(name, "search_") {
			name = "search_" + name
		}
		if _, err := fs.Stat(specs.FS, name+".yaml"); err != nil {
			return ""
		}
		return name + ".yaml"
	},
	Noun: "space",
	What: "search space",
	Max:  maxSpaceBytes,
	Unknown: func(ref string) error {
		return fmt.Errorf("space %q: not an embedded space (%s) and no such file", ref, strings.Join(EmbeddedSpaces(), ", "))
	},
}

// LoadSpace reads a search space: a YAML file, or the name of an embedded
// one (specs/search_NAME.yaml, e.g. "search_t0_ndiv").
func LoadSpace(ref string) (*Space, error) {
	file, data, err := spaceFiles.Load(ref)
	if err != nil {
		return nil, err
	}
	return ParseSpace(file, data)
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
	if yamlx.IsPath(sp.Base) && !filepath.IsAbs(sp.Base) {
		sp.Base = filepath.Join(filepath.Dir(file), sp.Base)
	}
	base, err := sp.loadSpec(sp.Sets)
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
			if _, err := sp.loadSpec(append(append([]string(nil), sp.Sets...), c.Sets...)); err != nil {
				return nil, fmt.Errorf("%s: vary.%s: choice %s does not fit base %s: %v", g.Where, g.Name, c.Label, sp.Base, err)
			}
		}
	}
	sp.Hash = sp.hash()
	return sp, nil
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
