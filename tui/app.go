package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// Screen names one of the root model's screens.
type Screen int

const (
	ScreenModel Screen = iota
	ScreenBench
	ScreenSearch
)

func (s Screen) String() string { return [...]string{"Model", "Bench", "Search"}[s] }

// Smallest terminal the screens are laid out for; below it the root shows
// a message instead.
const (
	MinWidth  = 64
	MinHeight = 16
)

// Options configure the explorer.
type Options struct {
	Start       *Model    // the model the model screen opens with (required)
	Bench       BenchFunc // measures latency; nil: NativeBench with 10 warm-up + 100 runs
	BenchConfig string    // what a bench run does, shown on the bench screen
	Search      SearchSource
}

// App is the root model: it owns the window size, the help bar and the
// screen enum, and routes messages to the screen models. Keys go to the
// active screen; results of background work go to the screen that asked
// for them, whichever screen is shown.
type App struct {
	keys     keyMap
	screen   Screen
	model    modelScreen
	bench    benchScreen
	search   searchScreen
	help     help.Model
	fullHelp bool
	w, h     int
	quitting bool

	confirm   *action // asked on the status line: unsaved edits would be lost
	afterSave *action // runs once the save prompt opened by the question saved
}

// New builds the root model.
func New(o Options) App {
	keys := newKeys()
	run, cfg := o.Bench, o.BenchConfig
	if run == nil {
		def := BenchConfig{Warmup: 10, Runs: 100}
		run, cfg = NativeBench(def), def.String()
	}
	h := help.New()
	a := App{keys: keys, model: newModelScreen(keys, o.Start), bench: newBenchScreen(keys, run, cfg),
		search: newSearchScreen(keys, o.Search), help: h}
	if o.Search.Path != "" {
		// Given a journal, the search is what the user came to see.
		a.screen = ScreenSearch
	}
	return a
}

// Init starts the search screen's journal reader, if it has one.
func (a App) Init() tea.Cmd { return a.search.init() }

// Screen is the screen shown.
func (a App) Screen() Screen { return a.screen }

func (a App) capturing() bool {
	switch a.screen {
	case ScreenModel:
		return a.model.capturing()
	case ScreenSearch:
		return a.search.capturing()
	}
	return false
}

// Update routes msg.
func (a App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.w, a.h = msg.Width, msg.Height
		a.help.Width = msg.Width
		return a.resize(), nil
	case tea.KeyMsg:
		// Keys typed faster than the terminal is read arrive as one
		// message ("j+" or "++" with key repeat); outside a text prompt
		// each rune is a command of its own.
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste && !a.capturing() {
			var cmds []tea.Cmd
			var m tea.Model = a
			for _, r := range msg.Runes {
				m, cmd = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt})
				cmds = append(cmds, cmd)
			}
			return m, tea.Batch(cmds...)
		}
		if msg.Type == tea.KeyCtrlC {
			return a.do(action{quit: true})
		}
		if a.confirm != nil {
			return a.updateConfirm(msg)
		}
		if !a.capturing() && key.Matches(msg, a.keys.Quit) {
			return a.guard(action{quit: true})
		}
		if !a.capturing() {
			switch {
			case key.Matches(msg, a.keys.Help):
				a.fullHelp = !a.fullHelp
				return a.resize(), nil
			case key.Matches(msg, a.keys.Model):
				return a.show(ScreenModel), nil
			case key.Matches(msg, a.keys.Bench):
				return a.show(ScreenBench), nil
			case key.Matches(msg, a.keys.Search):
				return a.show(ScreenSearch), nil
			}
		}
		switch a.screen {
		case ScreenModel:
			a.model, cmd = a.model.update(msg)
			return a.afterSaving(cmd)
		case ScreenBench:
			a.bench, cmd = a.bench.update(msg)
		case ScreenSearch:
			a.search, cmd = a.search.update(msg)
		}
		return a, cmd
	case OpenMsg:
		return a.guard(action{open: msg})
	case openJournalMsg:
		s, cmd, err := a.search.open(msg.path)
		if err != nil {
			a.model.fail(err)
			return a, nil
		}
		a.search = s
		return a.show(ScreenSearch), cmd
	case countedMsg, openedMsg:
		a.model, cmd = a.model.update(msg)
		a.bench = a.bench.setModel(a.model.cur)
		return a, cmd
	case benchProgressMsg, benchDoneMsg:
		a.bench, cmd = a.bench.update(msg)
		return a, cmd
	case journalMsg:
		a.search, cmd = a.search.update(msg)
		return a, cmd
	}
	return a, nil
}

func (a App) show(s Screen) App {
	a.screen = s
	if s == ScreenBench {
		a.bench = a.bench.setModel(a.model.cur)
	}
	return a.resize()
}

