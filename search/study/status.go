package study

import (
	"fmt"
	"io"
	"time"

	"github.com/fnlab/fnlab/report"
)

// WriteStatus writes studies of the store at storage (its URL, masked)
// as text: each study's state, search and trials, and a table of its
// workers.
func WriteStatus(w io.Writer, storage string, studies []Status) error {
	if len(studies) == 0 {
		fmt.Fprintf(w, "%s: no study yet\n", storage)
		return nil
	}
	for i, st := range studies {
		if i > 0 {
			fmt.Fprintln(w)
		}
		id := st.Identity
		state := "running"
		if st.Complete {
			state = "complete (report by " + st.CompletedBy + ")"
		}
		pop := ""
		if id.Population > 0 {
			pop = fmt.Sprintf(", population %d", id.Population)
		}
		fmt.Fprintf(w, "study %s at %s: %s\n", st.Study, storage, state)
		fmt.Fprintf(w, "search: space %s (hash %s), %s, seed %d, budget %d%s  ·  latency: %s\n", id.Space, id.SpaceHash, id.Strategy, id.Seed, id.Budget, pop, id.Latency)
		fmt.Fprintf(w, "trials: %d done (%d redone after a lost lease), %d running, %d expired, %d pending  ·  generation %d\n",
			st.Done, st.Redone, st.Running, st.Expired, st.Pending, st.Generation)
		live := 0
		t := &report.Table{Header: []string{"worker", "host", "pid", "evaluated", "running", "heartbeat", "state"},
			Right: []bool{false, false, true, true, true, true, false}}
		for _, wk := range st.Workers {
			s := "lost (no heartbeat within its lease)"
			switch {
			case wk.Stopped:
				s = "stopped"
			case wk.Live:
				s = "live"
				live++
			}
			t.Add(wk.ID, wk.Host, fmt.Sprint(wk.PID), fmt.Sprint(wk.Evaluated), fmt.Sprint(wk.Running),
				(time.Duration(wk.HeartbeatAge)*time.Second).String()+" ago", s)
		}
		fmt.Fprintf(w, "workers: %d live of %d\n", live, len(st.Workers))
		if len(st.Workers) > 0 {
			if err := t.Write(w); err != nil {
				return err
			}
		}
	}
	return nil
}
