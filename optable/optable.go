package optable

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/engine"
	"github.com/fnlab/fnlab/internal/timing"
	"github.com/fnlab/fnlab/onnx"
)

// PaperSizes are the four feature maps of the paper's Table 1.
var PaperSizes = []Size{{96, 56, 56}, {192, 28, 28}, {384, 14, 14}, {768, 7, 7}}

// PaperTable1 holds the paper's Table 1: MACs in millions (as printed,
// with their decimals) and CPU latency in ms (Intel i9-9900X, one thread),
// per size in PaperSizes order.
var PaperTable1 = map[string]struct {
	MMACs [4]string
	MS    [4]float64
}{
	"conv":   {[4]string{"2601", "2601", "2601", "2601"}, [4]float64{35.67, 28.41, 31.85, 62.71}},
	"gconv":  {[4]string{"162", "162", "162", "162"}, [4]float64{21.90, 7.58, 4.40, 4.28}},
	"dwconv": {[4]string{"27.09", "13.54", "6.77", "3.38"}, [4]float64{3.59, 1.97, 1.06, 0.68}},
	"pconv":  {[4]string{"162", "162", "162", "162"}, [4]float64{5.46, 3.09, 3.58, 5.02}},
}

// DefaultOps is the Table 1 operators, both PConv forwards, PWConv and each
// cheap mixer followed by a PWConv.
var DefaultOps = []string{"conv", "gconv", "dwconv", "pconv", "pconv_slicing", "pwconv", "gconv+pwconv", "dwconv+pwconv", "pconv+pwconv"}

// Size is one feature map: C channels of H x W pixels.
type Size struct{ C, H, W int }

func (s Size) String() string { return fmt.Sprintf("%dx%dx%d", s.C, s.H, s.W) }

// Row is one operator at one size.
type Row struct {
	Op         string  `json:"op"`
	Size       string  `json:"size"`
	Channels   int     `json:"channels"`
	Height     int     `json:"height"`
	Width      int     `json:"width"`
	Layers     int     `json:"layers"`
	Params     int64   `json:"params"`
	MACs       int64   `json:"macs"`
	FLOPs      int64   `json:"flops"`
	Bytes      int64   `json:"bytes"`
	PaperMem   int64   `json:"paper_mem_access"` // paper's memory-access formula, elements, summed over layers
	Intensity  float64 `json:"arithmetic_intensity"`
	MedianMS   float64 `json:"median_ms"`
	P10MS      float64 `json:"p10_ms"`
	P90MS      float64 `json:"p90_ms"`
	MinMS      float64 `json:"min_ms"`
	Runs       int     `json:"runs"`
	GFLOPS     float64 `json:"gflops"`          // 2 x MACs / median
	Attainable float64 `json:"roofline_gflops"` // roofline bound at this intensity
	// The paper's Table 1 where it has the operator (nil otherwise).
	PaperMMACs  *string  `json:"paper_mmacs,omitempty"`
	PaperMatch  *bool    `json:"macs_match_paper,omitempty"`
	PaperMS     *float64 `json:"paper_ms,omitempty"`
	PaperGFLOPS *float64 `json:"paper_gflops,omitempty"` // 2 x MACs / paper ms (the paper prints MACs/s, half this)
}

// Stack turns an operator id (an arch.OpNames entry, "_slicing" selecting the
// PConv slicing forward) into a stack.
func Stack(id string, sz Size, layers int) (arch.OpStack, error) {
	op, fwd := id, arch.SplitCat
	if strings.Contains(id, "pconv_slicing") {
		op, fwd = strings.Replace(id, "pconv_slicing", "pconv", 1), arch.Slicing
	}
	if !slices.Contains(arch.OpNames, op) {
		return arch.OpStack{}, fmt.Errorf("unknown operator %q: expected one of %s, pconv_slicing, pconv_slicing+pwconv", id, strings.Join(arch.OpNames, ", "))
	}
	return arch.OpStack{Op: op, Channels: sz.C, Height: sz.H, Width: sz.W, Layers: layers, Batch: 1, Forward: fwd}, nil
}

