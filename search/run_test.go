package search

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/engine"
	"github.com/fnlab/fnlab/search/lut"
)

var (
	tinyOnce  sync.Once
	tinySpace *Space
	tinyLUT   *lut.Table
)

// tiny returns testdata/tiny.yaml with a synthetic latency table: every
// step configuration of the space costs (MACs of its layers + 1000) ns.
func tiny(t testing.TB) (*Space, *lut.Table) {
	tinyOnce.Do(func() {
		sp, err := LoadSpace("testdata/tiny.yaml")
		if err != nil {
			t.Fatal(err)
		}
		tab := &lut.Table{Format: lut.Format, Version: lut.Version, Threads: 1, Statistic: "median", OverheadMS: 0.01}
		seen := map[string]bool{}
		for i := int64(0); i < sp.Size(); i++ {
			s, err := sp.Spec(sp.Decode(i, nil))
			if err != nil {
				continue
			}
			g, err := arch.Compile(s)
			if err != nil {
				t.Fatal(err)
			}
			rep := analyze.Count(g, analyze.BNFused)
			macs := map[string]int64{}
			for _, l := range rep.Layers {
				macs[l.Name] = l.MACs
			}
			steps, err := engine.PlanSteps(g)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range steps {
				if seen[st.Key] {
					continue
				}
				seen[st.Key] = true
				var m int64
				for _, l := range st.Layers {
					m += macs[l]
				}
				ms := float64(m+1000) / 1e6
				tab.Entries = append(tab.Entries, lut.Entry{Key: st.Key, Count: 1, MeanMS: ms, MedianMS: ms, P10MS: ms, MinMS: ms})
			}
		}
		tinySpace, tinyLUT = sp, tab
	})
	return tinySpace, tinyLUT
}

func canonical(t testing.TB, recs []Record) []string {
	var out []string
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	sort.Strings(out)
	return out
}

func TestSeededSearchReproduces(t *testing.T) {
	sp, tab := tiny(t)
	for _, strategy := range Strategies {
		t.Run(strategy, func(t *testing.T) {
			ev := &Evaluator{Space: sp, LUT: tab, Proxy: true}
			run := func(workers int) ([]Record, []Record) {
				recs, err := Run(context.Background(), ev, Options{Strategy: strategy, Budget: 120, Seed: 7, Workers: workers})
				if err != nil {
					t.Fatal(err)
				}
				return recs, sp.Front(recs)
			}
			a, fa := run(1)
			b, fb := run(3)
			if len(a) != 120 {
				t.Errorf("%d records, want the budget of 120", len(a))
			}
			ca, cb := canonical(t, a), canonical(t, b)
			if strings.Join(ca, "\n") != strings.Join(cb, "\n") {
				t.Errorf("two runs with seed 7 evaluated different candidates or metrics")
			}
			if strings.Join(canonical(t, fa), "\n") != strings.Join(canonical(t, fb), "\n") || len(fa) == 0 {
				t.Errorf("fronts differ (%d vs %d members)", len(fa), len(fb))
			}
			if strategy != "grid" {
				c, err := Run(context.Background(), ev, Options{Strategy: strategy, Budget: 120, Seed: 8, Workers: 2})
				if err != nil {
					t.Fatal(err)
				}
				if strings.Join(canonical(t, c), "\n") == strings.Join(ca, "\n") {
					t.Errorf("seed 8 gave the same search as seed 7")
				}
			}
		})
	}
}

