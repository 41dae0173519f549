package search

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/fnlab/fnlab/internal/inputfile"
)

// JournalFormat identifies a search journal's header line.
const JournalFormat = "fnlab-search-journal"

// JournalVersion changes when the records' meaning changes: 2 has NASWOT
// scores with per-layer weights (version 1 drew them per candidate).
const JournalVersion = 2

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
}

// compatible reports how h differs from a resumed header, or "".
func (h Header) compatible(o Header) string {
	switch {
	case h.Version != o.Version:
		return fmt.Sprintf("journal version %d, this fnlab writes version %d (its metrics are not comparable)", o.Version, h.Version)
	case h.SpaceHash != o.SpaceHash:
		return fmt.Sprintf("space %s (hash %s), this search has %s (hash %s)", o.Space, o.SpaceHash, h.Space, h.SpaceHash)
	case h.Strategy != o.Strategy:
		return fmt.Sprintf("strategy %s, this search uses %s", o.Strategy, h.Strategy)
	case h.Seed != o.Seed:
		return fmt.Sprintf("seed %d, this search uses %d", o.Seed, h.Seed)
	case h.Shard != o.Shard:
		return fmt.Sprintf("shard %s, this search is %s", o.Shard, h.Shard)
	case h.LUTHash != o.LUTHash:
		return fmt.Sprintf("latency table %q, this search uses %q", o.LUTHash, h.LUTHash)
	case h.Proxy != o.Proxy:
		return fmt.Sprintf("proxy %v, this search has %v", o.Proxy, h.Proxy)
	case h.Strategy == "evolve" && h.Budget != o.Budget:
		return fmt.Sprintf("budget %d, this evolutionary search has %d (its population depends on it)", o.Budget, h.Budget)
	}
	return ""
}

// Journal appends records to a JSONL file, one line per write, so a killed
// process loses nothing it wrote; the file is fsynced at most every
// SyncEvery and on Close, bounding what a power loss can take.
type Journal struct {
	f        *os.File
	path     string
	lastSync time.Time
	buf      bytes.Buffer
}

// SyncEvery is how often Append fsyncs the journal.
var SyncEvery = 200 * time.Millisecond

// CreateJournal starts a new journal at path with header h. It refuses to
// overwrite a journal that has records.
func CreateJournal(path string, h Header) (*Journal, error) {
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		return nil, fmt.Errorf("--journal %s: already holds a search; pass --resume to continue it, or choose another --journal", path)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--journal %s: %v", path, unwrapPath(err))
	}
	j := &Journal{f: f, path: path}
	if err := j.writeLine(h); err != nil {
		f.Close()
		return nil, err
	}
	return j, j.sync()
}

// ResumeJournal opens an existing journal, checks that h matches its
// header, drops a torn last line (a write cut by a kill) and returns the
// records it holds.
func ResumeJournal(path string, h Header) (*Journal, []Record, error) {
	old, recs, goodLen, err := readJournal(path)
	if errors.Is(err, os.ErrNotExist) {
		j, err := CreateJournal(path, h)
		return j, nil, err
	}
	if err != nil {
		return nil, nil, err
	}
	if d := h.compatible(old); d != "" {
		return nil, nil, fmt.Errorf("--journal %s: written by another search (%s); drop --resume and use a new --journal", path, d)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("--journal %s: %v", path, unwrapPath(err))
	}
	if err := f.Truncate(goodLen); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("--journal %s: %v", path, err)
	}
	return &Journal{f: f, path: path, lastSync: time.Now()}, recs, nil
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
		return h, nil, 0, &causeError{fmt.Sprintf("--journal %s: %s (a JSONL journal written by fnlab search)", path, inputfile.Reason(err)), e.Err}
	}
	defer f.Close()
	rd := bufio.NewReaderSize(f, 1<<16)
	var recs []Record
	var good int64
	line := 0
	for {
		b, err := rd.ReadBytes('\n')
		if err == io.EOF {
			// A last line without its newline was cut short: ignore it.
			break
		}
		if err != nil {
			return h, nil, 0, fmt.Errorf("--journal %s: %v", path, err)
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

// causeError is a message that unwraps to the operating system's error, so
// that callers can test errors.Is(err, fs.ErrNotExist).
type causeError struct {
	msg   string
	cause error
}

func (e *causeError) Error() string { return e.msg }
func (e *causeError) Unwrap() error { return e.cause }

func (j *Journal) writeLine(v any) error {
	j.buf.Reset()
	enc := json.NewEncoder(&j.buf)
	if err := enc.Encode(v); err != nil {
		return err
	}
	if _, err := j.f.Write(j.buf.Bytes()); err != nil {
		return fmt.Errorf("--journal %s: %v", j.path, err)
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
		return fmt.Errorf("--journal %s: %v", j.path, err)
	}
	return nil
}

// Close syncs and closes the journal.
func (j *Journal) Close() error {
	err := j.sync()
	if cerr := j.f.Close(); err == nil {
		err = cerr
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

// WriteJournal writes a complete journal (header and records) to path.
func WriteJournal(path string, h Header, recs []Record) error {
	j, err := CreateJournal(path, h)
	if err != nil {
		return err
	}
	for i := range recs {
		if err := j.writeLine(&recs[i]); err != nil {
			j.f.Close()
			return err
		}
	}
	return j.Close()
}
