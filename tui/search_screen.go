package tui

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fnlab/fnlab/search"
)

// SearchSource says which search journal the search screen shows.
type SearchSource struct {
	Path string        // JSONL journal written by `fnlab search`; "" for none
	Poll time.Duration // how often a growing journal is re-read (0: 1s)
}

// OpenJournal checks that path is a search journal (empty: no journal)
// and returns its source; errors are search's one-line errors.
func OpenJournal(path string) (SearchSource, error) {
	if path == "" {
		return SearchSource{}, nil
	}
	if _, _, err := search.ReadJournal(path); err != nil {
		return SearchSource{}, err
	}
	return SearchSource{Path: path}, nil
}

// journalMsg carries a (re-)read journal; same reports an unchanged file.
type journalMsg struct {
	path     string
	size     int64
	mod      time.Time
	same     bool
	head     search.Header
	recs     []search.Record
	space    *search.Space
	spaceErr error
	err      error
}

// readJournal reads path unless its size and time are those already read.
func readJournal(path string, size int64, mod time.Time, space *search.Space, delay time.Duration) tea.Cmd {
	read := func() tea.Msg {
		fi, err := os.Stat(path)
		if err == nil && fi.Size() == size && fi.ModTime().Equal(mod) {
			return journalMsg{path: path, size: size, mod: mod, same: true}
		}
		h, recs, err := search.ReadJournal(path)
		msg := journalMsg{path: path, head: h, recs: recs, err: err, space: space}
		if fi != nil {
			msg.size, msg.mod = fi.Size(), fi.ModTime()
		}
		if err == nil && (space == nil || space.Hash != h.SpaceHash) {
			// The space gives the objectives, the front and each
			// candidate's overrides; a journal without it is still listed.
			if sp, serr := search.LoadSpace(h.Space); serr == nil {
				msg.space = sp
			} else {
				msg.space, msg.spaceErr = nil, serr
			}
		}
		return msg
	}
	if delay <= 0 {
		return read
	}
	return tea.Tick(delay, func(time.Time) tea.Msg { return read() })
}

// candidate is one journal record as the screen shows it.
type candidate struct {
	rec   search.Record
	name  string    // the space's short name of the key
	vals  []float64 // the screen's metrics (objectives first), NaN when not computed
	front bool
}

// obj is the value of objective i (0 or 1), as measured, not negated.
func (c *candidate) obj(i int) float64 { return c.vals[i] }

// sortIndex sorts the list by the records' index, the strategy's order;
// the other sort keys are metric names.
const sortIndex = "index"

// searchScreen shows a search journal: the front as a scatter plot of the
// first two objectives and the candidates as a list.
type searchScreen struct {
	keys keyMap
	src  SearchSource

	head     search.Header
	space    *search.Space
	spaceErr error // why the journal's space did not load
	cands    []candidate
	size     int64
	mod      time.Time
	err      error

	metrics   []string // the list's metric columns: objectives, params, macs, others measured
	sortBy    string   // sortIndex or one of metrics
	sortDesc  bool
	frontOnly bool
	filter    string
	prompt    prompt // promptOpen (journal path) or promptValue (filter)
	input     textinput.Model
	sel       int // index into the shown list
	offset    int
	stopped   bool
	status    string
	w, h      int
}

func newSearchScreen(keys keyMap, src SearchSource) searchScreen {
	ti := textinput.New()
	ti.Prompt = ""
	ti.CharLimit = 1024
	ti.Cursor.SetMode(cursor.CursorStatic)
	if src.Poll <= 0 {
		src.Poll = time.Second
	}
	return searchScreen{keys: keys, src: src, input: ti, sortBy: sortIndex}
}

func (s searchScreen) init() tea.Cmd {
	if s.src.Path == "" {
		return nil
	}
	return readJournal(s.src.Path, -1, time.Time{}, nil, 0)
}

// stop ends the polling (on quit).
func (s searchScreen) stop() searchScreen { s.stopped = true; return s }

func (s searchScreen) capturing() bool { return s.prompt != promptNone }

func (s searchScreen) setSize(w, h int) searchScreen {
	s.w, s.h = w, h
	s.fitInput()
	s.clamp()
	return s
}

