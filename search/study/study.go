package study

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fnlab/fnlab/search"
)

// Identity is what makes two workers run the same search: every field
// decides which candidates are evaluated or what their metrics are.
type Identity struct {
	Space          string `json:"space"`
	SpaceHash      string `json:"space_hash"`
	Strategy       string `json:"strategy"`
	Seed           uint64 `json:"seed"`
	Budget         int    `json:"budget"`
	Population     int    `json:"population"` // evolve; 0 for grid and random
	Latency        string `json:"latency"`    // the journal header's latency line
	LUTHash        string `json:"lut_hash"`
	Proxy          bool   `json:"proxy"`
	JournalVersion int    `json:"journal_version"`
}

// IdentityOf is the identity of the search described by a journal header
// and the population option (0: the default for the budget).
func IdentityOf(h search.Header, population int) Identity {
	id := Identity{Space: h.Space, SpaceHash: h.SpaceHash, Strategy: h.Strategy, Seed: h.Seed, Budget: h.Budget,
		Latency: h.Latency, LUTHash: h.LUTHash, Proxy: h.Proxy, JournalVersion: h.Version}
	if h.Strategy == "evolve" {
		// The effective population, so that the default and the same value
		// given explicitly are one study.
		if population <= 0 {
			population = h.Population
		}
		if population <= 0 {
			population = search.PopulationFor(h.Budget)
		}
		id.Population = population
	}
	return id
}

// Header is the journal header of the study's search (unsharded: an
// exported study reads as the journal of one process).
func (id Identity) Header() search.Header {
	return search.Header{Format: search.JournalFormat, Version: id.JournalVersion, Space: id.Space, SpaceHash: id.SpaceHash,
		Strategy: id.Strategy, Seed: id.Seed, Budget: id.Budget, Shard: "0/1", Latency: id.Latency, LUTHash: id.LUTHash, Proxy: id.Proxy,
		Population: id.Population}
}

// Options is the search.Options the identity stands for.
func (id Identity) Options() search.Options {
	return search.Options{Strategy: id.Strategy, Budget: id.Budget, Seed: id.Seed, Population: id.Population}
}

// differs names the first setting in which a joining worker (id) differs
// from the study (st), or "".
func (id Identity) differs(st Identity) string {
	switch {
	case id.JournalVersion != st.JournalVersion:
		return fmt.Sprintf("journal version %d, this fnlab writes %d (its metrics are not comparable)", st.JournalVersion, id.JournalVersion)
	case id.SpaceHash != st.SpaceHash:
		return fmt.Sprintf("space %s (hash %s), this worker has %s (hash %s)", st.Space, st.SpaceHash, id.Space, id.SpaceHash)
	case id.Strategy != st.Strategy:
		return fmt.Sprintf("strategy %s, this worker has %s", st.Strategy, id.Strategy)
	case id.Seed != st.Seed:
		return fmt.Sprintf("seed %d, this worker has %d", st.Seed, id.Seed)
	case id.Budget != st.Budget:
		return fmt.Sprintf("budget %d, this worker has %d", st.Budget, id.Budget)
	case id.Population != st.Population:
		return fmt.Sprintf("population %d, this worker has %d", st.Population, id.Population)
	case id.LUTHash != st.LUTHash:
		return fmt.Sprintf("latency table %q, this worker has %q", st.LUTHash, id.LUTHash)
	case id.Proxy != st.Proxy:
		return fmt.Sprintf("proxy %v, this worker has %v", st.Proxy, id.Proxy)
	}
	return ""
}

// Study is one shared search in a store, joined by a worker.
type Study struct {
	store *Store
	Name  string
	ID    Identity
	space *search.Space
}

