package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/fnlab/fnlab/search"
)

const testSpace = "../search/testdata/tiny.yaml"

// writeTestJournal writes n records of the tiny space with made-up but
// deterministic metrics: latency grows with the index, naswot zigzags, so
// some candidates are on the front and some are not.
func writeTestJournal(t *testing.T, path string, n int) {
	t.Helper()
	sp, err := search.LoadSpace(testSpace)
	if err != nil {
		t.Fatal(err)
	}
	h := search.Header{Format: search.JournalFormat, Version: 1, Space: testSpace, SpaceHash: sp.Hash,
		Strategy: "grid", Budget: 12, Shard: "0/1", Latency: "lut:test", Proxy: true}
	var recs []search.Record
	for i := 0; i < n; i++ {
		g := sp.Decode(int64(i), nil)
		lat := 1 + 0.25*float64(i)
		nw := float64((i*7)%11) + float64(i)/2
		mixer := "pconv"
		if strings.Contains(sp.Key(g), "mixer=dwconv") {
			mixer = "dwconv"
		}
		recs = append(recs, search.Record{Index: int64(i), Key: sp.Key(g), Feasible: true,
			Metrics: &search.Metrics{Params: int64(20000 + 1000*i), MACs: int64(1e6 + 1e5*float64(i)), LatencyMS: &lat, NASWOT: &nw, Mixer: mixer}})
	}
	if err := search.WriteJournal(path, h, recs); err != nil {
		t.Fatal(err)
	}
}

func newSearchApp(t *testing.T, path string) App {
	t.Helper()
	m, err := LoadModel("t0", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	src, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	a := New(Options{Start: m, Bench: fakeBench, BenchConfig: "fake bench", Search: src})
	a = a.updateT(t, tea0())
	return a
}

func TestOpenJournalErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"hello\": 1}\n"), 0o644)
	for path, want := range map[string]string{
		filepath.Join(dir, "missing.jsonl"): "no such file",
		bad:                                 "not a search journal",
	} {
		_, err := OpenJournal(path)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line with %q", path, err, want)
		}
	}
}

func TestSearchScreen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	writeTestJournal(t, path, 12)
	a := newSearchApp(t, path)
	// Init's read, routed as the runtime would.
	s := a.search
	s, _ = s.update(run(t, s.init())[0])
	a.search = s
	if len(s.cands) != 12 || s.space == nil {
		t.Fatalf("%d candidates, space %v", len(s.cands), s.space)
	}
	front := 0
	for _, c := range s.cands {
		if c.front {
			front++
		}
	}
	if front == 0 || front == 12 {
		t.Errorf("front of %d", front)
	}
	a = keys(t, a, "3")
	cases := []struct {
		name  string
		keys  []string
		check func(searchScreen) bool
	}{
		{"front only", []string{"f"}, func(s searchScreen) bool { return len(s.shown()) == front }},
		{"sort by latency", []string{"s"}, func(s searchScreen) bool { return s.sortName() == "latency" }},
		{"sort by naswot", []string{"s", "s"}, func(s searchScreen) bool {
			l := s.shown()
			return s.sortName() == "naswot" && l[0].obj(1) <= l[len(l)-1].obj(1)
		}},
		{"filter", []string{"/", "dwconv", "enter"}, func(s searchScreen) bool {
			for _, c := range s.shown() {
				if !strings.Contains(c.rec.Key, "dwconv") {
					return false
				}
			}
			return len(s.shown()) > 0 && s.filter == "dwconv"
		}},
		{"filter cancel keeps typed", []string{"/", "zzz", "esc"}, func(s searchScreen) bool { return len(s.shown()) == 0 }},
		{"move", []string{"down", "down", "up"}, func(s searchScreen) bool { return s.sel == 1 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := keys(t, a, c.keys...)
			if !c.check(b.search) {
				t.Errorf("after %q: sel %d sort %s shown %d", c.keys, b.search.sel, b.search.sortName(), len(b.search.shown()))
			}
		})
	}
	// enter opens the selected candidate on the model screen.
	b := keys(t, a, "down", "enter")
	want := a.search.shown()[1]
	g, _ := a.search.space.ParseKey(want.rec.Key)
	spec, err := a.search.space.Spec(g)
	if err != nil {
		t.Fatal(err)
	}
	if b.screen != ScreenModel || !sameModel(b.model.start.Spec, spec) || !strings.Contains(b.model.start.Label, want.name) {
		t.Errorf("open: screen %v label %q", b.screen, b.model.start.Label)
	}
}

