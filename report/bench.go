package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/fnlab/fnlab/analyze"
)

// BenchTable prints a bench result: the machine, the whole-pass timing and,
// with per-step times, where the time goes next to where the MACs go.
func BenchTable(w io.Writer, r *analyze.BenchResult) error {
	fmt.Fprintf(w, "machine: %s · FMA peak %.0f GFLOPS on %d thread(s), measured in this process\n", r.Machine, r.PeakGFLOPS, r.Threads)
	fmt.Fprintf(w, "%s  batch %d  %d runs after %d warm-up\n", r.Spec, r.Batch, r.Runs, r.Warmup)
	fmt.Fprintf(w, "median %.3f ms  p10 %.3f  p90 %.3f  min %.3f  ·  %.1f images/s  ·  %.1f GFLOPS achieved, %.0f%% of peak (%s MACs)\n",
		r.MedianMS, r.P10MS, r.P90MS, r.MinMS, r.ImagesPerS, r.GFLOPS, 100*r.PeakShare, SI(r.MACs))
	if len(r.Layers) == 0 {
		return nil
	}
	var totalMACs int64
	for _, l := range r.Layers {
		totalMACs += l.MACs
	}
	t := &Table{Header: []string{"step", "ms", "time %", "MACs %", "MACs", "bytes", "GFLOPS", ""},
		Right: []bool{false, true, true, true, true, true, true, false}}
	for _, l := range r.Layers {
		macShare := 0.0
		if totalMACs > 0 {
			macShare = float64(l.MACs) / float64(totalMACs)
		}
		t.Add(l.Name, fmt.Sprintf("%.3f", l.MedianMS), fmt.Sprintf("%.1f", 100*l.Share), fmt.Sprintf("%.1f", 100*macShare),
			SI(l.MACs), Bytes(l.Bytes), fmt.Sprintf("%.1f", l.GFLOPS), bars(l.Share, macShare))
	}
	fmt.Fprintln(w)
	return t.Write(w)
}

// bars draws time share (█) over MACs share (░), 40 cells for 100%.
func bars(time, macs float64) string {
	n := func(f float64) int { return int(f*40 + 0.5) }
	return strings.Repeat("█", n(time)) + " | " + strings.Repeat("░", n(macs))
}
