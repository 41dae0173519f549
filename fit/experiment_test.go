package fit_test

import (
	"fmt"
	"testing"

	"github.com/fnlab/fnlab/fit"
)

func TestExperiment(t *testing.T) {
	var students []fit.Student
	for _, s := range []string{"conv", "pconv", "dwconv", "pwconv"} {
		st, err := fit.ParseStudent(s)
		if err != nil {
			t.Fatal(err)
		}
		students = append(students, st)
	}
	calls := 0
	e := &fit.Experiment{
		Stages:     []fit.Stage{{Name: "1", C: 16, H: 6, W: 6}, {Name: "small", C: 8, H: 4, W: 4}},
		Students:   students,
		Seeds:      3,
		Redundancy: []float64{0, 0.5},
		Gen:        fit.DefaultGen,
		Options:    fit.Options{Threads: 1, MaxIter: 5},
		Progress:   func() { calls++ },
	}
	var steps []fit.FitStep
	e.Step = func(s fit.FitStep) { steps = append(steps, s) }
	rep, err := e.Run()
	if err != nil {
		t.Fatal(err)
	}
	// Step: once before each fit, then once at the end; work only grows, and
	// a wide stage weighs more than a narrow one.
	if len(steps) != 2*2*3*4+1 || steps[len(steps)-1].Done != steps[0].Total {
		t.Fatalf("%d steps, last %+v", len(steps), steps[len(steps)-1])
	}
	for i := 1; i < len(steps); i++ {
		if steps[i].Done <= steps[i-1].Done {
			t.Fatalf("step %d: done %g after %g", i, steps[i].Done, steps[i-1].Done)
		}
	}
	if a, b := fit.Work(students[1], fit.Stage{C: 320}), fit.Work(students[1], fit.Stage{C: 160}); a < 5*b {
		t.Errorf("a 320-channel fit weighs %g, a 160-channel one %g", a, b)
	}
	if want := 2 * 2 * 3 * 4; calls != want {
		t.Errorf("progress called %d times, want %d", calls, want)
	}
	if len(rep.Rows) != 2*2*4 || len(rep.Rankings) != 4 {
		t.Fatalf("%d rows, %d rankings", len(rep.Rows), len(rep.Rankings))
	}
	for _, r := range rep.Rows {
		if r.Seeds != 3 || len(r.TestMSEPerSeed) != 3 || r.Redundancy == nil {
			t.Errorf("%s@%s: %d seeds, %d per-seed values", r.Student, r.Stage, r.Seeds, len(r.TestMSEPerSeed))
		}
		if r.Student == "conv" && r.Normalised > 1e-6 {
			t.Errorf("full conv at %s: normalised loss %g, want ~0", r.Stage, r.Normalised)
		}
		paper := r.Stage == "1" && r.Student != "conv" && r.Student != "pwconv"
		if (r.PaperTestMSE != nil) != paper {
			t.Errorf("%s@%s: paper figure %v", r.Student, r.Stage, r.PaperTestMSE)
		}
	}
	for k, rank := range rep.Rankings {
		if rank[0] != "conv" || rank[len(rank)-1] != "pwconv" {
			t.Errorf("ranking %s: %v; the full conv must lead and PWConv alone trail", k, rank)
		}
	}
	if _, err := (&fit.Experiment{Stages: e.Stages, Students: students}).Run(); err == nil {
		t.Error("0 seeds: want an error")
	}
}

func ExampleMeanStd() {
	m, s := fit.MeanStd([]float64{1, 2, 3, 4})
	fmt.Printf("%.2f %.2f\n", m, s)
	// Output: 2.50 1.29
}
