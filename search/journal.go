package search

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"syscall"
	"time"

	"github.com/fnlab/fnlab/internal/atomicfile"
	"github.com/fnlab/fnlab/internal/inputfile"
	"github.com/fnlab/fnlab/internal/runlock"
)

// JournalFormat identifies a search journal's header line.
const JournalFormat = "fnlab-search-journal"

// JournalVersion changes when the records' meaning changes: 2 has NASWOT
// scores with per-layer weights (version 1 drew them per candidate); 3 keys
// records by canonical genomes (a model is evaluated once).
const JournalVersion = 3

// Header is the first line of a journal: what search wrote it.
type Header struct {
	Format    string `json:"format"`
	Version   int    `json:"version"`
	Space     string `json:"space"`
	SpaceHash string `json:"space_hash"`
	Strategy  string `json:"strategy"`
	Seed      uint64 `json:"seed"`
	Budget    int    `json:"budget"`
	Shard     string `json:"shard"`   // "i/n", "0/1" when not sharded, "merged"
	Latency   string `json:"latency"` // "lut:<machine line, threads>" or "none"
	LUTHash   string `json:"lut_hash,omitempty"`
	Proxy     bool   `json:"proxy"`
	// Population is an evolutionary search's population (its generations
	// depend on it; the budget only says how many to run).
	Population int `json:"population,omitempty"`
}

// compatible reports how h differs from a resumed header, or "".
func (h Header) compatible(o Header) string { return h.differs(o, true) }

// Differs reports how journal header o differs from h in what decides a
// search's records (journal version, space, strategy, seed, latency
// table, proxy, an evolutionary search's population), or "" when it does
// not: journals of shards of one search, or a longer run of it, differ in
// shard and budget only.
func (h Header) Differs(o Header) string { return h.differs(o, false) }

func (h Header) differs(o Header, shard bool) string {
	switch {
	case h.Version != o.Version:
		return fmt.Sprintf("journal version %d, this fnlab writes version %d (its metrics are not comparable)", o.Version, h.Version)
	case h.SpaceHash != o.SpaceHash:
		return fmt.Sprintf("space %s (hash %s), this search has %s (hash %s)", o.Space, o.SpaceHash, h.Space, h.SpaceHash)
	case h.Strategy != o.Strategy:
		return fmt.Sprintf("strategy %s, this search uses %s", o.Strategy, h.Strategy)
	case h.Seed != o.Seed:
		return fmt.Sprintf("seed %d, this search uses %d", o.Seed, h.Seed)
	case shard && h.Shard != o.Shard:
		return fmt.Sprintf("shard %s, this search is %s", o.Shard, h.Shard)
	case h.LUTHash != o.LUTHash:
		return fmt.Sprintf("latency table %q, this search uses %q", o.LUTHash, h.LUTHash)
	case h.Proxy != o.Proxy:
		return fmt.Sprintf("proxy %v, this search has %v", o.Proxy, h.Proxy)
	case h.Strategy == "evolve" && h.Population != o.Population:
		return fmt.Sprintf("population %d, this evolutionary search has %d (keep the population to extend it)", o.Population, h.Population)
	}
	return ""
}

// Journal appends records to a JSONL file, one line per write, so a killed
// process loses nothing it wrote; the file is fsynced at most every
// SyncEvery and on Close, bounding what a power loss can take. A Journal
// holds the journal's run lock (internal/runlock) until Close: one writer
// per journal.
type Journal struct {
	f        *os.File
	path     string
	lock     *runlock.Lock
	lastSync time.Time
	buf      bytes.Buffer
}

// SyncEvery is how often Append fsyncs the journal.
var SyncEvery = 200 * time.Millisecond

// ErrJournalExists is wrapped by the error CreateJournal returns for a path
// that already exists; ErrJournalBusy by the error for a journal that
// another process is writing.
var (
	ErrJournalExists = errors.New("journal exists")
	ErrJournalBusy   = errors.New("journal busy")
	// ErrJournalOther: resuming a journal written by a different search.
	ErrJournalOther = errors.New("journal of another search")
)

// JournalError is an error about one journal. Error() is "journal PATH:
// MSG"; the command line names the flag instead (Msg alone).
type JournalError struct {
	Path string
	Msg  string
	Err  error
}

func (e *JournalError) Error() string { return "journal " + e.Path + ": " + e.Msg }
func (e *JournalError) Unwrap() error { return e.Err }

func jerr(path string, err error, format string, args ...any) error {
	return &JournalError{Path: path, Msg: fmt.Sprintf(format, args...), Err: err}
}

