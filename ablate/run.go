package ablate

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/fit"
	"github.com/fnlab/fnlab/internal/atomicfile"
	"github.com/fnlab/fnlab/internal/inputfile"
	"github.com/fnlab/fnlab/internal/outdir"
)

// Options configures Run. Zero Runs, Seeds and MaxIter take the defaults
// (60, 3 and 20; with Quick 15, 2 and 8).
type Options struct {
	Mixers               []arch.Mixer
	NDivs                []int
	Runs, Seeds, MaxIter int
	Threads              int  // worker threads, 0: all cores
	Quick                bool // fewer timed runs, a seed less, smaller fits
	Resume               bool // continue the run in the directory, skipping what it holds
	// Command is the command line that reproduces the run (report.md).
	Command string
	// Load compiles the spec with a variant's sets added.
	Load func(sets []string) (*arch.Graph, error)
	// Progress, when set, follows the run.
	Progress func(Progress)
}

func (o Options) withDefaults() Options {
	def := func(v *int, full, quick int) {
		if *v == 0 {
			*v = full
			if o.Quick {
				*v = quick
			}
		}
	}
	def(&o.Runs, 60, 15)
	def(&o.Seeds, 3, 2)
	def(&o.MaxIter, 20, 8)
	return o
}

// Progress is where a Run is; one of Variant, Fit and Saved is set.
type Progress struct {
	// Variant was just measured (or found measured in a resumed file),
	// the Done-th of Total.
	Variant     string
	Done, Total int
	// Fit is about to start; its Done and Total are fit.Work units over
	// the whole fit phase.
	Fit *fit.FitStep
	// Saved says, after each write of results.json, what it holds.
	Saved string
}

// ResumeError is why a run can neither resume nor start in its
// directory. Path is the results file.
type ResumeError struct {
	Path    string
	Missing bool // resuming, but there is no results file
	Exists  bool // not resuming, but there is one
	// Key is the first config setting in which the file's run differs
	// ("spec": the resolved spec's hash, with both specs' names).
	Key, Was, Now    string
	WasSpec, NowSpec string
	Err              error // the file could not be read
}

func (e *ResumeError) Error() string {
	switch {
	case e.Err != nil:
		return e.Err.Error()
	case e.Missing:
		return e.Path + ": nothing to resume (no such file)"
	case e.Exists:
		return e.Path + " exists: it holds a run to resume or keep"
	case e.Key == "spec":
		return fmt.Sprintf("%s holds a run of another spec (%s, spec hash %s; this run has %s, hash %s)", e.Path, e.WasSpec, e.Was, e.NowSpec, e.Now)
	}
	return fmt.Sprintf("%s was made with %s %s, this run has %s %s", e.Path, e.Key, e.Was, e.Key, e.Now)
}

func (e *ResumeError) Unwrap() error { return e.Err }

// SpecHash identifies a resolved spec (after extends and overrides): the
// first 16 hex digits of the SHA-256 of arch.Marshal.
func SpecHash(s *arch.Spec) string {
	return fmt.Sprintf("%x", sha256.Sum256(arch.Marshal(s)))[:16]
}

func threadsOf(t int) int {
	if t > 0 {
		return t
	}
	return analyze.ThisMachine(0).Cores
}

// maxResultsBytes bounds a results.json read to resume (a full ablation
// is a few hundred kilobytes).
const maxResultsBytes = 64 << 20

// ReadDoc reads a results.json strictly (ParseDoc); a missing file is
// (nil, nil).
func ReadDoc(path string) (*Doc, error) {
	data, err := inputfile.ReadFile(path, maxResultsBytes, "an ablate results file")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseDoc(path, data)
}

