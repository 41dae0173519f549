package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/search"
)

// Messages of the model screen's background work.
type (
	// countedMsg carries the counted model of an edit; gen orders requests
	// so that only the newest edit's result is applied.
	countedMsg struct {
		gen  int
		edit Edit
		m    *Model
		err  error
	}
	// openedMsg carries a newly opened starting model.
	openedMsg struct {
		m   *Model
		err error
	}
	// OpenMsg asks the model screen to open ref with sets as its new
	// starting model (the search screen sends it for a candidate).
	OpenMsg struct {
		Ref   string
		Sets  []string
		Label string
	}
	// openJournalMsg asks the root to show the journal at path on the
	// search screen (o on the model screen, given a journal).
	openJournalMsg struct{ path string }
)

// isJournal tells a search journal from a spec file for the model
// screen's open prompt: .jsonl files are journals, YAML files and presets
// are specs, and another existing file is a journal if it reads as one.
func isJournal(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl":
		return true
	case ".yaml", ".yml":
		return false
	}
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	_, _, err := search.ReadJournal(path)
	return err == nil
}

// countCmd counts ref+sets in the background.
func countCmd(gen int, e Edit, ref string, sets []string, label string) tea.Cmd {
	return func() tea.Msg {
		m, err := LoadModel(ref, sets, label)
		return countedMsg{gen: gen, edit: e, m: m, err: err}
	}
}

func openCmd(o OpenMsg) tea.Cmd {
	return func() tea.Msg {
		m, err := LoadModel(o.Ref, o.Sets, o.Label)
		return openedMsg{m: m, err: err}
	}
}

type prompt int

const (
	promptNone prompt = iota
	promptValue
	promptSave
	promptOpen
)

// modelScreen edits a model's knobs and shows what they cost against the
// model it started from.
type modelScreen struct {
	keys  keyMap
	start *Model // the model editing started from
	cur   *Model // the last edit that counted
	edit  Edit   // what the editor shows (ahead of cur while counting)
	good  Edit   // the knobs of cur
	saved Edit   // the knobs last saved (or the start's): what quitting would not lose
	undo  []Edit
	gen   int
	busy  bool

	row, col    int  // editor cursor: row 0 globals, row i+1 stage i
	layersFocus bool // tab: arrows scroll the layer table
	offset      int  // first layer row shown
	allLayers   bool // show every layer, not only conv/linear

	prompt    prompt
	input     textinput.Model
	overwrite string // path confirmed once for overwriting

	status    string
	statusErr bool
	w, h      int
}

func newModelScreen(keys keyMap, start *Model) modelScreen {
	ti := textinput.New()
	ti.Prompt = ""
	ti.CharLimit = 512
	ti.Cursor.SetMode(cursor.CursorStatic)
	m := modelScreen{keys: keys, input: ti}
	m.setStart(start)
	return m
}

func (m *modelScreen) setStart(s *Model) {
	m.start, m.cur = s, s
	m.edit = editOf(s.Spec)
	m.good = m.edit.clone()
	m.saved = m.edit.clone()
	m.undo = nil
	m.busy = false
	m.gen++
	m.offset = 0
	if m.row > len(m.edit.Stages) {
		m.row = len(m.edit.Stages)
	}
}

// unsaved is how many overrides the edit shown has against the last
// saved one (the start, before any save).
func (m modelScreen) unsaved() int { return len(m.edit.sets(m.saved)) }

func (m modelScreen) dirty() bool { return !m.edit.equal(m.saved) }

// startSave opens the save prompt (s, or s at the unsaved-edits question).
func (m modelScreen) startSave() modelScreen {
	m.overwrite = ""
	m.openPrompt(promptSave, defaultSaveName(m.start.Label))
	return m
}

// capturing reports whether keys go to a text prompt (the root then lets
// q and the screen digits through as text).
func (m modelScreen) capturing() bool { return m.prompt != promptNone }

// sets are the overrides of the current edit on top of the start's.
func (m modelScreen) sets(e Edit) []string {
	return append(slices.Clone(m.start.Sets), e.sets(editOf(m.start.Spec))...)
}

// apply makes e the edit shown and counts it in the background.
func (m *modelScreen) apply(e Edit) tea.Cmd {
	if e.equal(m.edit) {
		return nil
	}
	m.undo = append(m.undo, m.edit)
	m.edit = e
	m.gen++
	m.busy = true
	m.status, m.statusErr = "", false
	return countCmd(m.gen, e, m.start.Ref, m.sets(e), m.start.Label)
}

func (m *modelScreen) fail(err error) {
	m.status, m.statusErr = oneLine(err), true
}

