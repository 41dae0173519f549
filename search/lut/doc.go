// Package lut is fnlab's latency model: a lookup table of measured step
// times keyed by step configuration, and the prediction
//
//	latency(model) = overhead_ms + overhead_per_step_ms x steps + sum over steps s of stat(entry[key(s)])
//
// Steps are engine.Program's fused units (patch embedding, each block's
// mixer, each block's MLP, merges, pooling, head GEMMs); engine.PlanSteps
// lists them with their keys without building anything, so a prediction
// costs a graph walk and map lookups. Keys hold everything that sets a
// step's work (kind, batch, C x H x W, in/out channels, groups, PConv
// form, hidden width, activation); the thread count is a property of the
// whole table.
//
// Build runs each model with seeded random weights: warm-up passes, then
// timed passes that record every step's time (ForwardTimed) alternating
// with untimed-step whole passes (internal/timing's sampler). Each entry
// keeps count, mean, std, median, p10 and min of its samples; Statistic
// says which one predictions sum (DefaultStatistic, p10, for Build and
// Measure: on a machine shared with other work, the lower tail is what the
// code costs, the upper tail is other processes; Load reads a table that
// names none as median). The overhead is fitted by least squares (gonum's
// stat.LinearRegression) on whole-pass residuals, whole - sum(step stat) =
// a + b x steps (with fewer than three models, a = median residual, b = 0). Tables are JSON with the machine
// line and fnlab version; Save writes atomically.
//
// A build can take long on a slow board, so it is resumable: Build calls
// Options.OnModel with each model's samples as soon as they are measured
// and reuses Options.Done instead of measuring again. Progress keeps them
// in OUT.partial (a JSONL file: a header of every setting that changes the
// measurements, then one model per line, fsynced), under the table's run
// lock OUT.lock for the life of the build; a resume with other settings is
// refused naming the setting, a torn last line is dropped, and the file is
// removed once the table is saved. BuildFile is that whole build of a
// table file: the refusal to replace a file that is not a table, the
// progress file, Build and Save; its errors about the files are
// *OutError.
//
// Load keeps the first 16 hex digits of the SHA-256 of the bytes it read
// as the table's Hash, which a search journal records. Check compares a
// table's predictions with measurements (Measure) on models it was not
// built from: error = 100 x (predicted - measured) / measured per model,
// and the median, p90 and maximum of |error|.
package lut
