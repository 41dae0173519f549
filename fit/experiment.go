package fit

import (
	"fmt"
	"math"
	"sort"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/fnlab/fnlab/kernels"
)

// PaperTable2 is the paper's Table 2 test MSE per stage (1..4) for the
// DWConv, GConv and PConv students (each followed by a PWConv).
var PaperTable2 = map[string][4]float64{
	"dwconv+pwconv": {0.0089, 0.0158, 0.0214, 0.0130},
	"gconv+pwconv":  {0.0065, 0.0137, 0.0202, 0.0128},
	"pconv+pwconv":  {0.0069, 0.0136, 0.0172, 0.0115},
}

// Experiment is the reconstruction experiment: every student fitted to
// the teacher at every stage (and redundancy of generated data), once per
// seed. Seed s (1-based) draws the generated data, the random teacher,
// the split and the students' initialisation.
type Experiment struct {
	Stages     []Stage
	Students   []Student
	Seeds      int
	Redundancy []float64  // generated data: one pass per value
	Gen        GenOptions // generated data: the generator (Redundancy and Seed are set per pass)
	Features   *Data      // real features (then Stages holds one stage of their shape); nil: generated
	Teacher    []float32  // a [c, c, 3, 3] teacher weight; nil: RandomTeacher per seed
	// Names recorded in the report for real data (file names).
	FeaturesName, TeacherName string
	Options                   Options
	Progress                  func() // called after each fitted (stage, seed, student)
	// Step, when set, is called before each fit (Done counts the work of
	// the fits before it) and once at the end (Done == Total), with work
	// weighted by Work, so that a caller's ETA follows the slow fits.
	Step func(FitStep)
}

// FitStep is where an Experiment is: the fit it starts, and its progress
// in units of Work.
type FitStep struct {
	Stage, Student string
	Seed           int
	Done, Total    float64
}

// Work estimates the relative cost of fitting student s at stage st.
// Every fit works on second moments of about 9C features over training
// pixels proportional to 9C, so the stage's width dominates; measured at
// FasterNet-T0's stages 3 and 4 (C = 160, 320), a fit's time grows about as
// C^2.5 and the iterative students take 1.1-1.6x the closed-form conv (PConv
// more as n_div falls).
// The scale is arbitrary; ratios between fits are what it is for.
func Work(s Student, st Stage) float64 {
	f := 1.0
	switch s.Kind {
	case KindPConv:
		f = 1 + 1.2/float64(max(s.NDiv, 1)) // more convolved channels, a bigger first solve
	case KindGConv:
		f = 1.4
	case KindDWConv, KindPWConv:
		f = 1.1
	}
	return f * math.Pow(float64(st.C), 2.5)
}

// Row is one student at one stage, summarised over seeds.
type Row struct {
	Student        string    `json:"student"`
	Stage          string    `json:"stage"`
	Shape          string    `json:"shape"`
	Redundancy     *float64  `json:"redundancy,omitempty"` // generated data only
	Seeds          int       `json:"seeds"`
	TestMSEMean    float64   `json:"test_mse_mean"`
	TestMSEStd     float64   `json:"test_mse_std"`
	Normalised     float64   `json:"normalised_mse"`
	NormalisedStd  float64   `json:"normalised_mse_std"`
	ValMSEMean     float64   `json:"val_mse_mean"`
	TrainMSEMean   float64   `json:"train_mse_mean"`
	ItersMean      float64   `json:"iters_mean"`
	Params         int64     `json:"params"`
	Method         string    `json:"method"`
	PaperTestMSE   *float64  `json:"paper_test_mse,omitempty"`
	TestMSEPerSeed []float64 `json:"test_mse_per_seed"`
	Curve          []float64 `json:"train_curve_seed0"`
}

// Report is an experiment's result.
type Report struct {
	Data     string              `json:"data"` // "generated" or the features file
	Teacher  string              `json:"teacher"`
	Gen      *GenOptions         `json:"generator,omitempty"`
	Pixels   map[string][3]int   `json:"pixels"` // per stage: train, val, test pixels of seed 1
	Rows     []Row               `json:"rows"`
	Rankings map[string][]string `json:"rankings"` // RankKey(stage, redundancy) -> students by test MSE
	Seconds  float64             `json:"seconds"`
	Charts   []string            `json:"charts,omitempty"` // files the caller drew from it
}

// RankKey names a ranking: the stage, and the redundancy for generated data.
func RankKey(stage string, redundancy float64) string {
	if math.IsNaN(redundancy) {
		return stage
	}
	return fmt.Sprintf("%s@redundancy=%g", stage, redundancy)
}