// Join opens study name, creating it (and enqueuing its first batch:
// every candidate of a grid or random search, evolve's initial
// population) when it does not exist. A study whose identity differs from
// id is refused with the first difference named. created reports whether
// this call created it.
func (s *Store) Join(ctx context.Context, name string, sp *search.Space, id Identity) (st *Study, created bool, err error) {
	if sp.Hash != id.SpaceHash {
		return nil, false, fmt.Errorf("study %s: identity of space hash %s given with space %s (hash %s)", name, id.SpaceHash, sp.Name, sp.Hash)
	}
	st = &Study{store: s, Name: name, ID: id, space: sp}
	enc, _ := json.Marshal(id)
	err = s.tx(ctx, func(tx pgx.Tx) error {
		created = false
		if err := st.lock(ctx, tx); err != nil {
			return err
		}
		var have string
		err := tx.QueryRow(ctx, `SELECT identity FROM `+s.t("studies")+` WHERE name = $1`, name).Scan(&have)
		if errors.Is(err, pgx.ErrNoRows) {
			if _, err := tx.Exec(ctx, `INSERT INTO `+s.t("studies")+` (name, identity) VALUES ($1, $2)`, name, string(enc)); err != nil {
				return err
			}
			created = true
			_, err = st.buildLocked(ctx, tx, "")
			return err
		}
		if err != nil {
			return err
		}
		var old Identity
		if err := json.Unmarshal([]byte(have), &old); err != nil {
			return fmt.Errorf("study %s at %s: unreadable identity (%v)", name, s.url, err)
		}
		if d := id.differs(old); d != "" {
			return fmt.Errorf("study %s at %s was started with %s; run this worker with the study's settings, or name a new study", name, s.url, d)
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return st, created, nil
}

// total is the number of evaluations the search asks for at most: the
// budget, within the space's size (as search.Run clamps it).
func (st *Study) total() int {
	return int(min(int64(st.ID.Budget), st.space.Size()))
}

// lock takes the study's advisory lock for the transaction: generation
// builds (and the study's creation) are serialised by it.
func (st *Study) lock(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`, st.store.schema, st.Name)
	return err
}

// buildResult is what a build attempt found.
type buildResult struct {
	enqueued    int    // candidates added
	open        int    // trials not done (nothing built while there are any)
	complete    bool   // the study has every candidate of its search done
	completedBy string // the worker that completed it
}

// build enqueues the study's next batch if every trial is done: under the
// study's advisory lock, the finished records are replayed by search.Next,
// which builds the next generation exactly as a single process would. If
// the search has nothing left, the study is marked complete, by worker
// (when it is the first to see it).
func (st *Study) build(ctx context.Context, worker string) (buildResult, error) {
	var res buildResult
	err := st.store.tx(ctx, func(tx pgx.Tx) error {
		if err := st.lock(ctx, tx); err != nil {
			return err
		}
		var err error
		res, err = st.buildLocked(ctx, tx, worker)
		return err
	})
	return res, err
}

func (st *Study) buildLocked(ctx context.Context, tx pgx.Tx, worker string) (buildResult, error) {
	s := st.store
	var res buildResult
	var completedBy *string
	err := tx.QueryRow(ctx, `SELECT completed_by, (SELECT count(*) FROM `+s.t("trials")+` WHERE study = $1 AND state <> 'done')
		FROM `+s.t("studies")+` WHERE name = $1`, st.Name).Scan(&completedBy, &res.open)
	if err != nil {
		return res, err
	}
	if completedBy != nil {
		res.complete, res.completedBy = true, *completedBy
		return res, nil
	}
	if res.open > 0 {
		return res, nil
	}
	recs, err := records(ctx, tx, s, st.Name)
	if err != nil {
		return res, err
	}
	plan, err := search.Next(st.space, st.ID.Options(), recs)
	if err != nil {
		return res, err
	}
	if len(plan.Candidates) == 0 {
		if worker == "" {
			return res, nil
		}
		_, err := tx.Exec(ctx, `UPDATE `+s.t("studies")+` SET completed_at = now(), completed_by = $2 WHERE name = $1`, st.Name, worker)
		res.complete, res.completedBy = true, worker
		return res, err
	}
	rows := make([][]any, len(plan.Candidates))
	for i, c := range plan.Candidates {
		rows[i] = []any{st.Name, c.Key, c.Index, plan.Generation, "pending"}
	}
	// COPY: a grid enqueues up to 100,000 candidates at once.
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{s.unquotedSchema(), "trials"}, []string{"study", "key", "idx", "generation", "state"}, pgx.CopyFromRows(rows)); err != nil {
		return res, err
	}
	_, err = tx.Exec(ctx, `UPDATE `+s.t("studies")+` SET generation = $2 WHERE name = $1`, st.Name, plan.Generation)
	res.enqueued = len(plan.Candidates)
	return res, err
}

// records reads the finished records of a study, in index order.
func records(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, s *Store, name string) ([]search.Record, error) {
	rows, err := q.Query(ctx, `SELECT record FROM `+s.t("trials")+` WHERE study = $1 AND state = 'done' ORDER BY idx, key`, name)
	if err != nil {
		return nil, err
	}
	var out []search.Record
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			return nil, err
		}
		var r search.Record
		if err := json.Unmarshal([]byte(text), &r); err != nil {
			rows.Close()
			return nil, fmt.Errorf("study %s at %s: unreadable record (%v)", name, s.url, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Records returns the identity of study name and its finished records in
// index order (a journal's records: search.WriteJournal(path,
// id.Header(), recs) writes the study as a journal).
func (s *Store) Records(ctx context.Context, name string) (Identity, []search.Record, error) {
	var id Identity
	var recs []search.Record
	err := s.retry(ctx, func(ctx context.Context) error {
		var err error
		if id, err = s.identity(ctx, name); err != nil {
			return err
		}
		recs, err = records(ctx, s.pool, s, name)
		return err
	})
	return id, recs, err
}

// NotFoundError is a study the store does not hold.
type NotFoundError struct {
	Study, URL string
	Have       []string
}

func (e *NotFoundError) Error() string {
	if len(e.Have) == 0 {
		return fmt.Sprintf("study %s: not found at %s (it holds no study yet)", e.Study, e.URL)
	}
	return fmt.Sprintf("study %s: not found at %s (it holds %s)", e.Study, e.URL, strings.Join(e.Have, ", "))
}

func (s *Store) identity(ctx context.Context, name string) (Identity, error) {
	var id Identity
	var text string
	err := s.pool.QueryRow(ctx, `SELECT identity FROM `+s.t("studies")+` WHERE name = $1`, name).Scan(&text)
	if errors.Is(err, pgx.ErrNoRows) {
		have, _ := s.studies(ctx)
		return id, &NotFoundError{Study: name, URL: s.url, Have: have}
	}
	if err != nil {
		return id, err
	}
	if err := json.Unmarshal([]byte(text), &id); err != nil {
		return id, fmt.Errorf("study %s at %s: unreadable identity (%v)", name, s.url, err)
	}
	return id, nil
}

// Studies lists the names of the store's studies.
func (s *Store) Studies(ctx context.Context) ([]string, error) {
	var out []string
	err := s.retry(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.studies(ctx)
		return err
	})
	return out, err
}

func (s *Store) studies(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT name FROM `+s.t("studies")+` ORDER BY name`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Status is a study's progress as the store sees it.
type Status struct {
	Study       string         `json:"study"`
	Identity    Identity       `json:"identity"`
	Complete    bool           `json:"complete"`
	CompletedBy string         `json:"completed_by,omitempty"`
	Generation  int            `json:"generation"` // last batch enqueued
	Done        int            `json:"done"`
	Running     int            `json:"running"` // claimed, lease not expired
	Expired     int            `json:"expired"` // claimed, lease expired: claimable again
	Pending     int            `json:"pending"`
	Redone      int            `json:"redone"` // done trials claimed more than once
	Total       int            `json:"total"`  // the budget (evolve may finish below it)
	Workers     []WorkerStatus `json:"workers"`
}

// WorkerStatus is one worker that joined the study.
type WorkerStatus struct {
	ID        string    `json:"id"`
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	Started   time.Time `json:"started"`
	Heartbeat time.Time `json:"heartbeat"`
	// HeartbeatAge is the time since the heartbeat by the server's clock.
	HeartbeatAge float64 `json:"heartbeat_age_s"`
	Evaluated    int     `json:"evaluated"`
	Running      int     `json:"running"`
	// Live: stopped cleanly never, heartbeat within its lease.
	Live    bool `json:"live"`
	Stopped bool `json:"stopped"`
}

// Status reads study name's counts and workers.
func (s *Store) Status(ctx context.Context, name string) (Status, error) {
	var st Status
	err := s.retry(ctx, func(ctx context.Context) error {
		st = Status{Study: name}
		id, err := s.identity(ctx, name)
		if err != nil {
			return err
		}
		st.Identity = id
		st.Total = id.Budget
		var completedBy *string
		err = s.pool.QueryRow(ctx, `SELECT s.generation, s.completed_by,
				count(*) FILTER (WHERE t.state = 'done'),
				count(*) FILTER (WHERE t.state = 'running' AND t.lease_until >= now()),
				count(*) FILTER (WHERE t.state = 'running' AND t.lease_until < now()),
				count(*) FILTER (WHERE t.state = 'pending'),
				count(*) FILTER (WHERE t.state = 'done' AND t.attempt > 1)
			FROM `+s.t("studies")+` s LEFT JOIN `+s.t("trials")+` t ON t.study = s.name
			WHERE s.name = $1 GROUP BY s.name, s.generation, s.completed_by`, name).
			Scan(&st.Generation, &completedBy, &st.Done, &st.Running, &st.Expired, &st.Pending, &st.Redone)
		if err != nil {
			return err
		}
		if completedBy != nil {
			st.Complete, st.CompletedBy = true, *completedBy
		}
		rows, err := s.pool.Query(ctx, `SELECT w.id, w.host, w.pid, w.started_at, w.heartbeat_at,
				extract(epoch FROM now() - w.heartbeat_at)::float8, w.evaluated,
				(SELECT count(*) FROM `+s.t("trials")+` t WHERE t.study = w.study AND t.worker = w.id AND t.state = 'running' AND t.lease_until >= now()),
				w.stopped_at IS NULL AND w.heartbeat_at + make_interval(secs => w.lease_s) >= now(),
				w.stopped_at IS NOT NULL
			FROM `+s.t("workers")+` w WHERE w.study = $1 ORDER BY w.started_at, w.id`, name)
		if err != nil {
			return err
		}
		st.Workers, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (WorkerStatus, error) {
			var w WorkerStatus
			err := r.Scan(&w.ID, &w.Host, &w.PID, &w.Started, &w.Heartbeat, &w.HeartbeatAge, &w.Evaluated, &w.Running, &w.Live, &w.Stopped)
			return w, err
		})
		return err
	})
	return st, err
}

// Delete removes study name and its trials.
func (s *Store) Delete(ctx context.Context, name string) error {
	return s.retry(ctx, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `DELETE FROM `+s.t("studies")+` WHERE name = $1`, name)
		return err
	})
}