// bodyHeight is what the screens get: the terminal minus the tab bar, the
// status line and the help bar.
func (a App) bodyHeight() int { return max(1, a.h-2-a.helpHeight()) }

func (a App) helpHeight() int {
	if !a.fullHelp {
		return 1
	}
	n := 0
	for _, g := range a.fullHelpGroups() {
		n = max(n, len(g))
	}
	return n
}

func (a App) resize() App {
	bh := a.bodyHeight()
	a.model = a.model.setSize(a.w, bh)
	a.bench = a.bench.setSize(a.w, bh)
	a.search = a.search.setSize(a.w, bh)
	return a
}

func (a App) globalKeys() []key.Binding {
	k := a.keys
	return []key.Binding{k.Model, k.Bench, k.Search, k.Help, k.Quit}
}

func (a App) shortHelp() []key.Binding {
	if a.confirm != nil {
		return a.confirmHelp()
	}
	var b []key.Binding
	switch a.screen {
	case ScreenModel:
		b = a.model.shortHelp()
	case ScreenBench:
		b = a.bench.shortHelp()
	case ScreenSearch:
		b = a.search.shortHelp()
	}
	if a.capturing() {
		return b
	}
	return append(b, a.keys.Help, a.keys.Quit)
}

func (a App) fullHelpGroups() [][]key.Binding {
	var g [][]key.Binding
	switch a.screen {
	case ScreenModel:
		g = a.model.fullHelp()
	case ScreenBench:
		g = a.bench.fullHelp()
	case ScreenSearch:
		g = a.search.fullHelp()
	}
	return append(g, a.globalKeys())
}

// View renders the frame; after q it is empty, so that nothing is left
// behind on the terminal.
func (a App) View() string {
	if a.quitting {
		return ""
	}
	return a.Frame()
}

// Frame is the current screen: the terminal's height in lines, each cut to
// its width (tests compare it with golden files).
func (a App) Frame() string {
	if a.w == 0 || a.h == 0 {
		return ""
	}
	if a.w < MinWidth || a.h < MinHeight {
		msg := []string{
			fmt.Sprintf("fnlab tui needs %dx%d;", MinWidth, MinHeight),
			fmt.Sprintf("this terminal is %dx%d.", a.w, a.h),
			"Enlarge it, or q to quit.",
		}
		if a.confirm != nil {
			// The question must not be lost with the status line.
			msg[2] = "Unsaved edits: d discards, esc cancels."
		}
		for i := range msg {
			msg[i] = cut(msg[i], a.w)
		}
		return strings.Join(msg[:min(len(msg), a.h)], "\n")
	}
	var tabs []string
	for s := ScreenModel; s <= ScreenSearch; s++ {
		t := fmt.Sprintf(" %d %s ", int(s)+1, s)
		if s == a.screen {
			tabs = append(tabs, stTabOn.Render(t))
		} else {
			tabs = append(tabs, stTabOff.Render(t))
		}
	}
	top := strings.Join(tabs, " ")
	top = fit(top, a.w-10) + right(stFaint.Render("fnlab tui"), 10)

	var body, status string
	switch a.screen {
	case ScreenModel:
		body, status = a.model.view(), a.model.statusLine()
	case ScreenBench:
		body = a.bench.view()
	case ScreenSearch:
		body, status = a.search.view(), a.search.statusLine()
	}
	if a.confirm != nil {
		status = a.confirmLine()
	}
	bh := a.bodyHeight()
	lines := strings.Split(body, "\n")
	if len(lines) > bh {
		lines = lines[:bh]
	}
	for len(lines) < bh {
		lines = append(lines, "")
	}
	for i := range lines {
		lines[i] = line(lines[i], a.w)
	}
	var helpView string
	if a.fullHelp {
		helpView = a.help.FullHelpView(a.fullHelpGroups())
	} else {
		// On a narrow terminal the screen's keys go from the end of the
		// bar, not "? keys" and "q quit": ? still lists the rest.
		bs := a.shortHelp()
		tail := 0
		if a.confirm == nil && !a.capturing() {
			tail = 2
		}
		whole := a.help
		whole.Width = 0 // measured untruncated
		for len(bs) > tail+1 && ansi.StringWidth(whole.ShortHelpView(bs)) > a.w {
			bs = slices.Delete(bs, len(bs)-tail-1, len(bs)-tail)
		}
		helpView = a.help.ShortHelpView(bs)
	}
	hl := strings.Split(helpView, "\n")
	for len(hl) < a.helpHeight() {
		hl = append(hl, "")
	}
	for i := range hl {
		hl[i] = line(hl[i], a.w)
	}
	out := append([]string{line(top, a.w)}, lines...)
	out = append(out, line(" "+status, a.w))
	out = append(out, hl...)
	return strings.Join(out, "\n")
}