// TestSearchFollow: a journal that grows is re-read on the next poll.
func TestSearchFollow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	writeTestJournal(t, path, 4)
	s := newSearchScreen(newKeys(), SearchSource{Path: path, Poll: time.Millisecond})
	msgs := run(t, s.init())
	s, cmd := s.update(msgs[0])
	if len(s.cands) != 4 {
		t.Fatalf("%d candidates", len(s.cands))
	}
	s, cmd = s.update(run(t, cmd)[0]) // unchanged file
	if len(s.cands) != 4 || cmd == nil {
		t.Fatal("poll stopped")
	}
	time.Sleep(10 * time.Millisecond) // a different mtime even on coarse clocks
	os.Remove(path)
	writeTestJournal(t, path, 9)
	s, _ = s.update(run(t, cmd)[0])
	if len(s.cands) != 9 {
		t.Errorf("%d candidates after the journal grew", len(s.cands))
	}
	s = s.stop()
	if _, cmd = s.update(journalMsg{path: path, same: true}); cmd != nil {
		t.Error("polling goes on after stop")
	}
}

// TestFlowSearch: the search screen at 80x24 on a 12-record journal, the
// second candidate selected.
func TestFlowSearch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t0_tiny.jsonl")
	writeTestJournal(t, path, 12)
	m, _ := LoadModel("t0", nil, "")
	src, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, New(Options{Start: m, Bench: fakeBench, BenchConfig: "fake bench", Search: src}),
		teatest.WithInitialTermSize(80, 24))
	send(tm, "3")
	waitFor(t, tm, "12 evaluated")
	send(tm, "down")
	waitFor(t, tm, ">*  1  2-2-2-2_1-1-1_dwconv")
	finish(t, tm)
}

// TestFlowSearchEmpty: no journal given.
func TestFlowSearchEmpty(t *testing.T) {
	tm := startFlow(t, "t0", Options{})
	send(tm, "3")
	waitFor(t, tm, "No search journal")
	finish(t, tm)
}

// TestJournalOpensSearch: given a journal the explorer starts on the
// search screen; o on the model screen opens a journal there too.
func TestJournalOpensSearch(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "j.jsonl")
	writeTestJournal(t, path, 6)
	if a := newSearchApp(t, path); a.Screen() != ScreenSearch {
		t.Errorf("--journal starts on %v", a.Screen())
	}
	a := newTestApp(t, "t0")
	if a.Screen() != ScreenModel {
		t.Errorf("no journal starts on %v", a.Screen())
	}
	a = keys(t, a, "o", path, "enter")
	if a.Screen() != ScreenSearch || a.search.src.Path != path || len(a.search.cands) != 6 {
		t.Fatalf("o %s: screen %v path %q, %d candidates", path, a.Screen(), a.search.src.Path, len(a.search.cands))
	}
	// Not only by extension: a journal named otherwise is recognised.
	other := filepath.Join(dir, "journal.log")
	data, _ := os.ReadFile(path)
	os.WriteFile(other, data, 0o644)
	a = keys(t, a, "1", "o", other, "enter")
	if a.Screen() != ScreenSearch || a.search.src.Path != other {
		t.Errorf("o %s: screen %v path %q", other, a.Screen(), a.search.src.Path)
	}
	// A broken journal stays on the model screen with search's error.
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{}\n"), 0o644)
	a = keys(t, a, "1", "o", bad, "enter")
	if a.Screen() != ScreenModel || !strings.Contains(a.model.statusLine(), "not a search journal") {
		t.Errorf("o %s: screen %v status %q", bad, a.Screen(), a.model.statusLine())
	}
}

// searchAt is the search screen on a 12-record journal at w x h.
func searchAt(t *testing.T, w, h int) App {
	t.Helper()
	path := filepath.Join(t.TempDir(), "j.jsonl")
	writeTestJournal(t, path, 12)
	a := newSearchApp(t, path)
	a = a.updateT(t, run(t, a.Init())[0])
	return a.updateT(t, tea.WindowSizeMsg{Width: w, Height: h})
}

// listRows are the frame's lines from the list header to the status line.
func listLines(t *testing.T, a App) []string {
	t.Helper()
	lines := strings.Split(a.Frame(), "\n")
	for i, l := range lines {
		if strings.Contains(l, "candidate") {
			return lines[i : len(lines)-2]
		}
	}
	t.Fatalf("no list header:\n%s", a.Frame())
	return nil
}

