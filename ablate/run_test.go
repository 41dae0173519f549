package ablate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/internal/atomicfile"
	"github.com/fnlab/fnlab/internal/outdir"
)

func tinyOptions(s *arch.Spec) Options {
	return Options{Mixers: []arch.Mixer{arch.PConv, arch.Conv}, Runs: 2, Seeds: 2, MaxIter: 2, Threads: 1, Quick: true,
		Load: func(sets []string) (*arch.Graph, error) {
			v := *s
			v.Stages = append([]arch.StageSpec(nil), s.Stages...)
			for _, kv := range sets {
				k, val, _ := strings.Cut(kv, "=")
				if k == "mixer" {
					v.Mixer = arch.Mixer(val)
					for i := range v.Stages {
						v.Stages[i].Mixer = v.Mixer
					}
				}
			}
			return arch.Compile(&v)
		}}
}

// TestRun runs a tiny ablation in a directory, then checks that a second
// run is refused, a resume with other settings names the key, and a
// resume of a finished run redoes nothing.
func TestRun(t *testing.T) {
	s := tinySpec(t)
	dir := t.TempDir()
	od, err := outdir.Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	defer od.Close()
	var measured, saves, fits int
	o := tinyOptions(s)
	o.Progress = func(p Progress) {
		switch {
		case p.Variant != "":
			measured++
			if p.Total != 2 || p.Done != measured {
				t.Errorf("progress %d of %d after %d variants", p.Done, p.Total, measured)
			}
		case p.Fit != nil:
			fits++
		case strings.Contains(p.Saved, "results.json keeps"):
			saves++
		default:
			t.Errorf("empty progress %+v", p)
		}
	}
	d, charts, err := Run(context.Background(), s, od, o)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Complete || measured != 2 || fits == 0 || saves < 3 || d.Config["runs"] != "2" || len(charts) == 0 {
		t.Errorf("complete %v, %d measured, %d fits, %d saves, config %v, %d charts", d.Complete, measured, fits, saves, d.Config, len(charts))
	}
	if rep, err := os.ReadFile(filepath.Join(dir, "report.md")); err != nil || !strings.Contains(string(rep), "| pconv n_div=4 |") {
		t.Errorf("report.md: %v\n%s", err, rep)
	}
	var re *ResumeError
	if _, _, err := Run(context.Background(), s, od, o); !errors.As(err, &re) || !re.Exists {
		t.Errorf("second run: %v, want a ResumeError for an existing file", err)
	}
	o.Resume, o.Runs = true, 3
	if _, _, err := Run(context.Background(), s, od, o); !errors.As(err, &re) || re.Key != "runs" || re.Was != "2" || re.Now != "3" {
		t.Errorf("resume with other runs: %v", err)
	}
	o.Runs, o.Progress = 2, func(p Progress) {
		if p.Fit != nil {
			t.Errorf("resuming a finished run fits again: %+v", p.Fit)
		}
	}
	if d2, _, err := Run(context.Background(), s, od, o); err != nil || d2.Variants[0].MedianMS != d.Variants[0].MedianMS {
		t.Errorf("resume of a finished run: %v", err)
	}
}

func TestStartRefuses(t *testing.T) {
	s := tinySpec(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "results.json")
	o := tinyOptions(s).withDefaults()
	if _, err := start(s, path, Options{Resume: true}); !isResume(err, func(e *ResumeError) bool { return e.Missing }) {
		t.Errorf("nothing to resume: %v", err)
	}
	d, err := start(s, path, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.WriteJSON(path, d); err != nil {
		t.Fatal(err)
	}
	other := tinySpec(t, "embed_dim=16")
	o.Resume = true
	if _, err := start(other, path, o); !isResume(err, func(e *ResumeError) bool { return e.Key == "spec" && e.NowSpec == other.Name }) ||
		strings.Contains(err.Error(), "--") {
		t.Errorf("another spec: %v", err)
	}
	os.WriteFile(path, []byte("{"), 0o644)
	if _, err := start(s, path, o); !isResume(err, func(e *ResumeError) bool { return e.Err != nil }) || !strings.Contains(err.Error(), "not an ablate results file") {
		t.Errorf("broken file: %v", err)
	}
}

func isResume(err error, ok func(*ResumeError) bool) bool {
	var re *ResumeError
	return errors.As(err, &re) && ok(re)
}
