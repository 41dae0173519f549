package tui

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fnlab/fnlab/report"
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
	path  string
	size  int64
	mod   time.Time
	same  bool
	head  search.Header
	recs  []search.Record
	space *search.Space
	err   error
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
				msg.space = nil
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
	obj   []float64 // objective values (as measured, not negated)
	front bool
}

type searchSort int

const (
	sortIndex searchSort = iota
	sortObj0
	sortObj1
	sortParams
	sortMACs
)

// searchScreen shows a search journal: the front as a scatter plot of the
// first two objectives and the candidates as a list.
type searchScreen struct {
	keys keyMap
	src  SearchSource

	head  search.Header
	space *search.Space
	cands []candidate
	size  int64
	mod   time.Time
	err   error

	sortBy    searchSort
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
	return searchScreen{keys: keys, src: src, input: ti}
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

// load turns records into candidates and marks the Pareto front.
func (s *searchScreen) load(msg journalMsg) {
	s.head, s.space = msg.head, msg.space
	names := s.objNames()
	s.cands = s.cands[:0]
	for _, r := range msg.recs {
		c := candidate{rec: r, name: r.Key}
		if s.space != nil {
			c.name = s.space.ShortNameKey(r.Key)
		}
		for _, n := range names {
			v := math.NaN()
			if r.Metrics != nil {
				v = r.Metrics.Value(n)
			}
			c.obj = append(c.obj, v)
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
	val := func(c *candidate) float64 {
		switch s.sortBy {
		case sortObj0:
			return c.obj[0]
		case sortObj1:
			return c.obj[1]
		case sortParams:
			if c.rec.Metrics != nil {
				return float64(c.rec.Metrics.Params)
			}
		case sortMACs:
			if c.rec.Metrics != nil {
				return float64(c.rec.Metrics.MACs)
			}
		default:
			return float64(c.rec.Index)
		}
		return math.Inf(1)
	}
	slices.SortStableFunc(out, func(a, b *candidate) int {
		x, y := val(a), val(b)
		switch {
		case x < y || (!math.IsNaN(x) && math.IsNaN(y)):
			return -1
		case x > y || (math.IsNaN(x) && !math.IsNaN(y)):
			return 1
		}
		return 0
	})
	return out
}

func (s searchScreen) sortName() string {
	names := s.objNames()
	return [...]string{"index", names[0], names[1], "params", "macs"}[s.sortBy]
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
			s.sortBy = (s.sortBy + 1) % 5
		case key.Matches(msg, k.FrontOnly):
			s.frontOnly = !s.frontOnly
		case key.Matches(msg, k.Filter):
			s.prompt = promptValue
			s.input.SetValue(s.filter)
			s.input.CursorEnd()
			s.input.Focus()
		case key.Matches(msg, k.Open):
			s.prompt = promptOpen
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
	s.cands, s.space, s.err, s.sel, s.offset, s.status = nil, nil, nil, 0, 0, ""
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

// Body layout: title, plot (plotRows + axis line), list header, rows.
func (s searchScreen) plotRows() int { return max(3, min(8, (s.h-4)/2)) }
func (s searchScreen) listRows() int { return max(1, s.h-s.plotRows()-3) }

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

func (s searchScreen) statusLine() string {
	switch s.prompt {
	case promptValue:
		return "filter: " + s.input.View() + "  enter keep · esc cancel"
	case promptOpen:
		return "open journal: " + s.input.View() + "  enter open · esc cancel"
	}
	if s.status != "" {
		return stErr.Render(s.status)
	}
	return ""
}

func (s searchScreen) shortHelp() []key.Binding {
	k := s.keys
	if s.prompt != promptNone {
		return []key.Binding{k.Enter, k.Escape}
	}
	return []key.Binding{k.Scroll, k.OpenCand, k.Sort, k.Filter, k.FrontOnly}
}

func (s searchScreen) fullHelp() [][]key.Binding {
	k := s.keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown}, {k.OpenCand, k.Sort, k.Filter, k.FrontOnly, k.Open}}
}

// fmtMetric formats an objective value for the list and the axes.
func fmtMetric(name string, v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case name == "latency":
		return fmt.Sprintf("%.3fms", v)
	case name == "naswot" || name == "recon":
		return fmt.Sprintf("%.4g", v)
	}
	return report.SIf(v)
}

func (s searchScreen) view() string {
	w := s.w
	var lines []string
	add := func(x string) { lines = append(lines, line(x, w)) }
	if s.src.Path == "" {
		add(" No search journal. Start one with `fnlab search SPACE --journal FILE`,")
		add(" then run `fnlab tui --journal FILE`, or press o to open a journal here.")
		return strings.Join(lines, "\n")
	}
	nFront := 0
	for _, c := range s.cands {
		if c.front {
			nFront++
		}
	}
	space := s.head.Space
	if s.space != nil {
		space = s.space.Name
	}
	title := fmt.Sprintf(" %s · %s · %d evaluated", stTitle.Render("Search "+space), s.head.Strategy, len(s.cands))
	if s.head.Budget > 0 {
		title += fmt.Sprintf(" of %d", s.head.Budget)
	}
	title += fmt.Sprintf(" · front %d · %s", nFront, filepath.Base(s.src.Path))
	add(title)
	if s.err != nil {
		add(" " + stErr.Render(oneLine(s.err)))
	}
	list := s.shown()
	names := s.objNames()
	var sel *candidate
	if len(list) > 0 {
		sel = list[s.sel]
	}
	lines = append(lines, s.plot(names, sel)...)

	// List.
	nameW := max(10, w-59)
	hdr := fmt.Sprintf("  %5s %-*s %-7s %8s %8s %10s %10s", "#", nameW, "candidate", "mixer", "params", "MACs",
		cut(names[0], 10), cut(names[1], 10))
	add(stHeader.Render(hdr))
	for i := s.offset; i < len(list) && i < s.offset+s.listRows(); i++ {
		c := list[i]
		mark := " "
		if c.front {
			mark = "*"
		}
		mixer, params, macs := "-", "-", "-"
		if m := c.rec.Metrics; m != nil {
			mixer, params, macs = m.Mixer, report.SI(m.Params), report.SI(m.MACs)
		}
		name := c.name
		if c.rec.Error != "" {
			name += " (" + c.rec.Error + ")"
		} else if !c.rec.Feasible {
			name += " (infeasible)"
		}
		cur := " "
		if i == s.sel {
			cur = ">"
		}
		row := fmt.Sprintf("%s%s%5d %-*s %-7s %8s %8s %10s %10s", cur, mark, c.rec.Index, nameW, cut(name, nameW), cut(mixer, 7),
			params, macs, fmtMetric(names[0], c.obj[0]), fmtMetric(names[1], c.obj[1]))
		switch {
		case i == s.sel:
			row = stSelected.Render(row)
		case c.front:
			row = stFront.Render(row)
		}
		add(row)
	}
	if len(list) == 0 {
		add("   no candidates" + map[bool]string{true: " match", false: " yet"}[s.filter != "" || s.frontOnly])
	}
	return strings.Join(lines, "\n")
}

// plot draws the candidates over the first two objectives: '·' evaluated,
// '*' on the Pareto front, '@' the selected candidate. Lower is to the left
// and bottom.
func (s searchScreen) plot(names []string, sel *candidate) []string {
	w, rows := s.w, s.plotRows()
	const yLabelW = 10
	pw := max(10, w-yLabelW-3)
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, c := range s.cands {
		x, y := c.obj[0], c.obj[1]
		if math.IsNaN(x) || math.IsNaN(y) {
			continue
		}
		minX, maxX, minY, maxY = math.Min(minX, x), math.Max(maxX, x), math.Min(minY, y), math.Max(maxY, y)
	}
	grid := make([][]rune, rows)
	for i := range grid {
		grid[i] = []rune(strings.Repeat(" ", pw))
	}
	cell := func(x, y float64) (int, int) {
		cx, cy := 0, rows-1
		if maxX > minX {
			cx = int((x - minX) / (maxX - minX) * float64(pw-1))
		}
		if maxY > minY {
			cy = rows - 1 - int((y-minY)/(maxY-minY)*float64(rows-1))
		}
		return cx, cy
	}
	rank := map[rune]int{' ': 0, '·': 1, '*': 2, '@': 3}
	put := func(c *candidate, r rune) {
		if math.IsNaN(c.obj[0]) || math.IsNaN(c.obj[1]) {
			return
		}
		x, y := cell(c.obj[0], c.obj[1])
		if rank[r] > rank[grid[y][x]] {
			grid[y][x] = r
		}
	}
	for i := range s.cands {
		c := &s.cands[i]
		if c.front {
			put(c, '*')
		} else {
			put(c, '·')
		}
	}
	if sel != nil {
		put(sel, '@')
	}
	var out []string
	for i, r := range grid {
		label := ""
		switch {
		case math.IsInf(minY, 1):
		case i == 0:
			label = fmtMetric(names[1], maxY)
		case i == rows-1:
			label = fmtMetric(names[1], minY)
		case i == rows/2:
			label = names[1]
		}
		row := string(r)
		row = strings.ReplaceAll(row, "*", stFront.Render("*"))
		out = append(out, " "+right(cut(label, yLabelW), yLabelW)+" │"+row)
	}
	// The x axis: its range and name under the plot.
	xl := ""
	if !math.IsInf(minX, 1) {
		lo, hi := fmtMetric(names[0], minX), fmtMetric(names[0], maxX)
		mid := names[0] + " →   * front  @ selected"
		gap := pw - len(lo) - len(hi) - len([]rune(mid))
		xl = lo + spaces(max(1, gap/2)) + mid + spaces(max(1, gap-gap/2)) + hi
	}
	out = append(out, " "+spaces(yLabelW)+" └"+xl)
	return out
}
