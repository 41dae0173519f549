package optable

import (
	"time"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/kernels"
)

// Doc is a whole table as fnlab ops writes it (ops.json): the machine,
// its measured roofline and one row per operator and size.
type Doc struct {
	Machine  analyze.Machine  `json:"machine"`
	Roofline analyze.Roofline `json:"roofline"`
	Layers   int              `json:"layers"`
	Rows     []Row            `json:"rows"`
	Charts   []string         `json:"charts,omitempty"`
	ONNX     []string         `json:"onnx,omitempty"` // the stacks exported as ONNX files
	// FMAPeak is the measured FMA ceiling of the threads in use
	// (kernels.PeakGFLOPS), the base of each row's share of peak.
	FMAPeak float64 `json:"fma_peak_gflops"`
}

// Options configures Run.
type Options struct {
	Ops     []string
	Sizes   []Size
	Layers  int
	Threads int           // 0: all cores
	Runs    int           // most timed runs per row
	Budget  time.Duration // time per row; at least 10 runs are taken
	// Progress, when set, is called after the roofline and after each
	// row: what was measured ("roofline", "OP CxHxW"), done of total.
	Progress func(what string, done, total int)
}

// Run measures the roofline of this machine (300 ms per ceiling), then
// every operator at every size (Measure), each placed on the roofline.
func Run(o Options) (*Doc, error) {
	total := len(o.Ops)*len(o.Sizes) + 1
	step := func(what string, done int) {
		if o.Progress != nil {
			o.Progress(what, done, total)
		}
	}
	d := &Doc{Layers: o.Layers}
	d.Roofline = analyze.MeasureRoofline(o.Threads, 300*time.Millisecond)
	d.Machine = analyze.ThisMachine(d.Roofline.Threads)
	d.FMAPeak = kernels.PeakGFLOPS(d.Roofline.Threads)
	step("roofline", 1)
	for _, id := range o.Ops {
		for _, sz := range o.Sizes {
			row, err := Measure(id, sz, o.Layers, o.Threads, o.Runs, o.Budget)
			if err != nil {
				return d, err
			}
			row.Attainable = d.Roofline.Attainable(row.Intensity)
			d.Rows = append(d.Rows, row)
			step(id+" "+sz.String(), len(d.Rows)+1)
		}
	}
	return d, nil
}
