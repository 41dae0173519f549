package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/arch"
)

// TreeDepth is a module's depth in fnlab's tree view: dotted parts,
// not counting the "blocks" container level, so that a block sits
// right under its stage (stages.0.blocks.0 is at depth 3).
func TreeDepth(path string) int {
	if path == "" {
		return 0
	}
	parts := strings.Split(path, ".")
	d := len(parts)
	for _, p := range parts {
		if p == "blocks" {
			d--
		}
	}
	return d
}

// AnalysisDoc is the JSON document of `fnlab analyze`.
type AnalysisDoc struct {
	Model   string               `json:"model"`
	Spec    arch.Ref             `json:"spec"`
	Input   arch.Shape           `json:"input"`
	BN      analyze.BNMode       `json:"bn"`
	Totals  TotalsDoc            `json:"totals"`
	Modules []analyze.ModuleCost `json:"modules"`
	Layers  []analyze.LayerCost  `json:"layers"`
}

// TotalsDoc is a total cost with its derived arithmetic intensity.
type TotalsDoc struct {
	analyze.Cost
	ArithmeticIntensity float64 `json:"arithmetic_intensity"`
}

// NewAnalysisDoc builds the JSON document of a report.
func NewAnalysisDoc(r *analyze.Report) AnalysisDoc {
	return AnalysisDoc{Model: r.Model, Spec: r.Spec, Input: r.Input, BN: r.BN,
		Totals:  TotalsDoc{Cost: r.Totals, ArithmeticIntensity: r.Totals.Intensity()},
		Modules: r.Modules(-1), Layers: r.Layers}
}

// AnalysisTable writes the module tree of r down to depth (TreeDepth).
func AnalysisTable(w io.Writer, r *analyze.Report, depth int) error {
	g := r.Graph()
	shapes := map[string]arch.Shape{}
	for i := range g.Layers {
		shapes[g.Layers[i].Module] = g.OutShape(&g.Layers[i])
	}
	// A container's output is its last layer's.
	for i := range g.Layers {
		for _, p := range ancestorsOf(g.Layers[i].Module) {
			shapes[p] = g.OutShape(&g.Layers[i])
		}
	}
	t := &Table{
		Header: []string{"module", "type", "out shape", "params", "MACs", "FLOPs", "fvcore", "acts", "read", "written", "FLOP/B", "MACs %"},
		Right:  []bool{false, false, false, true, true, true, true, true, true, true, true, true},
	}
	total := r.Totals.MACs
	for _, m := range r.Modules(-1) {
		d := TreeDepth(m.Path)
		if d > depth || strings.HasSuffix(m.Path, ".blocks") {
			continue
		}
		if m.Type == "GELU" || m.Type == "ReLU" || m.Type == "AdaptiveAvgPool2d" {
			if d > 0 && m.Cost == (analyze.Cost{}) {
				continue
			}
		}
		name := "model"
		if m.Path != "" {
			name = strings.Repeat(" ", d) + m.Path
		}
		share := ""
		if total > 0 {
			share = strconv.FormatFloat(100*float64(m.MACs)/float64(total), 'f', 1, 64)
		}
		t.Add(name, m.Type, shapeStr(shapes[m.Path]), SI(m.Params), SI(m.MACs), SI(m.FLOPs), SI(m.FvcoreFLOPs),
			SI(m.Activations), Bytes(m.BytesRead), Bytes(m.BytesWritten), fmt.Sprintf("%.2f", m.Cost.Intensity()), share)
	}
	fmt.Fprintf(w, "%s  input %s  BN %s\n", r.Spec, shapeStr(r.Input), r.BN)
	if err := t.Write(w); err != nil {
		return err
	}
	c := r.Totals
	_, err := fmt.Fprintf(w, "params %s · MACs %s · FLOPs %s · fvcore flops (BN %s) %s · activations %s · read %s · written %s · %.2f FLOP/B\n",
		Comma(c.Params), Comma(c.MACs), Comma(c.FLOPs), r.BN, Comma(c.FvcoreFLOPs), Comma(c.Activations),
		Comma(c.BytesRead), Comma(c.BytesWritten), c.Intensity())
	return err
}

func ancestorsOf(path string) []string {
	var out []string
	for i := 0; i < len(path); i++ {
		if path[i] == '.' {
			out = append(out, path[:i])
		}
	}
	return append(out, "")
}

func shapeStr(s arch.Shape) string {
	if s == nil {
		return ""
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, "x")
}

// LayerCSVHeader is the header row of the per-layer CSV.
var LayerCSVHeader = []string{"name", "module", "op", "in_shape", "out_shape", "params", "macs", "flops", "fvcore_flops",
	"activations", "bytes_read", "bytes_written", "arithmetic_intensity", "paper_mem_access"}

// AnalysisCSV writes one row per layer, then a "total" row.
func AnalysisCSV(w io.Writer, r *analyze.Report) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(LayerCSVHeader)
	i64 := func(n int64) string { return strconv.FormatInt(n, 10) }
	for _, l := range r.Layers {
		_ = cw.Write([]string{l.Name, l.Module, l.Op, shapeStr(l.InShape), shapeStr(l.OutShape), i64(l.Params), i64(l.MACs), i64(l.FLOPs),
			i64(l.FvcoreFLOPs), i64(l.Activations), i64(l.BytesRead), i64(l.BytesWritten),
			strconv.FormatFloat(l.ArithmeticIntensity, 'g', 6, 64), i64(l.PaperMemAccess)})
	}
	c := r.Totals
	_ = cw.Write([]string{"total", "", "", shapeStr(r.Input), "", i64(c.Params), i64(c.MACs), i64(c.FLOPs), i64(c.FvcoreFLOPs),
		i64(c.Activations), i64(c.BytesRead), i64(c.BytesWritten), strconv.FormatFloat(c.Intensity(), 'g', 6, 64), ""})
	cw.Flush()
	return cw.Error()
}
