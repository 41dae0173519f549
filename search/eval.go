package search

import (
	"errors"
	"fmt"
	"math"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/engine"
	"github.com/fnlab/fnlab/search/lut"
	"github.com/fnlab/fnlab/search/proxy"
)

// Metrics are what one candidate costs and scores. Counts are exact
// (analyze.Count with BN folded, as the engine runs it); latency is the
// latency table's prediction.
type Metrics struct {
	Params     int64    `json:"params"`
	MACs       int64    `json:"macs"`
	FLOPs      int64    `json:"flops"`
	Bytes      int64    `json:"bytes"`
	PeakMemory int64    `json:"peak_memory"`
	LatencyMS  *float64 `json:"latency_ms,omitempty"`
	Recon      float64  `json:"recon"`
	NASWOT     *float64 `json:"naswot,omitempty"`
	Mixer      string   `json:"mixer"` // the mixer of every stage, or "mixed"
}

// Value returns metric name of m (NaN when it was not computed); see
// MetricTable.
func (m *Metrics) Value(name string) float64 { return Metric(name).Value(m) }

// Record is one evaluation as the journal stores it.
type Record struct {
	Index     int64    `json:"index"` // position in the strategy's deterministic order
	Key       string   `json:"key"`
	Metrics   *Metrics `json:"metrics,omitempty"`
	Feasible  bool     `json:"feasible"`
	Violation float64  `json:"violation"` // sum over constraints of max(0, value/limit - 1)
	Error     string   `json:"error,omitempty"`
}

// FailedViolation is the violation recorded for a candidate that could
// not be built: worse than any real violation, and finite so JSON holds it.
const FailedViolation = math.MaxFloat64

// Evaluator computes a candidate's metrics.
type Evaluator struct {
	Space *Space
	LUT   *lut.Table        // predicted latency; nil: no latency
	Recon proxy.ReconScorer // nil: the space's (Space.ReconScorer)
	Proxy bool              // compute the NASWOT score
}

// ErrLUTCoverage is wrapped by the error of a latency table that lacks a
// step of the space: the table was built for another space.
var ErrLUTCoverage = errors.New("latency table does not cover space")

// FatalError is an evaluation failure that stops a search (a latency table
// that does not cover the space), as opposed to an invalid candidate.
type FatalError struct{ Err error }

func (e *FatalError) Error() string { return e.Err.Error() }
func (e *FatalError) Unwrap() error { return e.Err }

// Evaluate builds candidate g and measures it. An invalid candidate gives
// a record with Error set; a *FatalError is returned for problems that
// concern every candidate.
func (e *Evaluator) Evaluate(g Genome) (Record, error) {
	sp := e.Space
	r := Record{Key: sp.Key(g)}
	s, err := sp.Spec(g)
	if err != nil {
		r.Error, r.Violation = err.Error(), FailedViolation
		return r, nil
	}
	gr, err := arch.Compile(s)
	if err != nil {
		r.Error, r.Violation = err.Error(), FailedViolation
		return r, nil
	}
	m, err := e.metrics(s, gr)
	if err != nil {
		var miss *lut.MissingError
		if errors.As(err, &miss) {
			return r, &FatalError{fmt.Errorf("%w %s: %v", ErrLUTCoverage, sp.Name, miss)}
		}
		r.Error, r.Violation = err.Error(), FailedViolation
		return r, nil
	}
	r.Metrics = m
	r.Feasible, r.Violation = sp.violation(m)
	return r, nil
}

func (e *Evaluator) metrics(s *arch.Spec, g *arch.Graph) (*Metrics, error) {
	rep := analyze.Count(g, analyze.BNFused)
	t := rep.Totals
	m := &Metrics{Params: t.Params, MACs: t.MACs, FLOPs: t.FLOPs, Bytes: t.Bytes(), PeakMemory: PeakMemory(g), Mixer: mixerLabel(s)}
	if e.LUT != nil {
		steps, err := engine.PlanSteps(g)
		if err != nil {
			return nil, err
		}
		ms, err := e.LUT.PredictSteps(steps)
		if err != nil {
			return nil, err
		}
		ms = math.Round(ms*1e6) / 1e6
		m.LatencyMS = &ms
	}
	sc := e.Recon
	if sc == nil {
		sc = e.Space.ReconScorer()
	}
	rc, _, err := proxy.Recon(s, sc)
	if err != nil {
		return nil, err
	}
	m.Recon = math.Round(rc*1e9) / 1e9
	if e.Proxy {
		cfg := proxy.Config{Batch: e.Space.Proxy.Batch, Resolution: e.Space.Proxy.Resolution, Seed: e.Space.Proxy.Seed}
		v, err := proxy.NASWOT(s, cfg)
		if err != nil {
			return nil, err
		}
		if math.IsInf(v, -1) {
			v = -math.MaxFloat64 // a singular kernel: the worst score JSON can hold
		}
		v = math.Round(v*1e6) / 1e6
		m.NASWOT = &v
	}
	return m, nil
}

// PeakMemory is the largest activation footprint of one layer at float32:
// max over layers of the bytes of its distinct inputs and outputs.
func PeakMemory(g *arch.Graph) int64 {
	var peak int64
	for i := range g.Layers {
		l := &g.Layers[i]
		var n int64
		for j, v := range l.Inputs {
			dup := false
			for _, u := range l.Inputs[:j] {
				dup = dup || u == v
			}
			if !dup {
				n += g.Values[v].Shape.Numel()
			}
		}
		for _, v := range l.Outputs {
			n += g.Values[v].Shape.Numel()
		}
		peak = max(peak, 4*n)
	}
	return peak
}

func mixerLabel(s *arch.Spec) string {
	label := ""
	for _, st := range s.Stages {
		if st.Depth == 0 {
			continue
		}
		if label != "" && label != string(st.Mixer) {
			return "mixed"
		}
		label = string(st.Mixer)
	}
	if label == "" {
		return "none"
	}
	return label
}

// violation sums max(0, value/limit - 1) over the constraints.
func (sp *Space) violation(m *Metrics) (bool, float64) {
	var v float64
	for _, c := range sp.Constraints {
		x := m.Value(c.Metric)
		if math.IsNaN(x) {
			v += 1
			continue
		}
		if x > c.Max {
			v += x/c.Max - 1
		}
	}
	v = math.Round(v*1e9) / 1e9
	return v == 0, v
}

// objectives writes r's objective vector (all minimised: maximised
// metrics negated) into out. Failed evaluations are +Inf everywhere.
func (sp *Space) objectives(r *Record, out []float64) {
	for i, o := range sp.Objectives {
		if r.Metrics == nil {
			out[i] = math.Inf(1)
			continue
		}
		v := r.Metrics.Value(o.Metric)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			out[i] = math.Inf(1)
			continue
		}
		if o.Maximize {
			v = -v
		}
		out[i] = v
	}
}
