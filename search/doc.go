// Package search finds FasterNet variants with the best trade-offs: it
// reads search spaces, enumerates or evolves candidates, evaluates them
// (exact counts, predicted latency, proxies), keeps a crash-safe journal
// and computes Pareto fronts and their hypervolume.
//
// # Spaces
//
// A space is YAML (specs/search_*.yaml; LoadSpace also takes the embedded
// names), validated like a spec: unknown or repeated keys, wrong types and
// out-of-range values are one-line "file:line: key.path: expected ...,
// found ..." errors.
//
//	name: t0_ndiv_depth
//	base: t0                      # preset or spec file (relative to the space)
//	set: [act_layer=RELU]         # fixed arch --set overrides
//	vary:
//	  n_div: [2, 4, 8]            # per stage, each stage chooses independently
//	  depth: [[1, 2], [1, 2, 3], {min: 4, max: 12, step: 2}, [1, 2, 3]]
//	  mixer: {values: [pconv, dwconv, "gconv:4"], tied: true}   # one choice for all stages
//	  groups: [4, 8]              # per stage, for gconv
//	  embed_dim: [32, 40, 48]
//	  mlp_ratio: [1.5, 2]
//	  resolution: [192, 224]
//	constraints: {latency_ms: 9, params: 5M, macs: 400M, peak_memory: 8MiB}
//	objectives: [{min: latency}, {max: naswot}]
//	proxy: {batch: 16, resolution: 64, seed: 1}
//	recon: {method: fit, seeds: 2, max_iter: 8}   # default {method: capacity}
//
// Every dimension becomes one gene per stage (or one gene when tied); a
// per-stage choice list with a single value is a fixed override. Each
// choice is an arch --set override, so a candidate is
// arch.Load(base, set + choices), checked like any spec; every choice is
// checked against the base when the space is parsed. A candidate's Key is
// "gene=label" for every gene; the space's Hash covers everything that
// decides candidates and metrics.
//
// # Metrics and objectives
//
// params, macs, flops and bytes come from analyze.Count with BN folded
// (as the engine runs the model); peak_memory is
// max over layers of 4 x (elements of its distinct inputs + outputs).
// latency is predicted by a search/lut table:
//
//	latency = overhead + overhead_per_step x steps + sum over steps of entry(step key)
//
// naswot is log|det K| with K[i][j] the number of MLP activation inputs
// whose sign agrees between images i and j of a seeded batch (package
// proxy). recon is the depth-weighted mean of a per-stage
// reconstruction-loss score (proxy.ReconScorer): the space's recon.method
// capacity (proxy.Capacity, 1 - sqrt(P_mixer/P_conv), the default) or fit
// (proxy.Fitted, the measured normalised loss; the method and its
// settings enter the space hash). Maximised objectives are negated so that
// everything is minimised.
//
// MetricTable is the one list of metrics: name, constraint key, labels,
// unit, the formats of a table cell (Cell), of the explorer's narrow
// columns (Short) and of a bound (Bound), and where Metrics holds the
// value. A new metric is an entry there and a field of Metrics.
//
// Constraint violation = sum over constraints of max(0, value/limit - 1);
// a candidate is feasible when it is 0. Invalid candidates (arch rejects
// them) are recorded with their error and FailedViolation.
//
// # Strategies
//
//   - grid: candidate idx in mixed-radix order (last gene fastest), idx < budget;
//   - random: a seeded PCG stream of genomes with duplicates skipped, indexed
//     in order; --shard i/n keeps the indices with idx mod n = i for both,
//     so n shards together evaluate exactly the unsharded search;
//   - evolve: NSGA-II (Deb et al. 2002). Population P = budget/10 in [8, 64];
//     binary tournament by crowded comparison (rank, then crowding distance),
//     uniform crossover, per-gene mutation with probability 1/genes (at least
//     one gene), offspring already seen are redrawn; survival keeps the best
//     P of parents and offspring. Domination is Deb's constrained domination.
//
// Crowding distance of a point on its front = sum over objectives of
// (next - previous)/(max - min) along that objective, +Inf at the ends.
// Hypervolume is exact (recursive slicing) on objectives scaled to [0, 1]
// by their range over all feasible records, reference point 1.1.
//
// # Journal and determinism
//
// The journal is JSONL: a Header line, then one Record per evaluation,
// written with one write call as soon as it finishes and fsynced at most
// every 200 ms and at the end: a killed process loses only evaluations in
// flight. Records carry no times, so the same search gives the same
// records. A strategy's candidate sequence depends only on the space,
// the seed and the metrics (never on timing or worker count); a resumed
// run replays it, takes already journaled candidates from the journal
// and evaluates the rest, so resumed and uninterrupted journals hold the
// same records (a test kills a child with SIGKILL to check it). A torn
// last line is dropped on resume.
//
// NewHeader is the header of a search (Options and Evaluator); a resumed
// journal must match it (Header.Differs, and the shard). MergeJournals
// joins the journals of the shards of one search, naming the shards
// missing. A finished search is reported by NewReport (counts, the best
// feasible candidate by each objective, BestUnder for tighter bounds, the
// hypervolume curve), ExportFront (each front member as a spec YAML file)
// and MeasureFront (the front's measured latency); Report is the JSON of
// `fnlab search --format json` and WriteText its table output.
//
// Next replays a strategy the same way over the records known so far and
// returns its next batch without evaluating it: every missing candidate of
// a grid or random search, or evolve's next generation. Package
// search/study builds a search shared by many processes on it.
package search
