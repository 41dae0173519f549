package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/fnlab/fnlab/search"
	"github.com/fnlab/fnlab/search/study"
)

// studySpace needs no latency table and no proxy: fast to evaluate.
const studySpace = "../../search/study/testdata/tiny.yaml"

func TestSearchStudyErrors(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"search", studySpace, "--storage", "http://db/x"}, 2, "--storage http://db/x: not a PostgreSQL URL"},
		{[]string{"search", studySpace, "--storage", "postgres://u:pw@127.0.0.1:1/x", "--strategy", "grid", "--shard", "0/2"}, 2, "--shard with --storage"},
		{[]string{"search", studySpace, "--storage", "postgres://u:pw@127.0.0.1:1/x", "--lease", "10ms"}, 2, "--lease 10ms: expected at least 1s"},
		{[]string{"search", studySpace, "--storage", "postgres://u:pw@127.0.0.1:1/x"}, 1, "--storage postgres://u:xxxxx@127.0.0.1:1/x: cannot reach the server at 127.0.0.1:1"},
		{[]string{"search", "status"}, 2, "--storage: required"},
		{[]string{"search", "export", "--storage", "postgres://127.0.0.1:1/x"}, 2, "--out: required"},
		{[]string{"search", "status", "--storage", "postgres://u:pw@127.0.0.1:1/x", "--format", "xml"}, 2, `--format "xml"`},
	}
	for _, c := range cases {
		_, errText, code := run(t, c.args...)
		if code != c.code || !strings.Contains(errText, c.want) || strings.Contains(errText, "\n") {
			t.Errorf("%v: exit %d %q; want exit %d and one line with %q", c.args, code, errText, c.code, c.want)
		}
		if strings.Contains(errText, ":pw@") {
			t.Errorf("%v: the error shows the password: %q", c.args, errText)
		}
	}
}

func studyURL(t *testing.T) string {
	u := os.Getenv("FNLAB_TEST_POSTGRES")
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but FNLAB_TEST_POSTGRES is not: .ci/run must start the PostgreSQL cluster (.ci/postgres.sh)")
		}
		t.Skip("FNLAB_TEST_POSTGRES is not set: this test needs a PostgreSQL server (e.g. source .ci/postgres.sh && fnlab_pg_start)")
	}
	return u
}

// TestSearchStudyCommands: two workers share a study; the one that
// completes it reports, the other says who did; status and export show
// the study, and the export equals a one-process search's journal.
func TestSearchStudyCommands(t *testing.T) {
	url := studyURL(t)
	name := fmt.Sprintf("cli_%04x", rand.IntN(1<<16))
	t.Cleanup(func() {
		s, err := study.Open(context.Background(), url, study.Options{})
		if err == nil {
			s.Delete(context.Background(), name)
			s.Close()
		}
	})
	dir := t.TempDir()
	common := []string{"search", studySpace, "--strategy", "evolve", "--budget", "40", "--seed", "5", "--workers", "1",
		"--storage", url, "--study", name, "--lease", "5s", "--format", "json"}
	outs := make([]string, 2)
	var wg sync.WaitGroup
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, errText, code := run(t, append(common, "--out", filepath.Join(dir, fmt.Sprint("w", i)))...)
			if code != 0 {
				t.Errorf("worker %d: exit %d: %s", i, code, errText)
			}
			outs[i] = out
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	reports := 0
	for _, out := range outs {
		var doc struct {
			Evaluated   int    `json:"evaluated"`
			Journal     string `json:"journal"`
			CompletedBy string `json:"completed_by"`
			Complete    bool   `json:"complete"`
		}
		// Progress lines on stderr come first (run joins the two streams).
		if i := strings.Index(out, "\n{"); i >= 0 {
			out = out[i+1:]
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if doc.Journal != "" {
			reports++
			if doc.Evaluated != 40 {
				t.Errorf("the report has %d evaluations, want 40", doc.Evaluated)
			}
		} else if !doc.Complete || doc.CompletedBy == "" {
			t.Errorf("the other worker's output: %s", out)
		}
	}
	if reports != 1 {
		t.Fatalf("%d workers wrote the report, want 1", reports)
	}

	out, errText, code := run(t, "search", "status", "--storage", url, "--study", name, "--format", "json")
	if code != 0 {
		t.Fatalf("status: exit %d: %s", code, errText)
	}
	var status struct {
		Studies []struct {
			Done     int  `json:"done"`
			Pending  int  `json:"pending"`
			Complete bool `json:"complete"`
			Workers  []struct {
				Evaluated int  `json:"evaluated"`
				Stopped   bool `json:"stopped"`
			} `json:"workers"`
		} `json:"studies"`
	}
	if err := json.Unmarshal([]byte(out), &status); err != nil || len(status.Studies) != 1 {
		t.Fatalf("status JSON: %v\n%s", err, out)
	}
	if st := status.Studies[0]; st.Done != 40 || st.Pending != 0 || !st.Complete || len(st.Workers) != 2 {
		t.Errorf("status: %+v", st)
	}
	out, _, code = run(t, "search", "status", "--storage", url, "--study", name)
	if code != 0 || !strings.Contains(out, "trials: 40 done") || !strings.Contains(out, "workers: 0 live of 2") {
		t.Errorf("status text:\n%s", out)
	}

	exported := filepath.Join(dir, "study.jsonl")
	out, errText, code = run(t, "search", "export", "--storage", url, "--study", name, "--out", exported)
	if code != 0 || !strings.Contains(out, "40 records (complete)") {
		t.Fatalf("export: exit %d %s: %s", code, errText, out)
	}
	if _, errText, code = run(t, "search", "export", "--storage", url, "--study", name, "--out", exported); code != 1 || !strings.Contains(errText, "already exists") {
		t.Errorf("export over a file: exit %d %q", code, errText)
	}
	single := filepath.Join(dir, "single")
	if _, errText, code = run(t, "search", studySpace, "--strategy", "evolve", "--budget", "40", "--seed", "5", "--out", single); code != 0 {
		t.Fatalf("single-process search: %s", errText)
	}
	hs, rs, err := search.ReadJournal(exported)
	if err != nil {
		t.Fatal(err)
	}
	h1, r1, err := search.ReadJournal(filepath.Join(single, "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if hs != h1 {
		t.Errorf("export header %+v, one process's %+v", hs, h1)
	}
	if a, b := lines(t, rs), lines(t, r1); a != b {
		t.Errorf("the export's records differ from one process's")
	}

	// A worker with other settings is refused, naming the difference.
	_, errText, code = run(t, "search", studySpace, "--strategy", "evolve", "--budget", "40", "--seed", "6",
		"--storage", url, "--study", name, "--out", filepath.Join(dir, "w3"))
	if code != 1 || !strings.Contains(errText, "seed 5, this worker has 6") {
		t.Errorf("other seed: exit %d %q", code, errText)
	}
}

func lines(t *testing.T, recs []search.Record) string {
	var out []string
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
