package search

import (
	"fmt"
	"io"

	"github.com/fnlab/fnlab/report"
	"github.com/fnlab/fnlab/search/lut"
)

// WriteLUT prints latency table t, written to file: its settings,
// prediction formula and entries.
func WriteLUT(w io.Writer, t *lut.Table, file string) error {
	fmt.Fprintf(w, "machine: %s\n", t.MachineLine)
	fmt.Fprintf(w, "fnlab %s  space %s  %d models  %d entries  %d warm-up + %d timed passes each\n",
		t.FnlabVersion, t.Space, len(t.BuiltFrom), len(t.Entries), t.Warmup, t.Runs)
	fmt.Fprintf(w, "prediction: sum of step %s + %.4f ms + %.5f ms/step\n", t.Statistic, t.OverheadMS, t.OverheadPerStepMS)
	fmt.Fprintf(w, "wrote %s\n\n", file)
	tb := &report.Table{Header: []string{"configuration", "count", "mean ms", "std ms", "median ms", "p10 ms"}, Right: []bool{false, true, true, true, true, true}}
	for _, e := range t.Entries {
		tb.Add(e.Key, fmt.Sprint(e.Count), fmt.Sprintf("%.4f", e.MeanMS), fmt.Sprintf("%.4f", e.StdMS), fmt.Sprintf("%.4f", e.MedianMS), fmt.Sprintf("%.4f", e.P10MS))
	}
	return tb.Write(w)
}

// WriteLUTCheck prints a check of a latency table against sp: the
// machines, one row per candidate and the error's summary; statistic is
// the table's.
func WriteLUTCheck(w io.Writer, sp *Space, d *lut.CheckDoc, statistic string) error {
	fmt.Fprintf(w, "table:   %s (%s)\nmachine: %s\n", d.Table, d.TableMachine, d.Machine)
	if d.TableMachine != d.Machine {
		fmt.Fprintln(w, "note: the table was built on another machine line; errors here measure the transfer, not the table")
	}
	fmt.Fprintf(w, "%d held-out candidates of %s, %s of %d passes each\n\n", len(d.Rows), d.Space, statistic, d.Runs)
	tb := &report.Table{Header: []string{"candidate", "predicted ms", "measured ms", "error %"}, Right: []bool{false, true, true, true}}
	for _, r := range d.Rows {
		tb.Add(sp.ShortNameKey(r.Candidate), fmt.Sprintf("%.3f", r.PredictedMS), fmt.Sprintf("%.3f", r.MeasuredMS), fmt.Sprintf("%+.1f", r.ErrorPct))
	}
	if err := tb.Write(w); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nmedian |error| %.2f%%  p90 %.2f%%  max %.2f%%\n", d.MedianAbsError, d.P90AbsError, d.MaxAbsError)
	return nil
}
