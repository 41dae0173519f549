package analyze

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/engine"
	"github.com/fnlab/fnlab/internal/timing"
	"github.com/fnlab/fnlab/kernels"
)

// Machine identifies where a measurement was taken.
type Machine struct {
	CPU     string `json:"cpu"`
	Cores   int    `json:"cores"`
	SIMD    string `json:"simd"`
	Threads int    `json:"threads"`
	Go      string `json:"go"`
	OS      string `json:"os"`
}

func (m Machine) String() string {
	return fmt.Sprintf("%s, %d cores, %s kernels, %d thread(s), %s %s", m.CPU, m.Cores, m.SIMD, m.Threads, m.Go, m.OS)
}

// ThisMachine describes the running machine with threads in use.
func ThisMachine(threads int) Machine {
	return Machine{CPU: cpuModel(), Cores: runtime.NumCPU(), SIMD: kernels.CurrentLevel().String(), Threads: threads,
		Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// BenchOptions configures Bench.
type BenchOptions struct {
	Warmup, Runs int
	PerLayer     bool
	Progress     func(done, total int) // optional, called after each timed run
}

// StepTime is one program step's share of the time, with its counted cost.
type StepTime struct {
	Name     string   `json:"name"`
	Layers   []string `json:"layers"`
	MedianMS float64  `json:"median_ms"`
	Share    float64  `json:"share"` // of the sum of step medians
	GFLOPS   float64  `json:"gflops"`
	MACs     int64    `json:"macs"`
	Bytes    int64    `json:"bytes"`
}

// BenchResult is a latency measurement of one program.
type BenchResult struct {
	Model      string   `json:"model"`
	Spec       arch.Ref `json:"spec"` // Sets filled by callers that know the overrides
	Batch      int      `json:"batch"`
	Threads    int      `json:"threads"`
	Warmup     int      `json:"warmup"`
	Runs       int      `json:"runs"`
	MedianMS   float64  `json:"median_ms"`
	P10MS      float64  `json:"p10_ms"`
	P90MS      float64  `json:"p90_ms"`
	MinMS      float64  `json:"min_ms"`
	MeanMS     float64  `json:"mean_ms"`
	ImagesPerS float64  `json:"images_per_s"`
	GFLOPS     float64  `json:"gflops"` // 2 x MACs / median time
	// PeakGFLOPS is the measured FMA ceiling of the threads used
	// (kernels.PeakGFLOPS); GFLOPS / PeakGFLOPS is the share of peak.
	PeakGFLOPS float64    `json:"peak_gflops"`
	PeakShare  float64    `json:"peak_share"` // GFLOPS / PeakGFLOPS
	MACs       int64      `json:"macs"`
	Machine    Machine    `json:"machine"`
	Layers     []StepTime `json:"layers,omitempty"`
	Date       string     `json:"date"`
	Warnings   []string   `json:"warnings,omitempty"` // Bench fills them (Warnings)
}

// WideSpread is the p90/median ratio above which a measurement is flagged
// as taken on a busy machine.
const WideSpread = 1.3

// warnings says what makes r doubtful: a p90 over WideSpread times the
// median (the machine was busy), more threads than cores.
func (r *BenchResult) warnings() []string {
	var w []string
	if r.MedianMS > 0 && r.P90MS > WideSpread*r.MedianMS {
		w = append(w, fmt.Sprintf("wide spread: p90 %.3f ms is %.2fx the median %.3f ms; the machine is busy, rerun", r.P90MS, r.P90MS/r.MedianMS, r.MedianMS))
	}
	if r.Machine.Cores > 0 && r.Threads > r.Machine.Cores {
		w = append(w, fmt.Sprintf("%d threads on %d cores: threads share cores, latency is not what %d cores give", r.Threads, r.Machine.Cores, r.Threads))
	}
	return w
}

// BenchInput is the input every latency measurement uses: g's input shape
// filled with a fixed pattern in [-1, 1] (the values do not change the
// time; a fixed pattern keeps runs comparable and needs no seed).
func BenchInput(g *arch.Graph) []float32 {
	in := make([]float32, g.Shape(g.Input).Numel())
	for i := range in {
		in[i] = float32((i*7919)%255)/127.5 - 1
	}
	return in
}

// Bench times p on input in: Warmup untimed passes, then Runs timed ones.
// costs gives the per-layer counts (from Count) for achieved GFLOPS.
func Bench(p *engine.Program, in []float32, costs *Report, o BenchOptions) (*BenchResult, error) {
	if o.Runs < 1 {
		return nil, fmt.Errorf("BenchOptions.Runs %d: expected at least 1", o.Runs)
	}
	var steps [][]time.Duration
	if o.PerLayer {
		steps = make([][]time.Duration, o.Runs)
		for i := range steps {
			steps[i] = make([]time.Duration, len(p.Steps))
		}
	}
	calls := 0
	tm, err := timing.Run(timing.Options{Warmup: o.Warmup, Runs: o.Runs, Progress: o.Progress}, func() error {
		run := calls - o.Warmup // < 0: warm-up
		calls++
		if run < 0 || !o.PerLayer {
			return p.Forward(in)
		}
		return p.ForwardTimed(in, steps[run])
	})
	if err != nil {
		return nil, err
	}
	g := p.Graph
	batch := g.Shape(g.Input)[0]
	r := &BenchResult{Model: g.Spec.Name, Spec: arch.NewRef(g.Spec, nil), Batch: batch, Threads: p.Threads(), Warmup: o.Warmup, Runs: o.Runs,
		MACs: costs.Totals.MACs, Machine: ThisMachine(p.Threads()), Date: time.Now().UTC().Format("2006-01-02")}
	r.MedianMS, r.P10MS, r.P90MS, r.MinMS, r.MeanMS = tm.MedianMS, tm.P10MS, tm.P90MS, tm.MinMS, tm.MeanMS
	r.ImagesPerS = float64(batch) / (r.MedianMS / 1e3)
	r.GFLOPS = tm.GFLOPS(2 * float64(r.MACs))
	r.PeakGFLOPS = kernels.PeakGFLOPS(p.Threads())
	if r.PeakGFLOPS > 0 {
		r.PeakShare = r.GFLOPS / r.PeakGFLOPS
	}
	if o.PerLayer {
		byName := map[string]LayerCost{}
		for _, l := range costs.Layers {
			byName[l.Name] = l
		}
		var total float64
		for si, s := range p.Steps {
			col := make([]float64, o.Runs)
			for i := range steps {
				col[i] = timing.MS(steps[i][si])
			}
			st := StepTime{Name: s.Name, Layers: s.Layers, MedianMS: timing.Median(col)}
			for _, ln := range s.Layers {
				st.MACs += byName[ln].MACs
				st.Bytes += byName[ln].Bytes()
			}
			if st.MedianMS > 0 {
				st.GFLOPS = timing.GFLOPS(2*float64(st.MACs), st.MedianMS)
			}
			total += st.MedianMS
			r.Layers = append(r.Layers, st)
		}
		for i := range r.Layers {
			r.Layers[i].Share = r.Layers[i].MedianMS / total
		}
	}
	r.Warnings = r.warnings()
	return r, nil
}

// Quantile interpolates linearly between the order statistics of sorted
// (ascending) data: position q*(n-1), as numpy's default. Empty data gives 0.
func Quantile(sorted []float64, q float64) float64 { return timing.Quantile(sorted, q) }
