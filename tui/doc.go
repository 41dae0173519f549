// Package tui is fnlab's interactive explorer (`fnlab tui`), a bubbletea
// program in the Elm style: App is the root model; it owns the window size,
// the help bar and the screen enum, and routes messages to three screen
// models. Keys go to the screen shown; results of background work (counts,
// bench runs, journal reads) are typed messages that go to the screen that
// asked for them, whichever screen is shown. Nothing slow runs in Update:
// counting runs in a tea.Cmd, the bench in a goroutine that reports through
// channels read by tea.Cmds, the journal is polled by a tea.Cmd. View is
// pure. tui calls arch, analyze and engine; nothing calls tui.
//
// # Screens
//
// Model (1): the starting model (SPEC, or a search candidate) and the edit
// of it. The editor holds embed_dim, mlp_ratio and the input side, then one
// row per stage: depth, mixer and n_div (groups for gconv, "-" for conv and
// dwconv). Each change becomes arch overrides ("stages.2.n_div=8") on top
// of the start's, is validated and counted by arch.Load, arch.Compile and
// analyze.Count (BN counted as eval, as `fnlab analyze`), and the stage
// table, totals and layer table show the result with its change against
// the start (negative deltas green, positive red). An edit that arch
// refuses is undone and its one-line error shown, naming the field that
// was edited ("stage 2 groups: 7 does not divide stage 2's width 160"),
// not the override it became. Totals are in the units of `fnlab analyze`
// (bytes in KiB/MiB, FLOP/B). The layer table lists conv and linear layers
// (a: all layers) with params, MACs, bytes, share of the model's MACs and
// the change of MACs ("new" for layers the start does not have), and on a
// wide terminal also op, out shape, FLOPs, read, written and FLOP/B; layer
// names abbreviate "stages.N.blocks.M." to "sN.bM.".
// s saves the edit as a spec YAML: `extends: START` plus the keys that
// differ (depths and stages together), or a full spec if that does not
// read back as the same model; the file is read back with arch.Load and
// compared before the save is reported. o opens a preset or spec file as
// the new start, or a search journal on the search screen. Quitting with q
// and opening another start (o, or a search candidate) ask first while the
// edit is not saved: "unsaved edits: s save · d discard · esc cancel" on
// the status line (s saves, then goes on).
//
// Bench (2): measures the current model on fnlab's engine (seeded random
// weights, BN folded, every program step timed) in the background with a
// progress bar; then, per program step, its median time and share of the
// time beside its share of the MACs, as two bars on one scale, and a line
// summing both shares for mixers, MLPs and the rest. Results measured
// before the last edit are marked as such.
//
// Search (3): a journal of `fnlab search` (search.ReadJournal), re-read
// by a polling tea.Cmd (every second, only when its size or time changed)
// so a running search is followed. The candidates are drawn over the
// space's first two objectives (macs and params fill in when it has fewer)
// as a scatter plot: '·' evaluated, '*' on the Pareto front
// (search.ParetoFront of the space's objectives), '@' selected; below it
// the list (index, short name, mixer, the objectives, params, MACs, and
// the journal's other metrics when there is room; 'x' marks infeasible
// candidates) can be sorted by any of its columns either way, filtered by
// a substring of the key or mixer, and cut to the front; the status line
// always says how ("sort latency ↓ · filter "dw" · front only · 3 of 40
// shown"). enter opens the selected candidate (the space's base with its
// overrides) as the model screen's new start. If the journal's space does
// not load, a line says so and the list is shown without front or open,
// candidates named by their key's values. With --journal the explorer
// starts on this screen.
//
// # Keys
//
//	1 2 3          model, bench, search screen
//	?              all keys of the screen
//	q, ctrl+c      quit (q types into an open prompt and asks first when
//	               the edit is not saved; ctrl+c always quits at once)
//	s d esc        at that question: save first, discard, keep editing
//
//	model screen
//	↑↓←→ / hjkl    move between fields (tab: arrows scroll the layer table)
//	+ - (= ] _ [)  change the field by a step: embed_dim 8, mlp_ratio 0.5,
//	               input 32, depth 1, mixer cycles, n_div 1, groups to the
//	               next divisor of the width
//	enter          type a value (esc cancels)
//	u r            undo, reset to the start
//	a              all layers / conv and linear layers
//	pgup pgdn      scroll the layer table
//	s o            save the edit as YAML, open a preset, spec file or
//	               search journal
//
//	bench screen
//	enter b        measure          x esc   cancel
//	o              order: program, by time, by MACs
//	↑↓ pgup pgdn   scroll
//
//	search screen
//	↑↓ pgup pgdn   select            enter   open on the model screen
//	s S            sort: index, then each metric column; reverse
//	/              filter, applied as you type (enter or esc closes the prompt)
//	f              Pareto front only
//	o              open another journal
//
// Keys typed faster than the terminal is read arrive together ("j++");
// outside a prompt each is applied in turn.
//
// # Terminal
//
// Screens are laid out for at least MinWidth x MinHeight (64x16) and fill
// the window on resize; a smaller terminal shows a message instead. Tables
// fit the width by dropping whole columns (table.go), never by cutting a
// number; names keep their width. A taller terminal gets a taller plot and
// longer lists, a wider one more columns. On a narrow terminal the help
// bar drops the screen's keys before "? keys" and "q quit". The
// command runs in the alternate screen, so quitting leaves the terminal
// as it was.
//
// # Tests
//
// The update logic is tested by feeding messages to App.Update and running
// the commands it returns (update_test.go, confirm_test.go); layouts are
// checked at 64x24 and 200x50 (layout_test.go, search_test.go); the main
// flows run the real program under teatest at 80x24 with a fake bench and
// compare the last frame with testdata/*.golden (go test ./tui -update
// rewrites them).
package tui
