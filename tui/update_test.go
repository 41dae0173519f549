package tui

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/arch"
)

// fakeBench returns a fixed result without running anything: each step's
// time share is its index-based weight, so frames are deterministic.
func fakeBench(ctx context.Context, g *arch.Graph, progress func(done, total int)) (*analyze.BenchResult, error) {
	progress(0, 4)
	for i := 1; i <= 4; i++ {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		progress(i, 4)
	}
	r := analyze.Count(g, analyze.BNFused)
	res := &analyze.BenchResult{Model: g.Spec.Name, Batch: 1, Threads: 1, Runs: 4, MedianMS: 5, P10MS: 4.5, P90MS: 6,
		MinMS: 4, MeanMS: 5.1, ImagesPerS: 200, MACs: r.Totals.MACs, Machine: analyze.Machine{CPU: "test CPU", Cores: 1, SIMD: "generic", Threads: 1, Go: "go", OS: "test"}}
	res.GFLOPS = 2 * float64(res.MACs) / 5e-3 / 1e9
	// Steps: patch embed, then per block mixer and MLP, the head; the
	// mixers take 3x their MAC share, the point the screen is there to show.
	var steps []analyze.StepTime
	add := func(name string, macs int64, w float64) {
		steps = append(steps, analyze.StepTime{Name: name, MACs: macs, MedianMS: w})
	}
	var mixer, mlp, other int64
	for _, l := range r.Layers {
		switch l.Role {
		case arch.RoleMixer:
			mixer += l.MACs
		case arch.RoleMLP:
			mlp += l.MACs
		default:
			other += l.MACs
		}
	}
	add("patch_embed", other, float64(other))
	add("stages.0.blocks.0.spatial_mixing", mixer, 3*float64(mixer))
	add("stages.0.blocks.0.mlp", mlp, float64(mlp))
	var sum float64
	for _, s := range steps {
		sum += s.MedianMS
	}
	for i := range steps {
		steps[i].Share = steps[i].MedianMS / sum
		steps[i].MedianMS = 5 * steps[i].Share
	}
	res.Layers = steps
	return res, nil
}

func newTestApp(t *testing.T, ref string, sets ...string) App {
	t.Helper()
	m, err := LoadModel(ref, sets, "")
	if err != nil {
		t.Fatal(err)
	}
	a := New(Options{Start: m, Bench: fakeBench, BenchConfig: "fake bench"})
	return a.updateT(t, tea.WindowSizeMsg{Width: 80, Height: 24})
}

// updateT applies msg and then every message its commands produce, as the
// bubbletea runtime would, until no command is left.
func (a App) updateT(t *testing.T, msg tea.Msg) App {
	t.Helper()
	queue := []tea.Msg{msg}
	for n := 0; len(queue) > 0; n++ {
		if n > 1000 {
			t.Fatal("message loop does not settle")
		}
		m, cmd := a.Update(queue[0])
		a = m.(App)
		if j, ok := queue[0].(journalMsg); ok && j.same {
			cmd = nil // the journal poll goes on for ever: one re-read is enough
		}
		queue = queue[1:]
		queue = append(queue, run(t, cmd)...)
	}
	return a
}

func run(t *testing.T, cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		switch msg := msg.(type) {
		case nil, tea.QuitMsg:
			return nil
		case tea.BatchMsg:
			var out []tea.Msg
			for _, c := range msg {
				out = append(out, run(t, c)...)
			}
			return out
		}
		return []tea.Msg{msg}
	case <-time.After(10 * time.Second):
		t.Fatal("command did not return")
	}
	return nil
}

