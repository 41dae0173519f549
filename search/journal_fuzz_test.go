package search

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadJournal feeds arbitrary bytes to ReadJournal and everything that
// consumes a journal's records (front, hypervolume, names): a bad journal
// must give an error or records these accept, never a panic.
func FuzzReadJournal(f *testing.F) {
	sp, err := LoadSpace("search_t0_ndiv_depth")
	if err != nil {
		f.Fatal(err)
	}
	head := `{"format":"fnlab-search-journal","space":"t0_ndiv_depth"}` + "\n"
	f.Add([]byte(head + `{"index":0,"key":"stages.0.n_div=2","metrics":{"latency_ms":3,"naswot":100},"feasible":true}` + "\n"))
	f.Add([]byte(head + `{"index":1,"key":"x","feasible":true,"violation":-1}` + "\n" + `{"index":2,"key":"y","metrics":{}}` + "\n"))
	f.Add([]byte(head + `{"index":3,"key":"stages.0.n_div=8 stages.0.depth=9"}`))
	f.Add([]byte("not json\n"))
	f.Add([]byte(""))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "j.jsonl")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, recs, err := ReadJournal(p)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		sp.Front(recs)
		sp.HypervolumeCurve(recs, 10)
		for _, r := range recs {
			sp.ShortNameKey(r.Key)
		}
		MergeRecords(recs, recs)
	})
}

func TestResumeRefusesOtherVersion(t *testing.T) {
	p := filepath.Join(t.TempDir(), "j.jsonl")
	old := Header{Format: JournalFormat, Version: 1, Space: "s", SpaceHash: "h", Strategy: "grid", Shard: "0/1"}
	j, err := CreateJournal(p, old)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	cur := old
	cur.Version = JournalVersion
	if _, _, err := ResumeJournal(p, cur); err == nil || !strings.Contains(err.Error(), "journal version 1") {
		t.Errorf("resuming a version 1 journal: %v", err)
	}
	if j, _, err := ResumeJournal(p, old); err != nil {
		t.Errorf("resuming with the same header: %v", err)
	} else {
		j.Close()
	}
}

func TestReadJournalNotAFile(t *testing.T) {
	for _, p := range []string{t.TempDir(), "/dev/zero"} {
		if _, _, err := ReadJournal(p); err == nil || !strings.Contains(err.Error(), "expected a regular file") {
			t.Errorf("%s: %v", p, err)
		}
	}
}
