package arch

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Field is one model key of a spec with its value in YAML flow style.
type Field struct{ Key, Value string }

// Fields lists every model key of s (name aside) in the order the preset
// files use, each value as Parse reads it back. stages always holds every
// stage in full (depth, mixer, n_div, groups), so it means the same
// whatever a file extends. This is the one list of Spec fields the
// writers share: a new key is added here and in the decoder.
func Fields(s *Spec) []Field {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	b := strconv.FormatBool
	d := strconv.Itoa
	stages := make([]string, len(s.Stages))
	for i, st := range s.Stages {
		stages[i] = stageYAML(st)
	}
	in := s.Input
	return []Field{
		{"mixer", string(s.Mixer)},
		{"n_div", d(s.NDiv)},
		{"groups", d(s.Groups)},
		{"embed_dim", d(s.EmbedDim)},
		{"depths", intsYAML(s.Depths)},
		{"mlp_ratio", f(s.MlpRatio)},
		{"feature_dim", d(s.FeatureDim)},
		{"patch_size", d(s.PatchSize)},
		{"patch_stride", d(s.PatchStride)},
		{"patch_size2", d(s.PatchSize2)},
		{"patch_stride2", d(s.PatchStride2)},
		{"patch_norm", b(s.PatchNorm)},
		{"layer_scale_init_value", f(s.LayerScaleInitValue)},
		{"drop_path_rate", f(s.DropPathRate)},
		{"norm_layer", s.Norm},
		{"act_layer", string(s.Act)},
		{"pconv_fw_type", string(s.PConvFwType)},
		{"num_classes", d(s.NumClasses)},
		{"fork_feat", b(s.ForkFeat)},
		{"input", fmt.Sprintf("{channels: %d, height: %d, width: %d, batch: %d}", in.Channels, in.Height, in.Width, in.Batch)},
		{"stages", "[" + strings.Join(stages, ", ") + "]"},
	}
}

func stageYAML(st StageSpec) string {
	return fmt.Sprintf("{depth: %d, mixer: %s, n_div: %d, groups: %d}", st.Depth, st.Mixer, st.NDiv, st.Groups)
}

func intsYAML(v []int) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.Itoa(x)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Diff lists the model keys (Fields' keys, in their order) whose values
// differ between a and b; names and sources are not compared.
func Diff(a, b *Spec) []string {
	fa, fb := Fields(a), Fields(b)
	var out []string
	for i := range fa {
		if fa[i] != fb[i] {
			out = append(out, fa[i].Key)
		}
	}
	return out
}

// UniformStages reports whether every stage uses the model-wide mixer,
// n_div and groups and its entry of depths (then a full spec needs no
// stages list).
func (s *Spec) UniformStages() bool {
	for i, st := range s.Stages {
		if st.Mixer != s.Mixer || st.NDiv != s.NDiv || st.Groups != s.Groups || st.Depth != s.Depths[i] {
			return false
		}
	}
	return true
}

// marshalOrder is the key order of Marshal. It is fixed apart from Fields'
// order because Hash is taken over Marshal's bytes and hashes are recorded
// in journals and results.
var marshalOrder = []string{
	"embed_dim", "depths", "mlp_ratio", "n_div", "mixer", "groups", "act_layer", "norm_layer",
	"feature_dim", "patch_size", "patch_stride", "patch_size2", "patch_stride2", "patch_norm",
	"drop_path_rate", "layer_scale_init_value", "pconv_fw_type", "num_classes", "fork_feat", "input",
}

// Marshal renders s as a complete, self-contained spec file (no extends)
// that Load reads back to the same model. header lines become comments at
// the top.
func Marshal(s *Spec, header ...string) []byte {
	var b strings.Builder
	for _, h := range header {
		fmt.Fprintf(&b, "# %s\n", h)
	}
	fmt.Fprintf(&b, "name: %s\n", strconv.Quote(s.Name))
	fields := Fields(s)
	for _, k := range marshalOrder {
		i := slices.IndexFunc(fields, func(f Field) bool { return f.Key == k })
		fmt.Fprintf(&b, "%s: %s\n", k, fields[i].Value)
	}
	b.WriteString("stages:\n")
	for _, st := range s.Stages {
		fmt.Fprintf(&b, "  - %s\n", stageYAML(st))
	}
	return []byte(b.String())
}

// Hash is a short hash of the resolved spec (the first 12 hex digits of the
// SHA-256 of Marshal(s)): equal for specs that build the same model from
// the same file contents, whatever overrides led to them.
func Hash(s *Spec) string {
	sum := sha256.Sum256(Marshal(s))
	return hex.EncodeToString(sum[:6])
}

// Ref identifies a resolved spec in a result: its name, what it was
// loaded from, the overrides applied to it and the hash of the outcome.
type Ref struct {
	Name   string   `json:"name"`
	Source string   `json:"source"`
	Sets   []string `json:"sets"`
	Hash   string   `json:"hash"`
}

// NewRef is the Ref of s, resolved with sets.
func NewRef(s *Spec, sets []string) Ref {
	return Ref{Name: s.Name, Source: s.Source, Sets: append([]string{}, sets...), Hash: Hash(s)}
}

// String is "name (spec HASH)" or "name (spec HASH, n_div=8, ...)".
func (r Ref) String() string {
	if len(r.Sets) == 0 {
		return fmt.Sprintf("%s (spec %s)", r.Name, r.Hash)
	}
	return fmt.Sprintf("%s (spec %s, %s)", r.Name, r.Hash, strings.Join(r.Sets, ", "))
}
