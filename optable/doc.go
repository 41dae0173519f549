// Package optable is the paper's Table 1 setup: a stack of Layers copies
// of one operator at one feature-map size C x H x W, batch 1, counted
// exactly and timed on fnlab's kernels.
//
// Operators are arch.OpNames (conv, gconv with 16 groups, dwconv, pconv
// with n_div 4, pwconv, and "<mixer>+pwconv" pairs); "pconv_slicing"
// selects PConv's slicing forward instead of split_cat. A Row has
// params, MACs, FLOPs (2 per MAC plus element-wise work), bytes moved at
// float32 (inputs, weights and outputs of every layer), the paper's
// memory-access formula h*w*2c + 9c^2 (elements, per conv), arithmetic
// intensity FLOPs/byte, latency (median, p10, p90, min) and achieved
// GFLOPS = 2 x MACs / median. PaperTable1 holds the paper's MACs (as
// printed: the paper truncates, see RoundedMillions) and its CPU latency
// (i9-9900X, one thread); Cost sets them beside a row of 10 layers at a
// paper size.
//
// Run makes a whole table (Doc, fnlab ops' ops.json): the roofline of
// this machine (analyze.MeasureRoofline), then every operator at every
// size, each row given its roofline bound at its intensity. WriteTable,
// WriteCSV and WriteCharts (latency and GFLOPS bars, the roofline with
// every row placed on it) render a Doc.
//
// Save writes a Doc's charts and ops.json into an output directory;
// ExportAll writes every stack as ONNX; ParseSizes reads CxHxW lists.
package optable
