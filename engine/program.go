package engine

import (
	"fmt"
	"math"
	"time"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/kernels"
)

// Options configures Build.
type Options struct {
	Threads int // worker threads of the program's own pool; <= 0 means all cores
	// Pool, if set, runs the program on these workers instead of a pool of
	// its own (Threads is then ignored): many programs built in one process
	// (a search, an ablation) share one set of threads. A pool runs one job
	// at a time, so programs sharing it must not run Forward concurrently;
	// Close leaves a shared pool running.
	Pool *kernels.Pool
}

// Step is one unit of the program: a fused group of graph layers run as
// one parallel kernel call.
type Step struct {
	Name   string   // what it computes, e.g. "stages.0.blocks.0.mlp"
	Layers []string // graph layers it covers
	Key    string   // configuration key, as PlanSteps gives it
	Kind   StepKind
	tasks  int
	run    func(task, worker int)
	// then are further phases run after run, each one Pool.Run (a barrier
	// between them): a product split over columns whose second GEMM needs
	// every column of the first.
	then []phase
}

// phase is one Pool.Run of a step.
type phase struct {
	tasks int
	run   func(task, worker int)
}

// exec runs the step's phases on pool.
func (s *Step) exec(pool *kernels.Pool) {
	pool.Run(s.tasks, s.run)
	for _, ph := range s.then {
		pool.Run(ph.tasks, ph.run)
	}
}

// Output describes one model output.
type Output struct {
	Shape arch.Shape // PyTorch layout: [N, classes] or [N, C, H, W]
	Data  []float32  // owned by the program; overwritten by the next Forward
}

// Program is a compiled model: BN folded, epilogues fused, buffers planned
// once. Forward does not allocate. A Program is not safe for concurrent
// Forward calls.
type Program struct {
	Graph   *arch.Graph
	Steps   []Step
	Outputs []Output
	pool    *kernels.Pool
	ownPool bool      // started by Build, stopped by Close
	input   []float32 // set by Forward for the first step
	inLen   int
}

// Threads is the number of worker threads.
func (p *Program) Threads() int { return p.pool.Threads() }

// Close stops the program's workers, unless they came from Options.Pool.
func (p *Program) Close() {
	if p.ownPool {
		p.pool.Close()
	}
}

// Forward runs the model on in (NCHW float32, the spec's input shape) and
// leaves the results in p.Outputs.
func (p *Program) Forward(in []float32) error {
	if len(in) != p.inLen {
		return fmt.Errorf("input has %d elements, model %s expects %v = %d", len(in), p.Graph.Spec.Name, []int(p.Graph.Shape(p.Graph.Input)), p.inLen)
	}
	p.input = in
	for i := range p.Steps {
		p.Steps[i].exec(p.pool)
	}
	p.input = nil
	return nil
}

// ForwardTimed is Forward that also records each step's wall time in
// times (len(times) >= len(p.Steps)).
func (p *Program) ForwardTimed(in []float32, times []time.Duration) error {
	if len(in) != p.inLen {
		return p.Forward(in)
	}
	p.input = in
	for i := range p.Steps {
		t0 := time.Now()
		p.Steps[i].exec(p.pool)
		times[i] = time.Since(t0)
	}
	p.input = nil
	return nil
}

// fmap is a feature map held NHWC in a buffer.
type fmap struct {
	buf        []float32
	n, c, h, w int
	value      int // graph value it holds
}

func (f fmap) rows() int { return f.n * f.h * f.w }

type builder struct {
	g       *arch.Graph
	w       Weights
	p       *Program
	threads int
	// planned buffers
	ping, pong []float32
	mix        []float32
	hidden     [][]float32 // per worker MLP tile
	hiddenAll  []float32   // whole hidden map of a column-split MLP
	scratch    [][]float32 // per worker kernel scratch
	srcs       [][2]kernels.Src
	cur        fmap
	// The head's vector (pooled map, then features) and the output it
	// makes, appended once the plan is done.
	vec  []float32
	head *Output
}

// mlpTile is the most rows one MLP task handles, so its hidden tile stays in cache.
const mlpTile = 96

