package search

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestJournalOneWriter starts two writers on one new journal at the same
// time, then a resume while the first still runs: exactly one wins, the
// others are refused naming the holder's PID, and the journal holds one
// header.
func TestJournalOneWriter(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "j.jsonl")
	h := Header{Format: JournalFormat, Version: JournalVersion, Space: "s", SpaceHash: "x", Strategy: "random", Shard: "0/1"}
	var wg sync.WaitGroup
	js := make([]*Journal, 8)
	errs := make([]error, 8)
	for i := range js {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			js[i], errs[i] = CreateJournal(p, h)
		}(i)
	}
	wg.Wait()
	var won *Journal
	for i, err := range errs {
		if err == nil {
			if won != nil {
				t.Fatal("two writers created the journal")
			}
			won = js[i]
			continue
		}
		if !errors.Is(err, ErrJournalBusy) && !errors.Is(err, ErrJournalExists) {
			t.Errorf("loser %d: %v", i, err)
		}
	}
	if won == nil {
		t.Fatal("no writer won")
	}
	_, _, err := ResumeJournal(p, h)
	if want := fmt.Sprintf("in use by fnlab process %d", os.Getpid()); !errors.Is(err, ErrJournalBusy) || !strings.Contains(err.Error(), want) {
		t.Fatalf("resume while running: %v, want %q", err, want)
	}
	if err := won.Append(&Record{Key: "a"}); err != nil {
		t.Fatal(err)
	}
	if err := won.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(LockPath(p)); !os.IsNotExist(err) {
		t.Errorf("lock file left after Close: %v", err)
	}
	j, recs, err := ResumeJournal(p, h)
	if err != nil || len(recs) != 1 {
		t.Fatalf("resume after the run: %v, %d records", err, len(recs))
	}
	j.Close()
	b, _ := os.ReadFile(p)
	if n := strings.Count(string(b), JournalFormat); n != 1 {
		t.Errorf("%d headers in the journal", n)
	}
}

// TestWriteJournalKeepsForeignFiles checks that a merged journal replaces
// only an earlier merged journal of the same space.
func TestWriteJournalKeepsForeignFiles(t *testing.T) {
	dir := t.TempDir()
	h := Header{Format: JournalFormat, Version: JournalVersion, Space: "s", SpaceHash: "x", Strategy: "random", Shard: "merged"}
	p := filepath.Join(dir, "journal.jsonl")
	if err := WriteJournal(p, h, []Record{{Key: "a"}}); err != nil {
		t.Fatal(err)
	}
	if err := WriteJournal(p, h, []Record{{Key: "a"}, {Key: "b"}}); err != nil {
		t.Fatalf("replacing its own merged journal: %v", err)
	}
	other := h
	other.Shard, other.SpaceHash = "0/1", "y"
	for name, content := range map[string]string{"notes": "my notes\n"} {
		q := filepath.Join(dir, name)
		os.WriteFile(q, []byte(content), 0o644)
		if err := WriteJournal(q, h, nil); !errors.Is(err, ErrJournalExists) {
			t.Errorf("%s: %v", name, err)
		}
		if b, _ := os.ReadFile(q); string(b) != content {
			t.Errorf("%s changed", name)
		}
	}
	q := filepath.Join(dir, "search.jsonl")
	j, err := CreateJournal(q, other)
	if err != nil {
		t.Fatal(err)
	}
	j.Append(&Record{Key: "z"})
	j.Close()
	before, _ := os.ReadFile(q)
	if err := WriteJournal(q, h, nil); !errors.Is(err, ErrJournalExists) || !strings.Contains(err.Error(), "already holds another search") {
		t.Errorf("over another search's journal: %v", err)
	}
	if after, _ := os.ReadFile(q); string(after) != string(before) {
		t.Error("another search's journal changed")
	}
}

// A journal of one enormous line is refused without reading it whole.
func TestJournalLongLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "j.jsonl")
	os.WriteFile(p, []byte(strings.Repeat("x", 3<<20)+"\n"), 0o644)
	if _, _, err := ReadJournal(p); err == nil || !strings.Contains(err.Error(), "j.jsonl:1: a line of more than 1048576 bytes") {
		t.Fatalf("err = %v", err)
	}
}