func oneLine(err error) string { return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ") }

func (m modelScreen) update(msg tea.Msg) (modelScreen, tea.Cmd) {
	switch msg := msg.(type) {
	case countedMsg:
		if msg.gen != m.gen {
			return m, nil // a newer edit is on its way
		}
		m.busy = false
		if msg.err != nil {
			if n := len(m.undo); n > 0 && m.undo[n-1].equal(m.good) {
				m.undo = m.undo[:n-1]
			}
			m.status, m.statusErr = editError(msg.err, msg.edit.sets(m.good)), true
			m.edit = m.good.clone()
			return m, nil
		}
		m.cur, m.good = msg.m, msg.edit
		m.clampOffset()
		return m, nil
	case openedMsg:
		if msg.err != nil {
			m.fail(msg.err)
			return m, nil
		}
		m.setStart(msg.m)
		m.status, m.statusErr = "opened "+msg.m.Label, false
		return m, nil
	case OpenMsg:
		m.status, m.statusErr = "opening "+msg.Label+"…", false
		return m, openCmd(msg)
	case tea.KeyMsg:
		if m.prompt != promptNone {
			return m.updatePrompt(msg)
		}
		return m.updateKey(msg)
	}
	return m, nil
}

func (m modelScreen) updateKey(msg tea.KeyMsg) (modelScreen, tea.Cmd) {
	k := m.keys
	nStages := len(m.edit.Stages)
	switch {
	case key.Matches(msg, k.Focus):
		m.layersFocus = !m.layersFocus
	case key.Matches(msg, k.PageDown):
		m.offset += m.layerRows()
		m.clampOffset()
	case key.Matches(msg, k.PageUp):
		m.offset -= m.layerRows()
		m.clampOffset()
	case m.layersFocus && key.Matches(msg, k.Up):
		m.offset--
		m.clampOffset()
	case m.layersFocus && key.Matches(msg, k.Down):
		m.offset++
		m.clampOffset()
	case key.Matches(msg, k.Up):
		if m.row > 0 {
			m.row--
		}
	case key.Matches(msg, k.Down):
		if m.row < nStages {
			m.row++
		}
	case key.Matches(msg, k.Left):
		if m.col > 0 {
			m.col--
		}
	case key.Matches(msg, k.Right):
		if m.col < 2 {
			m.col++
		}
	case key.Matches(msg, k.Inc), key.Matches(msg, k.Dec):
		dir := 1
		if key.Matches(msg, k.Dec) {
			dir = -1
		}
		e, err := m.edit.step(fieldAt(m.row, m.col), m.row-1, dir)
		if err != nil {
			m.fail(err)
			return m, nil
		}
		return m, m.apply(e)
	case key.Matches(msg, k.Enter):
		f := fieldAt(m.row, m.col)
		m.openPrompt(promptValue, m.edit.value(f, m.row-1))
	case key.Matches(msg, k.Undo):
		if len(m.undo) == 0 {
			m.status, m.statusErr = "nothing to undo", false
			return m, nil
		}
		e := m.undo[len(m.undo)-1]
		m.undo = m.undo[:len(m.undo)-1]
		if e.equal(m.edit) {
			return m, nil
		}
		cmd := m.apply(e)
		m.undo = m.undo[:len(m.undo)-1] // undoing is not itself undone
		return m, cmd
	case key.Matches(msg, k.Reset):
		return m, m.apply(editOf(m.start.Spec))
	case key.Matches(msg, k.AllLayers):
		m.allLayers = !m.allLayers
		m.clampOffset()
	case key.Matches(msg, k.Save):
		m = m.startSave()
	case key.Matches(msg, k.Open):
		m.openPrompt(promptOpen, "")
	}
	return m, nil
}

func defaultSaveName(label string) string {
	stem := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(label), ".yaml"), ".yml")
	stem = strings.Map(func(r rune) rune {
		if r == ' ' || r == '/' || r == '\\' || r == ':' {
			return '_'
		}
		return r
	}, stem)
	return stem + "_edited.yaml"
}

func (m *modelScreen) openPrompt(p prompt, value string) {
	m.prompt = p
	m.fitInput()
	m.input.SetValue(value)
	m.input.CursorEnd()
	m.input.Focus()
	m.status, m.statusErr = "", false
}

func (m modelScreen) updatePrompt(msg tea.KeyMsg) (modelScreen, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEsc:
		m.prompt = promptNone
		m.input.Blur()
		return m, nil
	case tea.KeyEnter:
		text := strings.TrimSpace(m.input.Value())
		switch m.prompt {
		case promptValue:
			m.prompt = promptNone
			e, err := m.edit.set(fieldAt(m.row, m.col), m.row-1, text)
			if err != nil {
				m.fail(err)
				return m, nil
			}
			return m, m.apply(e)
		case promptOpen:
			if text == "" {
				m.prompt = promptNone
				return m, nil
			}
			m.prompt = promptNone
			m.input.Blur()
			// Both go through the root: a journal belongs to the search
			// screen, and a new start asks first if it would discard edits.
			var msg tea.Msg = OpenMsg{Ref: text, Label: refLabel(text)}
			if isJournal(text) {
				msg = openJournalMsg{path: text}
			}
			return m, func() tea.Msg { return msg }
		case promptSave:
			return m.save(text)
		}
	}
	var cmd tea.Cmd
	m.fitInput()
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

