package arch

import "fmt"

// Mixer names the spatial mixer of a FasterNet block.
type Mixer string

const (
	PConv  Mixer = "pconv"  // 3x3 conv over the first dim/n_div channels
	Conv   Mixer = "conv"   // full 3x3 conv
	DWConv Mixer = "dwconv" // depthwise 3x3 conv
	GConv  Mixer = "gconv"  // grouped 3x3 conv
)

// Mixers lists every mixer in a stable order.
var Mixers = []Mixer{PConv, Conv, DWConv, GConv}

// Act is the activation of a model.
type Act string

const (
	ReLU Act = "RELU"
	GELU Act = "GELU"
)

// Forward is the PConv forward form.
type Forward string

const (
	SplitCat Forward = "split_cat" // split, conv, concatenate into a new tensor
	Slicing  Forward = "slicing"   // conv on a channel slice written over a protected copy
)

// Input is the input tensor of a model, NCHW.
type Input struct {
	Batch, Channels, Height, Width int
}

func (in Input) String() string {
	return fmt.Sprintf("%dx%dx%dx%d", in.Batch, in.Channels, in.Height, in.Width)
}

// StageSpec is one stage after overrides are resolved.
type StageSpec struct {
	Depth  int
	Mixer  Mixer
	NDiv   int
	Groups int
}

// Spec is a validated model specification. Field comments give the YAML key.
type Spec struct {
	Name                string      // name
	Source              string      // file or preset it came from (not a key)
	EmbedDim            int         // embed_dim
	Depths              []int       // depths (stage depths after overrides)
	MlpRatio            float64     // mlp_ratio
	NDiv                int         // n_div (default for stages)
	Mixer               Mixer       // mixer (default for stages)
	Groups              int         // groups (for gconv)
	Act                 Act         // act_layer
	Norm                string      // norm_layer (only BN)
	FeatureDim          int         // feature_dim
	PatchSize           int         // patch_size
	PatchStride         int         // patch_stride
	PatchSize2          int         // patch_size2
	PatchStride2        int         // patch_stride2
	PatchNorm           bool        // patch_norm
	DropPathRate        float64     // drop_path_rate (training only; recorded)
	LayerScaleInitValue float64     // layer_scale_init_value (>0 adds a per-channel scale)
	PConvFwType         Forward     // pconv_fw_type
	NumClasses          int         // num_classes (0: no head, as the reference's Identity)
	ForkFeat            bool        // fork_feat
	Input               Input       // input {channels, height, width, batch}
	Stages              []StageSpec // resolved per-stage settings, len == len(Depths)
}

// Default returns the reference implementation's defaults (its FasterNet
// constructor), with a 1x3x224x224 input.
func Default() Spec {
	return Spec{
		Name:         "fasternet",
		EmbedDim:     96,
		Depths:       []int{1, 2, 8, 2},
		MlpRatio:     2,
		NDiv:         4,
		Mixer:        PConv,
		Groups:       16,
		Act:          ReLU,
		Norm:         "BN",
		FeatureDim:   1280,
		PatchSize:    4,
		PatchStride:  4,
		PatchSize2:   2,
		PatchStride2: 2,
		PatchNorm:    true,
		DropPathRate: 0.1,
		PConvFwType:  SplitCat,
		NumClasses:   1000,
		Input:        Input{Batch: 1, Channels: 3, Height: 224, Width: 224},
	}
}

// StageDim is the channel width of stage i.
func (s *Spec) StageDim(i int) int { return StageWidth(s.EmbedDim, i) }

// Hidden is the MLP hidden width of a block of width dim, int(dim*mlp_ratio)
// as the reference computes it.
func (s *Spec) Hidden(dim int) int { return int(float64(dim) * s.MlpRatio) }
