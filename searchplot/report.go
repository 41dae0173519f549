package searchplot

import (
	"strings"

	"github.com/fnlab/fnlab/search"
)

// ReportDir is the directory WriteReport writes: the front specs
// (search.FrontDir) and the charts, each claimed (name.png and name.svg)
// before it is drawn.
type ReportDir interface {
	search.FrontDir
	ClaimChart(name string) error
}

// WriteReport writes the report of a search (header h, journal at
// journal, records recs) into dir: the front members as spec YAML
// (search.ExportFront), then, if measure is set, has it measure their
// latency again (search.MeasureFront), then draws the charts of the front
// and of hypervolume over evaluations, each as PNG (the path the report
// holds) and SVG. Only files fnlab wrote in dir are replaced.
func WriteReport(dir ReportDir, sp *search.Space, h search.Header, journal string, recs []search.Record, measure func([]search.FrontMember) error) (*search.Report, error) {
	doc := search.NewReport(sp, h, journal, recs)
	front := sp.Front(recs)
	var err error
	if doc.Front, err = search.ExportFront(dir, sp, h, front); err != nil {
		return nil, err
	}
	if measure != nil {
		if err := measure(doc.Front); err != nil {
			return nil, err
		}
	}
	doc.FrontChart = dir.Join("front.png")
	doc.HVChart = dir.Join("hypervolume.png")
	for _, n := range []string{"front", "hypervolume"} {
		if err := dir.ClaimChart(n); err != nil {
			return nil, err
		}
	}
	ev := make([]int, len(doc.Hypervolume))
	hv := make([]float64, len(doc.Hypervolume))
	for i, p := range doc.Hypervolume {
		ev[i], hv[i] = p.Evals, p.Hypervolume
	}
	for _, ext := range []string{".png", ".svg"} {
		if err := Front(strings.TrimSuffix(doc.FrontChart, ".png")+ext, FrontOf(sp, recs, front)); err != nil {
			return nil, err
		}
		if err := Hypervolume(strings.TrimSuffix(doc.HVChart, ".png")+ext, "hypervolume of the front: "+sp.Name, ev, hv); err != nil {
			return nil, err
		}
	}
	return doc, nil
}
