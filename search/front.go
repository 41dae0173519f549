package search

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/search/lut"
)

// FrontMember is one member of a search's Pareto front as a report lists
// it: its rank, names, the spec file ExportFront wrote and its metrics.
type FrontMember struct {
	Rank       int      `json:"rank"`
	Name       string   `json:"name"`
	Candidate  string   `json:"candidate"`
	Spec       string   `json:"spec"`
	Metrics    *Metrics `json:"metrics"`
	MeasuredMS *float64 `json:"measured_ms,omitempty"`
}

// FrontDir is the directory ExportFront writes into. The command line's
// output directories (which replace only files fnlab wrote) are one.
type FrontDir interface {
	Join(name string) string                              // the path of name in the directory
	Write(name string, write func(io.Writer) error) error // write name (atomically)
	Names(prefix string) []string                         // the files written under prefix
	Remove(name string) error                             // remove a written file
}

// ExportFront writes each record of front (sp.Front) as a spec YAML file
// front/NN_NAME.yaml of dir, commented with the search of h and the
// candidate's key, which analyze and bench accept, and removes the front
// specs of an earlier export that are not on this front. An error from
// dir.Write is returned as it is.
func ExportFront(dir FrontDir, sp *Space, h Header, front []Record) ([]FrontMember, error) {
	var out []FrontMember
	wrote := map[string]bool{}
	for i, r := range front {
		g, err := sp.ParseKey(r.Key)
		if err != nil {
			return nil, err
		}
		s, err := sp.Spec(g)
		if err != nil {
			return nil, err
		}
		name := filepath.Join("front", fmt.Sprintf("%02d_%s.yaml", i+1, FileLabel(sp.ShortName(g))))
		hdr := []string{fmt.Sprintf("Pareto front member %d of search %s (space %s, %s, seed %d).", i+1, sp.Name, sp.File, h.Strategy, h.Seed),
			"candidate: " + r.Key}
		if err := dir.Write(name, func(w io.Writer) error { _, err := w.Write(SpecYAML(s, hdr...)); return err }); err != nil {
			return nil, err
		}
		wrote[name] = true
		out = append(out, FrontMember{Rank: i + 1, Name: sp.ShortName(g), Candidate: r.Key, Spec: dir.Join(name), Metrics: r.Metrics})
	}
	for _, n := range dir.Names("front") {
		if !wrote[n] {
			if err := dir.Remove(n); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// MeasureFront measures each member's latency with real forward passes
// (lut.Measure with o: its threads, warm-up, runs and statistic) and
// records it in MeasuredMS.
func MeasureFront(sp *Space, front []FrontMember, o lut.Options) error {
	for i := range front {
		g, err := sp.ParseKey(front[i].Candidate)
		if err != nil {
			return err
		}
		s, err := sp.Spec(g)
		if err != nil {
			return err
		}
		gr, err := arch.Compile(s)
		if err != nil {
			return err
		}
		ms, err := lut.Measure(gr, o)
		if err != nil {
			return err
		}
		front[i].MeasuredMS = &ms
	}
	return nil
}
