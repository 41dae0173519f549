package ablate

import (
	"fmt"

	"gonum.org/v1/plot"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/charts"
	"github.com/fnlab/fnlab/fit/fitreport"
	"github.com/fnlab/fnlab/internal/outdir"
)

// WriteCharts draws d into od (PNG and SVG each): latency per variant,
// latency against MACs, where the time goes, the reconstruction loss and
// the fit's loss per stage; it returns the files written.
func WriteCharts(d *Doc, od *outdir.Dir) ([]string, error) {
	var paths []string
	save := func(p *plot.Plot, err error, name string) error {
		if err != nil {
			return err
		}
		ps, err := charts.SaveIn(od, p, name)
		paths = append(paths, ps...)
		return err
	}
	vs := d.ByLatency()
	var names []string
	lat := charts.Series{Name: "latency"}
	var pts []charts.Point
	for _, v := range vs {
		names = append(names, v.Name)
		lat.Values, lat.Lo, lat.Hi = append(lat.Values, v.MedianMS), append(lat.Lo, v.P10MS), append(lat.Hi, v.P90MS)
		pts = append(pts, charts.Point{Label: v.Name, X: float64(v.MACs) / 1e6, Y: v.MedianMS})
	}
	thr := fmt.Sprintf("%d thread(s)", d.Threads)
	p, err := charts.Bars(charts.BarSpec{Title: d.Spec + ": latency per variant, batch 1, " + thr + " (median, p10-p90)", XLabel: "variant (fastest first)",
		YLabel: "latency (ms)", Categories: names, Series: []charts.Series{lat}})
	if err := save(p, err, "ablate_latency"); err != nil {
		return paths, err
	}
	p, err = charts.Scatter(charts.ScatterSpec{Title: d.Spec + ": latency against MACs per variant, " + thr, XLabel: "MACs (M)", YLabel: "median latency (ms)", Points: pts})
	if err := save(p, err, "ablate_latency_vs_macs"); err != nil {
		return paths, err
	}
	// Time split of every variant, in the table's order (fastest first),
	// so each chart lists the variants the same way.
	groups := []string{"patch_embed", "mixers", "mlps", "merges", "head"}
	var split []charts.Series
	for _, v := range vs {
		se := charts.Series{Name: v.Name}
		for _, g := range groups {
			se.Values = append(se.Values, v.Split[g])
		}
		split = append(split, se)
	}
	p, err = charts.Bars(charts.BarSpec{Title: d.Spec + ": where the time goes (median per part), " + thr, XLabel: "part of the model",
		YLabel: "latency (ms)", Categories: groups, Series: split})
	if err := save(p, err, "ablate_time_split"); err != nil {
		return paths, err
	}
	loss := charts.Series{Name: "loss"}
	var lnames []string
	for _, v := range vs {
		if v.Mixer == arch.Conv {
			continue // ~0 by construction
		}
		lnames = append(lnames, v.Name)
		loss.Values = append(loss.Values, v.LossMean)
		loss.Lo, loss.Hi = append(loss.Lo, v.LossMean-v.LossStd), append(loss.Hi, v.LossMean+v.LossStd)
	}
	if len(lnames) > 0 {
		p, err = charts.Bars(charts.BarSpec{Title: d.Spec + ": reconstruction loss of mixer+PWConv vs a 3x3 conv (mean over stages, ± std)",
			XLabel: "variant (fastest first)", YLabel: "normalised test MSE", Categories: lnames, Series: []charts.Series{loss}})
		if err := save(p, err, "ablate_loss"); err != nil {
			return paths, err
		}
	}
	if d.Fit != nil {
		ps, err := fitreport.Charts(d.Fit, od, "ablate_")
		paths = append(paths, ps...)
		if err != nil {
			return paths, err
		}
	}
	return paths, nil
}
