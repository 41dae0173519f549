package lut

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/engine"
	"github.com/fnlab/fnlab/internal/atomicfile"
	"github.com/fnlab/fnlab/internal/inputfile"
	"github.com/fnlab/fnlab/internal/timing"
	"gonum.org/v1/gonum/stat"
)

// Format and Version identify a latency table file.
const (
	Format  = "fnlab-lut"
	Version = 1
)

// maxTableBytes bounds a latency table file (a table has a few thousand
// entries of about 100 bytes).
const maxTableBytes = 64 << 20

// Entry is the measured time of one step configuration.
type Entry struct {
	Key      string  `json:"key"`
	Count    int     `json:"count"`   // timed samples
	MeanMS   float64 `json:"mean_ms"` // mean of the samples
	StdMS    float64 `json:"std_ms"`  // sample standard deviation
	MedianMS float64 `json:"median_ms"`
	P10MS    float64 `json:"p10_ms"` // 10th percentile
	MinMS    float64 `json:"min_ms"`
}

// Statistics a table can predict with: p10, median, mean, min.
var Statistics = func() []string {
	s := make([]string, len(timing.Statistics))
	for i, st := range timing.Statistics {
		s[i] = string(st)
	}
	return s
}()

// DefaultStatistic is what Build and Measure use when Options.Statistic
// is "": timing.DefaultStatistic, p10. Load reads a table that names no
// statistic as "median", as it always has (that choice is Load's own).
const DefaultStatistic = string(timing.DefaultStatistic)

func (e *Entry) value(stat string) float64 {
	return timing.Statistic(stat).Of(timing.Timing{MeanMS: e.MeanMS, MedianMS: e.MedianMS, P10MS: e.P10MS, MinMS: e.MinMS})
}

// newEntry summarises the samples of key.
func newEntry(key string, samples []float64) Entry {
	tm := timing.Of(samples)
	return Entry{Key: key, Count: tm.Runs, MeanMS: tm.MeanMS, StdMS: tm.StdMS, MedianMS: tm.MedianMS, P10MS: tm.P10MS, MinMS: tm.MinMS}
}

// Table is a latency lookup table for one machine and thread count.
type Table struct {
	Format       string          `json:"format"`
	Version      int             `json:"version"`
	FnlabVersion string          `json:"fnlab_version"`
	Machine      analyze.Machine `json:"machine"`
	MachineLine  string          `json:"machine_line"`
	Threads      int             `json:"threads"`
	Date         string          `json:"date"`
	Space        string          `json:"space,omitempty"`
	Warmup       int             `json:"warmup"`
	Runs         int             `json:"runs"`
	// Statistic is what predictions sum: p10 (default; robust to other
	// processes on a shared machine), median, mean or min of each entry's
	// samples. Whole passes are summarised the same way.
	Statistic string `json:"statistic"`
	// Predicted latency = OverheadMS + OverheadPerStepMS x steps + sum of
	// the steps' entry statistics.
	OverheadMS        float64  `json:"overhead_ms"`
	OverheadPerStepMS float64  `json:"overhead_per_step_ms"`
	BuiltFrom         []string `json:"built_from"` // names of the measured models
	Entries           []Entry  `json:"entries"`

	byKey     map[string]*Entry
	indexOnce sync.Once // byKey is built once, on first use: tables are read by many evaluation workers at once
	hash      string    // of the bytes Load read, so a journal names this exact file
}

// Hash identifies the file a table was loaded from (the first 16 hex
// digits of its SHA-256), or "" for a table that was not loaded.
func (t *Table) Hash() string { return t.hash }

func (t *Table) index() {
	t.indexOnce.Do(func() {
		if t.byKey != nil {
			return
		}
		t.byKey = make(map[string]*Entry, len(t.Entries))
		for i := range t.Entries {
			t.byKey[t.Entries[i].Key] = &t.Entries[i]
		}
	})
}

// Lookup returns the entry of key, or nil.
func (t *Table) Lookup(key string) *Entry {
	t.index()
	return t.byKey[key]
}

// MissingError says which step configuration a table lacks.
type MissingError struct {
	Step, Key string
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("no entry for step %s (configuration %q)", e.Step, e.Key)
}

// Predict returns the predicted latency of g in milliseconds.
func (t *Table) Predict(g *arch.Graph) (float64, error) {
	steps, err := engine.PlanSteps(g)
	if err != nil {
		return 0, err
	}
	return t.PredictSteps(steps)
}

// PredictSteps is Predict for a planned step list.
func (t *Table) PredictSteps(steps []engine.StepInfo) (float64, error) {
	t.index()
	ms := t.OverheadMS + t.OverheadPerStepMS*float64(len(steps))
	for i := range steps {
		e := t.byKey[steps[i].Key]
		if e == nil {
			return 0, &MissingError{Step: steps[i].Name, Key: steps[i].Key}
		}
		ms += e.value(t.Statistic)
	}
	return ms, nil
}

