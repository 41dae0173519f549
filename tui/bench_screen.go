package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/engine"
)

// BenchFunc measures the latency of g per program step. progress is called
// with the timed runs done so far (done 0: built, warming up). It must
// return soon after ctx is cancelled.
type BenchFunc func(ctx context.Context, g *arch.Graph, progress func(done, total int)) (*analyze.BenchResult, error)

// BenchConfig configures NativeBench.
type BenchConfig struct {
	Threads      int    // worker threads, 0: all cores
	Warmup, Runs int    // untimed and timed passes
	Seed         uint64 // random weights
}

// errCancelled unwinds analyze.Bench from its progress callback.
var errCancelled = errors.New("bench cancelled")

// NativeBench measures on fnlab's engine with seeded random weights, BN
// folded, timing every program step, as `fnlab bench --per-layer` does.
func NativeBench(c BenchConfig) BenchFunc {
	return func(ctx context.Context, g *arch.Graph, progress func(done, total int)) (res *analyze.BenchResult, err error) {
		p, err := engine.Build(g, engine.RandomWeights(g, c.Seed), engine.Options{Threads: c.Threads})
		if err != nil {
			return nil, err
		}
		defer p.Close()
		in := analyze.BenchInput(g)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		progress(0, c.Runs)
		// analyze.Bench has no context; its progress callback is the one
		// place to stop it, so cancellation unwinds from there.
		defer func() {
			if r := recover(); r != nil {
				if r != errCancelled {
					panic(r)
				}
				res, err = nil, ctx.Err()
			}
		}()
		opt := analyze.BenchOptions{Warmup: c.Warmup, Runs: c.Runs, PerLayer: true, Progress: func(done, total int) {
			if ctx.Err() != nil {
				panic(errCancelled)
			}
			progress(done, total)
		}}
		return analyze.Bench(p, in, analyze.Count(g, analyze.BNFused), opt)
	}
}

// Messages of a running bench; id tells runs apart after a cancel.
type (
	benchProgressMsg struct{ id, done, total int }
	benchDoneMsg     struct {
		id  int
		res *analyze.BenchResult
		err error
	}
)

type benchRun struct {
	prog chan benchProgressMsg // latest progress (older values are dropped)
	done chan benchDoneMsg
}

// wait returns the run's next message.
func (r benchRun) wait() tea.Cmd {
	return func() tea.Msg {
		select {
		case d := <-r.done:
			return d
		case p := <-r.prog:
			return p
		}
	}
}

// startBench runs f in a goroutine that reports through r's channels.
func startBench(ctx context.Context, id int, f BenchFunc, g *arch.Graph) benchRun {
	r := benchRun{prog: make(chan benchProgressMsg, 1), done: make(chan benchDoneMsg, 1)}
	go func() {
		var res *analyze.BenchResult
		var err error
		func() {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("bench: %v", p)
				}
			}()
			res, err = f(ctx, g, func(done, total int) {
				select {
				case r.prog <- benchProgressMsg{id: id, done: done, total: total}:
				default: // the UI has not read the last one yet; it gets a later one
				}
			})
		}()
		r.done <- benchDoneMsg{id: id, res: res, err: err}
	}()
	return r
}

type benchOrder int

const (
	orderProgram benchOrder = iota
	orderTime
	orderMACs
)

func (o benchOrder) String() string { return [...]string{"program order", "by time", "by MACs"}[o] }

// benchScreen measures the current model in the background and shows
// where the time goes next to where the MACs go.
type benchScreen struct {
	keys   keyMap
	run    BenchFunc
	config string // what a run does, e.g. "10 warm-up + 200 runs"

	model *Model // the model a run would measure
	id    int
	cur   benchRun
	stop  context.CancelFunc
	busy  bool
	done  int
	total int

	res      *analyze.BenchResult
	resModel *Model                     // the model res measured
	resKinds map[string]engine.StepKind // res's steps by name, from resModel's plan
	runModel *Model                     // the model the running measurement measures
	err      error

	bar    progress.Model
	order  benchOrder
	offset int
	w, h   int
}

func newBenchScreen(keys keyMap, run BenchFunc, config string) benchScreen {
	return benchScreen{keys: keys, run: run, config: config,
		bar: progress.New(progress.WithSolidFill("213"), progress.WithoutPercentage())}
}

func (b benchScreen) setSize(w, h int) benchScreen {
	b.w, b.h = w, h
	b.clampOffset()
	return b
}

