package analyze

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/engine"
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
		return nil, fmt.Errorf("--runs %d: expected at least 1", o.Runs)
	}
	for i := 0; i < o.Warmup; i++ {
		if err := p.Forward(in); err != nil {
			return nil, err
		}
	}
	times := make([]float64, o.Runs)
	var steps [][]time.Duration
	if o.PerLayer {
		steps = make([][]time.Duration, o.Runs)
		for i := range steps {
			steps[i] = make([]time.Duration, len(p.Steps))
		}
	}
	for i := 0; i < o.Runs; i++ {
		t0 := time.Now()
		var err error
		if o.PerLayer {
			err = p.ForwardTimed(in, steps[i])
		} else {
			err = p.Forward(in)
		}
		if err != nil {
			return nil, err
		}
		times[i] = float64(time.Since(t0).Nanoseconds()) / 1e6
		if o.Progress != nil {
			o.Progress(i+1, o.Runs)
		}
	}
	g := p.Graph
	batch := g.Shape(g.Input)[0]
	r := &BenchResult{Model: g.Spec.Name, Spec: arch.NewRef(g.Spec, nil), Batch: batch, Threads: p.Threads(), Warmup: o.Warmup, Runs: o.Runs,
		MACs: costs.Totals.MACs, Machine: ThisMachine(p.Threads()), Date: time.Now().UTC().Format("2006-01-02")}
	sorted := append([]float64(nil), times...)
	sort.Float64s(sorted)
	r.MedianMS = Quantile(sorted, 0.5)
	r.P10MS = Quantile(sorted, 0.1)
	r.P90MS = Quantile(sorted, 0.9)
	r.MinMS = sorted[0]
	for _, t := range times {
		r.MeanMS += t / float64(len(times))
	}
	r.ImagesPerS = float64(batch) / (r.MedianMS / 1e3)
	r.GFLOPS = 2 * float64(r.MACs) / (r.MedianMS / 1e3) / 1e9
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
				col[i] = float64(steps[i][si].Nanoseconds()) / 1e6
			}
			sort.Float64s(col)
			st := StepTime{Name: s.Name, Layers: s.Layers, MedianMS: Quantile(col, 0.5)}
			for _, ln := range s.Layers {
				st.MACs += byName[ln].MACs
				st.Bytes += byName[ln].Bytes()
			}
			if st.MedianMS > 0 {
				st.GFLOPS = 2 * float64(st.MACs) / (st.MedianMS / 1e3) / 1e9
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
func Quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	if len(sorted) == 1 {
		return sorted[0]
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	f := pos - float64(lo)
	return sorted[lo]*(1-f) + sorted[hi]*f
}
