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
func (sp *Space) BestFeasible(recs []Record) []Best {
	var out []Best
	for _, o := range sp.Objectives {
		var best *Record
		bestV := math.Inf(1)
		for i := range recs {
			r := &recs[i]
			if !r.Feasible || r.Metrics == nil {
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
