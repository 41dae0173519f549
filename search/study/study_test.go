package study

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fnlab/fnlab/search"
)

// The tests need a PostgreSQL server: FNLAB_TEST_POSTGRES is its URL
// (.ci/postgres.sh starts a throwaway one). Each test works in a schema of
// its own, dropped at the end.
const urlEnv = "FNLAB_TEST_POSTGRES"

// TestMain runs the test binary as a study worker when FNLAB_STUDY_CHILD
// is set (the multi-process tests start it that way).
func TestMain(m *testing.M) {
	if os.Getenv("FNLAB_STUDY_CHILD") != "" {
		os.Exit(child())
	}
	os.Exit(m.Run())
}

func testURL(t testing.TB) string {
	u := os.Getenv(urlEnv)
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %s is not: .ci/run must start the PostgreSQL cluster (.ci/postgres.sh)", urlEnv)
		}
		t.Skipf("%s is not set: this test needs a PostgreSQL server (e.g. source .ci/postgres.sh && fnlab_pg_start)", urlEnv)
	}
	return u
}

var schemaName = regexp.MustCompile(`[^a-z0-9]+`)

// testSchema is a fresh schema name for t, dropped when t ends.
func testSchema(t testing.TB) string {
	u := testURL(t)
	name := "t_" + strings.Trim(schemaName.ReplaceAllString(strings.ToLower(t.Name()), "_"), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	name += fmt.Sprintf("_%04x", rand.IntN(1<<16))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Logf("dropping schema %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{name}.Sanitize()+` CASCADE`); err != nil {
			t.Logf("dropping schema %s: %v", name, err)
		}
	})
	return name
}

func openStore(t testing.TB, schema string) *Store {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Open(ctx, testURL(t), Options{Schema: schema, RetryFor: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// execSQL runs SQL directly (tests expire leases and tamper with metadata).
func execSQL(t testing.TB, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, testURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func query[T any](t testing.TB, sql string, args ...any) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, testURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v T
	if err := conn.QueryRow(ctx, sql, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

var (
	spaceOnce sync.Once
	tinySpace *search.Space
	spaceErr  error
)

func tiny(t testing.TB) *search.Space {
	spaceOnce.Do(func() { tinySpace, spaceErr = search.LoadSpace("testdata/tiny.yaml") })
	if spaceErr != nil {
		t.Fatal(spaceErr)
	}
	return tinySpace
}

// identity is the study identity of a search of the tiny space.
func identity(sp *search.Space, strategy string, budget int, seed uint64, population int) Identity {
	h := search.Header{Format: search.JournalFormat, Version: search.JournalVersion, Space: sp.Name, SpaceHash: sp.Hash,
		Strategy: strategy, Seed: seed, Budget: budget, Shard: "0/1", Latency: "none"}
	return IdentityOf(h, population)
}

// singleProcess is the records search.Run gives for id.
func singleProcess(t testing.TB, sp *search.Space, id Identity) []search.Record {
	o := id.Options()
	o.Workers = 1
	recs, err := search.Run(context.Background(), &search.Evaluator{Space: sp}, o)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// canonical is records as sorted JSON lines: equal when two runs evaluated
// the same candidates at the same indices with the same metrics.
func canonical(t testing.TB, recs []search.Record) string {
	var out []string
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func evaluator(sp *search.Space) func(context.Context, search.Genome) (search.Record, error) {
	ev := &search.Evaluator{Space: sp}
	return func(_ context.Context, g search.Genome) (search.Record, error) { return ev.Evaluate(g) }
}

// child is a worker process: FNLAB_STUDY_* describe the study, the
// result is printed as JSON. FNLAB_STUDY_STALL=1 blocks in the first
// evaluation (until the test kills the process); FNLAB_STUDY_DELAY slows
// every evaluation down so that workers interleave.
func child() int {
	env := func(k string) string { return os.Getenv("FNLAB_STUDY_" + k) }
	atoi := func(k string) int { n, _ := strconv.Atoi(env(k)); return n }
	sp, err := search.LoadSpace("testdata/tiny.yaml")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx := context.Background()
	s, err := Open(ctx, os.Getenv(urlEnv), Options{Schema: env("SCHEMA"), RetryFor: time.Minute})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	id := identity(sp, env("STRATEGY"), atoi("BUDGET"), uint64(atoi("SEED")), atoi("POPULATION"))
	st, _, err := s.Join(ctx, env("NAME"), sp, id)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	eval := evaluator(sp)
	delay := time.Duration(atoi("DELAY_MS")) * time.Millisecond
	stall := env("STALL") == "1"
	lease, _ := time.ParseDuration(env("LEASE"))
	poll := time.Duration(atoi("POLL_MS")) * time.Millisecond
	res, err := st.Work(ctx, WorkerOptions{ID: env("ID"), Lease: lease, Poll: poll, Parallel: max(1, atoi("PARALLEL")),
		Evaluate: func(ctx context.Context, g search.Genome) (search.Record, error) {
			if stall {
				select {} // killed here, mid-evaluation
			}
			time.Sleep(delay)
			return eval(ctx, g)
		}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	json.NewEncoder(os.Stdout).Encode(res)
	return 0
}
