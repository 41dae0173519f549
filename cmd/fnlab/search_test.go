package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnlab/fnlab/search"
)

const tinySpace = "../../search/testdata/tiny.yaml"

func TestLUTAndSearchCommands(t *testing.T) {
	dir := t.TempDir()
	tab := filepath.Join(dir, "tiny.lut.json")
	out, errText, code := run(t, "lut", "build", tinySpace, "--runs", "2", "--warmup", "0", "--extra", "1", "--out", tab)
	if code != 0 {
		t.Fatalf("lut build: exit %d: %s", code, errText)
	}
	if !strings.Contains(out, "machine: ") || !strings.Contains(out, "mixer pconv") {
		t.Errorf("lut build output:\n%s", out)
	}
	out, errText, code = run(t, "lut", "check", tinySpace, "--lut", tab, "--samples", "2", "--runs", "2", "--format", "json")
	if code != 0 {
		t.Fatalf("lut check: exit %d: %s", code, errText)
	}
	var check struct {
		Rows           []map[string]any `json:"rows"`
		MedianAbsError *float64         `json:"median_abs_error_pct"`
	}
	if err := json.Unmarshal([]byte(out), &check); err != nil || len(check.Rows) != 2 || check.MedianAbsError == nil {
		t.Fatalf("lut check JSON: %v\n%s", err, out)
	}

	res := filepath.Join(dir, "run")
	args := []string{"search", tinySpace, "--lut", tab, "--strategy", "evolve", "--budget", "60", "--out", res, "--format", "json"}
	out, errText, code = run(t, args...)
	if code != 0 {
		t.Fatalf("search: exit %d: %s", code, errText)
	}
	var doc struct {
		Evaluated int `json:"evaluated"`
		Front     []struct {
			Spec    string         `json:"spec"`
			Metrics map[string]any `json:"metrics"`
		} `json:"front"`
		Best       []map[string]any `json:"best_feasible"`
		FrontChart string           `json:"front_chart"`
		HVChart    string           `json:"hypervolume_chart"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Evaluated != 60 || len(doc.Front) == 0 || len(doc.Best) < 1 || len(doc.Best) > 2 {
		t.Fatalf("search JSON: %d evaluated, %d on the front, %d best", doc.Evaluated, len(doc.Front), len(doc.Best))
	}
	for _, k := range []string{"params", "macs", "latency_ms", "naswot", "recon", "mixer"} {
		if _, ok := doc.Front[0].Metrics[k]; !ok {
			t.Errorf("front metrics lack %s", k)
		}
	}
	for _, p := range []string{doc.FrontChart, doc.HVChart, filepath.Join(res, "journal.jsonl")} {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	if _, errText, code := run(t, "analyze", doc.Front[0].Spec); code != 0 {
		t.Errorf("analyze of a front spec: %s", errText)
	}
	// Running again into the same journal needs --resume; with it nothing is redone.
	if _, errText, code := run(t, args...); code == 0 || !strings.Contains(errText, "--resume") {
		t.Errorf("second run without --resume: exit %d, %q", code, errText)
	}
	out2, errText, code := run(t, append(args, "--resume")...)
	if code != 0 {
		t.Fatalf("resume: %s", errText)
	}
	if !strings.Contains(out2, `"evaluated": 60`) {
		t.Errorf("resumed search did not report the same 60 evaluations")
	}
	// Shards and merge.
	for _, s := range []string{"0/2", "1/2"} {
		if _, errText, code := run(t, "search", tinySpace, "--lut", tab, "--strategy", "random", "--budget", "40", "--shard", s, "--out", filepath.Join(dir, "shards")); code != 0 {
			t.Fatalf("shard %s: %s", s, errText)
		}
	}
	out, errText, code = run(t, "search", "merge", tinySpace, filepath.Join(dir, "shards", "journal-0-of-2.jsonl"), filepath.Join(dir, "shards", "journal-1-of-2.jsonl"),
		"--out", filepath.Join(dir, "merged"))
	if code != 0 || !strings.Contains(out, "40 evaluated") || !strings.Contains(out, "Pareto front") || strings.Contains(out, "missing") {
		t.Errorf("merge: exit %d %s\n%s", code, errText, out)
	}
	// One of two shards: merged, with a warning naming the missing one.
	out, errText, code = run(t, "search", "merge", tinySpace, filepath.Join(dir, "shards", "journal-1-of-2.jsonl"), "--out", filepath.Join(dir, "half"))
	if code != 0 || !strings.Contains(out, "warning: shard(s) 0/2 missing") {
		t.Errorf("merge of one shard: exit %d %s\n%s", code, errText, out)
	}
}

func TestSearchErrors(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"search", tinySpace}, 2, "--lut: space tiny uses latency"},
		{[]string{"search", tinySpace, "--strategy", "annealing"}, 2, `--strategy "annealing": expected grid, random, evolve`},
		{[]string{"search", tinySpace, "--shard", "2/2", "--strategy", "grid"}, 2, `--shard "2/2": expected i/n`},
		{[]string{"search", tinySpace, "--shard", "0/2"}, 2, "evolve is sequential"},
		{[]string{"search", tinySpace, "--format", "xml"}, 2, `--format "xml"`},
		{[]string{"search", "nosuch_space"}, 1, `space "nosuch_space": not an embedded space`},
		{[]string{"search", tinySpace, "--lut", "/nonexistent.json"}, 1, "--lut /nonexistent.json"},
		{[]string{"lut", "check", tinySpace}, 2, "--lut: required"},
		{[]string{"lut", "build", tinySpace, "--runs", "1"}, 2, "--runs 1"},
		{[]string{"lut", "build", tinySpace, "--statistic", "max"}, 2, `--statistic "max"`},
		{[]string{"search", "merge", tinySpace}, 2, "expected SPACE and at least one JOURNAL"},
	}
	for _, c := range cases {
		_, errText, code := run(t, c.args...)
		if code != c.code || !strings.Contains(errText, c.want) {
			t.Errorf("%v: exit %d %q; want exit %d and %q", c.args, code, errText, c.code, c.want)
		}
	}
}

// TestLUTHintWorksAnywhere: the hint for a missing latency table names the
// space so that the command it suggests runs outside a checkout too.
func TestLUTHintWorksAnywhere(t *testing.T) {
	t.Chdir(t.TempDir())
	_, errText, code := run(t, "search", "search_t0_mixer", "--out", "out")
	want := "build a table with `fnlab lut build search_t0_mixer --out FILE`"
	if code != 2 || !strings.Contains(errText, want) {
		t.Fatalf("exit %d %q, want %q", code, errText, want)
	}
	if _, err := search.LoadSpace("search_t0_mixer"); err != nil {
		t.Errorf("the suggested space does not load here: %v", err)
	}
}
