// Package proxy holds training-free scores of a candidate.
//
// NASWOT (Mellor et al., "Neural Architecture Search without Training",
// 2021): for a seeded batch of N images, every unit that feeds an
// activation (here: each element of each block's MLP hidden layer after
// its BatchNorm, the input of ReLU/GELU) gives image i a bit c_i,u = [x > 0].
// K[i][j] = sum over units of [c_i,u = c_j,u] = U - Hamming(c_i, c_j), and
// the score is log|det K| (LU with partial pivoting, float64). Bits are
// packed 64 to a word and compared with popcount. The forward pass runs
// fnlab's kernels single-threaded, NHWC, with Kaiming-normal weights and
// training-mode BatchNorm (batch statistics, gamma 1, beta 0), at the
// space's proxy resolution (64 by default) to keep it cheap. Its structure
// is the compiled model's (arch.Compile at that batch and resolution):
// widths, kernels, mixers and which BatchNorms exist come from the graph.
//
// Recon's stage widths and map sizes are arch.Spec.StageShapes.
//
// Each layer's weights come from its own stream, seeded by the proxy seed,
// the layer's place (stage, block, role: embed, merge, mixer, fc1, fc2)
// and its shape. Candidates that share a layer share its weights (common
// random numbers: score differences come from the architecture, not from
// the draw), and the packed layers are kept in a process-wide cache
// (emptied past 512 MiB), so a search draws and packs each layer once:
// about 16 ms for a T0-sized candidate at batch 16 and 64x64 on one core.
//
// Reconstruction-loss scores implement ReconScorer per stage (width, map
// size, depth, mixer, n_div, groups); Recon takes their depth-weighted
// mean. Capacity is analytic and free (see its doc); Fitted is the
// measured loss (package fit, the paper's Table 2 method: the stage's
// mixer + PWConv fitted to a random 3x3 conv on generated features, the
// normalised test MSE over seeds), fitted once per distinct stage.
package proxy
