package lut

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestCheck(t *testing.T) {
	a, b := tinyGraph(t), tinyGraph(t, "n_div=2")
	tab, err := Build([]Model{{"a", a}}, Options{Threads: 1, Warmup: 0, Runs: 2})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		models  []Model
		rows    int
		missing bool
	}{
		{"built from", []Model{{"a", a}, {"a again", a}}, 2, false},
		{"a step it lacks", []Model{{"b", b}}, 0, true},
		{"none", nil, 0, false},
	}
	for _, c := range cases {
		calls := 0
		res, err := Check(tab, c.models, Options{Threads: 1, Runs: 2}, func(done, total int) {
			calls++
			if done != calls || total != len(c.models) {
				t.Errorf("%s: progress %d of %d at call %d", c.name, done, total, calls)
			}
		})
		var me *MissingError
		if errors.As(err, &me) != c.missing || (err != nil && !c.missing) {
			t.Fatalf("%s: error %v", c.name, err)
		}
		if c.missing {
			continue
		}
		if len(res.Rows) != c.rows || calls != c.rows {
			t.Fatalf("%s: %d rows, %d progress calls", c.name, len(res.Rows), calls)
		}
		for _, r := range res.Rows {
			if r.PredictedMS <= 0 || r.MeasuredMS <= 0 || r.Name != a.Spec.Name {
				t.Errorf("%s: row %+v", c.name, r)
			}
		}
		if c.rows > 0 && !(res.MedianAbsError <= res.P90AbsError && res.P90AbsError <= res.MaxAbsError) {
			t.Errorf("%s: |error| median %g p90 %g max %g", c.name, res.MedianAbsError, res.P90AbsError, res.MaxAbsError)
		}
	}
}

// TestHash: a loaded table's hash is that of the bytes of its file.
func TestHash(t *testing.T) {
	tab, err := Build([]Model{{"a", tinyGraph(t)}}, Options{Threads: 1, Runs: 2})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "t.lut.json")
	if err := tab.Save(p); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%x", sha256.Sum256(data))[:16]; got.Hash() != want || tab.Hash() != "" {
		t.Errorf("hash %q (built: %q), want %q", got.Hash(), tab.Hash(), want)
	}
}
