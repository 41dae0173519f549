// Package analyze counts what a graph costs and measures what it takes.
//
// # Counting rules (per layer, N = batch)
//
//   - Conv: MACs = N * Cout * (Cin/groups) * kh * kw * Hout * Wout.
//     FLOPs = 2 * MACs, plus one add per output element when the conv has
//     a bias or absorbs a BatchNorm (BN fused). fvcore flops = MACs.
//   - Linear: MACs = N * in * out; FLOPs = 2 * MACs + N * out (bias);
//     fvcore flops = MACs.
//   - BatchNorm: fvcore flops 5 per element (BNTrain), 2 (BNEval), 0 when
//     folded into the preceding conv (fused); FLOPs the same. A BN that no
//     conv precedes (detection outputs) is counted as eval when fused.
//   - ReLU 1 FLOP per element, GELU GELUFLOPs (8); fvcore counts 0.
//   - Residual add and layer scale: 1 FLOP per element.
//   - Adaptive average pool: FLOPs = input elements (adds) + output
//     elements (divides); fvcore flops = input elements.
//   - split, slice_write, flatten: no arithmetic and no memory traffic
//     (views). cat copies: it reads and writes every output element.
//
// Parameters are trainable tensors (BN weight and bias count, running
// statistics do not), the same in every BN mode. Activations are fvcore's:
// output elements of conv and linear layers.
//
// # Memory traffic
//
// Each layer reads its inputs and weights once and writes its output once,
// at 4 bytes an element: a conv reads N*Cin*H*W (only the channel slice it
// convolves) plus its weights (plus Cout bias values when it has or absorbs
// one); an unfused BN reads its input and 4*C statistics. This is the
// compulsory traffic of an unfused graph (activations are separate layers;
// BN is folded only in fused mode). The split_cat PConv therefore moves the
// whole tensor once more (cat) than the slicing form, whose slice_write is
// a view. Arithmetic intensity = FLOPs / (bytes read + bytes written).
//
// The paper's memory-access formula (elements, not bytes) is reported for
// every mixer conv: N*H*W*(Cin + Cout) + k*k*Cout*Cin/groups, which is
// h*w*2*c_p + k^2*c_p^2 for PConv and h*w*2c + k^2*c^2 for Conv.
//
// # fvcore compatibility
//
// FvcoreTable prints fvcore's flop_count_table: parameter-count prefixes,
// per-module flops and activations, all-zero modules dropped, single-child
// chains with equal statistics merged into one row, parameter shapes as
// Python tuples, numbers formatted as fvcore does (FormatFvcore).
//
// # Latency
//
// Bench and TimeSteps time a compiled engine.Program with internal/timing's
// sampler: warm-up passes, then timed ones; median, p10, p90 (linear
// interpolation), min, mean, images/s and achieved GFLOPS = 2 * MACs /
// median time, optionally per program step.
package analyze