// save writes the counted model to path (asking once before overwriting).
func (m modelScreen) save(path string) (modelScreen, tea.Cmd) {
	if path == "" {
		m.prompt = promptNone
		return m, nil
	}
	if _, err := os.Stat(path); err == nil && m.overwrite != path {
		m.overwrite = path
		m.status, m.statusErr = path+" exists: enter again to overwrite, esc to cancel", true
		return m, nil
	}
	m.prompt = promptNone
	m.input.Blur()
	// The edit shown is saved, even if its count has not arrived yet.
	all := m.sets(m.edit)
	spec, err := arch.Load(m.start.Ref, all)
	if err != nil {
		m.fail(err)
		return m, nil
	}
	header := "Saved by fnlab tui from " + m.start.Label
	if len(all) > 0 {
		header += " with: " + strings.Join(all, ", ")
	}
	how, err := SaveSpec(path, spec, m.start.Ref, header)
	if err != nil {
		m.fail(err)
		return m, nil
	}
	m.saved = m.edit.clone()
	m.status, m.statusErr = fmt.Sprintf("saved %s (%s)", path, how), false
	return m, nil
}

// Layout of the model screen body (lines): title, globals, stage header,
// one line per stage, total, traffic, layer header, layer rows.
func (m modelScreen) fixedLines() int { return 6 + len(m.edit.Stages) }

func (m modelScreen) layerRows() int { return max(1, m.h-m.fixedLines()) }

func (m modelScreen) layers() []analyze.LayerCost {
	if m.allLayers {
		return m.cur.Report.Layers
	}
	var out []analyze.LayerCost
	for _, l := range m.cur.Report.Layers {
		if l.MACs > 0 {
			out = append(out, l)
		}
	}
	return out
}

func (m *modelScreen) clampOffset() {
	n := len(m.layers())
	m.offset = min(m.offset, n-m.layerRows())
	m.offset = max(m.offset, 0)
}

func (m modelScreen) setSize(w, h int) modelScreen {
	m.w, m.h = w, h
	m.fitInput()
	m.clampOffset()
	return m
}

// statusLine is the line above the help bar: a prompt or the last message.
func (m modelScreen) statusLine() string {
	if m.prompt == promptSave && m.overwrite != "" && m.overwrite == strings.TrimSpace(m.input.Value()) {
		return stErr.Render(m.overwrite+" exists:") + " enter overwrites · esc cancels"
	}
	if m.prompt != promptNone {
		label, hint := m.promptText()
		return promptLine(label, m.input, hint, m.w)
	}
	if m.statusErr {
		return stErr.Render(m.status)
	}
	return m.status
}

func (m modelScreen) shortHelp() []key.Binding {
	k := m.keys
	if m.prompt != promptNone {
		return []key.Binding{k.Enter, k.Escape}
	}
	if m.layersFocus {
		return []key.Binding{k.Scroll, k.PageDown, k.AllLayers, k.Focus}
	}
	return []key.Binding{k.Move, k.Change, k.Enter, k.Save, k.Focus}
}

func (m modelScreen) fullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.Left, k.Right},
		{k.Inc, k.Dec, k.Enter, k.Undo, k.Reset},
		{k.Focus, k.PageUp, k.PageDown, k.AllLayers},
		{k.Save, k.Open},
	}
}

// promptText is the open prompt's label and hint.
func (m modelScreen) promptText() (label, hint string) {
	switch m.prompt {
	case promptValue:
		return m.edit.label(fieldAt(m.row, m.col), m.row-1) + ": ", "enter apply · esc cancel"
	case promptSave:
		return "save as: ", "enter save · esc cancel"
	case promptOpen:
		return "open (preset, spec file or search journal): ", "enter open · esc cancel"
	}
	return "", ""
}

// fitInput sizes the text input to the room its prompt leaves; the input
// scrolls as it is edited, so it must know before the keys arrive.
func (m *modelScreen) fitInput() {
	label, hint := m.promptText()
	m.input.Width, _ = promptWidth(label, hint, m.w)
}

// promptWidth is the input width of a prompt on the status line (w cells,
// one of them the margin, one the cursor) and whether the hint is shown:
// only with 20 cells of input beside it (the help bar names enter and esc
// too), so that a long path stays in view up to the cursor.
func promptWidth(label, hint string, w int) (int, bool) {
	room := w - 1 - ansi.StringWidth(label) - 1
	if hw := ansi.StringWidth(hint) + 2; room-hw >= 20 {
		return room - hw, true
	}
	return max(4, room), false
}

// promptLine is label, the input and, when there is room, the hint.
func promptLine(label string, in textinput.Model, hint string, w int) string {
	if _, withHint := promptWidth(label, hint, w); withHint {
		return label + in.View() + "  " + hint
	}
	return label + in.View()
}