func keys(t *testing.T, a App, ks ...string) App {
	t.Helper()
	for _, k := range ks {
		var msg tea.KeyMsg
		switch k {
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "tab":
			msg = tea.KeyMsg{Type: tea.KeyTab}
		case "up":
			msg = tea.KeyMsg{Type: tea.KeyUp}
		case "down":
			msg = tea.KeyMsg{Type: tea.KeyDown}
		case "left":
			msg = tea.KeyMsg{Type: tea.KeyLeft}
		case "right":
			msg = tea.KeyMsg{Type: tea.KeyRight}
		case "ctrl+c":
			msg = tea.KeyMsg{Type: tea.KeyCtrlC}
		case "ctrl+u":
			msg = tea.KeyMsg{Type: tea.KeyCtrlU}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		a = a.updateT(t, msg)
	}
	return a
}

func TestModelScreenEdits(t *testing.T) {
	cases := []struct {
		name   string
		keys   []string
		sets   []string // overrides the counted model must have
		status string   // substring of the status line
	}{
		{"n_div of stage 2", []string{"down", "down", "down", "right", "right", "+", "+", "+", "+"}, []string{"stages.2.n_div=8"}, ""},
		{"typed n_div", []string{"down", "down", "down", "right", "right", "enter", "ctrl+u", "8", "enter"}, []string{"stages.2.n_div=8"}, ""},
		{"swap mixer", []string{"j", "l", "+"}, []string{"stages.0.mixer=conv"}, ""},
		{"runes typed together", []string{"jl++"}, []string{"stages.0.mixer=dwconv"}, ""},
		{"add a block", []string{"j", "j", "j", "+"}, []string{"stages.2.depth=9"}, ""},
		{"embed_dim", []string{"+"}, []string{"embed_dim=48"}, ""},
		{"mlp_ratio and input", []string{"l", "-", "l", "+"}, []string{"mlp_ratio=1.5", "input.height=256", "input.width=256"}, ""},
		{"undo", []string{"+", "l", "+", "u"}, []string{"embed_dim=48"}, ""},
		{"undo twice", []string{"+", "l", "+", "u", "u"}, nil, ""},
		{"reset", []string{"+", "j", "+", "r"}, nil, ""},
		{"invalid reverts", []string{"j", "j", "j", "j", "l", "l", "enter", "ctrl+u", "999", "enter"}, nil, "stage 3 n_div: 999 is larger than stage 3's width 320"},
		{"invalid groups named", []string{"j", "j", "j", "l", "-", "l", "enter", "ctrl+u", "7", "enter"}, []string{"stages.2.mixer=gconv"},
			"stage 2 groups: 7 does not divide stage 2's width 160"},
		{"blamed key after the edited one", []string{"enter", "ctrl+u", "2", "enter"}, nil, "embed_dim 2: n_div: 4 is larger than stage 0's width 2"},
		{"bad typed depth", []string{"j", "enter", "ctrl+u", "x", "enter"}, nil, "stage 0 depth: expected an integer"},
		{"bad typed value", []string{"enter", "ctrl+u", "abc", "enter"}, nil, "embed_dim: expected an integer"},
		{"escape cancels", []string{"enter", "ctrl+u", "64", "esc"}, nil, ""},
		{"q types in a prompt", []string{"o", "q", "esc"}, nil, ""},
		{"nothing to undo", []string{"u"}, nil, "nothing to undo"},
		{"dwconv has no n_div", []string{"j", "l", "+", "+", "l", "+"}, []string{"stages.0.mixer=dwconv"}, "has no n_div or groups"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := keys(t, newTestApp(t, "t0"), c.keys...)
			ms := a.model
			if ms.busy {
				t.Fatal("still counting after the commands ran")
			}
			got := ms.good.sets(editOf(ms.start.Spec))
			if strings.Join(got, " ") != strings.Join(c.sets, " ") {
				t.Errorf("overrides %q, want %q", got, c.sets)
			}
			if !ms.edit.equal(ms.good) {
				t.Errorf("editor shows %+v, counted %+v", ms.edit, ms.good)
			}
			want, err := arch.Load("t0", c.sets)
			if err != nil {
				t.Fatal(err)
			}
			if !sameModel(ms.cur.Spec, want) {
				t.Errorf("counted model differs from arch.Load(t0, %q)", c.sets)
			}
			if c.status != "" && !strings.Contains(ms.statusLine(), c.status) {
				t.Errorf("status %q, want %q", ms.statusLine(), c.status)
			}
			if strings.Contains(ms.statusLine(), "--set") {
				t.Errorf("status %q speaks of --set, which the user did not type", ms.statusLine())
			}
			if a.quitting {
				t.Error("quit")
			}
		})
	}
}