// Load reads a table written by Save (by `fnlab lut build`).
func Load(path string) (*Table, error) {
	data, err := inputfile.ReadFile(path, maxTableBytes, "a latency table")
	if err != nil {
		return nil, fmt.Errorf("%s: %s (a table written by `fnlab lut build`)", path, inputfile.Reason(err))
	}
	var t Table
	t.hash = fmt.Sprintf("%x", sha256.Sum256(data))[:16]
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("%s: not a latency table (%v); build one with fnlab lut build", path, err)
	}
	if t.Format != Format {
		return nil, fmt.Errorf("%s: format %q, expected %q (a file written by `fnlab lut build`)", path, t.Format, Format)
	}
	if t.Version != Version {
		return nil, fmt.Errorf("%s: version %d, this fnlab reads version %d; rebuild it with `fnlab lut build`", path, t.Version, Version)
	}
	seen := map[string]bool{}
	for i, e := range t.Entries {
		if e.Key == "" || e.Count < 1 {
			return nil, fmt.Errorf("%s: entries[%d]: expected a key and count >= 1", path, i)
		}
		if seen[e.Key] {
			return nil, fmt.Errorf("%s: entries[%d]: key %q appears twice", path, i, e.Key)
		}
		seen[e.Key] = true
		for _, v := range []struct {
			name string
			x    float64
		}{{"mean_ms", e.MeanMS}, {"std_ms", e.StdMS}, {"median_ms", e.MedianMS}, {"p10_ms", e.P10MS}, {"min_ms", e.MinMS}} {
			if !(v.x >= 0) || math.IsInf(v.x, 0) {
				return nil, fmt.Errorf("%s: entries[%d] (%s): %s: expected a finite time >= 0, found %g", path, i, e.Key, v.name, v.x)
			}
		}
	}
	if t.Statistic == "" {
		t.Statistic = "median"
	}
	okStat := false
	for _, s := range Statistics {
		okStat = okStat || s == t.Statistic
	}
	if !okStat {
		return nil, fmt.Errorf("%s: statistic %q, expected one of p10, median, mean, min", path, t.Statistic)
	}
	if math.IsNaN(t.OverheadMS) || math.IsNaN(t.OverheadPerStepMS) || math.IsInf(t.OverheadMS, 0) || math.IsInf(t.OverheadPerStepMS, 0) {
		return nil, fmt.Errorf("%s: overhead_ms: expected a number", path)
	}
	t.index()
	return &t, nil
}

// Save writes t as indented JSON, atomically (temporary file, fsync, rename).
func (t *Table) Save(path string) error {
	data, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	err = atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

// Options configures Build and Measure.
type Options struct {
	Threads   int
	Warmup    int
	Runs      int
	Statistic string                // see Table.Statistic; "" is DefaultStatistic
	Progress  func(done, total int) // after each model
	// Done holds models measured by an earlier, interrupted Build (by
	// name); Build reuses them instead of measuring again. OnModel is
	// called with each model's result as soon as it is measured, so that
	// the caller can save it (lut build --resume).
	Done    map[string]*ModelResult
	OnModel func(*ModelResult) error
}

// ModelResult is what Build measured of one model: the samples of each
// step (in the model's step order) and the statistic of its whole passes.
type ModelResult struct {
	Name    string      `json:"name"`
	Threads int         `json:"threads"`
	Keys    []string    `json:"keys"`
	Samples [][]float64 `json:"samples_ms"`
	Whole   float64     `json:"whole_ms"`
}

// Model is one graph to measure, with a name for the table.
type Model struct {
	Name  string
	Graph *arch.Graph
}

// Build measures every step of every model (Runs timed passes after
// Warmup, timing each step) and aggregates the samples by step key. It
// also times whole passes and fits the fixed overhead by least squares:
// whole - sum(step medians) = a + b x steps.
func Build(models []Model, o Options) (*Table, error) {
	if o.Runs < 2 {
		return nil, fmt.Errorf("runs %d: expected at least 2", o.Runs)
	}
	samples := map[string][]float64{}
	var order []string
	type fitPoint struct {
		steps []engine.StepInfo
		whole float64
	}
	var fits []fitPoint
	if o.Statistic == "" {
		o.Statistic = DefaultStatistic
	}
	t := &Table{Format: Format, Version: Version, Warmup: o.Warmup, Runs: o.Runs, Statistic: o.Statistic}
	for mi, m := range models {
		plan, err := engine.PlanSteps(m.Graph)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", m.Name, err)
		}
		res := o.Done[m.Name]
		if res != nil && !res.fits(plan, o.Runs) {
			return nil, fmt.Errorf("%s: the saved measurement does not match the model's %d steps and %d runs", m.Name, len(plan), o.Runs)
		}
		if res == nil {
			if res, err = measureModel(m, plan, o); err != nil {
				return nil, err
			}
			if o.OnModel != nil {
				if err := o.OnModel(res); err != nil {
					return nil, err
				}
			}
		}
		t.Threads = res.Threads
		for si := range plan {
			k := plan[si].Key
			if _, ok := samples[k]; !ok {
				order = append(order, k)
			}
			samples[k] = append(samples[k], res.Samples[si]...)
		}
		fits = append(fits, fitPoint{steps: plan, whole: res.Whole})
		t.BuiltFrom = append(t.BuiltFrom, m.Name)
		if o.Progress != nil {
			o.Progress(mi+1, len(models))
		}
	}
	sort.Strings(order)
	for _, k := range order {
		t.Entries = append(t.Entries, newEntry(k, samples[k]))
	}
	t.index()
	t.Machine = analyze.ThisMachine(t.Threads)
	t.MachineLine = t.Machine.String()
	t.Date = time.Now().UTC().Format("2006-01-02")
	// Fit the overhead on whole-pass residuals.
	xs := make([]float64, len(fits))
	ys := make([]float64, len(fits))
	for i, f := range fits {
		sum, _ := (&Table{Entries: t.Entries, byKey: t.byKey, Statistic: t.Statistic}).PredictSteps(f.steps)
		xs[i], ys[i] = float64(len(f.steps)), f.whole-sum
	}
	t.OverheadMS, t.OverheadPerStepMS = fitLine(xs, ys)
	return t, nil
}

