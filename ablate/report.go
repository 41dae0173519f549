package ablate

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fnlab/fnlab/internal/atomicfile"
	"github.com/fnlab/fnlab/report"
)

// ByLatency is d's variants, fastest first (the order of the table, the
// report and the charts).
func (d *Doc) ByLatency() []*Variant {
	vs := append([]*Variant(nil), d.Variants...)
	sort.SliceStable(vs, func(a, b int) bool { return vs[a].MedianMS < vs[b].MedianMS })
	return vs
}

func runKind(quick bool) string { return map[bool]string{true: "quick run", false: "full run"}[quick] }

// WriteTable writes the summary table that fnlab ablate prints.
func WriteTable(w io.Writer, d *Doc) error {
	fmt.Fprintf(w, "%s · machine: %s · %s\n", d.Spec, d.Machine, runKind(d.Quick))
	fmt.Fprintf(w, "loss: normalised test MSE of mixer+PWConv fitting a 3x3 conv at stages %s, mean over stages (± mean std over %d seeds)\n\n", strings.Join(d.Stages, ", "), d.Seeds)
	t := &report.Table{Header: []string{"variant", "params", "MACs", "bytes", "ms", "p10-p90", "GFLOPS", "loss"},
		Right: []bool{false, true, true, true, true, true, true, true}}
	for _, v := range d.ByLatency() {
		t.Add(v.Name, report.SI(v.Params), report.SI(v.MACs), report.Bytes(v.Bytes), fmt.Sprintf("%.3f", v.MedianMS),
			fmt.Sprintf("%.3f-%.3f", v.P10MS, v.P90MS), fmt.Sprintf("%.1f", v.GFLOPS), fmt.Sprintf("%.4f ± %.4f", v.LossMean, v.LossStd))
	}
	return t.Write(w)
}

// WriteReport writes report.md to path (atomically): the table, the
// seed's three questions answered with this run's numbers (Answers) and
// the PNG charts among the files charts, linked by their base names.
func WriteReport(d *Doc, path string, charts []string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# fnlab ablate: %s\n\n", d.Spec)
	regen := d.Command
	if regen == "" {
		// A results file without its command line: the command of its kind of run.
		regen = "fnlab ablate " + d.Spec + map[bool]string{true: " --quick", false: ""}[d.Quick]
	}
	fmt.Fprintf(&b, "Machine: %s. %s run, %.0f s in total. Regenerate with `%s`.\n\n", d.Machine,
		map[bool]string{true: "Quick", false: "Full"}[d.Quick], d.Seconds, regen)
	b.WriteString("Latency: batch 1, median of the timed runs with p10-p90; GFLOPS = 2 x MACs / median. Loss: normalised test MSE of the variant's mixer + a 1x1 conv fitted to a random 3x3 conv on generated features at the spec's stage shapes " +
		strings.Join(d.Stages, ", ") + fmt.Sprintf(", mean over stages ± mean std over %d seeds (`fnlab fit` method).\n\n", d.Seeds))
	b.WriteString("| variant | params | MACs | bytes | median ms | p10-p90 ms | GFLOPS | loss |\n|---|---|---|---|---|---|---|---|\n")
	for _, v := range d.ByLatency() {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.3f | %.3f-%.3f | %.1f | %.4f ± %.4f |\n", v.Name, report.SI(v.Params), report.SI(v.MACs),
			report.Bytes(v.Bytes), v.MedianMS, v.P10MS, v.P90MS, v.GFLOPS, v.LossMean, v.LossStd)
	}
	for _, v := range d.ByLatency() {
		if len(v.Changed) > 0 {
			fmt.Fprintf(&b, "\n%s changes the spec's own stage mixers: %s.", v.Name, strings.Join(v.Changed, "; "))
		}
	}
	b.WriteString("\n\n## The seed's questions, with this machine's numbers\n\n")
	b.WriteString(d.Answers())
	b.WriteString("## Charts\n\n")
	for _, c := range charts {
		if strings.HasSuffix(c, ".png") {
			name := strings.TrimSuffix(filepath.Base(c), ".png")
			fmt.Fprintf(&b, "![%s](%s)\n\n", name, filepath.Base(c))
		}
	}
	if math.IsNaN(d.Seconds) {
		return fmt.Errorf("ablate: bad timing")
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := io.WriteString(w, b.String())
		return err
	})
}
