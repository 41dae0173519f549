package arch

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/fnlab/fnlab/internal/yamlx"
	"github.com/fnlab/fnlab/specs"
)

// Limits that keep a spec from asking for absurd sizes before anything is
// allocated. The compiled model is further bounded by MaxModelBytes.
const (
	maxDim      = 1 << 16 // channels, feature_dim
	maxImage    = 1 << 14 // input height/width
	maxBatch    = 1 << 12
	maxDepth    = 1 << 10 // blocks per stage
	maxStages   = 8
	maxClasses  = 1 << 20
	maxRatio    = 64.0
	maxKernel   = 64
	maxSpecSize = 1 << 20 // bytes of YAML
	maxExtends  = 16
)

// entry is one top-level key of a spec with the file it came from.
type entry struct {
	key  *yaml.Node
	val  *yaml.Node
	file string
}

// doc is an ordered set of top-level keys after `extends` and overrides are applied.
type doc struct {
	entries []entry
	origin  map[*yaml.Node]string // nodes made by overrides, or kept from a base's stages
}

func (d *doc) get(key string) *entry {
	for i := range d.entries {
		if d.entries[i].key.Value == key {
			return &d.entries[i]
		}
	}
	return nil
}

func (d *doc) set(e entry) {
	if old := d.get(e.key.Value); old != nil {
		*old = e
		return
	}
	d.entries = append(d.entries, e)
}

// Presets lists the preset names that resolve without a file: the official
// variants (t0 t1 t2 s m l) and every other spec embedded in the binary.
func Presets() []string {
	names := []string{"t0", "t1", "t2", "s", "m", "l"}
	ents, _ := fs.ReadDir(specs.FS, ".")
	for _, e := range ents {
		n := strings.TrimSuffix(e.Name(), ".yaml")
		if !strings.HasPrefix(n, "fasternet_") && !strings.HasPrefix(n, "search_") {
			names = append(names, n)
		}
	}
	return names
}

// specFiles reads spec files and the embedded presets.
var specFiles = &yamlx.Loader{
	FS:     specs.FS,
	Dir:    "specs/",
	Lookup: presetFile,
	Noun:   "spec",
	What:   "spec",
	Max:    maxSpecSize,
	Unknown: func(ref string) error {
		return fmt.Errorf("spec %q: not a preset (%s) and no such file", ref, strings.Join(Presets(), ", "))
	},
}

// presetFile maps a preset name (with or without .yaml) to its embedded
// file, or "".
func presetFile(name string) string {
	name = strings.TrimSuffix(name, ".yaml")
	for _, cand := range []string{"fasternet_" + name + ".yaml", name + ".yaml", name} {
		if !strings.HasSuffix(cand, ".yaml") {
			continue
		}
		if _, err := fs.Stat(specs.FS, cand); err == nil {
			return cand
		}
	}
	return ""
}

// Load resolves ref (a preset name or a YAML file), applies the overrides
// sets (each "key.path=yaml value") and returns the validated spec. Errors
// name an override "set key.path: ..."; LoadOverrides takes the label.
func Load(ref string, sets []string) (*Spec, error) {
	return LoadOverrides(ref, sets, DefaultOrigin)
}

// DefaultOrigin is the label Load gives overrides in errors.
const DefaultOrigin = "set"

// LoadOverrides is Load with origin naming the overrides in errors and
// locations ("ORIGIN key.path: ..."): a command line passes the flag that
// carried them.
func LoadOverrides(ref string, sets []string, origin string) (*Spec, error) {
	d, err := loadDoc(ref, "", nil)
	if err != nil {
		return nil, err
	}
	for _, s := range sets {
		if err := d.applySet(s, origin); err != nil {
			return nil, err
		}
	}
	return decode(d, ref)
}

// Parse reads one spec from data; file names it in errors and anchors
// relative `extends` paths.
func Parse(file string, data []byte) (*Spec, error) {
	d, err := parseDoc(file, data, "", []string{file}, true)
	if err != nil {
		return nil, err
	}
	return decode(d, file)
}

// cycleError is an extends chain that comes back to a file already in it;
// it is reported once, not wrapped by every file of the loop.
type cycleError struct{ chain []string }

func (e *cycleError) Error() string { return "extends cycle: " + strings.Join(e.chain, " -> ") }

// inChain returns the error for a chain that reaches file again, or nil.
func inChain(chain []string, file string) error {
	if slices.Contains(chain, file) {
		return &cycleError{append(slices.Clone(chain), file)}
	}
	if len(chain) > maxExtends {
		return fmt.Errorf("%s: extends chain deeper than %d", file, maxExtends)
	}
	return nil
}