// LockPath is the lock file that guards journal path.
func LockPath(path string) string { return path + ".lock" }

func lockJournal(path string) (*runlock.Lock, error) {
	l, err := runlock.Acquire(LockPath(path))
	if err != nil {
		var busy *runlock.BusyError
		if errors.As(err, &busy) {
			return nil, jerr(path, ErrJournalBusy, "%v; a journal has one writer at a time", err)
		}
		return nil, jerr(path, err, "%v", err)
	}
	return l, nil
}

// CreateJournal starts a new journal at path with header h. The file is
// created with O_EXCL under the journal's lock, so of two searches started
// together on one new journal exactly one gets it; an existing path
// (journal or not) is never replaced.
func CreateJournal(path string, h Header) (*Journal, error) {
	l, err := lockJournal(path)
	if err != nil {
		return nil, err
	}
	j, err := createLocked(path, h, l)
	if err != nil {
		l.Release()
	}
	return j, err
}

func createLocked(path string, h Header, l *runlock.Lock) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND|syscall.O_NONBLOCK, 0o644)
	if errors.Is(err, fs.ErrExist) {
		fi, _ := os.Lstat(path)
		switch {
		case fi != nil && fi.Mode().IsRegular() && fi.Size() > 0:
			return nil, jerr(path, ErrJournalExists, "already holds a search")
		case fi != nil && !fi.Mode().IsRegular():
			return nil, jerr(path, ErrJournalExists, "exists and is %s, not a journal", inputfile.Describe(fi.Mode()))
		}
		return nil, jerr(path, ErrJournalExists, "already exists (empty)")
	}
	if err != nil {
		return nil, jerr(path, err, "%v", inputfile.WithoutPath(err))
	}
	j := &Journal{f: f, path: path, lock: l}
	if err := j.writeLine(h); err != nil {
		f.Close()
		return nil, err
	}
	return j, j.sync()
}

// JournalHeader reads the header of the journal at path.
func JournalHeader(path string) (Header, error) {
	h, _, _, err := readJournal(path)
	return h, err
}

// ResumeJournal opens an existing journal under its lock, checks that h
// matches its header, drops a torn last line (a write cut by a kill) and
// returns the records it holds. A missing journal is created; an empty one
// (a run killed before its header was written) is started afresh.
func ResumeJournal(path string, h Header) (*Journal, []Record, error) {
	l, err := lockJournal(path)
	if err != nil {
		return nil, nil, err
	}
	j, recs, err := resumeLocked(path, h, l)
	if err != nil {
		l.Release()
	}
	return j, recs, err
}

func resumeLocked(path string, h Header, l *runlock.Lock) (*Journal, []Record, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		j, err := createLocked(path, h, l)
		return j, nil, err
	}
	if err == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, jerr(path, err, "%v", inputfile.WithoutPath(err))
		}
		j := &Journal{f: f, path: path, lock: l}
		if err := j.writeLine(h); err != nil {
			f.Close()
			return nil, nil, err
		}
		return j, nil, j.sync()
	}
	old, recs, goodLen, err := readJournal(path)
	if err != nil {
		return nil, nil, err
	}
	if d := h.compatible(old); d != "" {
		return nil, nil, jerr(path, ErrJournalOther, "written by another search (%s)", d)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|syscall.O_NONBLOCK, 0o644)
	if err != nil {
		return nil, nil, jerr(path, err, "%v", inputfile.WithoutPath(err))
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, jerr(path, nil, "expected a regular file")
	}
	if err := f.Truncate(goodLen); err != nil {
		f.Close()
		return nil, nil, jerr(path, err, "%v", err)
	}
	return &Journal{f: f, path: path, lock: l, lastSync: time.Now()}, recs, nil
}

// ReadJournal reads a journal's header and records (a torn last line is
// ignored).
func ReadJournal(path string) (Header, []Record, error) {
	h, recs, _, err := readJournal(path)
	return h, recs, err
}

