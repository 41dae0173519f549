package tui

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
)

// The flows below run the real bubbletea program (teatest) at 80x24, send
// key presses, wait until the frame shows their effect, quit with q and
// compare the last frame with testdata/<TestName>.golden (go test
// ./tui -update rewrites them). Colours are off in tests (no terminal), so
// the golden frames are plain text.

func startFlow(t *testing.T, ref string, o Options) *teatest.TestModel {
	t.Helper()
	m, err := LoadModel(ref, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	o.Start = m
	if o.Bench == nil {
		o.Bench, o.BenchConfig = fakeBench, "fake bench"
	}
	return teatest.NewTestModel(t, New(o), teatest.WithInitialTermSize(80, 24))
}

func send(tm *teatest.TestModel, ks ...string) {
	for _, k := range ks {
		switch k {
		case "enter":
			tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
		case "tab":
			tm.Send(tea.KeyMsg{Type: tea.KeyTab})
		case "down":
			tm.Send(tea.KeyMsg{Type: tea.KeyDown})
		case "right":
			tm.Send(tea.KeyMsg{Type: tea.KeyRight})
		case "ctrl+u":
			tm.Send(tea.KeyMsg{Type: tea.KeyCtrlU})
		default:
			tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
		}
	}
}

func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(text)) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

// finish quits with q (then the keys given: d to discard unsaved edits)
// and compares the last frame with the golden file.
func finish(t *testing.T, tm *teatest.TestModel, then ...string) App {
	t.Helper()
	send(tm, "q")
	send(tm, then...)
	a := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(App)
	if !a.quitting || a.View() != "" {
		t.Error("q did not quit with an empty last view")
	}
	golden.RequireEqual(t, []byte(a.Frame()+"\n"))
	return a
}

// TestFlowModelEdit: stage 2 to n_div 8 and one more block, stage 0 to
// dwconv, then check the frame.
func TestFlowModelEdit(t *testing.T) {
	tm := startFlow(t, "t0", Options{})
	send(tm, "down", "down", "down", "right", "right", "+", "+", "+", "+")
	send(tm, "h", "h", "+", "k", "k", "l", "+", "+")
	waitFor(t, tm, "3 change(s)")
	finish(t, tm, "d")
}

// TestFlowModelLayers: tab to the layer table, page down, all layers.
func TestFlowModelLayers(t *testing.T) {
	tm := startFlow(t, "t0", Options{})
	send(tm, "tab", " ", "a")
	waitFor(t, tm, "layer, all")
	finish(t, tm)
}

// TestFlowSave: edit, save under a name, check the status line.
func TestFlowSave(t *testing.T) {
	// The model saves relative to the working directory; the golden file
	// is relative to the package directory, so go back before comparing.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	if err := os.Chdir(tmp); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(wd) })
	tm := startFlow(t, "t0", Options{})
	send(tm, "down", "down", "down", "+", "+", "s", "ctrl+u", "deeper.yaml", "enter")
	waitFor(t, tm, "saved deeper.yaml")
	if err := os.Chdir(wd); err != nil {
		t.Fatal(err)
	}
	finish(t, tm)
	if _, err := os.Stat(filepath.Join(tmp, "deeper.yaml")); err != nil {
		t.Error(err)
	}
}

// TestFlowBench: switch to the bench screen, run the (fake) bench.
func TestFlowBench(t *testing.T) {
	tm := startFlow(t, "t0", Options{})
	send(tm, "2", "enter")
	waitFor(t, tm, "median 5.000 ms")
	finish(t, tm)
}

// TestFlowHelp: the full key list of the model screen.
func TestFlowHelp(t *testing.T) {
	tm := startFlow(t, "t0", Options{})
	send(tm, "?")
	waitFor(t, tm, "page up")
	finish(t, tm)
}

// TestFlowUnsaved: q with an edit asks on the status line; the frame is
// taken with the question shown (ctrl+c quits without asking).
func TestFlowUnsaved(t *testing.T) {
	tm := startFlow(t, "t0", Options{})
	send(tm, "+", "q")
	waitFor(t, tm, "d discard")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	a := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(App)
	if !a.quitting {
		t.Error("ctrl+c did not quit")
	}
	golden.RequireEqual(t, []byte(a.Frame()+"\n"))
}

// TestFlowResize: grow, then shrink below the minimum: a message, no crash.
func TestFlowResize(t *testing.T) {
	tm := startFlow(t, "t0", Options{})
	tm.Send(tea.WindowSizeMsg{Width: 100, Height: 30})
	tm.Send(tea.WindowSizeMsg{Width: 40, Height: 10})
	waitFor(t, tm, "this terminal is 40x10")
	finish(t, tm)
}
