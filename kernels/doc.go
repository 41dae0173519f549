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
package kernels
