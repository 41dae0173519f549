package study

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SchemaVersion is the version of the tables this package reads and
// writes (see doc.go). A store with another version is refused.
const SchemaVersion = 1

// Options configure Open.
type Options struct {
	// Schema is the PostgreSQL schema that holds the tables (default
	// "fnlab"); tests give each test its own.
	Schema string
	// RetryFor bounds how long an operation is retried while the server
	// is unreachable or restarting (default 2 minutes); then it fails.
	RetryFor time.Duration
	// MaxConns is the size of the connection pool (default 4).
	MaxConns int32
}

// URLError is a URL that Open cannot use (as opposed to a server it
// cannot reach or that refuses it).
type URLError struct{ msg string }

func (e *URLError) Error() string { return e.msg }

// Store is a connection to the PostgreSQL server that holds studies.
type Store struct {
	pool     *pgxpool.Pool
	url      string // masked
	password string // to scrub from error messages
	schema   string // quoted, for SQL text
	rawName  string // unquoted, for pgx.Identifier
	retryFor time.Duration
	retried  atomic.Int64 // transient failures retried (tests read it)
}

// MaskURL returns u with its password replaced by "xxxxx", for headers
// and logs; a URL that does not parse is returned as "(unparsable URL)"
// rather than risk printing a password.
func MaskURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return p.Redacted()
}

// Open connects to the server at rawURL (postgres://USER[:PASSWORD]@HOST:PORT/DB;
// a missing password comes from PGPASSWORD or ~/.pgpass as libpq does),
// checks that it answers, and creates the schema on first use. A schema
// of another version, or tables it does not know, are refused. Errors are
// one line that starts with the masked URL.
func Open(ctx context.Context, rawURL string, o Options) (*Store, error) {
	if o.Schema == "" {
		o.Schema = "fnlab"
	}
	if o.RetryFor <= 0 {
		o.RetryFor = 2 * time.Minute
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 4
	}
	masked := MaskURL(rawURL)
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return nil, &URLError{fmt.Sprintf("%s: not a PostgreSQL URL (expected postgres://USER@HOST:PORT/DB)", masked)}
	}
	password, _ := u.User.Password()
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, &URLError{fmt.Sprintf("%s: not a PostgreSQL URL (%s)", masked, scrub(firstLine(err), password))}
	}
	if cfg.ConnConfig.Password != "" {
		password = cfg.ConnConfig.Password // from PGPASSWORD or .pgpass: scrub it too
	}
	if !strings.Contains(rawURL, "connect_timeout") {
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	cfg.MaxConns = o.MaxConns
	cfg.MinConns = 0
	s := &Store{url: masked, password: password, schema: pgx.Identifier{o.Schema}.Sanitize(), rawName: o.Schema, retryFor: o.RetryFor}
	s.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, s.describe(err)
	}
	// Fail fast at the start: a worker that cannot reach the server says
	// so at once instead of retrying (retries are for a server lost later).
	if err := s.pool.Ping(ctx); err != nil {
		s.pool.Close()
		return nil, s.describe(err)
	}
	if err := s.ensureSchema(ctx, o.Schema); err != nil {
		s.pool.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the connections.
func (s *Store) Close() { s.pool.Close() }

// URL is the store's URL with its password masked.
func (s *Store) URL() string { return s.url }

func (s *Store) unquotedSchema() string { return s.rawName }

// t qualifies a table name with the store's schema.
func (s *Store) t(name string) string { return s.schema + "." + name }

func (s *Store) ensureSchema(ctx context.Context, schema string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		// Serialise first use: concurrent CREATE ... IF NOT EXISTS can
		// still collide in the catalogs.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('fnlab schema ' || $1))`, schema); err != nil {
			return err
		}
		var nsExists, metaExists bool
		var relations int
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1),
			to_regclass($2) IS NOT NULL,
			(SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1)`,
			schema, s.t("meta")).Scan(&nsExists, &metaExists, &relations)
		if err != nil {
			return err
		}
		if metaExists {
			var v string
			if err := tx.QueryRow(ctx, `SELECT value FROM `+s.t("meta")+` WHERE key = 'schema_version'`).Scan(&v); err != nil {
				if errors.Is(err, pgx.ErrNoRows) {
					return fmt.Errorf("%s: schema %s has no schema_version: not a study store this fnlab knows; use another database", s.url, schema)
				}
				return err
			}
			n, err := strconv.Atoi(v)
			switch {
			case err != nil || n < 1:
				return fmt.Errorf("%s: schema %s has schema_version %q, unknown to this fnlab (it writes %d); use another database", s.url, schema, v, SchemaVersion)
			case n > SchemaVersion:
				return fmt.Errorf("%s: schema %s is version %d, newer than this fnlab's %d; upgrade fnlab on this machine", s.url, schema, n, SchemaVersion)
			case n < SchemaVersion:
				return fmt.Errorf("%s: schema %s is version %d, older than this fnlab's %d; finish its studies with the fnlab that made them, or use another database", s.url, schema, n, SchemaVersion)
			}
			return nil
		}
		if nsExists && relations > 0 {
			return fmt.Errorf("%s: schema %s holds tables but no fnlab study metadata (unknown schema); refusing to touch it", s.url, schema)
		}
		for _, q := range createSchema {
			if _, err := tx.Exec(ctx, strings.ReplaceAll(q, "@", s.schema)); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO `+s.t("meta")+` (key, value) VALUES ('schema_version', $1)`, strconv.Itoa(SchemaVersion))
		return err
	})
}

