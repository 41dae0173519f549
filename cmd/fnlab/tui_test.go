package main

import (
	"strings"
	"testing"
)

// TestTUIErrors: bad input is refused with one line before any screen is
// drawn.
func TestTUIErrors(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"tui", "no_such_spec"}, 1, `spec "no_such_spec": not a preset`},
		{[]string{"tui", "t0", "--set", "stages.2.n_div=999"}, 1, "--set stages.2.n_div"},
		{[]string{"tui", "testdata/missing.yaml"}, 1, "spec testdata/missing.yaml: no such file or directory"},
		{[]string{"tui", "t0", "t1"}, 2, "expected at most one SPEC"},
		{[]string{"tui", "--runs", "0"}, 2, "--runs 0"},
		{[]string{"tui", "--threads", "-1"}, 2, "--threads -1"},
		{[]string{"tui", "t0"}, 1, "fnlab tui: needs an interactive terminal"},
		{[]string{"tui", "--journal", "testdata/no_such_journal.jsonl"}, 1, "--journal testdata/no_such_journal.jsonl: no such file or directory"},
		{[]string{"tui", "--journal", "testdata/specs.golden"}, 1, "testdata/specs.golden:1: not a search journal"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			_, errText, code := run(t, c.args...)
			if code != c.code || !strings.Contains(errText, c.want) || strings.Contains(errText, "\n") {
				t.Errorf("exit %d, error %q; want exit %d and one line with %q", code, errText, c.code, c.want)
			}
		})
	}
}

func TestTUIHelp(t *testing.T) {
	out, errText, code := run(t, "tui", "--help")
	if code != 0 {
		t.Fatal(errText)
	}
	for _, want := range []string{"fnlab tui t2 --set stages.2.n_div=8", "--journal", "1 Model", "2 Bench", "3 Search", "the explorer starts", "asking first"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}