func TestShardsCoverTheSearch(t *testing.T) {
	sp, tab := tiny(t)
	ev := &Evaluator{Space: sp, LUT: tab}
	for _, strategy := range []string{"grid", "random"} {
		whole, err := Run(context.Background(), ev, Options{Strategy: strategy, Budget: 100, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		var parts [][]Record
		for i := 0; i < 3; i++ {
			p, err := Run(context.Background(), ev, Options{Strategy: strategy, Budget: 100, Seed: 3, Shard: Shard{i, 3}})
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, p)
		}
		merged := MergeRecords(parts...)
		if strings.Join(canonical(t, merged), "\n") != strings.Join(canonical(t, whole), "\n") {
			t.Errorf("%s: 3 merged shards (%d records) differ from the unsharded search (%d)", strategy, len(merged), len(whole))
		}
	}
}

func TestResumeInProcess(t *testing.T) {
	sp, tab := tiny(t)
	ev := &Evaluator{Space: sp, LUT: tab}
	dir := t.TempDir()
	h := Header{Format: JournalFormat, Version: JournalVersion, Space: sp.Name, SpaceHash: sp.Hash, Strategy: "evolve", Seed: 5, Budget: 150, Shard: "0/1"}
	full := filepath.Join(dir, "full.jsonl")
	j, err := CreateJournal(full, h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), ev, Options{Strategy: "evolve", Budget: 150, Seed: 5, Journal: j}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	_, want, err := ReadJournal(full)
	if err != nil {
		t.Fatal(err)
	}
	// A journal cut after 40 records and a torn line, then resumed.
	part := filepath.Join(dir, "part.jsonl")
	data, _ := os.ReadFile(full)
	lines := strings.SplitAfter(string(data), "\n")
	cut := strings.Join(lines[:41], "") + lines[41][:len(lines[41])/2]
	if err := os.WriteFile(part, []byte(cut), 0o644); err != nil {
		t.Fatal(err)
	}
	j2, prior, err := ResumeJournal(part, h)
	if err != nil {
		t.Fatal(err)
	}
	if len(prior) != 40 {
		t.Fatalf("resumed %d records, want 40", len(prior))
	}
	if _, err := Run(context.Background(), ev, Options{Strategy: "evolve", Budget: 150, Seed: 5, Journal: j2, Prior: prior}); err != nil {
		t.Fatal(err)
	}
	j2.Close()
	_, got, err := ReadJournal(part)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(canonical(t, got), "\n") != strings.Join(canonical(t, want), "\n") {
		t.Errorf("resumed journal (%d records) differs from the uninterrupted one (%d)", len(got), len(want))
	}
	// Resuming with another seed is refused.
	h2 := h
	h2.Seed = 6
	if _, _, err := ResumeJournal(part, h2); err == nil || !strings.Contains(err.Error(), "seed 5, this search uses 6") {
		t.Errorf("resume with another seed: %v", err)
	}
	if _, err := CreateJournal(part, h); !errors.Is(err, ErrJournalExists) || !strings.Contains(err.Error(), "already holds a search") {
		t.Errorf("overwriting a journal: %v", err)
	}
}

// TestKillChild is the child process of TestResumeAfterSIGKILL: a slowed
// search that journals to $FNLAB_KILL_JOURNAL until it is killed.
func TestKillChild(t *testing.T) {
	path := os.Getenv("FNLAB_KILL_JOURNAL")
	if path == "" {
		t.Skip("child process of TestResumeAfterSIGKILL")
	}
	evalDelay = 3 * time.Millisecond
	runJournaled(t, path, os.Getenv("FNLAB_KILL_STRATEGY"), false)
}

func runJournaled(t testing.TB, path, strategy string, resume bool) {
	sp, tab := tiny(t)
	ev := &Evaluator{Space: sp, LUT: tab, Proxy: true}
	h := Header{Format: JournalFormat, Version: JournalVersion, Space: sp.Name, SpaceHash: sp.Hash, Strategy: strategy, Seed: 11, Budget: 200, Shard: "0/1", Proxy: true}
	var j *Journal
	var prior []Record
	var err error
	if resume {
		j, prior, err = ResumeJournal(path, h)
	} else {
		j, err = CreateJournal(path, h)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := Run(context.Background(), ev, Options{Strategy: strategy, Budget: 200, Seed: 11, Workers: 2, Journal: j, Prior: prior}); err != nil {
		t.Fatal(err)
	}
}

func countLines(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
	}
	return n
}

func TestResumeAfterSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	for _, strategy := range []string{"evolve", "random"} {
		t.Run(strategy, func(t *testing.T) {
			dir := t.TempDir()
			killed := filepath.Join(dir, "killed.jsonl")
			cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), "FNLAB_KILL_JOURNAL="+killed, "FNLAB_KILL_STRATEGY="+strategy)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(90 * time.Second)
			for countLines(killed) < 60 && time.Now().Before(deadline) {
				time.Sleep(2 * time.Millisecond)
			}
			if err := cmd.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			_ = cmd.Wait()
			n := countLines(killed) - 1
			if n < 59 || n >= 200 {
				t.Fatalf("child journaled %d records before the kill; want a kill mid-run", n)
			}
			runJournaled(t, killed, strategy, true)
			whole := filepath.Join(dir, "whole.jsonl")
			runJournaled(t, whole, strategy, false)
			_, got, err := ReadJournal(killed)
			if err != nil {
				t.Fatal(err)
			}
			_, want, err := ReadJournal(whole)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) != 200 || strings.Join(canonical(t, got), "\n") != strings.Join(canonical(t, want), "\n") {
				t.Errorf("killed at %d and resumed: %d records; uninterrupted: %d; contents differ", n, len(got), len(want))
			}
		})
	}
}

