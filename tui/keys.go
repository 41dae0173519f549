package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap holds every binding; screens pick theirs for the help bar.
type keyMap struct {
	Quit, Help, Model, Bench, Search key.Binding

	// Help-bar summaries of several keys.
	Move, Change, Scroll, SortBoth key.Binding

	// Model screen.
	Up, Down, Left, Right, Inc, Dec, Enter, Escape key.Binding
	Focus, AllLayers, Reset, Undo, Save, Open      key.Binding
	PageUp, PageDown                               key.Binding

	// Bench screen.
	Run, Cancel, Order key.Binding

	// Search screen.
	Sort, Reverse, Filter, FrontOnly, Reload, OpenCand key.Binding

	// The unsaved-edits question.
	SaveFirst, Discard key.Binding
}

func newKeys() keyMap {
	b := func(keys []string, k, help string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, help))
	}
	return keyMap{
		Quit:   b([]string{"q", "ctrl+c"}, "q", "quit"),
		Help:   b([]string{"?"}, "?", "keys"),
		Model:  b([]string{"1"}, "1", "model"),
		Bench:  b([]string{"2"}, "2", "bench"),
		Search: b([]string{"3"}, "3", "search"),

		Move:     b([]string{"up", "down", "left", "right"}, "↑↓←→", "move"),
		Change:   b([]string{"+", "-"}, "+/-", "change"),
		Scroll:   b([]string{"up", "down"}, "↑↓", "scroll"),
		SortBoth: b([]string{"s", "S"}, "s/S", "sort/reverse"),

		Up:        b([]string{"up", "k"}, "↑/k", "up"),
		Down:      b([]string{"down", "j"}, "↓/j", "down"),
		Left:      b([]string{"left", "h"}, "←/h", "left"),
		Right:     b([]string{"right", "l"}, "→/l", "right"),
		Inc:       b([]string{"+", "=", "]"}, "+", "increase"),
		Dec:       b([]string{"-", "_", "["}, "-", "decrease"),
		Enter:     b([]string{"enter"}, "enter", "type"),
		Escape:    b([]string{"esc"}, "esc", "cancel"),
		Focus:     b([]string{"tab"}, "tab", "layers"),
		AllLayers: b([]string{"a"}, "a", "all layers"),
		Reset:     b([]string{"r"}, "r", "reset"),
		Undo:      b([]string{"u"}, "u", "undo"),
		Save:      b([]string{"s"}, "s", "save"),
		Open:      b([]string{"o"}, "o", "open"),
		PageUp:    b([]string{"pgup"}, "pgup", "page up"),
		PageDown:  b([]string{"pgdown", " "}, "pgdn", "page down"),

		Run:    b([]string{"enter", "b"}, "enter", "run bench"),
		Cancel: b([]string{"x", "esc"}, "x", "cancel"),
		Order:  b([]string{"o"}, "o", "order"),

		Sort:      b([]string{"s"}, "s", "sort"),
		Reverse:   b([]string{"S"}, "S", "reverse"),
		Filter:    b([]string{"/"}, "/", "filter"),
		FrontOnly: b([]string{"f"}, "f", "front"),
		Reload:    b([]string{"R"}, "R", "reload"),
		OpenCand:  b([]string{"enter"}, "enter", "open"),

		SaveFirst: b([]string{"s"}, "s", "save first"),
		Discard:   b([]string{"d"}, "d", "discard edits"),
	}
}