func (s searchScreen) objNames() []string {
	var out []string
	if s.space != nil {
		for _, o := range s.space.Objectives {
			out = append(out, o.Metric)
		}
	}
	for _, m := range []string{"macs", "params"} {
		if len(out) < 2 && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// otherMetrics are the metrics a journal may hold besides the objectives,
// params and macs, in the order the list shows them when there is room.
var otherMetrics = []string{"latency", "naswot", "recon", "flops", "bytes", "peak_memory"}

// load turns records into candidates and marks the Pareto front.
func (s *searchScreen) load(msg journalMsg) {
	s.head, s.space = msg.head, msg.space
	if s.space == nil && msg.spaceErr != nil {
		s.spaceErr = msg.spaceErr
	} else if s.space != nil {
		s.spaceErr = nil
	}
	s.metrics = s.objNames()
	for _, m := range append([]string{"params", "macs"}, otherMetrics...) {
		if !slices.Contains(s.metrics, m) && (m == "params" || m == "macs" || measured(msg.recs, m)) {
			s.metrics = append(s.metrics, m)
		}
	}
	if !slices.Contains(s.metrics, s.sortBy) {
		s.sortBy, s.sortDesc = sortIndex, false
	}
	s.cands = s.cands[:0]
	for _, r := range msg.recs {
		c := candidate{rec: r, name: keyName(r.Key)}
		if s.space != nil {
			c.name = s.space.ShortNameKey(r.Key)
		}
		for _, n := range s.metrics {
			v := math.NaN()
			if r.Metrics != nil {
				v = r.Metrics.Value(n)
			}
			c.vals = append(c.vals, v)
		}
		s.cands = append(s.cands, c)
	}
	if s.space != nil {
		recs := make([]search.Record, len(s.cands))
		for i := range s.cands {
			recs[i] = s.cands[i].rec
		}
		for _, i := range search.ParetoFront(s.space.Points(recs)) {
			s.cands[i].front = true
		}
	}
	s.clamp()
}

// shown is the candidate list after the filter and the sort.
func (s searchScreen) shown() []*candidate {
	var out []*candidate
	for i := range s.cands {
		c := &s.cands[i]
		if s.frontOnly && !c.front {
			continue
		}
		if s.filter != "" {
			hay := strings.ToLower(c.name + " " + c.rec.Key)
			if c.rec.Metrics != nil {
				hay += " " + c.rec.Metrics.Mixer
			}
			if !strings.Contains(hay, strings.ToLower(s.filter)) {
				continue
			}
		}
		out = append(out, c)
	}
	col := slices.Index(s.metrics, s.sortBy)
	val := func(c *candidate) float64 {
		if col < 0 {
			return float64(c.rec.Index)
		}
		return c.vals[col]
	}
	slices.SortStableFunc(out, func(a, b *candidate) int {
		x, y := val(a), val(b)
		// Not computed sorts last either way.
		xn, yn := math.IsNaN(x), math.IsNaN(y)
		switch {
		case xn && yn:
			return 0
		case xn:
			return 1
		case yn:
			return -1
		case x == y:
			return 0
		case (x < y) != s.sortDesc:
			return -1
		}
		return 1
	})
	return out
}

// measured reports whether any record has metric m (recon is 0 when it
// was not computed).
func measured(recs []search.Record, m string) bool {
	for _, r := range recs {
		if r.Metrics != nil {
			if v := r.Metrics.Value(m); !math.IsNaN(v) && v != 0 {
				return true
			}
		}
	}
	return false
}

// sortName is the sort key: "index" or a metric name.
func (s searchScreen) sortName() string { return s.sortBy }

// nextSort is the sort key after the current one (s cycles through the
// index and the metric columns, each ascending first).
func (s searchScreen) nextSort() string {
	keys := append([]string{sortIndex}, s.metrics...)
	return keys[(slices.Index(keys, s.sortBy)+1)%len(keys)]
}

func (s searchScreen) update(msg tea.Msg) (searchScreen, tea.Cmd) {
	switch msg := msg.(type) {
	case journalMsg:
		if msg.path != s.src.Path || s.stopped {
			return s, nil
		}
		if !msg.same {
			if msg.err != nil {
				s.err = msg.err
			} else {
				s.err = nil
				s.load(msg)
			}
			s.size, s.mod = msg.size, msg.mod
		}
		return s, readJournal(s.src.Path, s.size, s.mod, s.space, s.src.Poll)
	case tea.KeyMsg:
		if s.prompt != promptNone {
			return s.updatePrompt(msg)
		}
		k := s.keys
		switch {
		case key.Matches(msg, k.OpenCand):
			return s, s.openSelected()
		case key.Matches(msg, k.Up):
			s.sel--
		case key.Matches(msg, k.Down):
			s.sel++
		case key.Matches(msg, k.PageUp):
			s.sel -= s.listRows()
		case key.Matches(msg, k.PageDown):
			s.sel += s.listRows()
		case key.Matches(msg, k.Sort):
			s.sortBy, s.sortDesc = s.nextSort(), false
		case key.Matches(msg, k.Reverse):
			s.sortDesc = !s.sortDesc
		case key.Matches(msg, k.FrontOnly):
			s.frontOnly = !s.frontOnly
		case key.Matches(msg, k.Filter):
			s.prompt = promptValue
			s.fitInput()
			s.input.SetValue(s.filter)
			s.input.CursorEnd()
			s.input.Focus()
		case key.Matches(msg, k.Open):
			s.prompt = promptOpen
			s.fitInput()
			s.input.SetValue(s.src.Path)
			s.input.CursorEnd()
			s.input.Focus()
		}
		s.clamp()
	}
	return s, nil
}

func (s searchScreen) updatePrompt(msg tea.KeyMsg) (searchScreen, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEsc:
		s.prompt = promptNone
		s.input.Blur()
		return s, nil
	case tea.KeyEnter:
		text := strings.TrimSpace(s.input.Value())
		p := s.prompt
		s.prompt = promptNone
		s.input.Blur()
		if p == promptValue {
			s.filter = text
			s.sel, s.offset = 0, 0
			s.clamp()
			return s, nil
		}
		if text == "" || text == s.src.Path {
			return s, nil
		}
		s, cmd, err := s.open(text)
		if err != nil {
			s.status = oneLine(err)
		}
		return s, cmd
	}
	var cmd tea.Cmd
	s.fitInput()
	s.input, cmd = s.input.Update(msg)
	if s.prompt == promptValue {
		s.filter = s.input.Value() // filter as you type
		s.sel, s.offset = 0, 0
		s.clamp()
	}
	return s, cmd
}

// open starts following the journal at path instead of the current one
// (the old poller stops at its next message: its path differs).
func (s searchScreen) open(path string) (searchScreen, tea.Cmd, error) {
	if path == s.src.Path {
		return s, nil, nil
	}
	if _, _, err := search.ReadJournal(path); err != nil {
		return s, nil, err
	}
	s.src.Path = path
	s.cands, s.space, s.spaceErr, s.err, s.sel, s.offset, s.status = nil, nil, nil, nil, 0, 0, ""
	return s, readJournal(path, -1, time.Time{}, nil, 0), nil
}

// openSelected asks the root to open the selected candidate on the model screen.
func (s *searchScreen) openSelected() tea.Cmd {
	list := s.shown()
	if len(list) == 0 {
		return nil
	}
	c := list[s.sel]
	if s.space == nil {
		s.status = "cannot open " + c.name + ": the journal's space " + s.head.Space + " did not load"
		return nil
	}
	g, err := s.space.ParseKey(c.rec.Key)
	if err != nil {
		s.status = oneLine(err)
		return nil
	}
	o := OpenMsg{Ref: s.space.Base, Sets: s.space.Overrides(g), Label: "candidate " + c.name}
	return func() tea.Msg { return o }
}

// Body layout: title, a line on a space that did not load, the plot
// (plotRows + axis line), the list header and rows. The plot takes about
// half of what is left, so a tall terminal shows a finer plot and a longer
// list alike.
func (s searchScreen) noteLines() int {
	if s.spaceErr != nil {
		return 1
	}
	return 0
}
func (s searchScreen) plotRows() int { return max(3, min(20, (s.h-4-s.noteLines())/2)) }
func (s searchScreen) listRows() int { return max(1, s.h-s.plotRows()-3-s.noteLines()) }

func (s *searchScreen) clamp() {
	n := len(s.shown())
	s.sel = max(0, min(s.sel, n-1))
	if s.sel < s.offset {
		s.offset = s.sel
	}
	if s.sel >= s.offset+s.listRows() {
		s.offset = s.sel - s.listRows() + 1
	}
	s.offset = max(0, min(s.offset, n-s.listRows()))
}

func (s searchScreen) promptText() (label, hint string) {
	switch s.prompt {
	case promptValue:
		return "filter: ", "enter keep · esc cancel"
	case promptOpen:
		return "open journal: ", "enter open · esc cancel"
	}
	return "", ""
}

func (s *searchScreen) fitInput() {
	label, hint := s.promptText()
	s.input.Width, _ = promptWidth(label, hint, s.w)
}

func (s searchScreen) statusLine() string {
	if s.prompt != promptNone {
		label, hint := s.promptText()
		return promptLine(label, s.input, hint, s.w)
	}
	if s.src.Path == "" {
		return ""
	}
	// How the list is cut and ordered, always in view: a filter or the
	// front-only mode left on otherwise looks like candidates gone missing.
	arrow := "↑"
	if s.sortDesc {
		arrow = "↓"
	}
	state := []string{"sort " + s.sortName() + " " + arrow}
	if s.filter != "" {
		state = append(state, fmt.Sprintf("filter %q", s.filter))
	}
	if s.frontOnly {
		state = append(state, "front only")
	}
	state = append(state, fmt.Sprintf("%d of %d shown", len(s.shown()), len(s.cands)))
	out := strings.Join(state, " · ")
	if s.status != "" {
		out = stErr.Render(s.status) + " · " + out
	}
	return out
}

func (s searchScreen) shortHelp() []key.Binding {
	k := s.keys
	if s.prompt != promptNone {
		return []key.Binding{k.Enter, k.Escape}
	}
	return []key.Binding{k.Scroll, k.OpenCand, k.SortBoth, k.Filter, k.FrontOnly}
}

func (s searchScreen) fullHelp() [][]key.Binding {
	k := s.keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown}, {k.OpenCand, k.Sort, k.Reverse, k.Filter, k.FrontOnly, k.Open}}
}
