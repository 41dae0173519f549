package tui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// The edit on the model screen is the user's work; quitting and opening
// another start (a search candidate, a spec with o) would drop it. Then
// the root asks on the status line, whatever the screen: s saves first
// (the model screen's save prompt; the action follows a successful save),
// d discards, esc keeps the edit. ctrl+c quits without asking.

// action is what waits for the answer: quit, or open a new start.
type action struct {
	quit bool
	open OpenMsg
}

func (a action) String() string {
	if a.quit {
		return "quit"
	}
	return "open " + a.open.Label
}

// guard runs act now, or asks first when the model screen has unsaved edits.
func (a App) guard(act action) (App, tea.Cmd) {
	if !a.model.dirty() {
		return a.do(act)
	}
	a.confirm = &act
	return a.resize(), nil
}

// do runs act.
func (a App) do(act action) (App, tea.Cmd) {
	if act.quit {
		a.bench = a.bench.cancel()
		a.search = a.search.stop()
		a.quitting = true
		return a, tea.Quit
	}
	a = a.show(ScreenModel)
	var cmd tea.Cmd
	a.model, cmd = a.model.update(act.open)
	return a, cmd
}

// updateConfirm handles a key while the question is shown.
func (a App) updateConfirm(msg tea.KeyMsg) (App, tea.Cmd) {
	act := *a.confirm
	switch {
	case key.Matches(msg, a.keys.SaveFirst):
		a.confirm, a.afterSave = nil, &act
		a = a.show(ScreenModel)
		a.model = a.model.startSave()
	case key.Matches(msg, a.keys.Discard):
		a.confirm = nil
		return a.do(act)
	case key.Matches(msg, a.keys.Escape):
		a.confirm = nil
	}
	return a.resize(), nil
}

// afterSaving runs the action that waited for the save prompt once it is
// closed: if the save succeeded (nothing is unsaved any more), else the
// action is dropped and the edit stays.
func (a App) afterSaving(cmd tea.Cmd) (App, tea.Cmd) {
	if a.afterSave == nil || a.model.capturing() {
		return a, cmd
	}
	act := *a.afterSave
	a.afterSave = nil
	if a.model.dirty() {
		return a, cmd
	}
	a, next := a.do(act)
	return a, tea.Batch(cmd, next)
}

func (a App) confirmLine() string {
	// The keys first: what waits is the key the user just pressed, the
	// answer is what must not be cut on a narrow terminal.
	return stErr.Render("unsaved edits:") + " s save · d discard · esc cancel" +
		stFaint.Render(fmt.Sprintf(" (%d change(s); %s)", a.model.unsaved(), a.confirm))
}

func (a App) confirmHelp() []key.Binding {
	return []key.Binding{a.keys.SaveFirst, a.keys.Discard, a.keys.Escape}
}