// TestSearchNarrowAndWide: at 64 columns whole columns go and no number
// or name is cut; at 200x50 the plot and the list grow and the other
// metrics get columns.
func TestSearchNarrowAndWide(t *testing.T) {
	a := searchAt(t, 64, 24)
	rows := listLines(t, a)
	for _, l := range rows {
		if strings.Contains(l, "…") || len([]rune(l)) > 64 {
			t.Errorf("64 columns: cut or too wide: %q", l)
		}
	}
	for _, want := range []string{"#", "latency", "naswot", "params"} {
		if !strings.Contains(rows[0], want) {
			t.Errorf("64 columns: header %q lacks %s", rows[0], want)
		}
	}
	if !strings.Contains(rows[2], "2-2-2-2_1-1-1_dwconv") || !strings.Contains(rows[2], "1.250ms") || !strings.Contains(rows[2], "7.5") {
		t.Errorf("64 columns: row %q", rows[2])
	}

	a = searchAt(t, 200, 50)
	s := a.search
	if s.plotRows() < 16 || s.listRows() < 16 {
		t.Errorf("200x50: %d plot rows, %d list rows", s.plotRows(), s.listRows())
	}
	rows = listLines(t, a)
	for _, want := range []string{"mixer", "params", "MACs", "latency", "naswot"} {
		if !strings.Contains(rows[0], want) {
			t.Errorf("200 columns: header %q lacks %s", rows[0], want)
		}
	}
	if n := len(slices.DeleteFunc(rows, func(l string) bool { return l == "" })); n != 1+12 {
		t.Errorf("200x50: %d list lines, want the header and all 12", n)
	}
	if n := strings.Count(a.Frame(), "\n") + 1; n != 50 {
		t.Errorf("200x50: %d lines", n)
	}
}

// TestSearchState: the sort column and direction, a filter and the
// front-only mode are on the status line and the sort on the header.
func TestSearchState(t *testing.T) {
	a := searchAt(t, 80, 24)
	status := func(a App) string { return a.search.statusLine() }
	if st := status(a); st != "sort index ↑ · 12 of 12 shown" {
		t.Errorf("initial status %q", st)
	}
	a = keys(t, a, "s")
	if st := status(a); !strings.HasPrefix(st, "sort latency ↑") || !strings.Contains(listLines(t, a)[0], "latency↑") {
		t.Errorf("s: status %q header %q", st, listLines(t, a)[0])
	}
	a = keys(t, a, "S")
	l := a.search.shown()
	if st := status(a); !strings.HasPrefix(st, "sort latency ↓") || !strings.Contains(listLines(t, a)[0], "latency↓") ||
		l[0].obj(0) < l[len(l)-1].obj(0) {
		t.Errorf("S: status %q, first %v last %v", st, l[0].obj(0), l[len(l)-1].obj(0))
	}
	a = keys(t, a, "/", "dwconv", "enter", "f")
	st := status(a)
	n := len(a.search.shown())
	for _, want := range []string{`filter "dwconv"`, "front only", fmt.Sprintf("%d of 12 shown", n)} {
		if !strings.Contains(st, want) {
			t.Errorf("status %q lacks %q", st, want)
		}
	}
	// s goes on to the next column, ascending again.
	if a = keys(t, a, "s"); !strings.HasPrefix(status(a), "sort naswot ↑") {
		t.Errorf("s after S: %q", status(a))
	}
}

// TestSearchNoSpace: a journal whose space does not load says so, and
// names candidates by their key's values.
func TestSearchNoSpace(t *testing.T) {
	if got := keyName("stages.0.n_div=2 stages.1.n_div=2 stages.0.depth=1 mixer=dwconv"); got != "2-2_1_dwconv" {
		t.Errorf("keyName: %q", got)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "j.jsonl")
	writeTestJournal(t, path, 4)
	h, recs, err := search.ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	h.Space = "no_such_space"
	os.Remove(path)
	if err := search.WriteJournal(path, h, recs); err != nil {
		t.Fatal(err)
	}
	a := newSearchApp(t, path)
	a = a.updateT(t, run(t, a.Init())[0])
	v := a.Frame()
	if !strings.Contains(v, "no front, enter cannot open: space") || strings.Contains(v, "stages.0") {
		t.Errorf("frame:\n%s", v)
	}
}
