package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// SearchSource says where the search screen reads candidates from.
type SearchSource struct {
	Path string
}

type journalMsg struct{}

type searchScreen struct {
	keys keyMap
	src  SearchSource
	w, h int
}

func newSearchScreen(keys keyMap, src SearchSource) searchScreen {
	return searchScreen{keys: keys, src: src}
}

func (s searchScreen) init() tea.Cmd                          { return nil }
func (s searchScreen) stop() searchScreen                     { return s }
func (s searchScreen) capturing() bool                        { return false }
func (s searchScreen) setSize(w, h int) searchScreen          { s.w, s.h = w, h; return s }
func (s searchScreen) update(tea.Msg) (searchScreen, tea.Cmd) { return s, nil }
func (s searchScreen) view() string                           { return " no search journal (fnlab tui --journal FILE)" }
func (s searchScreen) statusLine() string                     { return "" }
func (s searchScreen) shortHelp() []key.Binding               { return nil }
func (s searchScreen) fullHelp() [][]key.Binding              { return nil }

// OpenJournal checks path (empty: no journal) and returns its source.
func OpenJournal(path string) (SearchSource, error) { return SearchSource{Path: path}, nil }
