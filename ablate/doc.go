// Package ablate is fnlab's main experiment: one spec's mixer variants
// (PConv, Conv, DWConv, GConv) and a PConv n_div sweep, each with its
// exact costs, its latency on fnlab's kernels and the reconstruction loss
// of its mixer.
//
// A Variant is a set of arch overrides of the spec's keys ("mixer=gconv",
// "groups=8"). Measure fills, from the compiled graph with BN folded (as
// the engine runs it): params, MACs, bytes moved; the paper's memory
// access of the mixer convs, sum of h*w*2c_p + 9c_p^2 elements; the
// median, p10 and p90 latency over timed passes at batch 1, achieved
// GFLOPS = 2 x MACs / median, and the median time per step group
// (StepGroup: patch_embed, mixers, mlps, merges, head).
//
// Fit runs fit.Experiment at the spec's stage shapes (embed_dim x 2^i
// channels at input/patch_stride/patch_stride2^i) with generated data for
// the students of every variant plus a full conv (the check), then sets
// each variant's loss: the mean over stages of the normalised test MSE,
// with the mean over stages of its standard deviation over seeds. Doc is
// a run as results.json holds it; Merge and the per-stage rows of
// Doc.Fit let an interrupted run resume without redoing anything.
//
// A Doc records its Config: a hash of the resolved spec and every option
// that changes a result (runs, max_iter, seeds, quick, mixers, n_div,
// threads), with a hash of the config itself. ParseDoc reads results.json
// as strictly as search reads a journal (format marker, config hash, no
// null or repeated variants, finite measurements), so that a resume never
// mixes rows of two experiments and a hostile file is refused, naming the
// field.
//
// Run is the whole experiment in an output directory (internal/outdir):
// Variants, Measure of each, Fit, with results.json saved after every
// step (Progress reports each, and what the file then holds), then
// WriteCharts and WriteReport (report.md: WriteTable's rows, the changed
// stage mixers, Answers and the charts). Options.Resume continues the run
// results.json holds; a *ResumeError says why a run can neither resume
// nor start there (no file, a file not asked to be resumed, or the first
// config key that differs), naming the file and the key, so that a caller
// can say it in its own terms.
package ablate
