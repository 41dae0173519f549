package study

import (
	"bytes"
	"strings"
	"testing"
)

func TestWriteStatus(t *testing.T) {
	id := Identity{Space: "tiny", SpaceHash: "h", Strategy: "evolve", Seed: 1, Budget: 60, Population: 8, Latency: "none"}
	running := Status{Study: "a", Identity: id, Done: 3, Running: 1, Pending: 2, Generation: 1,
		Workers: []WorkerStatus{{ID: "w1", Host: "h1", PID: 7, Evaluated: 3, Running: 1, HeartbeatAge: 2, Live: true}, {ID: "w2", Stopped: true}, {ID: "w3"}}}
	done := Status{Study: "b", Identity: Identity{Strategy: "grid"}, Complete: true, CompletedBy: "w1"}
	for _, c := range []struct {
		name    string
		studies []Status
		want    []string
	}{
		{"none", nil, []string{"pg://x: no study yet"}},
		{"two", []Status{running, done}, []string{
			"study a at pg://x: running\n",
			"search: space tiny (hash h), evolve, seed 1, budget 60, population 8  ·  latency: none\n",
			"trials: 3 done (0 redone after a lost lease), 1 running, 0 expired, 2 pending  ·  generation 1\n",
			"workers: 1 live of 3\n", "2s ago", "stopped", "lost (no heartbeat within its lease)",
			"\n\nstudy b at pg://x: complete (report by w1)\n", "workers: 0 live of 0\n"}},
	} {
		var b bytes.Buffer
		if err := WriteStatus(&b, "pg://x", c.studies); err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: no %q in\n%s", c.name, w, b.String())
			}
		}
	}
}
