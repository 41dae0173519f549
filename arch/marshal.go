package arch

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Marshal renders s as a complete, self-contained spec file (no extends)
// that Load reads back to the same model. header lines become comments at
// the top.
func Marshal(s *Spec, header ...string) []byte {
	var b strings.Builder
	for _, h := range header {
		fmt.Fprintf(&b, "# %s\n", h)
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	ints := func(v []int) string {
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = strconv.Itoa(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	fmt.Fprintf(&b, "name: %s\n", strconv.Quote(s.Name))
	fmt.Fprintf(&b, "embed_dim: %d\n", s.EmbedDim)
	fmt.Fprintf(&b, "depths: %s\n", ints(s.Depths))
	fmt.Fprintf(&b, "mlp_ratio: %s\n", f(s.MlpRatio))
	fmt.Fprintf(&b, "n_div: %d\nmixer: %s\ngroups: %d\n", s.NDiv, s.Mixer, s.Groups)
	fmt.Fprintf(&b, "act_layer: %s\nnorm_layer: %s\nfeature_dim: %d\n", s.Act, s.Norm, s.FeatureDim)
	fmt.Fprintf(&b, "patch_size: %d\npatch_stride: %d\npatch_size2: %d\npatch_stride2: %d\npatch_norm: %v\n",
		s.PatchSize, s.PatchStride, s.PatchSize2, s.PatchStride2, s.PatchNorm)
	fmt.Fprintf(&b, "drop_path_rate: %s\nlayer_scale_init_value: %s\n", f(s.DropPathRate), f(s.LayerScaleInitValue))
	fmt.Fprintf(&b, "pconv_fw_type: %s\nnum_classes: %d\nfork_feat: %v\n", s.PConvFwType, s.NumClasses, s.ForkFeat)
	fmt.Fprintf(&b, "input: {channels: %d, height: %d, width: %d, batch: %d}\n", s.Input.Channels, s.Input.Height, s.Input.Width, s.Input.Batch)
	b.WriteString("stages:\n")
	for _, st := range s.Stages {
		fmt.Fprintf(&b, "  - {depth: %d, mixer: %s, n_div: %d, groups: %d}\n", st.Depth, st.Mixer, st.NDiv, st.Groups)
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