// mlpWholeRows: an MLP over at most this many rows (stages 3-4 at batch 1)
// runs as two column-split products over all rows instead of row tiles.
// Row tiles make every task stream all of both weights, once per tile; with
// M = 49 or 196 rows that is what bounds the block (the weights are MBs,
// the rows few), while the whole hidden map (rows x 2C) is small.
const mlpWholeRows = 256

// mlpWholeBytes: the whole-map MLP is for weights of at least this many
// bytes (both 1x1 convs, float32). Smaller ones stay in L2 across row
// tiles, and row tiles need no second phase and split evenly: T0's stage 3
// (160 channels, 410 KB at M = 196) measured 11% faster as row tiles on one
// thread and 8% on two; T1's (256 channels, 1 MB) no faster.
const mlpWholeBytes = 768 << 10

// runsWhole reports whether an MLP over rows pixels of c channels with
// hidden channels runs as the whole-map column-split products.
func runsWhole(rows, c, hidden int) bool {
	return rows <= mlpWholeRows && 8*c*hidden >= mlpWholeBytes
}

// Build compiles g with weights w (checked strictly) into a Program.
func Build(g *arch.Graph, w Weights, opt Options) (*Program, error) {
	return compile(g, w, opt, func(p *Program) error {
		plan, err := PlanSteps(g)
		if err != nil {
			return err
		}
		b := &builder{g: g, w: w, p: p, threads: p.pool.Threads()}
		b.alloc()
		return b.emit(plan)
	})
}

// compile is what Build and BuildOps share: check the weights, start the
// worker pool, let emit fill the program's steps, and on any failure
// (an error, or an internal invariant's panic surfacing at this edge)
// stop the pool and return the error.
func compile(g *arch.Graph, w Weights, opt Options, emit func(p *Program) error) (prog *Program, err error) {
	if err := w.Check(g); err != nil {
		return nil, err
	}
	p := &Program{Graph: g, pool: opt.Pool, inLen: int(g.Shape(g.Input).Numel())}
	if p.pool == nil {
		p.pool, p.ownPool = kernels.NewPool(opt.Threads), true
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("engine: %v", r)
		}
		if err != nil {
			p.Close()
			prog = nil
		}
	}()
	if err := emit(p); err != nil {
		return nil, err
	}
	return p, nil
}

// alloc sizes the buffers.
func (b *builder) alloc() {
	g := b.g
	var maxMap, maxHidden, maxWhole int
	for i := range g.Layers {
		l := &g.Layers[i]
		if out := g.OutShape(l); len(out) == 4 {
			maxMap = max(maxMap, int(out.Numel()))
		}
		if l.Op == arch.OpConv && l.Role == arch.RoleMLP && l.KH == 1 {
			maxHidden = max(maxHidden, l.OutC)
			if out := g.OutShape(l); len(out) == 4 && runsWhole(out[0]*out[2]*out[3], l.InC, l.OutC) {
				maxWhole = max(maxWhole, int(out.Numel()))
			}
		}
	}
	// Two maps ping-pong across merges; blocks update a map in place. The
	// mixer's output (at most a whole map) has its own buffer.
	b.ping = make([]float32, maxMap)
	b.pong = make([]float32, maxMap)
	b.mix = make([]float32, maxMap)
	b.hiddenAll = make([]float32, maxWhole)
	b.hidden = make([][]float32, b.threads)
	b.srcs = make([][2]kernels.Src, b.threads)
	for i := range b.hidden {
		b.hidden[i] = make([]float32, mlpTile*maxHidden)
	}
	// Kernel scratch is sized when the kernels are made (needScratch).
	b.scratch = make([][]float32, b.threads)
}

func (b *builder) needScratch(n int) {
	for i := range b.scratch {
		if len(b.scratch[i]) < n {
			b.scratch[i] = make([]float32, n)
		}
	}
}

func (b *builder) add(s Step) {
	b.p.Steps = append(b.p.Steps, s)
}

// other returns the ping-pong buffer not holding the current map.
func (b *builder) other() []float32 {
	if len(b.cur.buf) > 0 && &b.cur.buf[0] == &b.ping[0] {
		return b.pong
	}
	return b.ping
}

// rowSplit divides [0, n) into about parts ranges; task t gets [lo, hi).
func rowSplit(n, parts, t int) (int, int) {
	return n * t / parts, n * (t + 1) / parts
}