func TestSpecYAMLRoundTrip(t *testing.T) {
	sp, _ := tiny(t)
	s, err := sp.Spec(sp.Decode(777, nil))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "front.yaml")
	if err := os.WriteFile(p, SpecYAML(s, "a comment"), 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := arch.Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	back.Source = s.Source
	g1, _ := arch.Compile(s)
	g2, _ := arch.Compile(back)
	if g1.NumParams() != g2.NumParams() || len(g1.Layers) != len(g2.Layers) || back.Name != s.Name {
		t.Errorf("spec YAML does not load back to the same model")
	}
}

// BenchmarkPredictedEvaluation measures candidates evaluated per minute
// with predicted latency (counts, latency table, recon score; no proxy)
// on the full-size search_t0_mixer space, all cores. The issue asks for
// at least 10,000 per minute on 2 cores.
func BenchmarkPredictedEvaluation(b *testing.B) {
	sp, err := LoadSpace("search_t0_mixer")
	if err != nil {
		b.Fatal(err)
	}
	tab := &lut.Table{Format: lut.Format, Version: lut.Version, Statistic: "median"}
	seen := map[string]bool{}
	for _, g := range sp.Cover() {
		s, err := sp.Spec(g)
		if err != nil {
			continue
		}
		gr, _ := arch.Compile(s)
		steps, _ := engine.PlanSteps(gr)
		for _, st := range steps {
			if !seen[st.Key] {
				seen[st.Key] = true
				tab.Entries = append(tab.Entries, lut.Entry{Key: st.Key, Count: 1, MedianMS: 0.1})
			}
		}
	}
	ev := &Evaluator{Space: sp, LUT: tab}
	b.ResetTimer()
	t0 := time.Now()
	recs, err := Run(context.Background(), ev, Options{Strategy: "random", Budget: b.N, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	el := time.Since(t0)
	for _, r := range recs {
		if r.Error == "" && r.Metrics.LatencyMS == nil {
			b.Fatal("no predicted latency")
		}
	}
	b.ReportMetric(float64(len(recs))/el.Minutes(), "candidates/min")
}

// TestEvolveExtends: an evolutionary search resumed with a bigger budget
// (same population) evaluates exactly what one run of that budget does.
func TestEvolveExtends(t *testing.T) {
	sp, tab := tiny(t)
	ev := &Evaluator{Space: sp, LUT: tab, Proxy: true}
	run := func(budget int, prior []Record) []Record {
		recs, err := Run(context.Background(), ev, Options{Strategy: "evolve", Budget: budget, Seed: 3, Workers: 2, Population: 8, Prior: prior})
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	first := run(40, nil)
	extended := run(88, first)
	straight := run(88, nil)
	if len(extended) != 88 || strings.Join(canonical(t, extended), "\n") != strings.Join(canonical(t, straight), "\n") {
		t.Errorf("extended run (%d records) differs from a straight run (%d records)", len(extended), len(straight))
	}
}
