package study

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fnlab/fnlab/search"
)

func join(t testing.TB, s *Store, name string, id Identity) *Study {
	t.Helper()
	st, _, err := s.Join(context.Background(), name, tiny(t), id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestJoinRefusesOtherSettings(t *testing.T) {
	sp := tiny(t)
	s := openStore(t, testSchema(t))
	id := identity(sp, "evolve", 40, 1, 0)
	if _, created, err := s.Join(context.Background(), "s", sp, id); err != nil || !created {
		t.Fatalf("first join: created %v, %v", created, err)
	}
	if _, created, err := s.Join(context.Background(), "s", sp, identity(sp, "evolve", 40, 1, 8)); err != nil || created {
		t.Fatalf("same settings (population 8 is the default for 40): created %v, %v", created, err)
	}
	for _, tc := range []struct {
		name string
		edit func(*Identity)
		want string
	}{
		{"seed", func(i *Identity) { i.Seed = 2 }, "seed 1, this worker has 2"},
		{"strategy", func(i *Identity) { i.Strategy = "random"; i.Population = 0 }, "strategy evolve, this worker has random"},
		{"budget", func(i *Identity) { i.Budget = 50 }, "budget 40, this worker has 50"},
		{"population", func(i *Identity) { i.Population = 12 }, "population 8, this worker has 12"},
		{"latency table", func(i *Identity) { i.LUTHash = "abcd" }, `latency table "", this worker has "abcd"`},
		{"proxy", func(i *Identity) { i.Proxy = true }, "proxy false, this worker has true"},
		{"journal version", func(i *Identity) { i.JournalVersion = 1 }, fmt.Sprintf("journal version %d, this fnlab writes 1", search.JournalVersion)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other := id
			tc.edit(&other)
			_, _, err := s.Join(context.Background(), "s", sp, other)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "study s at "+s.URL()) {
				t.Errorf("got %v, want the study and %q named", err, tc.want)
			}
		})
	}
}