// loadDoc reads ref relative to dir (a directory on disk, or "embed:" for
// the embedded specs) and resolves its `extends` chain; chain lists the
// files that extend it, outermost first.
func loadDoc(ref, dir string, chain []string) (*doc, error) {
	embedded := strings.HasPrefix(dir, "embed:")
	looksLikePath := yamlx.IsPath(ref)
	if !looksLikePath || embedded {
		name := ref
		if embedded {
			name = path.Base(ref)
		}
		if f, data, ok, err := specFiles.Embedded(name); ok || err != nil {
			if err != nil {
				return nil, err
			}
			if err := inChain(chain, f); err != nil {
				return nil, err
			}
			return parseDoc(f, data, "embed:", append(chain, f), false)
		}
		if !looksLikePath {
			if err := specFiles.Missing(ref); err != nil {
				return nil, err
			}
		}
	}
	p := ref
	if dir != "" && !embedded && !filepath.IsAbs(ref) {
		p = filepath.Join(dir, ref)
	}
	if err := inChain(chain, filepath.Clean(p)); err != nil {
		return nil, err
	}
	p = filepath.Clean(p)
	// Devices and pipes could block or never end: the loader refuses them.
	data, err := specFiles.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return parseDoc(p, data, filepath.Dir(p), append(chain, p), false)
}

// parseDoc parses one YAML document into top-level entries and merges it
// over its `extends` base.
func parseDoc(file string, data []byte, dir string, chain []string, fromParse bool) (*doc, error) {
	if len(data) > maxSpecSize {
		return nil, fmt.Errorf("%s: %d bytes, larger than the %d-byte limit for a spec", file, len(data), maxSpecSize)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: invalid YAML: %s", file, cleanYAMLErr(err))
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: empty spec, expected a mapping of model keys", file)
	}
	m := root.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: expected a mapping of model keys at the top level, found %s", file, m.Line, yamlx.Kind(m))
	}
	own := &doc{}
	var base *doc
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("%s:%d: expected a key name, found %s", file, k.Line, yamlx.Kind(k))
		}
		if line, dup := seen[k.Value]; dup {
			return nil, fmt.Errorf("%s:%d: %s: key repeated (first at line %d)", file, k.Line, k.Value, line)
		}
		seen[k.Value] = k.Line
		if k.Value == "extends" {
			if v.Kind != yaml.ScalarNode || v.Tag == "!!null" || v.Value == "" {
				return nil, fmt.Errorf("%s:%d: extends: expected a preset name or a spec file path", file, v.Line)
			}
			var err error
			if fromParse && dir == "" {
				dir = filepath.Dir(file)
			}
			base, err = loadDoc(v.Value, dir, chain)
			var cycle *cycleError
			if errors.As(err, &cycle) {
				return nil, err
			}
			if err != nil {
				return nil, fmt.Errorf("%s:%d: extends: %v", file, v.Line, err)
			}
			continue
		}
		own.entries = append(own.entries, entry{key: k, val: v, file: file})
	}
	if base == nil {
		return own, nil
	}
	for _, e := range own.entries {
		if old := base.get("stages"); e.key.Value == "stages" && old != nil {
			e.val = mergeStages(base, *old, e.val)
		}
		base.set(e)
	}
	return base, nil
}

// mergeStages merges a child's stages list over its base's entry by entry:
// the child's entry i over the base's entry i key by key, the base's
// entries past the child's list kept. Kept base nodes are marked with
// their own file:line so errors still point at them.
func mergeStages(base *doc, parent entry, child *yaml.Node) *yaml.Node {
	pn := parent.val
	if pn.Kind != yaml.SequenceNode || child.Kind != yaml.SequenceNode {
		return child
	}
	if base.origin == nil {
		base.origin = map[*yaml.Node]string{}
	}
	keep := func(n *yaml.Node) *yaml.Node {
		if _, ok := base.origin[n]; !ok {
			markOriginLines(base.origin, n, parent.file)
		}
		return n
	}
	out := &yaml.Node{Kind: yaml.SequenceNode, Tag: child.Tag, Line: child.Line, Column: child.Column}
	for i := 0; i < max(len(pn.Content), len(child.Content)); i++ {
		switch {
		case i >= len(child.Content):
			out.Content = append(out.Content, keep(pn.Content[i]))
		case i >= len(pn.Content) || pn.Content[i].Kind != yaml.MappingNode || child.Content[i].Kind != yaml.MappingNode:
			out.Content = append(out.Content, child.Content[i])
		default:
			c, p := child.Content[i], pn.Content[i]
			m := &yaml.Node{Kind: yaml.MappingNode, Tag: c.Tag, Line: c.Line, Column: c.Column}
			for j := 0; j+1 < len(p.Content); j += 2 {
				if !hasKey(c, p.Content[j].Value) {
					m.Content = append(m.Content, keep(p.Content[j]), keep(p.Content[j+1]))
				}
			}
			m.Content = append(m.Content, c.Content...)
			out.Content = append(out.Content, m)
		}
	}
	return out
}

func hasKey(m *yaml.Node, k string) bool {
	for j := 0; j+1 < len(m.Content); j += 2 {
		if m.Content[j].Value == k {
			return true
		}
	}
	return false
}

// markOriginLines records file:line as the location of n and its children.
func markOriginLines(m map[*yaml.Node]string, n *yaml.Node, file string) {
	m[n] = fmt.Sprintf("%s:%d", file, n.Line)
	for _, c := range n.Content {
		markOriginLines(m, c, file)
	}
}

func cleanYAMLErr(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "yaml: ")
	return strings.ReplaceAll(s, "\n", "; ")
}
