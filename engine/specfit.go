package engine

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/tensorio"
)

// SpecSets reads the model keys a state dict's shapes imply (as timm's
// checkpoint loaders do) and returns them as arch --set overrides:
// embed_dim, in_chans, patch_size/stride, patch_size2/stride2, patch_norm,
// depths, mlp_ratio, feature_dim, num_classes, fork_feat, layer scale and
// each stage's mixer with its n_div or groups. The activation and the PConv
// forward leave no trace in the weights and are not set. shapes maps tensor
// names (reference keys) to shapes.
func SpecSets(shapes map[string][]int) ([]string, error) {
	emb, ok := shapes["patch_embed.proj.weight"]
	if !ok || len(emb) != 4 {
		return nil, fmt.Errorf("no patch_embed.proj.weight of 4 dimensions: not a FasterNet state dict")
	}
	e := emb[0]
	sets := []string{
		"embed_dim=" + strconv.Itoa(e),
		"in_chans=" + strconv.Itoa(emb[1]),
		fmt.Sprintf("patch_size=%d", emb[2]), fmt.Sprintf("patch_stride=%d", emb[2]),
		fmt.Sprintf("patch_norm=%v", shapes["patch_embed.norm.weight"] != nil),
	}
	// Stages are stages.0, .2, .4, ... (merges at the odd indices).
	blockRe := regexp.MustCompile(`^stages\.(\d+)\.blocks\.(\d+)\.`)
	depth := map[int]int{}
	maxStage := -1
	for name := range shapes {
		if m := blockRe.FindStringSubmatch(name); m != nil {
			si, _ := strconv.Atoi(m[1])
			bi, _ := strconv.Atoi(m[2])
			if si%2 != 0 {
				return nil, fmt.Errorf("%s: blocks in a merging stage", name)
			}
			depth[si/2] = max(depth[si/2], bi+1)
			maxStage = max(maxStage, si/2)
		}
	}
	if maxStage < 0 {
		return nil, fmt.Errorf("no stages.N.blocks.M tensors: not a FasterNet state dict")
	}
	n := maxStage + 1
	for i := 1; i < n; i++ {
		if _, ok := shapes[fmt.Sprintf("stages.%d.reduction.weight", 2*i-1)]; !ok {
			return nil, fmt.Errorf("stage %d has no stages.%d.reduction.weight", i, 2*i-1)
		}
	}
	ds := make([]string, n)
	for i := range ds {
		ds[i] = strconv.Itoa(depth[i])
	}
	sets = append(sets, "depths=["+strings.Join(ds, ",")+"]")
	if r, ok := shapes["stages.1.reduction.weight"]; ok && len(r) == 4 {
		sets = append(sets, fmt.Sprintf("patch_size2=%d", r[2]), fmt.Sprintf("patch_stride2=%d", r[2]))
	}
	// The MLP ratio and the mixers, from the first block of each stage.
	ratio := ""
	for i := 0; i < n; i++ {
		if depth[i] == 0 {
			continue
		}
		dim := arch.StageWidth(e, i)
		p := fmt.Sprintf("stages.%d.blocks.0.", 2*i)
		if h, ok := shapes[p+"mlp.0.weight"]; ok && ratio == "" {
			ratio = strconv.FormatFloat(float64(h[0])/float64(dim), 'g', -1, 64)
		}
		switch {
		case shapes[p+"spatial_mixing.partial_conv3.weight"] != nil:
			cp := shapes[p+"spatial_mixing.partial_conv3.weight"][0]
			if cp < 1 || dim%cp != 0 {
				return nil, fmt.Errorf("%sspatial_mixing.partial_conv3.weight: %d channels do not divide stage width %d", p, cp, dim)
			}
			sets = append(sets, fmt.Sprintf("stages.%d.mixer=pconv", i), fmt.Sprintf("stages.%d.n_div=%d", i, dim/cp))
		case shapes[p+"spatial_mixing.conv.weight"] != nil:
			w := shapes[p+"spatial_mixing.conv.weight"]
			groups := dim / max(w[1], 1)
			switch {
			case groups == 1:
				sets = append(sets, fmt.Sprintf("stages.%d.mixer=conv", i))
			case groups == dim:
				sets = append(sets, fmt.Sprintf("stages.%d.mixer=dwconv", i))
			default:
				sets = append(sets, fmt.Sprintf("stages.%d.mixer=gconv", i), fmt.Sprintf("stages.%d.groups=%d", i, groups))
			}
		default:
			return nil, fmt.Errorf("%sspatial_mixing: no partial_conv3 or conv weight", p)
		}
	}
	if ratio != "" {
		sets = append(sets, "mlp_ratio="+ratio)
	}
	if shapes["stages.0.blocks.0.layer_scale"] != nil {
		sets = append(sets, "layer_scale_init_value=1")
	}
	if shapes["norm0.weight"] != nil {
		sets = append(sets, "fork_feat=true")
	} else {
		if f, ok := shapes["avgpool_pre_head.1.weight"]; ok {
			sets = append(sets, "feature_dim="+strconv.Itoa(f[0]))
		}
		if h, ok := shapes["head.weight"]; ok {
			sets = append(sets, "num_classes="+strconv.Itoa(h[0]))
		} else {
			sets = append(sets, "num_classes=0")
		}
	}
	return sets, nil
}

