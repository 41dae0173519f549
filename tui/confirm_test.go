package tui

import (
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/fnlab/fnlab/arch"
)

// TestUnsavedEdits: q and opening another start ask first when the edit
// is not saved; s saves and goes on, d discards, esc keeps the edit.
func TestUnsavedEdits(t *testing.T) {
	dir := t.TempDir()
	edited := func(t *testing.T) App { return keys(t, newTestApp(t, "t0"), "+") }
	asking := func(t *testing.T, a App, what string) {
		t.Helper()
		if a.confirm == nil || a.quitting {
			t.Fatalf("%s: no question (quitting %v)", what, a.quitting)
		}
		if st := strings.Split(a.Frame(), "\n")[a.h-2]; !strings.Contains(st, "unsaved edits: s save · d discard · esc cancel (1 change(s); ") {
			t.Errorf("%s: status line %q", what, st)
		}
	}

	t.Run("unchanged quits", func(t *testing.T) {
		if a := keys(t, newTestApp(t, "t0"), "q"); !a.quitting {
			t.Error("q without edits did not quit")
		}
	})
	t.Run("esc keeps the edit", func(t *testing.T) {
		a := keys(t, edited(t), "q")
		asking(t, a, "q")
		a = keys(t, a, "x", "esc")
		if a.confirm != nil || a.quitting || a.model.cur.Spec.EmbedDim != 48 {
			t.Errorf("esc: confirm %v quitting %v embed_dim %d", a.confirm, a.quitting, a.model.cur.Spec.EmbedDim)
		}
	})
	t.Run("d discards", func(t *testing.T) {
		if a := keys(t, edited(t), "q", "d"); !a.quitting {
			t.Error("d did not quit")
		}
	})
	t.Run("ctrl+c does not ask", func(t *testing.T) {
		if a := keys(t, edited(t), "ctrl+c"); !a.quitting {
			t.Error("ctrl+c did not quit")
		}
	})
	t.Run("s saves then quits", func(t *testing.T) {
		path := filepath.Join(dir, "q.yaml")
		a := keys(t, edited(t), "q", "s")
		if a.quitting || a.model.prompt != promptSave {
			t.Fatalf("s: quitting %v prompt %v", a.quitting, a.model.prompt)
		}
		a = keys(t, a, "ctrl+u", path, "enter")
		if !a.quitting {
			t.Fatalf("not quit after saving: %q", a.model.statusLine())
		}
		if s, err := arch.Load(path, nil); err != nil || s.EmbedDim != 48 {
			t.Errorf("saved %v %v", s, err)
		}
	})
	t.Run("esc at the save prompt stays", func(t *testing.T) {
		a := keys(t, edited(t), "q", "s", "esc")
		if a.quitting || a.afterSave != nil || a.model.cur.Spec.EmbedDim != 48 {
			t.Errorf("quitting %v afterSave %v", a.quitting, a.afterSave)
		}
		if a = keys(t, a, "q"); a.confirm == nil {
			t.Error("q after a cancelled save does not ask again")
		}
	})
	t.Run("saved edits quit", func(t *testing.T) {
		a := keys(t, edited(t), "s", "ctrl+u", filepath.Join(dir, "s.yaml"), "enter", "q")
		if !a.quitting {
			t.Errorf("q after saving asks: %q", a.Frame())
		}
	})
	t.Run("opening a candidate asks", func(t *testing.T) {
		a := edited(t)
		a = keys(t, a, "3")
		a = a.updateT(t, OpenMsg{Ref: "t0", Sets: []string{"stages.2.n_div=8"}, Label: "candidate 7"})
		asking(t, a, "open")
		if a.screen != ScreenSearch || a.model.start.Label != "t0" {
			t.Errorf("asked on %v, start %q", a.screen, a.model.start.Label)
		}
		if !strings.Contains(a.Frame(), "1 change(s); open candidate 7)") {
			t.Errorf("question does not name the candidate:\n%s", a.Frame())
		}
		b := keys(t, a, "esc")
		if b.screen != ScreenSearch || b.model.cur.Spec.EmbedDim != 48 {
			t.Errorf("esc: screen %v embed_dim %d", b.screen, b.model.cur.Spec.EmbedDim)
		}
		b = keys(t, a, "d")
		if b.screen != ScreenModel || b.model.start.Label != "candidate 7" || b.model.start.Spec.Stages[2].NDiv != 8 {
			t.Errorf("d: screen %v start %q", b.screen, b.model.start.Label)
		}
	})
	t.Run("tiny terminal", func(t *testing.T) {
		a := keys(t, edited(t).updateT(t, tea.WindowSizeMsg{Width: 40, Height: 10}), "q")
		if !strings.Contains(a.Frame(), "Unsaved edits: d discards") {
			t.Errorf("question not shown:\n%s", a.Frame())
		}
		if a = keys(t, a, "d"); !a.quitting {
			t.Error("d did not quit")
		}
	})
	t.Run("o asks", func(t *testing.T) {
		a := keys(t, edited(t), "o", "t0_dwconv", "enter")
		asking(t, a, "o")
		if a = keys(t, a, "d"); a.model.start.Spec.Name != "t0_dwconv" {
			t.Errorf("d: start %s", a.model.start.Spec.Name)
		}
	})
}
