package fitreport

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/fnlab/fnlab/charts"
	"github.com/fnlab/fnlab/fit"
	"github.com/fnlab/fnlab/internal/outdir"
	"github.com/fnlab/fnlab/report"
)

func pm(m, s float64) string { return fmt.Sprintf("%.4g ± %.2g", m, s) }

// Table writes d as fnlab fit prints it: a header on the data, the
// rows, the ranking per stage and the chart files.
func Table(w io.Writer, d *fit.Report) error {
	fmt.Fprintf(w, "data: %s · teacher: %s", d.Data, d.Teacher)
	if d.Gen != nil {
		fmt.Fprintf(w, " · generator: corr. length %.1f px, noise %.2f, %.1f train pixels per input dim", d.Gen.CorrLen, d.Gen.Noise, d.Gen.Samples)
	}
	fmt.Fprintf(w, "\ntest MSE mean ± std over seeds; normalised = test MSE / variance of the teacher output (test split); %.1f s\n\n", d.Seconds)
	t := &report.Table{Header: []string{"stage", "redund.", "student", "params", "test MSE", "normalised", "iters", "paper MSE"},
		Right: []bool{false, true, false, true, true, true, true, true}}
	for _, r := range d.Rows {
		red, paper := "-", "-"
		if r.Redundancy != nil {
			red = fmt.Sprintf("%g", *r.Redundancy)
		}
		if r.PaperTestMSE != nil {
			paper = fmt.Sprintf("%.4f", *r.PaperTestMSE)
		}
		t.Add(r.Stage+" "+r.Shape, red, r.Student, report.SI(r.Params), pm(r.TestMSEMean, r.TestMSEStd), pm(r.Normalised, r.NormalisedStd),
			fmt.Sprintf("%.0f", r.ItersMean), paper)
	}
	if err := t.Write(w); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nranking by test MSE (best first):")
	keys := make([]string, 0, len(d.Rankings))
	for k := range d.Rankings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  stage %s: %s\n", k, strings.Join(d.Rankings[k], " < "))
	}
	if len(d.Charts) > 0 {
		fmt.Fprintf(w, "\ncharts: %s\n", strings.Join(d.Charts, ", "))
	}
	return nil
}

// CSV writes d's rows as CSV, one line per student, stage and redundancy.
func CSV(w io.Writer, d *fit.Report) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"student", "stage", "shape", "redundancy", "seeds", "test_mse_mean", "test_mse_std", "normalised_mse", "normalised_mse_std",
		"val_mse_mean", "train_mse_mean", "iters_mean", "params", "paper_test_mse"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	for _, r := range d.Rows {
		red, paper := "", ""
		if r.Redundancy != nil {
			red = f(*r.Redundancy)
		}
		if r.PaperTestMSE != nil {
			paper = f(*r.PaperTestMSE)
		}
		_ = cw.Write([]string{r.Student, r.Stage, r.Shape, red, strconv.Itoa(r.Seeds), f(r.TestMSEMean), f(r.TestMSEStd), f(r.Normalised),
			f(r.NormalisedStd), f(r.ValMSEMean), f(r.TrainMSEMean), f(r.ItersMean), strconv.FormatInt(r.Params, 10), paper})
	}
	cw.Flush()
	return cw.Error()
}

// Charts draws normalised test MSE per student and stage, error bars ±
// one standard deviation over seeds, one chart per redundancy, into od as
// PREFIXfit_loss (with _rRED when there are several redundancies), and
// returns the files written. A file od refuses is not written
// (outdir.ErrForeign).
func Charts(d *fit.Report, od *outdir.Dir, prefix string) ([]string, error) {
	byRed := map[string][]fit.Row{}
	var reds []string
	for _, r := range d.Rows {
		k := "-"
		if r.Redundancy != nil {
			k = fmt.Sprintf("%g", *r.Redundancy)
		}
		if _, ok := byRed[k]; !ok {
			reds = append(reds, k)
		}
		byRed[k] = append(byRed[k], r)
	}
	var paths []string
	for _, red := range reds {
		rows := byRed[red]
		var stages, students []string
		for _, r := range rows {
			if !slices.Contains(stages, r.Stage) {
				stages = append(stages, r.Stage)
			}
			if !slices.Contains(students, r.Student) {
				students = append(students, r.Student)
			}
		}
		// Students sorted by their mean normalised loss over stages.
		score := map[string]float64{}
		for _, r := range rows {
			score[r.Student] += r.Normalised
		}
		sort.SliceStable(students, func(a, b int) bool { return score[students[a]] < score[students[b]] })
		var series []charts.Series
		for _, s := range students {
			se := charts.Series{Name: s}
			for _, st := range stages {
				v := math.NaN()
				lo, hi := 0.0, 0.0
				for _, r := range rows {
					if r.Student == s && r.Stage == st {
						v, lo, hi = r.Normalised, r.Normalised-r.NormalisedStd, r.Normalised+r.NormalisedStd
					}
				}
				se.Values, se.Lo, se.Hi = append(se.Values, math.Max(v, 1e-9)), append(se.Lo, math.Max(lo, 1e-9)), append(se.Hi, hi)
			}
			series = append(series, se)
		}
		title := "Reconstruction of a 3x3 conv: normalised test MSE (mean ± std over seeds)"
		name := prefix + "fit_loss"
		if red != "-" {
			title += ", redundancy " + red
			if len(reds) > 1 {
				name += "_r" + red
			}
		}
		p, err := charts.Bars(charts.BarSpec{Title: title, XLabel: "stage", YLabel: "test MSE / teacher output variance (log)",
			Categories: stages, Series: series, LogY: true})
		if err != nil {
			return paths, err
		}
		ps, err := charts.SaveIn(od, p, name)
		paths = append(paths, ps...)
		if err != nil {
			return paths, err
		}
	}
	return paths, nil
}
