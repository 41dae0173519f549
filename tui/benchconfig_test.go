package tui

import "testing"

func TestBenchConfigString(t *testing.T) {
	for _, c := range []struct {
		cfg  BenchConfig
		want string
	}{
		{BenchConfig{Warmup: 10, Runs: 100}, "10 warm-up + 100 timed runs"},
		{BenchConfig{Threads: 1, Warmup: 0, Runs: 5, Seed: 3}, "0 warm-up + 5 timed runs, 1 thread(s)"},
	} {
		if got := c.cfg.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.cfg, got, c.want)
		}
	}
}