// convTasks is the number of row tasks of a 3x3 conv over h rows split in
// multiples of grain: two per thread, or one per thread for 2x2 tiles
// (Winograd), whose GEMMs each read all of the weights and want as many
// tiles as they can get. A conv of fewer than splitMinMACs runs as one.
func convTasks(threads, h, grain int, macs int64) int {
	if threads == 1 || macs < splitMinMACs {
		return 1
	}
	units := (h + grain - 1) / grain
	if grain > 1 {
		return max(1, min(units, threads))
	}
	return max(1, min(units, 2*threads))
}

// splitMinMACs: a conv of fewer MACs (about 10 us of work) runs as one
// task. Split over two threads, the hand-off and the output lines shared
// by two cores cost more than they save: ten DWConv layers at 768x7x7 (339K
// MACs each) took 0.15 ms on two threads against 0.11 ms on one.
const splitMinMACs = 1 << 20

// grainSplit is rowSplit of h rows in units of grain rows.
func grainSplit(h, grain, parts, t int) (int, int) {
	u0, u1 := rowSplit((h+grain-1)/grain, parts, t)
	return min(h, u0*grain), min(h, u1*grain)
}

func (b *builder) rowTasks(rows int) int {
	if b.threads == 1 {
		return 1
	}
	return min(rows, 2*b.threads)
}

// emit compiles the plan, one program step per planned step, each
// carrying the plan's name, layers, key and kind.
func (b *builder) emit(plan []StepInfo) error {
	for i := range plan {
		st := &plan[i]
		n := len(b.p.Steps)
		var err error
		switch st.Kind {
		case KindPatchEmbed:
			err = b.embed(st)
		case KindMerge:
			err = b.merge(st)
		case KindMixer:
			err = b.mixer(st)
		case KindMLP:
			err = b.mlp(st)
		case KindOutNorm:
			err = b.outNorm(st)
		case KindPool:
			b.pool(st)
		case KindPreHead, KindClassifier:
			b.fc(st)
		default:
			err = fmt.Errorf("engine: internal: step %s of kind %s has no emitter", st.Name, st.Kind)
		}
		if err != nil {
			return err
		}
		if len(b.p.Steps) != n+1 {
			return fmt.Errorf("engine: internal: step %s emitted %d program steps", st.Name, len(b.p.Steps)-n)
		}
		s := &b.p.Steps[n]
		s.Name, s.Layers, s.Key, s.Kind = st.Name, st.Layers, st.Key, st.Kind
	}
	if b.head != nil {
		b.p.Outputs = append(b.p.Outputs, *b.head)
	}
	if len(b.p.Outputs) == 0 {
		return fmt.Errorf("engine: model %s has no output the engine produces", b.g.Spec.Name)
	}
	return nil
}

// foldBN returns conv weight w folded with the BatchNorm named bn (FoldBN).
func (b *builder) foldBN(w []float32, cout int, bn string) ([]float32, []float32) {
	return FoldBN(w, cout, b.w[bn+".weight"].Data, b.w[bn+".bias"].Data, b.w[bn+".running_mean"].Data, b.w[bn+".running_var"].Data)
}

// BNEps is the BatchNorm epsilon of the reference (PyTorch's default).
const BNEps = 1e-5

// FoldBN returns conv weight w (cout rows) scaled per output channel by the
// inference-form BatchNorm (gamma, beta, mean, var) that follows it, and the
// bias that replaces it: s = gamma/sqrt(var+eps), w' = w*s,
// b' = beta - mean*s, in float64. The engine and the ONNX export both fold
// with it, so an exported model computes what the engine computes.
func FoldBN(w []float32, cout int, gamma, beta, mean, vr []float32) ([]float32, []float32) {
	per := len(w) / cout
	fw := make([]float32, len(w))
	bias := make([]float32, cout)
	for o := 0; o < cout; o++ {
		s := float64(gamma[o]) / math.Sqrt(float64(vr[o])+BNEps)
		for k := 0; k < per; k++ {
			fw[o*per+k] = float32(float64(w[o*per+k]) * s)
		}
		bias[o] = float32(float64(beta[o]) - float64(mean[o])*s)
	}
	return fw, bias
}

// bnAffine returns the per-channel scale and shift of an unfused BatchNorm.
func (b *builder) bnAffine(bn string, c int) ([]float32, []float32) {
	ones := make([]float32, c)
	for i := range ones {
		ones[i] = 1
	}
	return b.foldBN(ones, c, bn)
}

