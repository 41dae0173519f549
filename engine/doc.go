// Package engine turns a compiled graph plus weights into a Program that
// runs on fnlab's own kernels.
//
// # Plan
//
// Build walks the graph in execution order and emits fused steps:
//
//   - patch_embed: the k x k / stride k conv with its BatchNorm folded in
//     (w' = w*s, b' = beta - mean*s with s = gamma/sqrt(var+1e-5)), reading
//     the user's NCHW input directly and writing an NHWC map;
//   - each block as two steps: the spatial mixer (3x3 conv on all channels,
//     on groups, depthwise, or on the first C/n_div channels), then the MLP
//     tile by tile (at most 96 pixels a tile): 1x1 conv with BN folded and
//     the activation fused, 1x1 conv with layer scale folded into its rows
//     and the residual added in place;
//   - merges as a 2x2/s2 patch conv with BN folded;
//   - the head: global average pool, then the pre-head 1x1 conv and the
//     linear layer with their columns split across workers;
//   - detection outputs: the stage's map through its BatchNorm, written
//     NCHW as PyTorch returns it.
//
// PConv's two forwards differ as in the reference: split_cat writes the
// conv's c_p channels and copies the other C - c_p channels into a new
// tensor that the MLP reads; slicing writes the conv's output to its own
// c_p-channel buffer and the MLP's first product reads that buffer and the
// untouched channels of the block input in place (no copy, shortcut intact).
//
// # Buffers
//
// Two feature-map buffers (ping-pong across merges), one mixer buffer, a
// per-worker MLP tile and per-worker kernel scratch are allocated once by
// Build. Forward allocates nothing.
//
// # Errors
//
// Weights are checked strictly (missing, unexpected, mis-shaped, all listed
// in one error). A graph the engine has no plan for is an error from Build.
// Invariant failures inside Build panic with an "engine:" prefix and are
// returned as errors.
package engine
