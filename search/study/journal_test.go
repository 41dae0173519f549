package study

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/fnlab/fnlab/search"
)

func TestClearJournal(t *testing.T) {
	dir := t.TempDir()
	h := search.Header{Format: search.JournalFormat, Version: search.JournalVersion, Space: "s", SpaceHash: "h", Strategy: "grid", Seed: 1, Shard: "0/1"}
	other := h
	other.Seed = 2
	write := func(name string, h *search.Header, text string) string {
		p := filepath.Join(dir, name)
		if h != nil {
			if err := search.WriteJournal(p, *h, nil); err != nil {
				t.Fatal(err)
			}
		} else if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name    string
		path    string
		removed bool
		refused bool
	}{
		{"nothing there", filepath.Join(dir, "none.jsonl"), false, false},
		{"empty file", write("empty.jsonl", nil, ""), false, false},
		{"same search", write("same.jsonl", &h, ""), true, false},
		{"another search", write("other.jsonl", &other, ""), false, true},
		{"not a journal", write("notes.txt", nil, "my notes\n"), false, true},
	}
	for _, c := range cases {
		_, before := os.Stat(c.path)
		err := clearJournal(c.path, h)
		var je *search.JournalError
		if refused := errors.Is(err, search.ErrJournalOther) && errors.As(err, &je) && je.Path == c.path; refused != c.refused || (err != nil && !c.refused) {
			t.Errorf("%s: error %v", c.name, err)
		}
		_, after := os.Stat(c.path)
		if removed := before == nil && after != nil; removed != c.removed {
			t.Errorf("%s: removed %v, want %v", c.name, removed, c.removed)
		}
	}
}
