// Package onnx writes fnlab's compiled graphs (arch.Graph) with their
// weights as ONNX models, so a variant designed in fnlab runs in the runtime
// it is deployed with and opens in Netron with the reference's names.
//
// # Graph
//
// Each graph layer becomes standard operators (default domain, opsets 13 to
// 21, DefaultOpset 17):
//
//	conv2d         Conv (kernel_shape, strides, pads, group); a BatchNorm that
//	               follows it is folded in (w' = w*s, b' = beta - mean*s,
//	               s = gamma/sqrt(var+1e-5), engine.FoldBN) unless KeepBN
//	batchnorm      BatchNormalization (epsilon 1e-5): kept, or a detection
//	               output's norm, which follows no conv of its own
//	act            Relu; GELU as Div(x, sqrt2) -> Erf -> Add 1 -> Mul x ->
//	               Mul 0.5 below opset 20 (PyTorch's order, which ONNX
//	               Runtime fuses into one kernel), the Gelu operator from 20
//	split, cat     Split (sizes as an int64 input) and Concat on axis 1
//	slice_write    Split -> Conv -> Concat, like split_cat: ONNX has no
//	               in-place write, so both PConv forwards export alike
//	layer_scale    Mul by the [C,1,1] scale
//	add            Add (the residual)
//	avgpool        GlobalAveragePool; flatten: Flatten; linear: Gemm (transB)
//
// Initializers carry the reference's state-dict names (patch_embed.proj.weight,
// stages.0.blocks.0.mlp.0.weight, ...); a folded conv keeps its weight's
// name and gains name.bias. Values are named after the layer that makes
// them (layer + "_output"), the input "input", the outputs "logits"
// ("features" without a classifier, out0.. for fork_feat specs, "output"
// for operator stacks). The batch dimension is symbolic (BatchName) unless
// Options.Batch fixes it.
//
// # Files
//
// WriteFile writes atomically (internal/atomicfile) and replaces an
// existing file only if it is an ONNX model fnlab wrote (producer_name
// "fnlab", read from the file's first few kilobytes), unless forced.
//
// The IR version is the lowest that carries the opset (7 up to opset 14,
// 8 up to 18, 9 for 19 and 20, 10 for 21), so older readers accept the
// files; Debian's onnx 1.12 checker knows opsets up to 17.
package onnx
