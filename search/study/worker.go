package study

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fnlab/fnlab/search"
)

// WorkerOptions configure Work.
type WorkerOptions struct {
	// ID names the worker in the study (default host-pid-random).
	ID string
	// Lease is how long a claim lasts without renewal (default 30 s); the
	// worker renews its claims every Lease/3 while it evaluates them, so a
	// killed worker's trials are claimable again one lease after its last
	// renewal.
	Lease time.Duration
	// Parallel is how many trials the worker evaluates at once (default 1).
	Parallel int
	// Poll is how long an idle worker waits before it looks for work
	// again (default Lease/20 within 100 ms .. 1 s): at a generation
	// boundary every worker but the builder waits up to this long.
	Poll time.Duration
	// Evaluate measures one candidate (search.Evaluator.Evaluate, say). An
	// error stops the worker (its claims are released); one that gives up
	// when ctx is done must return an error, not a partial record.
	Evaluate func(ctx context.Context, g search.Genome) (search.Record, error)
	// Progress, if set, is called about twice a second with the study's
	// counts, and once at the end.
	Progress func(Progress)
}

// Progress is the whole study's progress as one worker sees it.
type Progress struct {
	Done, Running, Pending, Total int
	Mine                          int // trials this worker finished
}

// Result is what one worker did.
type Result struct {
	WorkerID  string
	Evaluated int // trials this worker finished
	// Lost counts evaluations finished after their lease had passed to
	// another worker: their results were discarded.
	Lost int
	// Completed: this worker found the study complete first and should
	// write its report. CompletedBy names the worker that did.
	Completed   bool
	CompletedBy string
}

// trial is a claim: the trial's key, index, generation, and the attempt
// number that proves ownership when finishing.
type trial struct {
	key        string
	idx        int64
	generation int
	attempt    int
}

// DefaultWorkerID is host-pid-random, unique across machines and restarts.
func DefaultWorkerID() string {
	host, _ := os.Hostname()
	if host == "" {
		host = "host"
	}
	return fmt.Sprintf("%s-%d-%04x", host, os.Getpid(), rand.IntN(1<<16))
}

func (o *WorkerOptions) defaults() {
	if o.ID == "" {
		o.ID = DefaultWorkerID()
	}
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.Parallel <= 0 {
		o.Parallel = 1
	}
	if o.Poll <= 0 {
		o.Poll = min(max(o.Lease/20, 100*time.Millisecond), time.Second)
	}
}

// Work joins the study as a worker and evaluates its trials until the
// study is complete (or ctx is done, or Evaluate fails): claim a pending
// or expired trial, evaluate it while renewing the lease, finish it if the
// lease is still ours; when nothing is claimable, try to build the next
// generation; when nothing is left, the study is complete. On return the
// worker's unfinished claims are released, so others take them at once.
func (st *Study) Work(ctx context.Context, o WorkerOptions) (Result, error) {
	o.defaults()
	if o.Evaluate == nil {
		return Result{}, errors.New("study: WorkerOptions.Evaluate is nil")
	}
	w := &worker{st: st, o: o, held: map[string]*held{}}
	res := Result{WorkerID: o.ID}
	if err := w.register(ctx); err != nil {
		return res, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var bg sync.WaitGroup
	bgCtx, stopBG := context.WithCancel(ctx)
	bg.Add(1)
	go func() { defer bg.Done(); w.heartbeat(bgCtx) }()
	if o.Progress != nil {
		bg.Add(1)
		go func() { defer bg.Done(); w.progressLoop(bgCtx) }()
	}
	var wg sync.WaitGroup
	for range o.Parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.loop(ctx); err != nil {
				cancel(err)
			}
		}()
	}
	wg.Wait()
	stopBG()
	bg.Wait()
	err := context.Cause(ctx)
	if errors.Is(err, errComplete) {
		err = nil
	}
	w.stop()
	w.mu.Lock()
	res.Evaluated, res.Lost, res.Completed, res.CompletedBy = w.evaluated, w.lost, w.completed, w.completedBy
	w.mu.Unlock()
	if o.Progress != nil {
		w.reportProgress(context.WithoutCancel(ctx))
	}
	return res, err
}

// errComplete ends the evaluation loops when the study is complete.
var errComplete = errors.New("study complete")

type held struct {
	attempt int
	cancel  context.CancelFunc
}

type worker struct {
	st   *Study
	o    WorkerOptions
	mu   sync.Mutex
	held map[string]*held // claims being evaluated

	evaluated, lost int
	completed       bool
	completedBy     string
}

