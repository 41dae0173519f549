package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// frameLines checks that the frame fills w x h and returns its lines.
func frameLines(t *testing.T, a App, w, h int) []string {
	t.Helper()
	lines := strings.Split(a.Frame(), "\n")
	if len(lines) != h {
		t.Errorf("%dx%d: frame of %d lines", w, h, len(lines))
	}
	for _, l := range lines {
		if n := len([]rune(l)); n > w {
			t.Errorf("%dx%d: line of %d cells: %q", w, h, n, l)
		}
	}
	return lines
}

func lineWith(lines []string, s string) string {
	for _, l := range lines {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// TestModelNarrowAndWide: at 64x24 the model screen drops columns and
// cuts nothing (no "41.…"), layer names included; at 200x50 every column
// is back and the layer table takes the height.
func TestModelNarrowAndWide(t *testing.T) {
	a := keys(t, newTestApp(t, "t0"), "j", "j", "j", "l", "l", "+", "+", "+", "+")
	a = a.updateT(t, tea.WindowSizeMsg{Width: 64, Height: 24})
	lines := frameLines(t, a, 64, 24)
	for _, l := range lines {
		if strings.Contains(l, "…") {
			t.Errorf("64x24: cut: %q", l)
		}
	}
	for _, want := range []string{"s0.b0.spatial_mixing.partial_conv3", "-16.93M", "MiB", "FLOP/B", "? keys", "q quit"} {
		if lineWith(lines, want) == "" {
			t.Errorf("64x24: no %q in\n%s", want, strings.Join(lines, "\n"))
		}
	}
	if hdr := lineWith(lines, "stage"); !strings.Contains(hdr, "MACs") || !strings.Contains(hdr, "n_div") {
		t.Errorf("64x24: stage header %q", hdr)
	}

	a = a.updateT(t, tea.WindowSizeMsg{Width: 200, Height: 50})
	lines = frameLines(t, a, 200, 50)
	if hdr := lineWith(lines, "stage"); strings.Count(hdr, "Δ") != 2 || !strings.Contains(hdr, "width") || !strings.Contains(hdr, "params") {
		t.Errorf("200x50: stage header %q", hdr)
	}
	hdr := lineWith(lines, "layer (")
	for _, want := range []string{"op", "out shape", "params", "FLOPs", "read", "written", "bytes", "FLOP/B", "MAC%", "Δ MACs"} {
		if !strings.Contains(hdr, want) {
			t.Errorf("200x50: layer header %q lacks %s", hdr, want)
		}
	}
	if l := lineWith(lines, "patch_embed.proj"); !strings.Contains(l, "1x40x56x56") || !strings.Contains(l, "10.83") {
		t.Errorf("200x50: patch_embed.proj as in analyze (1x40x56x56, 10.83 FLOP/B): %q", l)
	}
	if lineWith(lines, "(3 channels, batch 1)") == "" || !strings.Contains(lineWith(lines, "FLOP/B"), "MiB (-") {
		t.Error("200x50: input details or total changes missing")
	}
	if a.model.layerRows() < 35 {
		t.Errorf("200x50: %d layer rows", a.model.layerRows())
	}
}

// TestModelUnits: totals in the units of `fnlab analyze t0` (58.8 MiB
// moved, 11.07 FLOP/B), layer bytes in KiB/MiB.
func TestModelUnits(t *testing.T) {
	lines := frameLines(t, newTestApp(t, "t0"), 80, 24)
	if l := lineWith(lines, "FLOPs"); !strings.Contains(l, "bytes 58.8 MiB") || !strings.Contains(l, "11.07 FLOP/B") {
		t.Errorf("totals %q", l)
	}
	if l := lineWith(lines, "patch_embed.proj"); !strings.Contains(l, "1.1 MiB") {
		t.Errorf("layer %q", l)
	}
}

// TestBenchNarrow: the bench summary leaves out what does not fit instead
// of cutting a number; step names keep their width.
func TestBenchNarrow(t *testing.T) {
	a := keys(t, newTestApp(t, "t0"), "2", "enter")
	a = a.updateT(t, tea.WindowSizeMsg{Width: 64, Height: 24})
	lines := frameLines(t, a, 64, 24)
	for _, want := range []string{"median 5.000 ms", "time/MACs:", "s0.b0.spatial_mixing"} {
		l := lineWith(lines, want)
		if l == "" || strings.Contains(l, "…") {
			t.Errorf("64x24: %q in %q", want, l)
		}
	}
}

// TestHelpBarNarrow: at 64 columns the screen's keys give way, ? and q stay.
func TestHelpBarNarrow(t *testing.T) {
	a := newTestApp(t, "t0").updateT(t, tea.WindowSizeMsg{Width: 64, Height: 24})
	for _, s := range []string{"1", "2", "3"} {
		a = keys(t, a, s)
		lines := frameLines(t, a, 64, 24)
		if bar := lines[len(lines)-1]; !strings.HasSuffix(bar, "? keys • q quit") {
			t.Errorf("screen %s: help bar %q", s, bar)
		}
	}
}

// TestPromptNarrow: at 64 columns a long path typed at a prompt stays in
// view up to its end (the hint gives way).
func TestPromptNarrow(t *testing.T) {
	a := newTestApp(t, "t0").updateT(t, tea.WindowSizeMsg{Width: 64, Height: 24})
	path := "/tmp/some/rather/long/directory/name/search_run/journal.jsonl"
	a = keys(t, a, "o", path)
	st := frameLines(t, a, 64, 24)[22]
	if !strings.Contains(st, "journal.jsonl") || !strings.HasPrefix(st, " open (preset, spec file or search journal): ") {
		t.Errorf("prompt %q", st)
	}
	a = keys(t, a, "esc", "3", "/", "dw")
	if st := frameLines(t, a, 64, 24)[22]; !strings.Contains(st, "filter: dw") || !strings.Contains(st, "enter keep · esc cancel") {
		t.Errorf("filter prompt %q", st)
	}
}
