package analyze

import (
	"strings"
	"testing"
)

func TestBenchWarnings(t *testing.T) {
	for _, c := range []struct {
		r    BenchResult
		want []string
	}{
		{BenchResult{MedianMS: 10, P90MS: 12, Threads: 2, Machine: Machine{Cores: 2}}, nil},
		{BenchResult{MedianMS: 10, P90MS: 13.5, Threads: 1, Machine: Machine{Cores: 2}}, []string{"wide spread: p90 13.500 ms is 1.35x the median"}},
		{BenchResult{MedianMS: 10, P90MS: 11, Threads: 4, Machine: Machine{Cores: 2}}, []string{"4 threads on 2 cores"}},
	} {
		got := c.r.warnings()
		if len(got) != len(c.want) {
			t.Errorf("%+v: warnings %q, want %q", c.r, got, c.want)
			continue
		}
		for i := range got {
			if !strings.HasPrefix(got[i], c.want[i]) {
				t.Errorf("warning %q, want it to start %q", got[i], c.want[i])
			}
		}
	}
}
