package search

import "math"

// Best is the best feasible candidate by one or more objectives.
type Best struct {
	Objectives []string `json:"objectives"` // e.g. ["min latency", "min params"]
	Key        string   `json:"candidate"`
	Name       string   `json:"name"`
	Metrics    *Metrics `json:"metrics"`
}

// BestFeasible returns, for each objective, the feasible record (every
// constraint met) best by it, ties broken by key; objectives whose best is
// the same candidate share one entry, in objective order. Records of no
// feasible candidate give none.
func (sp *Space) BestFeasible(recs []Record) []Best { return sp.BestUnder(recs) }

// BestUnder is BestFeasible among the feasible records that also meet
// every bound of extra (a tighter latency budget than the space's, say);
// a record without an extra bound's metric does not meet it.
func (sp *Space) BestUnder(recs []Record, extra ...Constraint) []Best {
	var out []Best
	for _, o := range sp.Objectives {
		var best *Record
		bestV := math.Inf(1)
		for i := range recs {
			r := &recs[i]
			if !r.Feasible || r.Metrics == nil || !meets(r.Metrics, extra) {
				continue
			}
			v := r.Metrics.Value(o.Metric)
			if math.IsNaN(v) {
				continue
			}
			if o.Maximize {
				v = -v
			}
			if best == nil || v < bestV || v == bestV && r.Key < best.Key {
				best, bestV = r, v
			}
		}
		if best == nil {
			continue
		}
		merged := false
		for i := range out {
			if out[i].Key == best.Key {
				out[i].Objectives = append(out[i].Objectives, o.String())
				merged = true
			}
		}
		if !merged {
			out = append(out, Best{Objectives: []string{o.String()}, Key: best.Key, Name: sp.ShortNameKey(best.Key), Metrics: best.Metrics})
		}
	}
	return out
}

// meets reports whether m is within every bound of cs.
func meets(m *Metrics, cs []Constraint) bool {
	for _, c := range cs {
		if !(m.Value(c.Metric) <= c.Max) {
			return false
		}
	}
	return true
}