func (w *worker) register(ctx context.Context) error {
	s := w.st.store
	host, _ := os.Hostname()
	return s.retry(ctx, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `INSERT INTO `+s.t("workers")+` (study, id, host, pid, lease_s) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (study, id) DO UPDATE SET heartbeat_at = now(), stopped_at = NULL`,
			w.st.Name, w.o.ID, host, os.Getpid(), w.o.Lease.Seconds())
		return err
	})
}

func (w *worker) loop(ctx context.Context) error {
	for {
		if ctx.Err() != nil {
			return nil
		}
		t, err := w.st.claim(ctx, w.o.ID, w.o.Lease)
		if err != nil {
			return err
		}
		if t == nil {
			b, err := w.st.build(ctx, w.o.ID)
			if err != nil {
				return err
			}
			if b.complete {
				w.mu.Lock()
				w.completed = w.completed || b.completedBy == w.o.ID
				w.completedBy = b.completedBy
				w.mu.Unlock()
				return errComplete
			}
			if b.enqueued > 0 {
				continue
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(w.o.Poll):
			}
			continue
		}
		if err := w.evaluate(ctx, t); err != nil {
			return err
		}
	}
}

// evaluate runs one claimed trial and finishes it.
func (w *worker) evaluate(ctx context.Context, t *trial) error {
	g, err := w.st.space.ParseKey(t.key)
	if err != nil {
		return fmt.Errorf("study %s: trial %q: %v", w.st.Name, t.key, err)
	}
	ectx, cancel := context.WithCancel(ctx)
	defer cancel()
	w.mu.Lock()
	w.held[t.key] = &held{attempt: t.attempt, cancel: cancel}
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		delete(w.held, t.key)
		w.mu.Unlock()
	}()
	rec, err := w.o.Evaluate(ectx, g)
	stopping := ctx.Err() != nil
	switch {
	case stopping && err != nil:
		return nil // the claim is released by stop
	case !stopping && ectx.Err() != nil:
		w.mu.Lock()
		w.lost++ // the heartbeat found the lease gone and stopped this evaluation
		w.mu.Unlock()
		return nil
	case stopping:
		// Stopping (Ctrl-C) with a finished evaluation: store it rather
		// than throw it away, within a short grace period.
		gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		ctx = gctx
	}
	if err != nil {
		return err
	}
	rec.Index = t.idx
	if rec.Key != t.key {
		return fmt.Errorf("study %s: trial %q evaluated as %q", w.st.Name, t.key, rec.Key)
	}
	ok, err := w.st.finish(ctx, w.o.ID, t, &rec)
	if err != nil {
		return err
	}
	w.mu.Lock()
	if ok {
		w.evaluated++
	} else {
		w.lost++
	}
	w.mu.Unlock()
	return nil
}

// heartbeat renews the leases of the trials being evaluated and the
// worker's heartbeat every Lease/3. A claim that is no longer ours (its
// lease expired and another worker took it) has its evaluation cancelled.
// A failed renewal is not retried: the next tick tries again, and a lease
// that lapses meanwhile only costs a repeated evaluation.
func (w *worker) heartbeat(ctx context.Context) {
	tick := time.NewTicker(w.o.Lease / 3)
	defer tick.Stop()
	s := w.st.store
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		w.mu.Lock()
		keys := make([]string, 0, len(w.held))
		for k := range w.held {
			keys = append(keys, k)
		}
		w.mu.Unlock()
		rctx, cancel := context.WithTimeout(ctx, w.o.Lease/3)
		rows, err := s.pool.Query(rctx, `UPDATE `+s.t("trials")+` SET lease_until = now() + make_interval(secs => $4)
			WHERE study = $1 AND worker = $2 AND key = ANY($3) AND state = 'running' RETURNING key`,
			w.st.Name, w.o.ID, keys, w.o.Lease.Seconds())
		var renewed []string
		if err == nil {
			renewed, err = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		if err == nil {
			_, err = s.pool.Exec(rctx, `UPDATE `+s.t("workers")+` SET heartbeat_at = now() WHERE study = $1 AND id = $2`, w.st.Name, w.o.ID)
		}
		cancel()
		if err != nil {
			continue
		}
		ok := map[string]bool{}
		for _, k := range renewed {
			ok[k] = true
		}
		w.mu.Lock()
		for _, k := range keys {
			if h := w.held[k]; h != nil && !ok[k] {
				h.cancel()
			}
		}
		w.mu.Unlock()
	}
}

