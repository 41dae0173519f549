// Package timing runs a function repeatedly and summarises how long it
// took: the one sampler behind analyze.Bench, analyze.TimeSteps and the
// latency tables of search/lut.
//
// # Sampling
//
// Run calls f Warmup times untimed, then times it: MinRuns times (0:
// Runs), then on, up to Runs times, while the time since the first timed
// call is under Budget. Run times f's wall clock; RunSelf takes the time f
// reports (a part of its work, such as the summed time of some program
// steps).
//
// # Statistics (milliseconds)
//
//   - quantiles interpolate linearly between order statistics at position
//     q*(n-1), numpy's default: p10, median (the mean of the middle two for
//     even n), p90;
//   - mean, and the sample standard deviation (n-1; 0 for one sample), by
//     gonum's stat;
//   - min.
//
// GFLOPS = FLOPs / (ms / 1e3) / 1e9, at the median unless stated. A
// Statistic names one of p10, median, mean and min: what a latency table
// sums. Its default is p10 (robust to other processes on a shared machine).
package timing
