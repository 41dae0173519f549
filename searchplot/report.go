package searchplot

import (
	"strings"

	"github.com/fnlab/fnlab/internal/outdir"
	"github.com/fnlab/fnlab/search"
	"github.com/fnlab/fnlab/search/lut"
)

// WriteReport writes the report of a search (header h, journal at
// journal, records recs) into od: the front members as spec YAML
// (search.ExportFront), with measure their latency measured again
// (search.MeasureFront with *measure), and the charts of the front and of
// hypervolume over evaluations, each as PNG (the path the report holds)
// and SVG. Only files fnlab wrote in od are replaced.
func WriteReport(od *outdir.Dir, sp *search.Space, h search.Header, journal string, recs []search.Record, measure *lut.Options) (*search.Report, error) {
	doc := search.NewReport(sp, h, journal, recs)
	front := sp.Front(recs)
	var err error
	if doc.Front, err = search.ExportFront(od, sp, h, front); err != nil {
		return nil, err
	}
	if measure != nil {
		if err := search.MeasureFront(sp, doc.Front, *measure); err != nil {
			return nil, err
		}
	}
	doc.FrontChart = od.Join("front.png")
	doc.HVChart = od.Join("hypervolume.png")
	for _, n := range []string{"front", "hypervolume"} {
		if err := od.ClaimChart(n); err != nil {
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
