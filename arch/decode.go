package arch

import (
	"fmt"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/fnlab/fnlab/internal/yamlx"
)

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
		dims, err := sizeDims(n.Value)
		switch {
		case err == errSizeSyntax:
			return c.Errf(n, "input", "expected CxHxW (e.g. 3x224x224) or a mapping {channels, height, width, batch}, found %q", n.Value)
		case err != nil:
			return c.Errf(n, "input", "expected CxHxW (e.g. 3x224x224), found %q", n.Value)
		}
		if len(dims) == 3 {
			in.Channels, dims = dims[0], dims[1:]
		}
		in.Height, in.Width = dims[0], dims[1]
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