// WeightsOf is the tensors of st by name (unchecked; see Weights.Check).
func WeightsOf(st *tensorio.State) Weights {
	w := Weights{}
	for _, name := range st.Names {
		w[name] = st.Tensors[name]
	}
	return w
}

// Shapes lists the tensors' shapes by name.
func (w Weights) Shapes() map[string][]int {
	m := make(map[string][]int, len(w))
	for name, t := range w {
		m[name] = t.Shape
	}
	return m
}

// fitHint names the spec keys whose values the weights imply and spec
// does not have ("embed_dim 16 (the spec has 40)"), or "" when the weights
// do not read as a FasterNet or agree with spec on every key read.
func fitHint(spec *arch.Spec, w Weights) string {
	sets, err := SpecSets(w.Shapes())
	if err != nil {
		return ""
	}
	var differ []string
	for _, set := range Changing(spec, sets) {
		k, v, _ := strings.Cut(set, "=")
		differ = append(differ, fmt.Sprintf("%s %s (the spec has %s)", k, v, keyValue(spec, k)))
	}
	return strings.Join(differ, ", ")
}

// Changing keeps the overrides among sets (as SpecSets writes them) that
// change a key of spec, in order.
func Changing(spec *arch.Spec, sets []string) []string {
	var out []string
	for _, set := range sets {
		k, _, _ := strings.Cut(set, "=")
		one, err := arch.Load(spec.Source, []string{set})
		if err != nil || keyValue(one, k) != keyValue(spec, k) {
			out = append(out, set)
		}
	}
	return out
}

// keyValue renders spec key k of s (the keys SpecSets writes).
func keyValue(s *arch.Spec, k string) string {
	if rest, ok := strings.CutPrefix(k, "stages."); ok {
		is, field, _ := strings.Cut(rest, ".")
		i, _ := strconv.Atoi(is)
		if i >= len(s.Stages) {
			return "no such stage"
		}
		st := s.Stages[i]
		switch field {
		case "mixer":
			return string(st.Mixer)
		case "n_div":
			return strconv.Itoa(st.NDiv)
		case "groups":
			return strconv.Itoa(st.Groups)
		}
	}
	switch k {
	case "embed_dim":
		return strconv.Itoa(s.EmbedDim)
	case "in_chans":
		return strconv.Itoa(s.Input.Channels)
	case "patch_size":
		return strconv.Itoa(s.PatchSize)
	case "patch_stride":
		return strconv.Itoa(s.PatchStride)
	case "patch_size2":
		return strconv.Itoa(s.PatchSize2)
	case "patch_stride2":
		return strconv.Itoa(s.PatchStride2)
	case "patch_norm":
		return strconv.FormatBool(s.PatchNorm)
	case "depths":
		ds := make([]string, len(s.Depths))
		for i, d := range s.Depths {
			ds[i] = strconv.Itoa(d)
		}
		return "[" + strings.Join(ds, ",") + "]"
	case "mlp_ratio":
		return strconv.FormatFloat(s.MlpRatio, 'g', -1, 64)
	case "feature_dim":
		return strconv.Itoa(s.FeatureDim)
	case "num_classes":
		return strconv.Itoa(s.NumClasses)
	case "fork_feat":
		return strconv.FormatBool(s.ForkFeat)
	case "layer_scale_init_value":
		return strconv.FormatFloat(s.LayerScaleInitValue, 'g', -1, 64)
	}
	return ""
}
