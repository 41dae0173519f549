package lut

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/fnlab/fnlab/internal/inputfile"
	"github.com/fnlab/fnlab/internal/runlock"
)

// ProgressFormat identifies the progress file of an unfinished build.
const ProgressFormat = "fnlab-lut-progress"

// maxProgressBytes bounds a progress file (a model's samples take a few
// kilobytes).
const maxProgressBytes = 256 << 20

// ProgressHeader is the first line of a progress file: every setting that
// changes the measurements. A resumed build must have the same.
type ProgressHeader struct {
	Format    string `json:"format"`
	Space     string `json:"space"`
	SpaceHash string `json:"space_hash"`
	Machine   string `json:"machine"`
	Threads   int    `json:"threads"`
	Warmup    int    `json:"warmup"`
	Runs      int    `json:"runs"`
	Statistic string `json:"statistic"`
	Extra     int    `json:"extra"`
	Seed      uint64 `json:"seed"`
}

// diff names the first setting in which o differs from h, or "".
func (h ProgressHeader) diff(o ProgressHeader) string {
	type kv struct {
		k    string
		a, b any
	}
	for _, c := range []kv{{"space", h.SpaceHash, o.SpaceHash}, {"machine", h.Machine, o.Machine}, {"threads", h.Threads, o.Threads},
		{"warmup", h.Warmup, o.Warmup}, {"runs", h.Runs, o.Runs}, {"statistic", h.Statistic, o.Statistic},
		{"extra", h.Extra, o.Extra}, {"seed", h.Seed, o.Seed}} {
		if c.a != c.b {
			return fmt.Sprintf("%s %v, this build has %v", c.k, c.a, c.b)
		}
	}
	return ""
}

// ErrProgressExists: a new build found the progress file of an
// interrupted one. ErrProgressOther: resuming the progress of a build with
// other settings.
var (
	ErrProgressExists = errors.New("interrupted build exists")
	ErrProgressOther  = errors.New("progress of another build")
)

// Progress saves each model's measurements as it finishes, to OUT.partial,
// so that a killed lut build loses at most the model it was measuring. It
// holds the table's run lock (OUT.lock) for the life of the build.
type Progress struct {
	f    *os.File
	path string
	lock *runlock.Lock
}

// PartialPath is the progress file of a build writing out.
func PartialPath(out string) string { return out + ".partial" }

func perr(path string, err error, format string, args ...any) error {
	return &progressError{msg: fmt.Sprintf("%s: %s", path, fmt.Sprintf(format, args...)), err: err}
}

type progressError struct {
	msg string
	err error
}

func (e *progressError) Error() string { return e.msg }
func (e *progressError) Unwrap() error { return e.err }

// OpenProgress takes the lock of table out, removes the temporary files a
// killed Save of out left, and opens its progress file: a new one, or with
// resume the existing one (whose header must equal h), returning the
// models it holds by name. Without resume an existing progress file is
// refused (ErrProgressExists) and left alone.
func OpenProgress(out string, h ProgressHeader, resume bool) (*Progress, map[string]*ModelResult, error) {
	h.Format = ProgressFormat
	l, err := runlock.Acquire(out + ".lock")
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", out, err)
	}
	cleanTemps(out)
	p, done, err := openLocked(PartialPath(out), h, resume)
	if err != nil {
		l.Release()
		return nil, nil, err
	}
	p.lock = l
	return p, done, nil
}

// cleanTemps removes ".BASE.tmpDIGITS" next to out: atomicfile's
// temporary names for out, left by a killed Save.
func cleanTemps(out string) {
	dir, base := filepath.Split(out)
	if dir == "" {
		dir = "."
	}
	ents, _ := os.ReadDir(dir)
	prefix := "." + base + ".tmp"
	for _, e := range ents {
		n := e.Name()
		if rest, ok := strings.CutPrefix(n, prefix); ok && rest != "" && strings.Trim(rest, "0123456789") == "" && e.Type().IsRegular() {
			os.Remove(filepath.Join(dir, n))
		}
	}
}

func openLocked(path string, h ProgressHeader, resume bool) (*Progress, map[string]*ModelResult, error) {
	_, statErr := os.Lstat(path)
	if statErr == nil && !resume {
		return nil, nil, perr(path, ErrProgressExists, "holds the measurements of an interrupted build")
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, perr(path, err, "%v", err)
		}
		p := &Progress{f: f, path: path}
		if err := p.write(h); err != nil {
			f.Close()
			os.Remove(path)
			return nil, nil, err
		}
		return p, map[string]*ModelResult{}, nil
	}
	data, err := inputfile.ReadFile(path, maxProgressBytes, "a lut build progress file")
	if err != nil {
		return nil, nil, err
	}
	if len(data) == 0 { // killed before the header was written: nothing to lose
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, perr(path, err, "%v", err)
		}
		p := &Progress{f: f, path: path}
		return p, map[string]*ModelResult{}, p.write(h)
	}
	done, good, err := parseProgress(path, data, h)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|syscall.O_NONBLOCK, 0o644)
	if err != nil {
		return nil, nil, perr(path, err, "%v", err)
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, nil, perr(path, err, "%v", err)
	}
	return &Progress{f: f, path: path}, done, nil
}

// parseProgress reads a progress file: the header line, then one model
// per line; a last line without its newline (cut by a kill) is dropped.
// It returns the models and the length of the good part.
func parseProgress(path string, data []byte, h ProgressHeader) (map[string]*ModelResult, int64, error) {
	rd := bufio.NewReader(bytes.NewReader(data))
	done := map[string]*ModelResult{}
	var good int64
	for line := 1; ; line++ {
		b, err := rd.ReadBytes('\n')
		if err == io.EOF {
			break
		}
		if line == 1 {
			var old ProgressHeader
			if err := json.Unmarshal(b, &old); err != nil || old.Format != ProgressFormat {
				return nil, 0, perr(path, nil, "line 1: not a lut build progress file (expected a %s header)", ProgressFormat)
			}
			if d := old.diff(h); d != "" {
				return nil, 0, perr(path, ErrProgressOther, "made by another build (%s)", d)
			}
		} else {
			var r ModelResult
			if err := json.Unmarshal(b, &r); err != nil || r.Name == "" || len(r.Keys) != len(r.Samples) {
				return nil, 0, perr(path, nil, "line %d: not a measured model", line)
			}
			for _, s := range r.Samples {
				for _, v := range s {
					if !(v >= 0) || v > 1e9 {
						return nil, 0, perr(path, nil, "line %d (%s): time %v, expected a finite time >= 0", line, r.Name, v)
					}
				}
			}
			done[r.Name] = &r
		}
		good += int64(len(b))
	}
	if good == 0 {
		return nil, 0, perr(path, nil, "empty (no header line)")
	}
	return done, good, nil
}

func (p *Progress) write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := p.f.Write(append(b, '\n')); err != nil {
		return perr(p.path, err, "%v", err)
	}
	if err := p.f.Sync(); err != nil {
		return perr(p.path, err, "%v", err)
	}
	return nil
}

// Append saves one model's measurements (fsynced: a model takes seconds).
func (p *Progress) Append(r *ModelResult) error { return p.write(r) }

// Close keeps the progress file (for a later resume) and releases the lock.
func (p *Progress) Close() error {
	err := p.f.Close()
	if lerr := p.lock.Release(); err == nil {
		err = lerr
	}
	return err
}

// Finish removes the progress file once the table is saved, and releases
// the lock.
func (p *Progress) Finish() error {
	p.f.Close()
	err := os.Remove(p.path)
	if lerr := p.lock.Release(); err == nil {
		err = lerr
	}
	return err
}