// Run fits every student at every stage and seed.
func (e *Experiment) Run() (*Report, error) {
	start := time.Now()
	if e.Seeds < 1 {
		return nil, fmt.Errorf("fit: %d seeds: expected at least 1", e.Seeds)
	}
	rep := &Report{Data: "generated", Teacher: "random (fit.RandomTeacher)", Pixels: map[string][3]int{}, Rankings: map[string][]string{}}
	reds := e.Redundancy
	if e.Features != nil {
		rep.Data = e.FeaturesName
		reds = []float64{math.NaN()}
	} else {
		g := e.Gen
		rep.Gen = &g
	}
	if e.Teacher != nil {
		rep.Teacher = e.TeacherName
	}
	opt := e.Options
	if opt.Pool == nil {
		// One pool for every problem of the experiment, not one each.
		opt.Pool = kernels.NewPool(opt.Threads)
		defer opt.Pool.Close()
	}
	var total, done float64
	for range reds {
		for _, st := range e.Stages {
			for _, s := range e.Students {
				total += float64(e.Seeds) * Work(s, st)
			}
		}
	}
	for _, red := range reds {
		for _, st := range e.Stages {
			results := make([][]Result, len(e.Students))
			for seed := uint64(1); seed <= uint64(e.Seeds); seed++ {
				d := e.Features
				if d == nil {
					g := e.Gen
					g.Redundancy, g.Seed = red, seed
					var err error
					if d, err = Generate(st, g); err != nil {
						return nil, err
					}
				}
				teacher := e.Teacher
				if teacher == nil {
					teacher = RandomTeacher(st.C, seed)
				}
				pr, err := NewProblem(d, teacher, seed, opt)
				if err != nil {
					return nil, err
				}
				if seed == 1 {
					rep.Pixels[st.Name] = pr.Pixels()
				}
				for i, s := range e.Students {
					if e.Step != nil {
						e.Step(FitStep{Stage: st.Name, Student: s.Name(), Seed: int(seed), Done: done, Total: total})
					}
					r, err := pr.Fit(s, seed)
					done += Work(s, st)
					if err != nil {
						pr.Close()
						return nil, fmt.Errorf("stage %s, student %s, seed %d: %v", st.Name, s.Name(), seed, err)
					}
					results[i] = append(results[i], r)
					if e.Progress != nil {
						e.Progress()
					}
				}
				pr.Close()
			}
			var stageRows []Row
			for i, s := range e.Students {
				row := summarise(s, st, results[i])
				if !math.IsNaN(red) {
					r := red
					row.Redundancy = &r
				}
				if p, ok := PaperTable2[row.Student]; ok && len(st.Name) == 1 && st.Name >= "1" && st.Name <= "4" && e.Teacher == nil {
					v := p[st.Name[0]-'1']
					row.PaperTestMSE = &v
				}
				stageRows = append(stageRows, row)
			}
			rep.Rows = append(rep.Rows, stageRows...)
			sort.SliceStable(stageRows, func(a, b int) bool { return stageRows[a].TestMSEMean < stageRows[b].TestMSEMean })
			var rank []string
			for _, r := range stageRows {
				rank = append(rank, r.Student)
			}
			rep.Rankings[RankKey(st.Name, red)] = rank
		}
	}
	if e.Step != nil {
		e.Step(FitStep{Done: total, Total: total})
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

func summarise(s Student, st Stage, rs []Result) Row {
	row := Row{Student: s.Name(), Stage: st.Name, Shape: st.String(), Seeds: len(rs),
		Params: rs[0].Params, Method: rs[0].Method, Curve: rs[0].Curve}
	var test, norm []float64
	for _, r := range rs {
		test = append(test, r.TestMSE)
		norm = append(norm, r.Normalised)
		row.ValMSEMean += r.ValMSE / float64(len(rs))
		row.TrainMSEMean += r.TrainMSE / float64(len(rs))
		row.ItersMean += float64(r.Iters) / float64(len(rs))
	}
	row.TestMSEPerSeed = test
	row.TestMSEMean, row.TestMSEStd = MeanStd(test)
	row.Normalised, row.NormalisedStd = MeanStd(norm)
	return row
}

// MeanStd returns the mean and the sample standard deviation (n-1; 0 for
// one value) of x, by gonum's stat.
func MeanStd(x []float64) (float64, float64) {
	if len(x) < 2 {
		return stat.Mean(x, nil), 0
	}
	return stat.MeanStdDev(x, nil)
}