// Run is the whole experiment in od: it measures every variant of s
// (Measure), fits their mixers (Fit), saving results.json after each
// step, then writes the charts and report.md. With o.Resume it continues
// the run results.json holds, which must have the same config. It returns
// the run and the chart files written. ctx stops it between steps; what
// was saved stays.
func Run(ctx context.Context, s *arch.Spec, od *outdir.Dir, o Options) (*Doc, []string, error) {
	o = o.withDefaults()
	if o.Load == nil {
		return nil, nil, errors.New("ablate: Options.Load is nil")
	}
	// Refuse a user's results.json or report.md before any work.
	for _, n := range []string{"results.json", "report.md"} {
		if err := od.Check(n); err != nil {
			return nil, nil, err
		}
	}
	doc, err := start(s, od.Join("results.json"), o)
	if err != nil {
		return nil, nil, err
	}
	vars, err := Variants(s, o.Mixers, o.NDivs)
	if err != nil {
		return nil, nil, err
	}
	doc.Variants = Merge(doc.Variants, vars)
	report := func(p Progress) {
		if o.Progress != nil {
			o.Progress(p)
		}
	}
	started, prev := time.Now(), doc.Seconds
	resPath := od.Join("results.json")
	save := func() error {
		doc.Seconds = prev + time.Since(started).Seconds()
		if err := od.Claim("results.json"); err != nil {
			return err
		}
		if err := atomicfile.WriteJSON(resPath, doc); err != nil {
			return err
		}
		report(Progress{Saved: doc.holds(resPath)})
		return nil
	}
	// Phase 1: costs and latency, one variant at a time.
	for i, v := range doc.Variants {
		if !v.Measured {
			if err := ctx.Err(); err != nil {
				return doc, nil, err
			}
			g, err := o.Load(v.Sets)
			if err != nil {
				return doc, nil, fmt.Errorf("variant %s: %v", v.Name, err)
			}
			if err := Measure(v, g, o.Threads, o.Runs); err != nil {
				return doc, nil, err
			}
			doc.Threads = threadsOf(o.Threads)
			doc.Machine = analyze.ThisMachine(doc.Threads)
			if err := save(); err != nil {
				return doc, nil, err
			}
		}
		report(Progress{Variant: v.Name, Done: i + 1, Total: len(doc.Variants)})
	}
	if err := ctx.Err(); err != nil {
		return doc, nil, err
	}
	// Phase 2: reconstruction loss at the spec's stage widths.
	fo := FitOptions{Seeds: o.Seeds, MaxIter: o.MaxIter, Threads: o.Threads, Quick: o.Quick,
		Step: func(st fit.FitStep) { report(Progress{Fit: &st}) }}
	if err := Fit(doc, s, fo, func(string) {}, save); err != nil {
		return doc, nil, err
	}
	doc.Complete = true
	if err := save(); err != nil {
		return doc, nil, err
	}
	paths, err := WriteCharts(doc, od)
	if err != nil {
		return doc, paths, err
	}
	if err := od.Claim("report.md"); err != nil {
		return doc, paths, err
	}
	return doc, paths, WriteReport(doc, od.Join("report.md"), paths)
}

// start is the run to continue: the one in path if resuming (same
// config), else a new one, which path must not hold yet.
func start(s *arch.Spec, path string, o Options) (*Doc, error) {
	mixers := make([]string, len(o.Mixers))
	for i, m := range o.Mixers {
		mixers[i] = string(m)
	}
	ndivs := make([]string, len(o.NDivs))
	for i, n := range o.NDivs {
		ndivs[i] = strconv.Itoa(n)
	}
	cfg := Config{"spec": SpecHash(s), "runs": strconv.Itoa(o.Runs), "max_iter": strconv.Itoa(o.MaxIter), "seeds": strconv.Itoa(o.Seeds),
		"quick": strconv.FormatBool(o.Quick), "mixers": strings.Join(mixers, ","), "n_div": strings.Join(ndivs, ","), "threads": strconv.Itoa(threadsOf(o.Threads))}
	if !o.Resume {
		if _, err := os.Lstat(path); err == nil {
			return nil, &ResumeError{Path: path, Exists: true}
		}
		return &Doc{Format: Format, Config: cfg, ConfigHash: cfg.Hash(), Spec: s.Name, Quick: o.Quick, Seeds: o.Seeds, Command: o.Command}, nil
	}
	old, err := ReadDoc(path)
	switch {
	case err != nil:
		return nil, &ResumeError{Path: path, Err: err}
	case old == nil:
		return nil, &ResumeError{Path: path, Missing: true}
	}
	if was, now := old.Config["spec"], cfg["spec"]; was != now {
		return nil, &ResumeError{Path: path, Key: "spec", Was: was, Now: now, WasSpec: old.Spec, NowSpec: s.Name}
	}
	if k, was, now := old.Config.Diff(cfg); k != "" {
		return nil, &ResumeError{Path: path, Key: k, Was: was, Now: now}
	}
	return old, nil
}

// holds says what the results file at path keeps of d.
func (d *Doc) holds(path string) string {
	measured, fitted := 0, 0
	for _, v := range d.Variants {
		if v.Measured {
			measured++
		}
		if v.Fitted {
			fitted++
		}
	}
	stages := 0
	if d.Fit != nil {
		stages = len(d.Fit.Rows)
	}
	return fmt.Sprintf("%s keeps %d of %d variants timed and %d fitted (%d student-stage fits)", path, measured, len(d.Variants), fitted, stages)
}