// TestCountedOutOfOrder: only the newest edit's count is applied.
func TestCountedOutOfOrder(t *testing.T) {
	a := newTestApp(t, "t0")
	ms := a.model
	e1, _ := ms.edit.step(fEmbed, -1, 1)
	cmd1 := ms.apply(e1)
	e2, _ := ms.edit.step(fEmbed, -1, 1)
	cmd2 := ms.apply(e2)
	msg2, msg1 := cmd2(), cmd1()
	ms, _ = ms.update(msg2)
	ms, _ = ms.update(msg1) // stale: must not replace the newer result
	if ms.cur.Spec.EmbedDim != 56 || ms.busy {
		t.Errorf("embed_dim %d busy %v, want 56 and done", ms.cur.Spec.EmbedDim, ms.busy)
	}
}

func TestModelScreenSave(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.yaml")
	a := newTestApp(t, "t0")
	a = keys(t, a, "j", "j", "j", "l", "l", "+", "+", "+", "+", "s", "ctrl+u")
	a = keys(t, a, path, "enter")
	if !strings.Contains(a.model.statusLine(), "saved "+path+" (extends t0)") {
		t.Fatalf("status %q", a.model.statusLine())
	}
	s, err := arch.Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Stages[2].NDiv != 8 || s.Stages[1].NDiv != 4 {
		t.Errorf("saved stages %+v", s.Stages)
	}
	// Saving again asks before overwriting.
	a = keys(t, a, "s", "ctrl+u", path, "enter")
	if !a.model.capturing() || !strings.Contains(a.model.statusLine(), "exists") {
		t.Fatalf("no overwrite question: %q", a.model.statusLine())
	}
	a = keys(t, a, "enter")
	if a.model.capturing() || !strings.Contains(a.model.statusLine(), "saved") {
		t.Errorf("second enter did not save: %q", a.model.statusLine())
	}
}

func TestModelScreenOpen(t *testing.T) {
	a := newTestApp(t, "t0")
	a = keys(t, a, "+", "o", "t0_dwconv", "enter", "d")
	if a.model.start.Spec.Name != "t0_dwconv" || len(a.model.undo) != 0 || a.model.edit.EmbedDim != 40 {
		t.Errorf("open: start %s undo %d", a.model.start.Spec.Name, len(a.model.undo))
	}
	a = keys(t, a, "o", "no_such_spec", "enter")
	if !strings.Contains(a.model.statusLine(), `spec "no_such_spec": not a preset`) || a.model.start.Spec.Name != "t0_dwconv" {
		t.Errorf("bad open: %q", a.model.statusLine())
	}
	// The search screen opens candidates with OpenMsg.
	a = a.updateT(t, OpenMsg{Ref: "t0", Sets: []string{"stages.2.n_div=8"}, Label: "cand 7"})
	if a.screen != ScreenModel || a.model.start.Spec.Stages[2].NDiv != 8 || a.model.start.Label != "cand 7" {
		t.Errorf("OpenMsg: screen %v stages %+v", a.screen, a.model.start.Spec.Stages)
	}
	// Edits of a candidate keep its overrides.
	a = keys(t, a, "+")
	if a.model.cur.Spec.Stages[2].NDiv != 8 || a.model.cur.Spec.EmbedDim != 48 {
		t.Errorf("edit of a candidate: %+v", a.model.cur.Spec)
	}
}

func TestLayerScroll(t *testing.T) {
	a := newTestApp(t, "t0")
	n := len(a.model.layers())
	a = keys(t, a, "tab", "down", "down")
	if a.model.offset != 2 || a.model.row != 0 {
		t.Errorf("offset %d row %d", a.model.offset, a.model.row)
	}
	for i := 0; i < 20; i++ {
		a = keys(t, a, " ")
	}
	if want := n - a.model.layerRows(); a.model.offset != want {
		t.Errorf("offset %d after paging to the end, want %d", a.model.offset, want)
	}
	a = keys(t, a, "a")
	if len(a.model.layers()) <= n {
		t.Error("a does not show all layers")
	}
}

