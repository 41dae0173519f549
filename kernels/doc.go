// Package kernels holds fnlab's float32 CPU kernels. It works on plain
// slices and knows nothing of graphs, specs or weights files.
//
// # Layout
//
// Feature maps are channels-last (NHWC): element (n, y, x, c) of a map with
// row stride ld (ld >= channels) lives at ((n*H+y)*W+x)*ld + c. A 1x1
// convolution over such a map is a matrix product: A is the map viewed as
// M = N*H*W rows of K = Cin channels (row stride lda), B is the weight as a
// K x Cout matrix, C the output rows. A channel slice [c0, c0+k) of a map is
// the same storage offset by c0 with the full row stride, which is how
// partial convolutions read and write the first Cin/n_div channels in place.
//
// # GEMM
//
// Gemm computes, for every row i < m and column j < n,
//
//	C[i*ldc+j] = act(sum_k A[i*lda+k]*B[k][j] + bias[j]) + R[i*ldr+j]
//
// where B has been packed once (PackB) into panels the micro-kernel streams,
// bias and the residual R are optional and act is identity, ReLU or GELU
// (exact, erf-based, as PyTorch computes it). GemmSrc lets A come from
// several sources that together make up the K dimension (a concatenation
// that is never materialised).
//
// # Naive twins
//
// Every optimised kernel has a naive twin (the Ref* functions) that states
// the algorithm in the plainest loops; one conformance suite runs both on
// random shapes and compares them.
//
// # Threads
//
// Kernels are single-threaded over the range they are given. Parallelism
// lives in Pool: long-lived workers that the caller hands units of work
// big enough to pay for the hand-off.
//
// # Spatial kernels
//
// Conv3x3 is a 3x3 convolution, stride 1, zero padding 1, over NHWC maps:
//
//	out[b,y,x,co] = act(sum_{dy,dx,ci} in[b,y+dy-1,x+dx-1,g*cg+ci] * w[co][ci][dy][dx] + bias[co]) + R[b,y,x,co]
//
// with g = co/(cout/groups), cg = cin/groups and in = 0 outside the image;
// w is the PyTorch weight [cout][cin/groups][3][3]. Dense and grouped
// convolutions are implicit GEMMs: the needed input rows of each group are
// copied into scratch zero-bordered, (rows+2) x (w+2) pixels of cg floats,
// so that tap (dy, dx) is the padded map shifted by a constant; GemmSrc
// then takes the nine shifted maps as sources (K = 9*cg, rows ordered
// dy, dx, ci, packed once per group). Either one GEMM per output row writes
// out directly (M = w), or, for few channels on wide images, one GEMM runs
// over whole padded rows (M = rows*(w+2)-2, two wasted outputs per row)
// into scratch and the valid pixels are copied out with the residual.
// Depthwise (groups == cin == cout) runs its own kernel: weights packed
// [9][C rounded up to 16], 16 channels per AVX-512 vector (masked tail),
// 1..8 output pixels per step with the nine tap vectors in registers;
// rows outside the image are a row of zeros with pixel stride 0.
// RunRows computes output rows [y0, y1) of every image for parallel
// callers. The residual is indexed like the output: R[((b*h+y)*w+x)*LdR+co].
//
// PatchConv is a k x k convolution with stride k and no padding (patch
// embedding and merging), output floor(h/k) x floor(w/k); RunNCHW reads the
// user's NCHW image and RunNHWC an NHWC map, both as GEMMs whose sources
// are the patch rows read in place (cin*k sources of K = k for NCHW, k
// sources of K = k*cin for compact NHWC), or an im2col copy when there
// would be more than 16 sources.
//
// GlobalAvgPool averages NHWC pixels into [n][c] with float64 accumulation.
// NCHWToNHWC and NHWCToNCHW convert compact layouts. RefConv2d is the naive
// NCHW twin all of these are tested against.
package kernels
