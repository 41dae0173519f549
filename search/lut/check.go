package lut

import (
	"math"
	"sort"

	"github.com/fnlab/fnlab/analyze"
)

// CheckRow is one model of a Check: its predicted and measured latency
// and the prediction's error, 100 x (predicted - measured) / measured.
type CheckRow struct {
	Candidate   string  `json:"candidate"`
	Name        string  `json:"name"`
	PredictedMS float64 `json:"predicted_ms"`
	MeasuredMS  float64 `json:"measured_ms"`
	ErrorPct    float64 `json:"error_pct"`
}

// CheckResult is a table's prediction error on models it was not built
// from: per model, and the median, p90 and maximum of its absolute value.
type CheckResult struct {
	Rows           []CheckRow `json:"rows"`
	MedianAbsError float64    `json:"median_abs_error_pct"`
	P90AbsError    float64    `json:"p90_abs_error_pct"`
	MaxAbsError    float64    `json:"max_abs_error_pct"`
}

// Check predicts each model's latency with t and measures it (Measure
// with o), calling progress after each model. A model with a step the
// table lacks gives the table's *MissingError.
func Check(t *Table, models []Model, o Options, progress func(done, total int)) (*CheckResult, error) {
	res := &CheckResult{}
	var abs []float64
	for i, m := range models {
		pred, err := t.Predict(m.Graph)
		if err != nil {
			return nil, err
		}
		meas, err := Measure(m.Graph, o)
		if err != nil {
			return nil, err
		}
		e := 100 * (pred - meas) / meas
		res.Rows = append(res.Rows, CheckRow{Candidate: m.Name, Name: m.Graph.Spec.Name, PredictedMS: pred, MeasuredMS: meas, ErrorPct: e})
		abs = append(abs, math.Abs(e))
		if progress != nil {
			progress(i+1, len(models))
		}
	}
	if len(abs) == 0 {
		return res, nil
	}
	sort.Float64s(abs)
	res.MedianAbsError = analyze.Quantile(abs, 0.5)
	res.P90AbsError = analyze.Quantile(abs, 0.9)
	res.MaxAbsError = abs[len(abs)-1]
	return res, nil
}

// CheckDoc is a Check of a table file against a space, with where it ran.
type CheckDoc struct {
	Space        string `json:"space"`
	Table        string `json:"table"`
	TableMachine string `json:"table_machine"`
	Machine      string `json:"machine"`
	Threads      int    `json:"threads"`
	Runs         int    `json:"runs"`
	*CheckResult
}