// embed emits the stem: a patch conv (kernel = stride) reading the NCHW
// input, with its BatchNorm folded.
func (b *builder) embed(st *StepInfo) error {
	p := b.p
	in := b.g.InShape(&b.g.Layers[st.Index[0]])
	n, h, w := in[0], in[2], in[3]
	return b.patch(st, false, func(pc *kernels.PatchConv, y0, y1 int, dst []float32, ldo int, ep *kernels.Epilogue, scratch []float32) {
		pc.RunNCHWRows(n, h, w, y0, y1, p.input, dst, ldo, ep, scratch)
	})
}

// merge emits a downsampling patch conv reading the current NHWC map.
func (b *builder) merge(st *StepInfo) error {
	src := b.cur
	return b.patch(st, true, func(pc *kernels.PatchConv, y0, y1 int, dst []float32, ldo int, ep *kernels.Epilogue, scratch []float32) {
		pc.RunNHWCRows(src.n, src.h, src.w, y0, y1, src.buf, src.c, dst, ldo, ep, scratch)
	})
}

// patch emits one patch conv step (embed or merge): the step's conv and
// its BatchNorm if the plan gave it one, split by output rows; rows runs the kernel on output
// rows [y0, y1) into dst (pixel stride ldo). The result goes to the free
// ping-pong buffer. A merge onto at most mlpWholeRows pixels with several
// threads is split by output channels instead (one PatchConv per part), so
// that the threads share the weight's streaming rather than each reading
// all of it for a row or two.
func (b *builder) patch(st *StepInfo, colSplit bool, rows func(pc *kernels.PatchConv, y0, y1 int, dst []float32, ldo int, ep *kernels.Epilogue, scratch []float32)) error {
	g := b.g
	l := &g.Layers[st.Index[0]]
	if l.KH != l.Stride || l.KW != l.Stride || l.Pad != 0 || l.Groups != 1 {
		return fmt.Errorf("engine: %s has kernel %d, stride %d: the engine runs patch convs whose kernel equals the stride", l.Name, l.KH, l.Stride)
	}
	w := b.w[l.Name+".weight"].Data
	var bias []float32
	last := l
	if len(st.Index) > 1 {
		last = &g.Layers[st.Index[1]]
		w, bias = b.foldBN(w, l.OutC, last.Name)
	}
	pc, err := kernels.NewPatchConv(w, l.InC, l.OutC, l.KH)
	if err != nil {
		return fmt.Errorf("engine: %s: %v", l.Name, err)
	}
	in, out := g.InShape(l), g.OutShape(l)
	b.needScratch(pc.ScratchLen(in[0], in[2], in[3]))
	dst := b.other()
	ep := &kernels.Epilogue{Bias: bias}
	oh, cout := out[2], l.OutC
	if colSplit && b.threads > 1 && out[0]*out[2]*out[3] <= mlpWholeRows {
		o := colBounds(cout, 2*b.threads)
		kk := l.InC * l.KH * l.KW
		pcs := make([]*kernels.PatchConv, len(o)-1)
		eps := make([]kernels.Epilogue, len(o)-1)
		for t := range pcs {
			if pcs[t], err = kernels.NewPatchConv(w[o[t]*kk:o[t+1]*kk], l.InC, o[t+1]-o[t], l.KH); err != nil {
				return fmt.Errorf("engine: %s: %v", l.Name, err)
			}
			b.needScratch(pcs[t].ScratchLen(in[0], in[2], in[3]))
			if bias != nil {
				eps[t].Bias = bias[o[t]:o[t+1]]
			}
		}
		b.add(Step{tasks: len(pcs), run: func(t, wk int) {
			rows(pcs[t], 0, oh, dst[o[t]:], cout, &eps[t], b.scratch[wk])
		}})
	} else {
		tasks := b.rowTasks(oh)
		b.add(Step{tasks: tasks, run: func(t, wk int) {
			y0, y1 := rowSplit(oh, tasks, t)
			rows(pc, y0, y1, dst, cout, ep, b.scratch[wk])
		}})
	}
	b.cur = fmap{buf: dst, n: out[0], c: out[1], h: out[2], w: out[3], value: last.Outputs[0]}
	return nil
}