func TestBenchScreen(t *testing.T) {
	a := newTestApp(t, "t0")
	a = keys(t, a, "2")
	if a.screen != ScreenBench || a.bench.model != a.model.cur {
		t.Fatal("bench screen does not measure the current model")
	}
	a = keys(t, a, "enter")
	b := a.bench
	if b.busy || b.res == nil || b.resModel != a.model.cur || len(b.res.Layers) != 3 {
		t.Fatalf("bench: busy %v res %v", b.busy, b.res)
	}
	v := b.view()
	for _, want := range []string{"median 5.000 ms", "mixers", "s0.b0.spatial_mixing"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	// An edit makes the result stale.
	a = keys(t, a, "1", "+", "2")
	if !strings.Contains(a.bench.view(), "before the last edit") {
		t.Errorf("stale result not marked:\n%s", a.bench.view())
	}
	a = keys(t, a, "o")
	if a.bench.order != orderTime {
		t.Error("o does not change the order")
	}
}

func TestBenchMessages(t *testing.T) {
	m, _ := LoadModel("t0", nil, "")
	b := newBenchScreen(newKeys(), fakeBench, "").setSize(80, 20)
	b = b.setModel(m)
	b.busy, b.id = true, 3
	b, _ = b.update(benchProgressMsg{id: 3, done: 2, total: 4})
	if b.done != 2 {
		t.Error("progress not applied")
	}
	b, _ = b.update(benchProgressMsg{id: 2, done: 4, total: 4})
	if b.done != 2 {
		t.Error("progress of an old run applied")
	}
	b, _ = b.update(benchDoneMsg{id: 3, err: errors.New("engine: boom")})
	if b.busy || b.err == nil || !strings.Contains(b.view(), "engine: boom") {
		t.Errorf("error not shown:\n%s", b.view())
	}
	b.busy = true
	b.stop = func() {}
	b = b.cancel()
	if b.busy || b.err == nil || b.err.Error() != "cancelled" {
		t.Error("cancel")
	}
}

// TestNativeBenchCancel: a cancelled native bench returns promptly with
// the context's error.
func TestNativeBenchCancel(t *testing.T) {
	m, _ := LoadModel("t0", []string{"depths=[1,1,1,1]", "input=3x64x64"}, "")
	ctx, cancel := context.WithCancel(context.Background())
	f := NativeBench(BenchConfig{Threads: 1, Warmup: 1, Runs: 1000000})
	_, err := f(ctx, m.Graph, func(done, total int) {
		if done == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	f = NativeBench(BenchConfig{Threads: 1, Warmup: 1, Runs: 3})
	res, err := f(context.Background(), m.Graph, func(int, int) {})
	if err != nil || res == nil || len(res.Layers) == 0 || res.Runs != 3 {
		t.Error("no per-step times")
	}
}

func TestQuitAndTinyTerminal(t *testing.T) {
	a := newTestApp(t, "t0")
	a = a.updateT(t, tea.WindowSizeMsg{Width: 30, Height: 8})
	v := a.View()
	if !strings.Contains(v, "needs 64x16") || strings.Count(v, "\n") >= 8 {
		t.Errorf("tiny view:\n%s", v)
	}
	for _, l := range strings.Split(v, "\n") {
		if len([]rune(l)) > 30 {
			t.Errorf("line wider than the terminal: %q", l)
		}
	}
	a = a.updateT(t, tea.WindowSizeMsg{Width: 80, Height: 24})
	if n := strings.Count(a.View(), "\n") + 1; n != 24 {
		t.Errorf("frame has %d lines, want 24", n)
	}
	for _, k := range []string{"q", "ctrl+c"} {
		_, cmd := newTestApp(t, "t0").Update(keyMsg(k))
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s does not quit", k)
		}
	}
}

func keyMsg(k string) tea.KeyMsg {
	if k == "ctrl+c" {
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

func tea0() tea.Msg { return tea.WindowSizeMsg{Width: 80, Height: 24} }