// TestLeaseExpiryAndLateFinisher: a claim whose lease expired is claimable
// again, the new owner's result is kept and the old owner's late finish is
// refused; an expired claim nobody took still finishes.
func TestLeaseExpiryAndLateFinisher(t *testing.T) {
	sp := tiny(t)
	schema := testSchema(t)
	s := openStore(t, schema)
	st := join(t, s, "lease", identity(sp, "grid", 6, 1, 0))
	ctx := context.Background()
	for _, w := range []string{"a", "b"} {
		if err := (&worker{st: st, o: WorkerOptions{ID: w, Lease: time.Minute}}).register(ctx); err != nil {
			t.Fatal(err)
		}
	}
	a, err := st.claim(ctx, "a", time.Minute)
	if err != nil || a == nil {
		t.Fatalf("a claims: %v %v", a, err)
	}
	b, err := st.claim(ctx, "b", time.Minute)
	if err != nil || b == nil || b.key == a.key {
		t.Fatalf("b claims %v (%v) while a holds %s: want another trial", b, err, a.key)
	}
	// Expire a's lease (as a SIGKILLed worker's lapses): b may take it.
	execSQL(t, `UPDATE `+pgx.Identifier{schema}.Sanitize()+`.trials SET lease_until = now() - interval '1 second' WHERE key = $1`, a.key)
	var again *trial
	for {
		c, err := st.claim(ctx, "b", time.Minute)
		if err != nil || c == nil {
			t.Fatalf("b looks for the expired trial %s: %v %v", a.key, c, err)
		}
		if c.key == a.key {
			again = c
			break
		}
	}
	if again.attempt != 2 {
		t.Errorf("reclaimed trial has attempt %d, want 2", again.attempt)
	}
	g, _ := sp.ParseKey(a.key)
	mine, err := evaluator(sp)(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	mine.Index = again.idx
	if ok, err := st.finish(ctx, "b", again, &mine); !ok || err != nil {
		t.Fatalf("b finishes its claim: %v %v", ok, err)
	}
	late := mine
	late.Error = "late result"
	if ok, err := st.finish(ctx, "a", a, &late); ok || err != nil {
		t.Fatalf("a's late finish: accepted %v (%v), want refused", ok, err)
	}
	_, recs, err := s.Records(ctx, "lease")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Error != "" || recs[0].Key != a.key {
		t.Fatalf("records %+v, want b's result for %s only", recs, a.key)
	}
	// Retrying a finish that already committed is recognised, not refused.
	if ok, err := st.finish(ctx, "b", again, &mine); !ok || err != nil {
		t.Errorf("b's finish again (a retry after a lost reply): %v %v", ok, err)
	}
	// b's first claim expires but nobody takes it: b still finishes it.
	execSQL(t, `UPDATE `+pgx.Identifier{schema}.Sanitize()+`.trials SET lease_until = now() - interval '1 second' WHERE key = $1`, b.key)
	g, _ = sp.ParseKey(b.key)
	rec, _ := evaluator(sp)(ctx, g)
	rec.Index = b.idx
	if ok, err := st.finish(ctx, "b", b, &rec); !ok || err != nil {
		t.Errorf("expired but not reclaimed: finish %v %v, want accepted", ok, err)
	}
	stat, err := s.Status(ctx, "lease")
	if err != nil {
		t.Fatal(err)
	}
	if stat.Done != 2 || stat.Pending != 4 || stat.Running != 0 || stat.Redone != 1 {
		t.Errorf("status %+v, want 2 done (1 redone), 4 pending", stat)
	}
}

// TestConcurrentClaimsAreDistinct: SKIP LOCKED hands each of many
// concurrent claimers its own trial.
func TestConcurrentClaimsAreDistinct(t *testing.T) {
	sp := tiny(t)
	schema := testSchema(t)
	s := openStore(t, schema)
	st := join(t, s, "claims", identity(sp, "random", 40, 5, 0))
	var mu sync.Mutex
	seen := map[string]string{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := string(rune('a' + w))
			for range 5 {
				c, err := st.claim(context.Background(), id, time.Minute)
				if err != nil || c == nil {
					t.Errorf("%s claims: %v %v", id, c, err)
					return
				}
				mu.Lock()
				if o, dup := seen[c.key]; dup {
					t.Errorf("%s and %s both claimed %s", o, id, c.key)
				}
				seen[c.key] = id
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if c, err := st.claim(context.Background(), "z", time.Minute); c != nil || err != nil {
		t.Errorf("a 41st claim of 40 trials: %v %v", c, err)
	}
	// Each claim took one trial: none is held by a claimer that did not get it.
	if n := query[int](t, `SELECT count(*) FROM `+pgx.Identifier{schema}.Sanitize()+`.trials WHERE state = 'running'`); n != len(seen) {
		t.Errorf("%d trials running after %d claims", n, len(seen))
	}
}

// TestGenerationBuiltOnce: workers racing to build the next generation
// (separate connections, released together) build it exactly once, and
// it is the generation a single process builds.
func TestGenerationBuiltOnce(t *testing.T) {
	sp := tiny(t)
	schema := testSchema(t)
	s := openStore(t, schema)
	id := identity(sp, "evolve", 40, 3, 8)
	st := join(t, s, "race", id)
	ctx := context.Background()
	eval := evaluator(sp)
	if err := (&worker{st: st, o: WorkerOptions{ID: "w", Lease: time.Minute}}).register(ctx); err != nil {
		t.Fatal(err)
	}
	var known []search.Record
	for {
		c, err := st.claim(ctx, "w", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if c == nil {
			break
		}
		g, _ := sp.ParseKey(c.key)
		rec, _ := eval(ctx, g)
		rec.Index = c.idx
		if ok, err := st.finish(ctx, "w", c, &rec); !ok || err != nil {
			t.Fatal(ok, err)
		}
		known = append(known, rec)
	}
	if len(known) != 8 {
		t.Fatalf("initial population: %d trials, want 8", len(known))
	}
	want, err := search.Next(sp, id.Options(), known)
	if err != nil {
		t.Fatal(err)
	}
	const racers = 6
	start := make(chan struct{})
	results := make(chan buildResult, racers)
	for range racers {
		other := openStore(t, schema)
		stx := join(t, other, "race", id)
		go func() {
			<-start
			r, err := stx.build(ctx, "racer")
			if err != nil {
				t.Error(err)
			}
			results <- r
		}()
	}
	close(start)
	built, total := 0, 0
	for range racers {
		r := <-results
		if r.enqueued > 0 {
			built++
			total += r.enqueued
		}
		if r.complete {
			t.Errorf("a racer found the study complete after generation 0")
		}
	}
	if built != 1 || total != len(want.Candidates) {
		t.Fatalf("%d racers built, %d trials; want 1 build of generation 1's %d", built, total, len(want.Candidates))
	}
	q := pgx.Identifier{schema}.Sanitize()
	if n := query[int](t, `SELECT count(*) FROM `+q+`.trials WHERE generation = 1`); n != len(want.Candidates) {
		t.Errorf("generation 1 has %d trials, want %d", n, len(want.Candidates))
	}
	for _, c := range want.Candidates {
		if idx := query[int64](t, `SELECT idx FROM `+q+`.trials WHERE key = $1`, c.Key); idx != c.Index {
			t.Errorf("%s: index %d, single process %d", c.Key, idx, c.Index)
		}
	}
}

// TestLostLeaseCancelsEvaluation: when a worker's renewal finds that its
// trial went to another worker (its lease expired meanwhile), it stops
// that evaluation instead of finishing it for nothing.
func TestLostLeaseCancelsEvaluation(t *testing.T) {
	sp := tiny(t)
	schema := testSchema(t)
	s := openStore(t, schema)
	st := join(t, s, "lost", identity(sp, "grid", 1, 1, 0))
	ctx := context.Background()
	type out struct {
		res Result
		err error
	}
	done := make(chan out, 1)
	cancelled := make(chan struct{})
	go func() {
		res, err := st.Work(ctx, WorkerOptions{ID: "a", Lease: time.Second, Poll: 50 * time.Millisecond,
			Evaluate: func(ctx context.Context, g search.Genome) (search.Record, error) {
				<-ctx.Done() // an evaluation that would never end by itself
				close(cancelled)
				return search.Record{}, ctx.Err()
			}})
		done <- out{res, err}
	}()
	q := pgx.Identifier{schema}.Sanitize()
	for deadline := time.Now().Add(time.Minute); query[int](t, `SELECT count(*) FROM `+q+`.trials WHERE worker = 'a' AND state = 'running'`) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("worker a never claimed the trial")
		}
		time.Sleep(20 * time.Millisecond)
	}
	execSQL(t, `UPDATE `+q+`.trials SET lease_until = now() - interval '1 second'`)
	b, err := st.claim(ctx, "b", time.Minute)
	if err != nil || b == nil {
		t.Fatalf("b claims the expired trial: %v %v", b, err)
	}
	// The trial is b's: a's next renewal (every 333 ms) must stop a's
	// evaluation. A minute is only against a hang.
	select {
	case <-cancelled:
	case <-time.After(time.Minute):
		t.Fatal("worker a kept evaluating a trial it no longer holds")
	}
	g, _ := sp.ParseKey(b.key)
	rec, _ := evaluator(sp)(ctx, g)
	rec.Index = b.idx
	if ok, err := st.finish(ctx, "b", b, &rec); !ok || err != nil {
		t.Fatalf("b finishes: %v %v", ok, err)
	}
	var res out
	select {
	case res = <-done:
	case <-time.After(time.Minute):
		t.Fatal("worker a did not return after the study completed")
	}
	if res.err != nil || res.res.Lost != 1 || res.res.Evaluated != 0 || !res.res.Completed {
		t.Errorf("worker a: %+v %v; want 1 lost, 0 evaluated, and the study completed by a", res.res, res.err)
	}
}