// measureModel times one model: Warmup untimed passes, then Runs passes
// timing each step, each followed by an untimed-per-step whole pass.
func measureModel(m Model, plan []engine.StepInfo, o Options) (*ModelResult, error) {
	p, err := engine.Build(m.Graph, engine.RandomWeights(m.Graph, 0), engine.Options{Threads: o.Threads})
	if err != nil {
		return nil, fmt.Errorf("%s: %v", m.Name, err)
	}
	defer p.Close()
	res := &ModelResult{Name: m.Name, Threads: p.Threads(), Keys: make([]string, len(plan)), Samples: make([][]float64, len(plan))}
	for si := range plan {
		res.Keys[si] = plan[si].Key
		res.Samples[si] = make([]float64, 0, o.Runs)
	}
	in := analyze.BenchInput(m.Graph)
	times := make([]time.Duration, len(p.Steps))
	calls := 0
	whole, err := timing.RunSelf(timing.Options{Warmup: o.Warmup, Runs: o.Runs}, func() (time.Duration, error) {
		if calls >= o.Warmup {
			if err := p.ForwardTimed(in, times); err != nil {
				return 0, err
			}
			for si := range plan {
				res.Samples[si] = append(res.Samples[si], timing.MS(times[si]))
			}
		}
		calls++
		t0 := time.Now()
		err := p.Forward(in)
		return time.Since(t0), err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %v", m.Name, err)
	}
	res.Whole = timing.Statistic(o.Statistic).Of(whole)
	return res, nil
}

// fits reports whether a saved result is one of this model's plan.
func (r *ModelResult) fits(plan []engine.StepInfo, runs int) bool {
	if len(r.Keys) != len(plan) || len(r.Samples) != len(plan) {
		return false
	}
	for i := range plan {
		if r.Keys[i] != plan[i].Key || len(r.Samples[i]) != runs {
			return false
		}
	}
	return true
}

// fitLine fits y = a + b x by least squares (gonum's stat); with fewer
// than three points or no spread in x it returns the median of y and b = 0.
func fitLine(xs, ys []float64) (a, b float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	if len(xs) < 3 || stat.Variance(xs, nil)*float64(len(xs)-1) < 1e-9 {
		return timing.Median(ys), 0
	}
	return stat.LinearRegression(xs, ys, nil, false)
}

// Measure times whole forward passes of g and returns their o.Statistic
// (p10 by default) in ms.
func Measure(g *arch.Graph, o Options) (float64, error) {
	if o.Runs < 1 {
		return 0, fmt.Errorf("runs %d: expected at least 1", o.Runs)
	}
	p, err := engine.Build(g, engine.RandomWeights(g, 0), engine.Options{Threads: o.Threads})
	if err != nil {
		return 0, err
	}
	defer p.Close()
	in := analyze.BenchInput(g)
	whole, err := timing.Run(timing.Options{Warmup: o.Warmup, Runs: o.Runs}, func() error { return p.Forward(in) })
	if err != nil {
		return 0, err
	}
	if o.Statistic == "" {
		o.Statistic = DefaultStatistic
	}
	return timing.Statistic(o.Statistic).Of(whole), nil
}