// createSchema is schema version 1; "@" stands for the schema.
var createSchema = []string{
	`CREATE SCHEMA IF NOT EXISTS @`,
	`CREATE TABLE @.meta (key text PRIMARY KEY, value text NOT NULL)`,
	`CREATE TABLE @.studies (
		name         text PRIMARY KEY,
		identity     text NOT NULL,
		generation   integer NOT NULL DEFAULT -1,
		created_at   timestamptz NOT NULL DEFAULT now(),
		completed_at timestamptz,
		completed_by text)`,
	`CREATE TABLE @.trials (
		study       text NOT NULL REFERENCES @.studies (name) ON DELETE CASCADE,
		key         text NOT NULL,
		idx         bigint NOT NULL,
		generation  integer NOT NULL,
		state       text NOT NULL CHECK (state IN ('pending', 'running', 'done')),
		worker      text,
		attempt     integer NOT NULL DEFAULT 0,
		lease_until timestamptz,
		record      text,
		finished_at timestamptz,
		PRIMARY KEY (study, key))`,
	`CREATE INDEX ON @.trials (study, idx) WHERE state <> 'done'`,
	`CREATE TABLE @.workers (
		study        text NOT NULL REFERENCES @.studies (name) ON DELETE CASCADE,
		id           text NOT NULL,
		host         text NOT NULL,
		pid          integer NOT NULL,
		lease_s      double precision NOT NULL,
		started_at   timestamptz NOT NULL DEFAULT now(),
		heartbeat_at timestamptz NOT NULL DEFAULT now(),
		stopped_at   timestamptz,
		evaluated    integer NOT NULL DEFAULT 0,
		PRIMARY KEY (study, id))`,
}

// tx runs f in a transaction, retried as a whole while the server is
// unreachable (f must be safe to run again: everything it did is rolled
// back with the failed transaction).
func (s *Store) tx(ctx context.Context, f func(pgx.Tx) error) error {
	return s.retry(ctx, func(ctx context.Context) error {
		return pgx.BeginFunc(ctx, s.pool, f)
	})
}

// retry runs f until it succeeds, fails with an error that is not a lost
// or restarting server, or RetryFor has passed, backing off from 50 ms to
// 5 s between tries.
func (s *Store) retry(ctx context.Context, f func(context.Context) error) error {
	start := time.Now()
	wait := 50 * time.Millisecond
	for {
		err := f(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !transient(err) {
			var pe *pgconn.PgError
			if errors.As(err, &pe) {
				return s.describe(err)
			}
			return err // ours, already one line
		}
		s.retried.Add(1)
		if time.Since(start) > s.retryFor {
			return fmt.Errorf("%s: server lost for %s (%s); the study keeps every finished trial: rerun the worker when the server is back", s.url, s.retryFor, s.cause(err))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// transient reports whether err is a lost connection, a server shutting
// down or starting up, or a serialisation conflict: worth retrying.
func transient(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", // admin/crash shutdown, cannot connect now
			pe.Code == "40001", pe.Code == "40P01", // serialization failure, deadlock
			pe.Code == "53300": // too many connections
			return true
		}
		return false
	}
	// The network: refused, reset, EOF, a connection the server closed, a
	// connect timeout. Everything else (our own errors among them) is final.
	var ne net.Error
	var ce *pgconn.ConnectError
	return errors.As(err, &ne) || errors.As(err, &ce) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.SafeToRetry(err) || pgconn.Timeout(err) || strings.Contains(err.Error(), "conn closed")
}

// describe turns a driver error into one line naming the problem.
func (s *Store) describe(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01":
			return fmt.Errorf("%s: wrong credentials: %s (check the URL's password, PGPASSWORD or ~/.pgpass)", s.url, scrub(pe.Message, s.password))
		case "28000":
			return fmt.Errorf("%s: the server refuses the connection: %s", s.url, scrub(pe.Message, s.password))
		case "3D000":
			return fmt.Errorf("%s: %s (create it, or name an existing database in the URL)", s.url, scrub(pe.Message, s.password))
		case "42501":
			return fmt.Errorf("%s: permission denied: %s (the user needs to create tables in this database)", s.url, scrub(pe.Message, s.password))
		}
		return fmt.Errorf("%s: %s (SQLSTATE %s)", s.url, scrub(pe.Message, s.password), pe.Code)
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		host := ""
		if ce.Config != nil {
			host = net.JoinHostPort(ce.Config.Host, strconv.Itoa(int(ce.Config.Port)))
		}
		msg := s.cause(err)
		if strings.Contains(msg, "password") || strings.Contains(msg, "SASL") {
			return fmt.Errorf("%s: wrong credentials: %s (check the URL's password, PGPASSWORD or ~/.pgpass)", s.url, msg)
		}
		return fmt.Errorf("%s: cannot reach the server at %s: %s (is PostgreSQL running and listening there?)", s.url, host, msg)
	}
	return fmt.Errorf("%s: %s", s.url, s.cause(err))
}

// cause is the innermost useful message of err, on one line, without the
// password.
func (s *Store) cause(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return scrub(oe.Err.Error(), s.password)
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		return scrub(de.Error(), s.password)
	}
	msg := firstLine(err)
	// pgconn prefixes "failed to connect to `user=... database=...`: host (addr): ".
	if i := strings.LastIndex(msg, "): "); i >= 0 && strings.HasPrefix(msg, "failed to connect") {
		msg = msg[i+3:]
	}
	return scrub(msg, s.password)
}

func firstLine(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}

func scrub(msg, password string) string {
	if password == "" {
		return msg
	}
	return strings.ReplaceAll(msg, password, "xxxxx")
}
