package tui

import "fmt"

// String says what a bench run with c does, for the bench screen
// (Options.BenchConfig).
func (c BenchConfig) String() string {
	s := fmt.Sprintf("%d warm-up + %d timed runs", c.Warmup, c.Runs)
	if c.Threads > 0 {
		s += fmt.Sprintf(", %d thread(s)", c.Threads)
	}
	return s
}