func readJournal(path string) (Header, []Record, int64, error) {
	var h Header
	f, _, err := inputfile.Open(path)
	if err != nil {
		var e *inputfile.Error
		errors.As(err, &e)
		return h, nil, 0, jerr(path, e.Err, "%s (a JSONL journal written by fnlab search)", inputfile.Reason(err))
	}
	defer f.Close()
	rd := bufio.NewReaderSize(f, 1<<16)
	var recs []Record
	var good int64
	line := 0
	for {
		b, err := readLine(rd, maxJournalLine)
		if err == io.EOF {
			// A last line without its newline was cut short: ignore it.
			break
		}
		if err == errLongLine {
			return h, nil, 0, fmt.Errorf("%s:%d: a line of more than %d bytes, not a journal record", path, line+1, maxJournalLine)
		}
		if err != nil {
			return h, nil, 0, jerr(path, err, "%v", err)
		}
		line++
		if line == 1 {
			if err := json.Unmarshal(b, &h); err != nil || h.Format != JournalFormat {
				return h, nil, 0, fmt.Errorf("%s:1: not a search journal (expected a %s header line)", path, JournalFormat)
			}
		} else {
			var r Record
			if err := json.Unmarshal(b, &r); err != nil || r.Key == "" {
				return h, nil, 0, fmt.Errorf("%s:%d: not a journal record (%v)", path, line, err)
			}
			recs = append(recs, r)
		}
		good += int64(len(b))
	}
	if line == 0 {
		return h, nil, 0, fmt.Errorf("%s: empty journal (no header line)", path)
	}
	return h, recs, good, nil
}

// maxJournalLine bounds one line of a journal (a record is a few hundred
// bytes), so that a huge file without newlines cannot fill memory.
const maxJournalLine = 1 << 20

var errLongLine = errors.New("line too long")

// readLine reads one line, newline included, of at most max bytes; a last
// line without a newline gives io.EOF, as ReadBytes does.
func readLine(rd *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		frag, err := rd.ReadSlice('\n')
		if len(line)+len(frag) > max {
			return nil, errLongLine
		}
		line = append(line, frag...)
		if err == bufio.ErrBufferFull {
			continue
		}
		return line, err
	}
}

func (j *Journal) writeLine(v any) error {
	j.buf.Reset()
	enc := json.NewEncoder(&j.buf)
	if err := enc.Encode(v); err != nil {
		return err
	}
	if _, err := j.f.Write(j.buf.Bytes()); err != nil {
		return jerr(j.path, err, "%v", err)
	}
	return nil
}

// Append writes one record as one line.
func (j *Journal) Append(r *Record) error {
	if err := j.writeLine(r); err != nil {
		return err
	}
	if time.Since(j.lastSync) >= SyncEvery {
		return j.sync()
	}
	return nil
}

func (j *Journal) sync() error {
	j.lastSync = time.Now()
	if err := j.f.Sync(); err != nil {
		return jerr(j.path, err, "%v", err)
	}
	return nil
}

// Close syncs and closes the journal and releases its lock.
func (j *Journal) Close() error {
	err := j.sync()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	if lerr := j.lock.Release(); err == nil && lerr != nil {
		err = jerr(j.path, lerr, "releasing the lock: %v", lerr)
	}
	return err
}

// Path is the journal's file.
func (j *Journal) Path() string { return j.path }

// MergeRecords joins record sets: one record per key (the first seen),
// sorted by index then key.
func MergeRecords(sets ...[]Record) []Record {
	seen := map[string]bool{}
	var out []Record
	for _, s := range sets {
		for _, r := range s {
			if !seen[r.Key] {
				seen[r.Key] = true
				out = append(out, r)
			}
		}
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Index != out[b].Index {
			return out[a].Index < out[b].Index
		}
		return out[a].Key < out[b].Key
	})
	return out
}

// WriteJournal writes a complete journal (header and records) to path, as
// one atomic replacement, under the journal's lock. An existing file is
// replaced only if it is a merged journal of the same space (what an earlier
// WriteJournal wrote); anything else at path is left alone and refused.
func WriteJournal(path string, h Header, recs []Record) error {
	l, err := lockJournal(path)
	if err != nil {
		return err
	}
	defer l.Release()
	if fi, err := os.Lstat(path); err == nil {
		old, _, _, rerr := readJournal(path)
		switch {
		case !fi.Mode().IsRegular():
			return jerr(path, ErrJournalExists, "exists and is %s, not a journal", inputfile.Describe(fi.Mode()))
		case rerr != nil:
			return jerr(path, ErrJournalExists, "exists and is not a search journal; it is left as it is")
		case old.Shard != "merged" || old.SpaceHash != h.SpaceHash:
			return jerr(path, ErrJournalExists, "already holds another search (space %s, shard %s); it is left as it is", old.Space, old.Shard)
		}
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		if err := enc.Encode(h); err != nil {
			return err
		}
		for i := range recs {
			if err := enc.Encode(&recs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}
