// Package arch is fnlab's spec language and compiler: YAML specs in, a graph
// of named layers with shapes and a parameter ledger out. It does no
// arithmetic on tensors and knows nothing of kernels.
//
// # Specs
//
// A spec is a YAML mapping whose model keys are those of the official
// FasterNet configs (embed_dim, depths, mlp_ratio, n_div, act_layer,
// norm_layer, feature_dim, patch_size, patch_stride, patch_size2,
// patch_stride2, drop_path_rate, layer_scale_init_value) plus fnlab's own:
// name, mixer (pconv, conv, dwconv, gconv), groups, pconv_fw_type
// (split_cat, slicing), num_classes, fork_feat, input ({channels, height,
// width, batch} or "CxHxW"), in_chans, image_size, and stages: a list of
// per-stage overrides {depth, mixer, n_div, groups}. `extends: NAME` starts
// from a preset or another file (relative to the including file); later
// keys replace earlier ones whole. An official training config is read as
// it is: its training keys (lr, epochs, mixup, ...) are ignored, any other
// unknown key is an error with a suggestion.
//
// Load applies overrides ("key.path=yaml", e.g. "stages.2.n_div=8") to the
// merged document before validation, so they are checked exactly like
// file keys. Every error is one line: "file:line: key.path: what was
// expected, what was found", or "ORIGIN key.path: ..." for an override,
// where ORIGIN is the label its caller gave (LoadOverrides; "set" by
// default, the flag that carried it on the command line).
//
// Reading is split by job: load.go finds files and presets (through
// internal/yamlx's Loader) and merges extends chains, override.go applies
// overrides, decode.go reads the keys and validate.go checks what single
// keys cannot.
//
// # Writing specs
//
// Fields lists every model key of a spec with its value in YAML flow
// style; it is the one list the writers share. Marshal writes a complete
// spec (no extends) that Parse reads back to the same Spec, and Hash is
// taken over its bytes, so Marshal's key order never changes. Diff names
// the keys in which two specs differ, for a file that extends a base and
// sets only those (the explorer's saved specs).
//
// Limits: channels up to 65536, input sides up to 16384, batch up to 4096,
// 8 stages of up to 1024 blocks, and a compiled model must fit in
// MaxModelBytes (16 GiB for parameters plus three of its largest
// activation at float32).
//
// # Graph
//
// Compile produces layers in execution order, each named as the reference
// implementation names its modules (patch_embed.proj,
// stages.{2i}.blocks.{j}.spatial_mixing.partial_conv3, .mlp.0 ... .mlp.3,
// stages.{2i+1}.reduction, avgpool_pre_head.1, head, norm{2i} for detection
// outputs) and the module tree in the reference's registration order
// (PyTorch's named_modules order: a block registers mlp before
// spatial_mixing). Shapes follow PyTorch's conv arithmetic:
// out = floor((in + 2*pad - k)/stride) + 1.
//
// The two PConv forwards are distinct graph forms: split_cat is
// split -> conv(first c_p channels) -> cat (a new tensor); slicing is
// conv(channel slice of the input) -> slice_write (the input with its first
// c_p channels replaced, without touching the block's shortcut).
//
// Stage sizes have one formula: StageWidth (embed_dim << i) for the
// channels, and Spec.StageShapes for each stage's map (the patch
// embedding, then a merge before each later stage, with the conv
// arithmetic above); Graph.StageShapes reads the same from a compiled
// graph, and a test holds the two equal for every preset.
//
// Params lists the ledger: every parameter and buffer with its shape in
// registration order. Buffers (BatchNorm running statistics) are not
// parameters; num_batches_tracked is not listed.
//
// Lists in flags and files: SplitList, ParseMixers, ParseNDivs and
// ParseCHW (a feature map size, each dimension 1 to 4096).
package arch