// setModel is called when the screen is shown: runs measure m from now on.
func (b benchScreen) setModel(m *Model) benchScreen {
	b.model = m
	return b
}

func (b benchScreen) start() (benchScreen, tea.Cmd) {
	if b.busy || b.model == nil {
		return b, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.id++
	b.stop = cancel
	b.busy, b.done, b.total, b.err = true, 0, 0, nil
	b.cur = startBench(ctx, b.id, b.run, b.model.Graph)
	b.runModel = b.model
	return b, b.cur.wait()
}

// cancel stops a running measurement (also called when the program quits).
func (b benchScreen) cancel() benchScreen {
	if b.busy && b.stop != nil {
		b.stop()
		b.stop = nil
		b.busy = false
		b.err = errors.New("cancelled")
	}
	return b
}

func (b benchScreen) update(msg tea.Msg) (benchScreen, tea.Cmd) {
	switch msg := msg.(type) {
	case benchProgressMsg:
		if msg.id != b.id || !b.busy {
			return b, nil
		}
		b.done, b.total = msg.done, msg.total
		return b, b.cur.wait()
	case benchDoneMsg:
		if msg.id != b.id {
			return b, nil
		}
		if b.stop != nil {
			b.stop()
			b.stop = nil
		}
		b.busy = false
		if msg.err != nil {
			if !errors.Is(msg.err, context.Canceled) {
				b.err = msg.err
			}
			return b, nil
		}
		b.res, b.resModel, b.err = msg.res, b.runModel, nil
		b.resKinds = planKinds(b.resModel)
		b.offset = 0
		return b, nil
	case tea.KeyMsg:
		k := b.keys
		switch {
		case key.Matches(msg, k.Cancel):
			return b.cancel(), nil
		case key.Matches(msg, k.Run):
			return b.start()
		case key.Matches(msg, k.Order):
			b.order = (b.order + 1) % 3
		case key.Matches(msg, k.Up):
			b.offset--
		case key.Matches(msg, k.Down):
			b.offset++
		case key.Matches(msg, k.PageUp):
			b.offset -= b.rows()
		case key.Matches(msg, k.PageDown):
			b.offset += b.rows()
		}
		b.clampOffset()
	}
	return b, nil
}

// Body layout: title, progress, summary, kinds, header, rows.
func (b benchScreen) rows() int { return max(1, b.h-5) }

func (b *benchScreen) clampOffset() {
	n := 0
	if b.res != nil {
		n = len(b.res.Layers)
	}
	b.offset = max(0, min(b.offset, n-b.rows()))
}

func (b benchScreen) shortHelp() []key.Binding {
	k := b.keys
	if b.busy {
		return []key.Binding{k.Cancel}
	}
	return []key.Binding{k.Run, k.Order, k.Scroll}
}

func (b benchScreen) fullHelp() [][]key.Binding {
	k := b.keys
	return [][]key.Binding{{k.Run, k.Cancel, k.Order}, {k.Up, k.Down, k.PageUp, k.PageDown}}
}

// planKinds maps m's program steps to their kinds (nil without a graph).
func planKinds(m *Model) map[string]engine.StepKind {
	if m == nil || m.Graph == nil {
		return nil
	}
	plan, err := engine.PlanSteps(m.Graph)
	if err != nil {
		return nil
	}
	kinds := make(map[string]engine.StepKind, len(plan))
	for _, st := range plan {
		kinds[st.Name] = st.Kind
	}
	return kinds
}

// stepGroup groups program steps of kind k for the summary line.
func stepGroup(k engine.StepKind) string {
	switch k {
	case engine.KindMixer:
		return "mixers"
	case engine.KindMLP:
		return "MLPs"
	}
	return "other"
}

// stepLabel is the short name of a program step of kind k; a merge is
// named after its module ("stages.N"), so its label says what it is.
func stepLabel(name string, k engine.StepKind) string {
	s := shortName(name)
	if k == engine.KindMerge {
		s += ".merge"
	}
	return s
}

func (b benchScreen) view() string {
	w := b.w
	var lines []string
	add := func(s string) { lines = append(lines, line(s, w)) }
	name := "no model"
	if b.model != nil {
		name = b.model.Spec.Name
		if b.model.Label != "" && b.model.Label != name {
			name += " (" + b.model.Label + ")"
		}
		// The hash tells an edited model from the one it was loaded as.
		name += " · spec " + arch.Hash(b.model.Spec)
	}
	add(" " + stTitle.Render("Bench "+name) + " · " + b.config)

	switch {
	case b.busy:
		frac := 0.0
		if b.total > 0 {
			frac = float64(b.done) / float64(b.total)
		}
		b.bar.Width = max(10, w-24)
		what := "building and warming up"
		if b.done > 0 {
			what = fmt.Sprintf("%d/%d runs", b.done, b.total)
		}
		add(" " + b.bar.ViewAs(frac) + " " + what)
	case b.err != nil:
		add(" " + stErr.Render(oneLine(b.err)) + " · enter to measure")
	case b.res == nil:
		add(" enter: measure this model's latency in the background (x cancels)")
	case b.resModel != b.model:
		add(" results below are for the model before the last edit · enter to re-measure")
	default:
		add(" " + stOK.Render("done") + fmt.Sprintf(" · %s", b.res.Machine))
	}
	r := b.res
	if r == nil {
		add("")
		return strings.Join(lines, "\n")
	}
	add(joinFit(w, fmt.Sprintf(" median %.3f ms", r.MedianMS), fmt.Sprintf("p10 %.3f", r.P10MS), fmt.Sprintf("p90 %.3f", r.P90MS),
		fmt.Sprintf("%.1f img/s", r.ImagesPerS), fmt.Sprintf("%.1f GFLOPS", r.GFLOPS)))

	var totalMACs int64
	timeBy, macBy := map[string]float64{}, map[string]int64{}
	for _, l := range r.Layers {
		totalMACs += l.MACs
		g := stepGroup(b.resKinds[l.Name])
		timeBy[g] += l.Share
		macBy[g] += l.MACs
	}
	macShare := func(n int64) float64 {
		if totalMACs == 0 {
			return 0
		}
		return float64(n) / float64(totalMACs)
	}
	kinds := []string{" time/MACs:"}
	for _, k := range []string{"mixers", "MLPs", "other"} {
		kinds = append(kinds, fmt.Sprintf("%s %s/%s", k, pct(timeBy[k]), pct(macShare(macBy[k]))))
	}
	kinds[1] = kinds[0] + " " + kinds[1]
	add(joinFit(w, kinds[1:]...))

	steps := slices.Clone(r.Layers)
	switch b.order {
	case orderTime:
		slices.SortStableFunc(steps, func(x, y analyze.StepTime) int { return cmpDesc(x.Share, y.Share) })
	case orderMACs:
		slices.SortStableFunc(steps, func(x, y analyze.StepTime) int { return cmpDesc(float64(x.MACs), float64(y.MACs)) })
	}
	// Step names keep their width (up to 24); the bars take the rest.
	nameW := 10
	for _, l := range steps {
		nameW = max(nameW, min(24, len(stepLabel(l.Name, b.resKinds[l.Name]))))
	}
	barW := max(4, (w-nameW-8-2*7-4)/2)
	scale := 0.0 // both columns share one scale, so bar lengths compare
	for _, l := range steps {
		scale = max(scale, l.Share, macShare(l.MACs))
	}
	if scale == 0 {
		scale = 1
	}
	add(stHeader.Render(fmt.Sprintf(" %-*s %7s %6s %-*s %6s %-*s", nameW, cut("step ("+b.order.String()+")", nameW), "ms",
		"time", barW, "", "MACs", barW, "")))
	for i := b.offset; i < len(steps) && i < b.offset+b.rows(); i++ {
		l := steps[i]
		ms := macShare(l.MACs)
		add(fmt.Sprintf(" %-*s %7.3f %6s %s %6s %s", nameW, cut(stepLabel(l.Name, b.resKinds[l.Name]), nameW), l.MedianMS,
			pct(l.Share), stTimeBar.Render(fit(hbar(l.Share/scale, barW), barW)),
			pct(ms), stMACBar.Render(fit(hbar(ms/scale, barW), barW))))
	}
	return strings.Join(lines, "\n")
}

func cmpDesc(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// joinFit joins parts with " · " as far as they fit in w cells: a part
// that does not fit is left out whole (with the ones after it), so that no
// number is cut.
func joinFit(w int, parts ...string) string {
	out := parts[0]
	for _, p := range parts[1:] {
		if ansi.StringWidth(out+" · "+p) > w {
			break
		}
		out += " · " + p
	}
	return out
}
