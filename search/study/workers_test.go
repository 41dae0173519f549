package study

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fnlab/fnlab/search"
)

// spec describes a study for worker processes.
type spec struct {
	schema, name, strategy string
	budget, population     int
	seed                   uint64
	lease                  time.Duration
}

// startWorker re-executes the test binary as a worker of sp (see child).
func startWorker(t *testing.T, sp spec, id string, extra ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FNLAB_STUDY_CHILD=1",
		"FNLAB_STUDY_SCHEMA="+sp.schema, "FNLAB_STUDY_NAME="+sp.name, "FNLAB_STUDY_STRATEGY="+sp.strategy,
		fmt.Sprintf("FNLAB_STUDY_BUDGET=%d", sp.budget), fmt.Sprintf("FNLAB_STUDY_POPULATION=%d", sp.population),
		fmt.Sprintf("FNLAB_STUDY_SEED=%d", sp.seed), "FNLAB_STUDY_LEASE="+sp.lease.String(), "FNLAB_STUDY_ID="+id)
	cmd.Env = append(cmd.Env, extra...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, &out, &errb
}

// waitWorker waits for a worker process (10 minutes at most: only
// against a hang) and returns its result.
func waitWorker(t *testing.T, cmd *exec.Cmd, out, errb *bytes.Buffer) Result {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("worker: %v: %s", err, errb)
		}
	case <-time.After(10 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("worker hung; stderr: %s", errb)
	}
	var r Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("worker output %q: %v", out, err)
	}
	return r
}

