// Package engine turns a compiled graph plus weights into a Program that
// runs on fnlab's own kernels.
//
// # Plan
//
// PlanSteps is the engine's one walk over the graph: it matches the
// layers in execution order to fused steps and returns them as a typed
// plan, each StepInfo carrying its StepKind (patch_embed, mixer, mlp,
// merge, out_norm, pool, pre_head, classifier), its name, the graph
// layers it covers (by name and by index into Graph.Layers) and its
// configuration key. Build compiles exactly that plan, one program step
// per planned step with the plan's name, layers, key and kind; nothing
// downstream guesses a step's kind from its name. The latency table and
// the cost model read the plan without building. The steps are:
//
//   - patch_embed: the k x k / stride k conv with its BatchNorm folded in
//     (w' = w*s, b' = beta - mean*s with s = gamma/sqrt(var+1e-5)), reading
//     the user's NCHW input directly and writing an NHWC map;
//   - each block as two steps: the spatial mixer (3x3 conv on all channels,
//     on groups, depthwise, or on the first C/n_div channels; split by
//     rows over the threads, except that a dense conv whose weight passes
//     1 MB on a map of at most 1024 pixels, and a grouped conv on a map of
//     at most 64 pixels, are split by output channels),
//     then the MLP tile by tile (at most 96 pixels a tile): 1x1 conv with
//     BN folded and the activation fused, 1x1 conv with layer scale folded into its rows
//     and the residual added in place;
//   - except that an MLP of at most 256 pixels (stages 3-4 at batch 1)
//     whose two weights take at least 768 KB runs over all its pixels in
//     two phases split by output columns (smaller weights stay in L2 across
//     row tiles): phase 1
//     writes hidden[:, h_t:h_t+1] for task t (2 x threads parts on 32-column
//     panel bounds, weights packed per part), phase 2 adds
//     hidden * W3[:, c_t:c_t+1]; row tiles would make every task stream
//     both weights (MBs at 7x7) for a few rows;
//   - merges as a 2x2/s2 patch conv with BN folded; onto at most 256 pixels
//     with several threads, split by output channels (one patch conv per
//     part) for the same reason;
//   - the head: global average pool, then the pre-head 1x1 conv and the
//     linear layer with their columns split across workers;
//   - detection outputs: the stage's map through its BatchNorm, written
//     NCHW as PyTorch returns it.
//
// A detection output's norm is planned right after the step that
// produces the map it reads. Operator stacks (BuildOps) have their own
// steps of kinds layout and op.
//
// Dense 3x3 convs (mixers and operator stacks) whose weight passes 1 MB
// (9*cin*cout >= 256K floats) on maps of at most 1024 pixels are split by
// output channels over the threads, one Conv3x3 per part, each over every
// row; grouped convs on maps of at most 64 pixels (7x7, whose rows would
// split 4:3) are split the same way on group bounds, each part reading its
// groups' input channels. Other 3x3 convs are split by rows: two tasks
// per thread, or one per thread on even rows when the conv runs in
// Winograd's 2x2 tiles (Conv3x3.RowGrain), whose GEMMs want all the tiles
// they can get. A step may run several phases (Pool.Run each, a barrier
// between).
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
// per-worker MLP tile, one whole hidden map for the column-split MLPs
// (the largest rows x 2C among them) and per-worker kernel scratch are
// allocated once by Build. Forward allocates nothing.
//
// # Errors
//
// Weights are checked strictly (missing, unexpected, mis-shaped, all listed
// in one error). A graph the engine has no plan for is an error from Build.
// Invariant failures inside Build panic with an "engine:" prefix and are
// returned as errors.
//
// For running a model from files: WeightsSpecSets reads the spec keys a
// checkpoint's shapes imply, WriteOutputs writes a pass's outputs as .npy
// (all files or none), InferDoc describes the pass.
package engine