// Cost counts one stack (no timing) and sets the paper's figures where
// Table 1 has the operator and size (and layers is 10).
func Cost(id string, sz Size, layers int) (Row, *arch.Graph, error) {
	st, err := Stack(id, sz, layers)
	if err != nil {
		return Row{}, nil, err
	}
	g, err := arch.CompileOps(st)
	if err != nil {
		return Row{}, nil, fmt.Errorf("%s at %s: %v", id, sz, err)
	}
	r := analyze.Count(g, analyze.BNFused)
	row := Row{Op: id, Size: sz.String(), Channels: sz.C, Height: sz.H, Width: sz.W, Layers: layers,
		Params: r.Totals.Params, MACs: r.Totals.MACs, FLOPs: r.Totals.FLOPs, Bytes: r.Totals.Bytes(), Intensity: r.Totals.Intensity()}
	for _, l := range r.Layers {
		row.PaperMem += l.PaperMemAccess
	}
	if p, ok := PaperTable1[id]; ok && layers == 10 {
		if i := slices.Index(PaperSizes, sz); i >= 0 {
			m, ms := p.MMACs[i], p.MS[i]
			match := RoundedMillions(row.MACs, m) == m
			gf := timing.GFLOPS(2*float64(row.MACs), ms)
			row.PaperMMACs, row.PaperMatch, row.PaperMS, row.PaperGFLOPS = &m, &match, &ms, &gf
		}
	}
	return row, g, nil
}

// RoundedMillions prints macs in millions with as many decimals as paper has.
func RoundedMillions(macs int64, paper string) string {
	dec := 0
	if i := strings.IndexByte(paper, '.'); i >= 0 {
		dec = len(paper) - i - 1
	}
	v := float64(macs) / 1e6
	// The paper truncates (27.095 -> 27.09, 13.5475 -> 13.54, 3.38688 -> 3.38).
	p := math.Pow(10, float64(dec))
	return strconv.FormatFloat(math.Floor(v*p+1e-9)/p, 'f', dec, 64)
}

// Weights are the seeded weights Measure times a stack with (and that
// ExportONNX writes).
func Weights(g *arch.Graph) engine.Weights { return engine.RandomWeights(g, 1) }

// FileName is the name ExportONNX gives a stack's model: id_CxHxW.onnx.
func FileName(id string, sz Size) string { return id + "_" + sz.String() + ".onnx" }

// ExportONNX writes the stack Measure times as dir/FileName(id, sz), with
// the same weights, so the same stack can be timed in another runtime.
// producer is fnlab's version; an existing file is replaced only if fnlab
// wrote it.
func ExportONNX(id string, sz Size, layers int, dir, producer string) (string, error) {
	_, g, err := Cost(id, sz, layers)
	if err != nil {
		return "", err
	}
	m, err := onnx.Export(g, Weights(g), onnx.Options{Producer: producer, Metadata: []onnx.Meta{
		{Key: "fnlab_version", Value: producer}, {Key: "operator", Value: id},
		{Key: "size", Value: sz.String()}, {Key: "layers", Value: strconv.Itoa(layers)}}})
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, FileName(id, sz))
	return path, onnx.WriteFile(path, m, false)
}

// Measure counts and times one stack on fnlab's kernels: 3 warm-up
// passes, then timed passes until runs or budget (at least 10 or runs),
// the NCHW<->NHWC conversions at the ends untimed.
func Measure(id string, sz Size, layers, threads, runs int, budget time.Duration) (Row, error) {
	row, g, err := Cost(id, sz, layers)
	if err != nil {
		return row, err
	}
	p, err := engine.BuildOps(g, Weights(g), engine.Options{Threads: threads})
	if err != nil {
		return row, err
	}
	defer p.Close()
	in := analyze.BenchInput(g)
	tm, err := analyze.TimeSteps(p, in, analyze.TimeOptions{Warmup: 3, MinRuns: min(10, runs), MaxRuns: runs, Budget: budget},
		func(s *engine.Step) bool { return s.Kind != engine.KindLayout })
	if err != nil {
		return row, err
	}
	row.MedianMS, row.P10MS, row.P90MS, row.MinMS, row.Runs = tm.MedianMS, tm.P10MS, tm.P90MS, tm.MinMS, tm.Runs
	row.GFLOPS = timing.GFLOPS(2*float64(row.MACs), tm.MedianMS)
	return row, nil
}