// checkStudy compares the study's records with a single process's and
// checks the study's bookkeeping: complete, every trial done once, and
// exactly one worker completing it.
func checkStudy(t *testing.T, s *Store, name string, results []Result) Status {
	t.Helper()
	sp := tiny(t)
	id, recs, err := s.Records(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	want := singleProcess(t, sp, id)
	if g, w := canonical(t, recs), canonical(t, want); g != w {
		t.Errorf("the study holds %d records, a single process evaluates %d; they differ", len(recs), len(want))
	}
	seen := map[string]bool{}
	for _, r := range recs {
		if seen[r.Key] {
			t.Errorf("%s recorded twice", r.Key)
		}
		seen[r.Key] = true
	}
	st, err := s.Status(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Complete || st.Done != len(want) || st.Running+st.Pending+st.Expired != 0 {
		t.Errorf("status %+v, want complete with %d done", st, len(want))
	}
	completed, evaluated := 0, 0
	for _, r := range results {
		evaluated += r.Evaluated
		if r.Completed {
			completed++
			if r.CompletedBy != r.WorkerID || st.CompletedBy != r.WorkerID {
				t.Errorf("worker %s completed, status says %s", r.WorkerID, st.CompletedBy)
			}
		}
	}
	if completed != 1 {
		t.Errorf("%d workers completed the study, want 1", completed)
	}
	if evaluated != len(want) {
		t.Errorf("the workers finished %d trials between them, want %d", evaluated, len(want))
	}
	return st
}

// TestThreeWorkersEvolveLikeOneProcess: three worker processes share an
// NSGA-II study; its records are exactly one process's with the seed.
func TestThreeWorkersEvolveLikeOneProcess(t *testing.T) {
	schema := testSchema(t)
	s := openStore(t, schema)
	sp := spec{schema: schema, name: "evolve3", strategy: "evolve", budget: 64, population: 8, seed: 11, lease: 20 * time.Second}
	var results []Result
	type proc struct {
		cmd       *exec.Cmd
		out, errb *bytes.Buffer
	}
	var procs []proc
	for i := range 3 {
		cmd, out, errb := startWorker(t, sp, fmt.Sprintf("w%d", i), "FNLAB_STUDY_DELAY_MS=30", "FNLAB_STUDY_POLL_MS=100")
		procs = append(procs, proc{cmd, out, errb})
	}
	for _, p := range procs {
		results = append(results, waitWorker(t, p.cmd, p.out, p.errb))
	}
	st := checkStudy(t, s, "evolve3", results)
	if st.Generation < 3 {
		t.Errorf("the study ran %d generations; want a test of several", st.Generation)
	}
	if st.Redone != 0 {
		// Nobody was killed and leases are long: every trial was claimed once.
		t.Errorf("%d trials were claimed more than once", st.Redone)
	}
	if len(st.Workers) != 3 {
		t.Errorf("%d workers registered, want 3", len(st.Workers))
	}
	for _, w := range st.Workers {
		if !w.Stopped || w.Live {
			t.Errorf("worker %s: stopped %v live %v after the study, want stopped", w.ID, w.Stopped, w.Live)
		}
	}
	t.Logf("generations %d, evaluations per worker: %d %d %d", st.Generation+1, results[0].Evaluated, results[1].Evaluated, results[2].Evaluated)
}

// TestKilledWorkersTrialRedone: a worker SIGKILLed mid-evaluation holds a
// trial; once its lease expires another worker redoes it, once, and the
// study still equals one process's search (an NSGA-II one: its next
// generation waits for the redone trial).
func TestKilledWorkersTrialRedone(t *testing.T) {
	schema := testSchema(t)
	s := openStore(t, schema)
	sp := spec{schema: schema, name: "killed", strategy: "evolve", budget: 40, population: 8, seed: 4, lease: 2 * time.Second}
	// The staller creates the study, claims the first trial and blocks in it.
	staller, _, _ := startWorker(t, sp, "doomed", "FNLAB_STUDY_STALL=1")
	q := pgx.Identifier{schema}.Sanitize()
	var key string
	deadline := time.Now().Add(2 * time.Minute)
	for key == "" {
		if time.Now().After(deadline) {
			t.Fatal("the stalling worker never claimed a trial")
		}
		time.Sleep(50 * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := s.pool.QueryRow(ctx, `SELECT key FROM `+q+`.trials WHERE worker = 'doomed' AND state = 'running'`).Scan(&key)
		cancel()
		if err != nil && err != pgx.ErrNoRows && !strings.Contains(err.Error(), "does not exist") {
			t.Fatal(err)
		}
	}
	if err := staller.Process.Kill(); err != nil { // SIGKILL: no release, no goodbye
		t.Fatal(err)
	}
	staller.Wait()
	var results []Result
	a, aout, aerr := startWorker(t, sp, "a")
	b, bout, berr := startWorker(t, sp, "b")
	results = append(results, waitWorker(t, a, aout, aerr), waitWorker(t, b, bout, berr))
	checkStudy(t, s, "killed", results)
	var owner string
	var attempt int
	if err := s.pool.QueryRow(context.Background(), `SELECT worker, attempt FROM `+q+`.trials WHERE key = $1`, key).Scan(&owner, &attempt); err != nil {
		t.Fatal(err)
	}
	if owner == "doomed" || attempt != 2 {
		t.Errorf("the killed worker's trial %s: finished by %s at attempt %d, want another worker's second attempt", key, owner, attempt)
	}
	st, _ := s.Status(context.Background(), "killed")
	for _, w := range st.Workers {
		if w.ID == "doomed" && (w.Live || w.Stopped) {
			t.Errorf("the killed worker shows live %v stopped %v, want neither", w.Live, w.Stopped)
		}
	}
}

// TestServerRestartMidRun restarts PostgreSQL while a worker evaluates:
// the worker retries with backoff, and no result is lost or duplicated.
func TestServerRestartMidRun(t *testing.T) {
	pgctl := os.Getenv("FNLAB_TEST_PGCTL")
	if pgctl == "" {
		testURL(t)
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but FNLAB_TEST_PGCTL is not: .ci/postgres.sh exports the cluster's pg_ctl command")
		}
		t.Skip("FNLAB_TEST_PGCTL is not set: restarting the server needs its pg_ctl command (.ci/postgres.sh exports it)")
	}
	schema := testSchema(t)
	s := openStore(t, schema)
	sp := tiny(t)
	id := identity(sp, "evolve", 40, 9, 8)
	st := join(t, s, "restart", id)
	eval := evaluator(sp)
	var n atomic.Int32
	restarted := make(chan error, 1)
	res, err := st.Work(context.Background(), WorkerOptions{ID: "survivor", Lease: 30 * time.Second, Parallel: 2,
		Evaluate: func(ctx context.Context, g search.Genome) (search.Record, error) {
			if n.Add(1) == 12 {
				// Mid-run, mid-evaluation: the other evaluation goes on
				// against a server that is gone.
				args := append(strings.Fields(pgctl), "-m", "fast", "restart")
				out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
				if err != nil {
					err = fmt.Errorf("%v: %s", err, out)
				}
				restarted <- err
			}
			return eval(ctx, g)
		}})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-restarted:
		if err != nil {
			t.Fatalf("restarting the server: %v", err)
		}
	default:
		t.Fatal("the study finished before the server was restarted")
	}
	if s.retried.Load() == 0 {
		t.Error("the worker never saw the server go away")
	}
	t.Logf("%d operations retried", s.retried.Load())
	checkStudy(t, s, "restart", []Result{res})
	if res.Lost != 0 {
		t.Errorf("%d results lost", res.Lost)
	}
}