func (w *worker) progressLoop(ctx context.Context) {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		w.reportProgress(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (w *worker) reportProgress(ctx context.Context) {
	s := w.st.store
	var p Progress
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := s.pool.QueryRow(rctx, `SELECT count(*) FILTER (WHERE state = 'done'),
			count(*) FILTER (WHERE state = 'running' AND lease_until >= now()),
			count(*) FILTER (WHERE state <> 'done' AND NOT (state = 'running' AND lease_until >= now()))
		FROM `+s.t("trials")+` WHERE study = $1`, w.st.Name).Scan(&p.Done, &p.Running, &p.Pending)
	if err != nil {
		return // the server is away: the next tick tries again
	}
	p.Total = max(w.st.total(), p.Done+p.Running+p.Pending)
	w.mu.Lock()
	p.Mine = w.evaluated
	w.mu.Unlock()
	w.o.Progress(p)
}

// stop releases the worker's claims (pending again, attempt unchanged in
// meaning: a released claim was not evaluated) and marks it stopped.
func (w *worker) stop() {
	s := w.st.store
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = s.pool.Exec(ctx, `UPDATE `+s.t("trials")+` SET state = 'pending', worker = NULL, lease_until = NULL
		WHERE study = $1 AND worker = $2 AND state = 'running'`, w.st.Name, w.o.ID)
	_, _ = s.pool.Exec(ctx, `UPDATE `+s.t("workers")+` SET stopped_at = now(), heartbeat_at = now() WHERE study = $1 AND id = $2`, w.st.Name, w.o.ID)
}

// claim takes the pending trial of lowest index, or a running one whose
// lease has expired, for worker (nil when there is none). SKIP LOCKED
// lets concurrent claims pass each other instead of queueing on one row.
// Leases are compared with the server's clock, never a worker's.
func (st *Study) claim(ctx context.Context, worker string, lease time.Duration) (*trial, error) {
	s := st.store
	var t *trial
	err := s.retry(ctx, func(ctx context.Context) error {
		t = &trial{}
		// MATERIALIZED: the candidate row is chosen once. As a subquery in
		// FROM the planner may rescan it per joined row, and with SKIP
		// LOCKED each rescan picks another row: one claim would take
		// several trials and orphan all but the first.
		err := s.pool.QueryRow(ctx, `WITH c AS MATERIALIZED (SELECT key FROM `+s.t("trials")+`
				WHERE study = $1 AND (state = 'pending' OR (state = 'running' AND lease_until < now()))
				ORDER BY idx LIMIT 1 FOR UPDATE SKIP LOCKED)
			UPDATE `+s.t("trials")+` t
			SET state = 'running', worker = $2, attempt = t.attempt + 1, lease_until = now() + make_interval(secs => $3)
			FROM c WHERE t.study = $1 AND t.key = c.key
			RETURNING t.key, t.idx, t.generation, t.attempt`, st.Name, worker, lease.Seconds()).
			Scan(&t.key, &t.idx, &t.generation, &t.attempt)
		if errors.Is(err, pgx.ErrNoRows) {
			t = nil
			return nil
		}
		return err
	})
	return t, err
}

// finish stores rec as trial t's result if worker still owns the claim
// (same worker and attempt, still running): a worker whose lease passed
// to another is refused (false), so a late finisher never overwrites.
// Retried after a lost connection: a finish that committed but whose
// reply was lost is recognised (done, by this worker and attempt) and
// counts once.
func (st *Study) finish(ctx context.Context, worker string, t *trial, rec *search.Record) (bool, error) {
	s := st.store
	line, err := json.Marshal(rec)
	if err != nil {
		return false, err
	}
	var ok bool
	err = s.retry(ctx, func(ctx context.Context) error {
		var n int
		err := s.pool.QueryRow(ctx, `WITH f AS (
				UPDATE `+s.t("trials")+` SET state = 'done', record = $5, finished_at = now(), lease_until = NULL
				WHERE study = $1 AND key = $2 AND worker = $3 AND attempt = $4 AND state = 'running' RETURNING 1),
			w AS (UPDATE `+s.t("workers")+` SET evaluated = evaluated + 1 WHERE study = $1 AND id = $3 AND EXISTS (SELECT 1 FROM f))
			SELECT count(*) FROM f`, st.Name, t.key, worker, t.attempt, string(line)).Scan(&n)
		if err != nil {
			return err
		}
		if n == 1 {
			ok = true
			return nil
		}
		var state string
		var owner *string
		var attempt int
		if err := s.pool.QueryRow(ctx, `SELECT state, worker, attempt FROM `+s.t("trials")+` WHERE study = $1 AND key = $2`,
			st.Name, t.key).Scan(&state, &owner, &attempt); err != nil {
			return err
		}
		ok = state == "done" && owner != nil && *owner == worker && attempt == t.attempt
		return nil
	})
	return ok, err
}
