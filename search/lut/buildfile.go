package lut

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"github.com/fnlab/fnlab/analyze"
)

// FileBuild says where and how BuildFile builds a table file.
type FileBuild struct {
	Out     string         // the table file
	Header  ProgressHeader // the build's settings, checked on resume
	Resume  bool           // continue the progress file of an interrupted build
	Force   bool           // replace Out even if it is not a latency table
	Version string         // fnlab version recorded in the table
	// Saved, if set, is called with the number of models the progress
	// file holds: once it is open, then after each model saved.
	Saved func(n int)
}

// OutError is an error about the table file or its progress file, as
// opposed to one of the measurement.
type OutError struct{ Err error }

func (e *OutError) Error() string { return e.Err.Error() }
func (e *OutError) Unwrap() error { return e.Err }

// NotTableError: the table file exists and is not a latency table; it is
// left as it is.
type NotTableError struct {
	Path   string
	Reason string // why Load refused it
}

func (e *NotTableError) Error() string {
	return fmt.Sprintf("%s: exists and is not a latency table (%s)", e.Path, e.Reason)
}

// BuildFile builds the table of models (Build with o) into b.Out, saving
// each model's samples as it is measured in the progress file so that an
// interrupted build continues with b.Resume. An existing b.Out is
// replaced only if it is a latency table (or with b.Force). Errors about
// the files are *OutError.
func BuildFile(models []Model, o Options, b FileBuild) (*Table, error) {
	if _, err := os.Lstat(b.Out); err == nil && !b.Force {
		if _, err := Load(b.Out); err != nil {
			return nil, &OutError{&NotTableError{Path: b.Out, Reason: strings.TrimPrefix(err.Error(), b.Out+": ")}}
		}
	}
	prog, done, err := OpenProgress(b.Out, b.Header, b.Resume)
	if err != nil {
		return nil, &OutError{err}
	}
	defer prog.Close()
	var saved atomic.Int64
	report := func(n int64) {
		if b.Saved != nil {
			b.Saved(int(n))
		}
	}
	saved.Store(int64(len(done)))
	report(saved.Load())
	o.Done = done
	o.OnModel = func(r *ModelResult) error {
		err := prog.Append(r)
		if err == nil {
			report(saved.Add(1))
		}
		return err
	}
	t, err := Build(models, o)
	if err != nil {
		return nil, err
	}
	t.FnlabVersion = b.Version
	t.Space = b.Header.Space
	if err := t.Save(b.Out); err != nil {
		return nil, &OutError{err}
	}
	if err := prog.Finish(); err != nil {
		return nil, &OutError{err}
	}
	return t, nil
}

// NewProgressHeader is the header of a build of space (with its hash) by
// o, with extra random models from seed: the machine line says the
// threads the build runs with (o.Threads, 0: all cores).
func NewProgressHeader(space, spaceHash string, o Options, extra int, seed uint64) ProgressHeader {
	threads := o.Threads
	if threads <= 0 {
		threads = analyze.ThisMachine(0).Cores
	}
	return ProgressHeader{Space: space, SpaceHash: spaceHash, Machine: analyze.ThisMachine(threads).String(), Threads: o.Threads,
		Warmup: o.Warmup, Runs: o.Runs, Statistic: o.Statistic, Extra: extra, Seed: seed}
}
