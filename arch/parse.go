package arch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/fnlab/fnlab/internal/inputfile"
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

// doc is an ordered set of top-level keys after `extends` and --set are applied.
type doc struct {
	entries []entry
	origin  map[*yaml.Node]string // nodes made by --set
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

// presetFile maps a preset name to its embedded file, or "".
func presetFile(name string) string {
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

// Load resolves ref (a preset name or a YAML file), applies the --set
// overrides (each "key.path=yaml value") and returns the validated spec.
func Load(ref string, sets []string) (*Spec, error) {
	d, err := loadDoc(ref, "", nil)
	if err != nil {
		return nil, err
	}
	for _, s := range sets {
		if err := d.applySet(s); err != nil {
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
	looksLikePath := strings.ContainsAny(ref, `/\`) || strings.HasSuffix(ref, ".yaml") || strings.HasSuffix(ref, ".yml")
	if !looksLikePath || embedded {
		name := ref
		if embedded {
			name = path.Base(ref)
		}
		if f := presetFile(strings.TrimSuffix(name, ".yaml")); f != "" {
			data, err := fs.ReadFile(specs.FS, f)
			if err != nil {
				return nil, err
			}
			if err := inChain(chain, "specs/"+f); err != nil {
				return nil, err
			}
			return parseDoc("specs/"+f, data, "embed:", append(chain, "specs/"+f), false)
		}
		if !looksLikePath {
			if _, err := os.Stat(ref); err != nil {
				return nil, fmt.Errorf("spec %q: not a preset (%s) and no such file", ref, strings.Join(Presets(), ", "))
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
	// Devices and pipes could block or never end: inputfile refuses them.
	data, err := inputfile.ReadFile(p, maxSpecSize, "a spec")
	if err != nil {
		return nil, fmt.Errorf("spec %s: %s (a YAML spec)", p, inputfile.Reason(err))
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

// applySet applies one --set override "key.path=value" (value in YAML).
func (d *doc) applySet(s string) error {
	eq := strings.IndexByte(s, '=')
	if strings.ContainsAny(s[:max(eq, 0)], "\r\n") {
		return fmt.Errorf("--set %q: the key has a line break", s)
	}
	if eq <= 0 {
		return fmt.Errorf("--set %q: expected key=value, e.g. --set n_div=8 or --set depths=[1,1,1,1]", s)
	}
	keyPath, raw := strings.TrimSpace(s[:eq]), s[eq+1:]
	var vn yaml.Node
	if err := yaml.Unmarshal([]byte(raw), &vn); err != nil {
		return fmt.Errorf("--set %s: value %q is not valid YAML: %s", keyPath, raw, cleanYAMLErr(err))
	}
	var val *yaml.Node
	if len(vn.Content) == 0 {
		val = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: ""}
	} else {
		val = vn.Content[0]
	}
	if d.origin == nil {
		d.origin = map[*yaml.Node]string{}
	}
	markOrigin(d.origin, val, "--set "+keyPath)
	parts := strings.Split(keyPath, ".")
	for _, p := range parts {
		if p == "" {
			return fmt.Errorf("--set %s: empty element in key path", keyPath)
		}
	}
	if parts[0] == "extends" {
		return fmt.Errorf("--set %s: extends cannot be set from the command line; pass the spec to extend as SPEC", keyPath)
	}
	key := &yaml.Node{Kind: yaml.ScalarNode, Value: parts[0]}
	if len(parts) == 1 {
		d.set(entry{key: key, val: val, file: "--set"})
		return nil
	}
	e := d.get(parts[0])
	if e == nil {
		var top *yaml.Node
		if _, err := strconv.Atoi(parts[1]); err == nil {
			top = &yaml.Node{Kind: yaml.SequenceNode}
		} else {
			top = &yaml.Node{Kind: yaml.MappingNode}
		}
		markOrigin(d.origin, top, "--set "+keyPath)
		d.entries = append(d.entries, entry{key: key, val: top, file: "--set"})
		e = &d.entries[len(d.entries)-1]
	}
	cur := e.val
	for i, p := range parts[1:] {
		last := i == len(parts)-2
		switch cur.Kind {
		case yaml.MappingNode:
			var next *yaml.Node
			for j := 0; j+1 < len(cur.Content); j += 2 {
				if cur.Content[j].Value == p {
					if last {
						cur.Content[j+1] = val
					}
					next = cur.Content[j+1]
				}
			}
			if next == nil {
				next = val
				if !last {
					next = &yaml.Node{Kind: yaml.MappingNode}
					markOrigin(d.origin, next, "--set "+keyPath)
				}
				cur.Content = append(cur.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: p}, next)
			}
			cur = next
		case yaml.SequenceNode:
			idx, err := strconv.Atoi(p)
			if err != nil || idx < 0 || idx >= maxStages {
				return fmt.Errorf("--set %s: %q: expected a list index from 0 to %d", keyPath, p, maxStages-1)
			}
			for len(cur.Content) <= idx {
				pad := &yaml.Node{Kind: yaml.MappingNode}
				markOrigin(d.origin, pad, "--set "+keyPath)
				cur.Content = append(cur.Content, pad)
			}
			if last {
				cur.Content[idx] = val
			}
			cur = cur.Content[idx]
		default:
			return fmt.Errorf("--set %s: %s is %s, cannot descend into it", keyPath, strings.Join(parts[:i+1], "."), yamlx.Kind(cur))
		}
	}
	return nil
}

func markOrigin(m map[*yaml.Node]string, n *yaml.Node, where string) {
	m[n] = where
	for _, c := range n.Content {
		markOrigin(m, c, where)
	}
}

// trainingKeys are keys of the official FasterNet training configs that
// do not describe the model; they are accepted and ignored.
var trainingKeys = map[string]bool{
	"strategy": true, "benchmark": true, "pretrained": true, "sync_batchnorm": true,
	"dataset_name": true, "multi_scale": true, "test_crop_ratio": true,
	"opt": true, "weight_decay": true, "momentum": true, "epochs": true, "clip_grad": true,
	"precision": true, "sched": true, "lr": true, "warmup_lr": true, "min_lr": true,
	"warmup_epochs": true, "teacher_model": true, "distillation_type": true,
	"distillation_alpha": true, "distillation_tau": true, "color_jitter": true, "aa": true,
	"train_interpolation": true, "smoothing": true, "reprob": true, "remode": true,
	"recount": true, "mixup": true, "cutmix": true, "cutmix_minmax": true, "mixup_prob": true,
	"mixup_switch_prob": true, "mixup_mode": true, "batch_size_per_gpu": true,
	"batch_size": true, "num_workers": true, "data_dir": true, "dataset_dir": true,
	"checkpoint_path": true, "pin_memory": true, "seed": true, "gpus": true,
	"num_nodes": true, "accelerator": true, "save_dir": true, "wandb": true,
	"gradient_clip_val": true, "accumulate_grad_batches": true, "sync_bn": true,
	"ema": true, "model_ema": true, "model_ema_decay": true, "fuse_conv_bn": true,
	"measure_latency": true, "test_phase": true, "dev": true, "pconv_fw_type_train": true,
	"opt_eps": true, "opt_betas": true, "lr_noise": true, "lr_noise_pct": true,
	"lr_noise_std": true, "cooldown_epochs": true, "patience_epochs": true,
	"decay_rate": true, "decay_epochs": true, "warmup_steps": true,
}

// modelKeys are the keys fnlab reads, for suggestions.
var modelKeys = []string{
	"name", "model_name", "embed_dim", "depths", "mlp_ratio", "n_div", "mixer", "groups",
	"act_layer", "norm_layer", "feature_dim", "patch_size", "patch_stride", "patch_size2",
	"patch_stride2", "patch_norm", "drop_path_rate", "layer_scale_init_value",
	"pconv_fw_type", "num_classes", "fork_feat", "input", "in_chans", "image_size", "stages",
	"extends",
}

type decoder struct {
	yamlx.Decoder
	d *doc
}

func (c *decoder) mixer(n *yaml.Node, keyPath string) (Mixer, error) {
	s, err := c.Enum(n, keyPath, true, "pconv", "conv", "dwconv", "gconv")
	return Mixer(s), err
}

func (c *decoder) intList(n *yaml.Node, keyPath string, lo, hi, maxLen int) ([]int, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, c.Errf(n, keyPath, "expected a list of integers like [1, 2, 8, 2], found %s", yamlx.Kind(n))
	}
	if len(n.Content) == 0 || len(n.Content) > maxLen {
		return nil, c.Errf(n, keyPath, "expected 1 to %d entries, found %d", maxLen, len(n.Content))
	}
	out := make([]int, len(n.Content))
	for i, e := range n.Content {
		v, err := c.IntIn(e, fmt.Sprintf("%s[%d]", keyPath, i), lo, hi)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// locs records where each semantic key was set, for later validation errors.
type locs map[string]string

func decode(d *doc, ref string) (*Spec, error) {
	s := Default()
	s.Source = ref
	base := filepath.Base(ref)
	s.Name = strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml")
	where := locs{}
	imageSize := 0
	inputSet := false
	var stagesNode *yaml.Node
	var stagesDec decoder
	for _, e := range d.entries {
		c := &decoder{Decoder: yamlx.Decoder{File: e.file, Origin: d.origin}, d: d}
		k, v := e.key.Value, e.val
		where[k] = c.Where(v)
		var err error
		switch k {
		case "name":
			s.Name, err = c.Scalar(v, k, "a name")
		case "model_name":
			_, err = c.Enum(v, k, true, "fasternet")
		case "embed_dim":
			s.EmbedDim, err = c.IntIn(v, k, 1, maxDim)
		case "depths":
			s.Depths, err = c.intList(v, k, 0, maxDepth, maxStages)
		case "mlp_ratio":
			s.MlpRatio, err = c.FloatIn(v, k, 0, maxRatio, true)
		case "n_div":
			s.NDiv, err = c.IntIn(v, k, 1, maxDim)
		case "mixer":
			s.Mixer, err = c.mixer(v, k)
		case "groups":
			s.Groups, err = c.IntIn(v, k, 1, maxDim)
		case "act_layer":
			var a string
			a, err = c.Enum(v, k, true, "RELU", "GELU")
			s.Act = Act(a)
		case "norm_layer":
			s.Norm, err = c.Enum(v, k, true, "BN")
		case "feature_dim":
			s.FeatureDim, err = c.IntIn(v, k, 1, maxDim)
		case "patch_size":
			s.PatchSize, err = c.IntIn(v, k, 1, maxKernel)
		case "patch_stride":
			s.PatchStride, err = c.IntIn(v, k, 1, maxKernel)
		case "patch_size2":
			s.PatchSize2, err = c.IntIn(v, k, 1, maxKernel)
		case "patch_stride2":
			s.PatchStride2, err = c.IntIn(v, k, 1, maxKernel)
		case "patch_norm":
			s.PatchNorm, err = c.Bool(v, k)
		case "drop_path_rate":
			s.DropPathRate, err = c.FloatIn(v, k, 0, 1, false)
		case "layer_scale_init_value":
			s.LayerScaleInitValue, err = c.FloatIn(v, k, 0, 1e6, false)
		case "pconv_fw_type":
			var f string
			f, err = c.Enum(v, k, false, "split_cat", "slicing")
			s.PConvFwType = Forward(f)
		case "num_classes":
			s.NumClasses, err = c.IntIn(v, k, 0, maxClasses)
		case "fork_feat":
			s.ForkFeat, err = c.Bool(v, k)
		case "in_chans":
			s.Input.Channels, err = c.IntIn(v, k, 1, maxDim)
		case "image_size":
			imageSize, err = c.IntIn(v, k, 1, maxImage)
		case "input":
			inputSet = true
			err = c.input(v, &s.Input, where)
		case "stages":
			stagesNode, stagesDec = v, *c
		default:
			if trainingKeys[k] {
				continue
			}
			err = c.Errf(e.key, k, "unknown key%s", suggest(k))
		}
		if err != nil {
			return nil, err
		}
	}
	if imageSize > 0 && !inputSet {
		s.Input.Height, s.Input.Width = imageSize, imageSize
	}
	s.Stages = make([]StageSpec, len(s.Depths))
	for i, dep := range s.Depths {
		s.Stages[i] = StageSpec{Depth: dep, Mixer: s.Mixer, NDiv: s.NDiv, Groups: s.Groups}
	}
	if stagesNode != nil {
		if err := stagesDec.stages(stagesNode, &s, where); err != nil {
			return nil, err
		}
	}
	if err := validate(&s, where); err != nil {
		return nil, err
	}
	return &s, nil
}

func (c *decoder) input(n *yaml.Node, in *Input, where locs) error {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		// "3x224x224" or "224x224"
		parts := strings.Split(strings.ToLower(n.Value), "x")
		var vals []int
		for _, p := range parts {
			v, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil {
				return c.Errf(n, "input", "expected CxHxW (e.g. 3x224x224) or a mapping {channels, height, width, batch}, found %q", n.Value)
			}
			vals = append(vals, v)
		}
		switch len(vals) {
		case 2:
			in.Height, in.Width = vals[0], vals[1]
		case 3:
			in.Channels, in.Height, in.Width = vals[0], vals[1], vals[2]
		default:
			return c.Errf(n, "input", "expected CxHxW (e.g. 3x224x224), found %q", n.Value)
		}
		return checkInput(*in, func(k, msg string) error { return c.Errf(n, "input", "%s %s", k, msg) })
	}
	if n.Kind != yaml.MappingNode {
		return c.Errf(n, "input", "expected a mapping {channels, height, width, batch} or CxHxW, found %s", yamlx.Kind(n))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		p := "input." + k
		where[p] = c.Where(v)
		var err error
		switch k {
		case "channels":
			in.Channels, err = c.IntIn(v, p, 1, maxDim)
		case "height":
			in.Height, err = c.IntIn(v, p, 1, maxImage)
		case "width":
			in.Width, err = c.IntIn(v, p, 1, maxImage)
		case "batch":
			in.Batch, err = c.IntIn(v, p, 1, maxBatch)
		default:
			err = c.Errf(n.Content[i], p, "unknown key (expected channels, height, width or batch)")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func checkInput(in Input, fail func(k, msg string) error) error {
	switch {
	case in.Channels < 1 || in.Channels > maxDim:
		return fail("channels", fmt.Sprintf("must be from 1 to %d, found %d", maxDim, in.Channels))
	case in.Height < 1 || in.Height > maxImage:
		return fail("height", fmt.Sprintf("must be from 1 to %d, found %d", maxImage, in.Height))
	case in.Width < 1 || in.Width > maxImage:
		return fail("width", fmt.Sprintf("must be from 1 to %d, found %d", maxImage, in.Width))
	case in.Batch < 1 || in.Batch > maxBatch:
		return fail("batch", fmt.Sprintf("must be from 1 to %d, found %d", maxBatch, in.Batch))
	}
	return nil
}

func (c *decoder) stages(n *yaml.Node, s *Spec, where locs) error {
	if n.Kind != yaml.SequenceNode {
		return c.Errf(n, "stages", "expected a list with one mapping per stage ({depth, mixer, n_div, groups}), found %s", yamlx.Kind(n))
	}
	if len(n.Content) > len(s.Depths) {
		return c.Errf(n, "stages", "%d stage entries but depths has %d stages", len(n.Content), len(s.Depths))
	}
	for i, st := range n.Content {
		p := fmt.Sprintf("stages[%d]", i)
		if st.Kind == yaml.ScalarNode && st.Tag == "!!null" {
			continue
		}
		if st.Kind != yaml.MappingNode {
			return c.Errf(st, p, "expected a mapping {depth, mixer, n_div, groups}, found %s", yamlx.Kind(st))
		}
		for j := 0; j+1 < len(st.Content); j += 2 {
			k, v := st.Content[j].Value, st.Content[j+1]
			kp := p + "." + k
			where[kp] = c.Where(v)
			var err error
			switch k {
			case "depth":
				s.Stages[i].Depth, err = c.IntIn(v, kp, 0, maxDepth)
				s.Depths[i] = s.Stages[i].Depth
			case "mixer":
				s.Stages[i].Mixer, err = c.mixer(v, kp)
			case "n_div":
				s.Stages[i].NDiv, err = c.IntIn(v, kp, 1, maxDim)
			case "groups":
				s.Stages[i].Groups, err = c.IntIn(v, kp, 1, maxDim)
			default:
				err = c.Errf(st.Content[j], kp, "unknown key (expected depth, mixer, n_div or groups)")
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

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
