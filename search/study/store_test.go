package study

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestSchemaCreatedOnceAndVersioned(t *testing.T) {
	schema := testSchema(t)
	q := pgx.Identifier{schema}.Sanitize()
	// Concurrent first use: the advisory lock lets one create the schema.
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := Open(context.Background(), testURL(t), Options{Schema: schema})
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent first use: %v", err)
		}
	}
	if v := query[string](t, `SELECT value FROM `+q+`.meta WHERE key = 'schema_version'`); v != "1" {
		t.Fatalf("schema_version %q, want 1", v)
	}
	for _, tc := range []struct {
		version, want string
	}{
		{"2", "newer than this fnlab's 1"},
		{"banana", "unknown to this fnlab"},
		{"0", "unknown to this fnlab"},
	} {
		execSQL(t, `UPDATE `+q+`.meta SET value = $1 WHERE key = 'schema_version'`, tc.version)
		_, err := Open(context.Background(), testURL(t), Options{Schema: schema})
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("schema_version %s: got %v, want one line with %q", tc.version, err, tc.want)
		}
	}
}

func TestUnknownSchemaRefused(t *testing.T) {
	schema := testSchema(t)
	q := pgx.Identifier{schema}.Sanitize()
	execSQL(t, `CREATE SCHEMA `+q)
	execSQL(t, `CREATE TABLE `+q+`.trials (id int)`)
	_, err := Open(context.Background(), testURL(t), Options{Schema: schema})
	if err == nil || !strings.Contains(err.Error(), "unknown schema") {
		t.Fatalf("got %v, want the unknown schema refused", err)
	}
	if n := query[int](t, `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`, schema); n != 1 {
		t.Errorf("the unknown schema now has %d relations, want its 1 untouched", n)
	}
}

// TestOpenErrors: each failure is one line that names it, with the URL
// masked and no password anywhere.
func TestOpenErrors(t *testing.T) {
	base, err := url.Parse(testURL(t))
	if err != nil {
		t.Fatal(err)
	}
	with := func(f func(u *url.URL)) string {
		u := *base
		f(&u)
		return u.String()
	}
	const secret = "s3cret-pw"
	execSQL(t, `DO $$ BEGIN
		IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fnlab_pw') THEN CREATE ROLE fnlab_pw LOGIN; END IF;
		ALTER ROLE fnlab_pw PASSWORD 'right-pw'; END $$`)
	execSQL(t, `GRANT CREATE ON DATABASE `+pgx.Identifier{strings.TrimPrefix(base.Path, "/")}.Sanitize()+` TO fnlab_pw`)
	cases := []struct {
		name, url, want string
	}{
		{"not a URL", "http://x/y", "not a PostgreSQL URL"},
		{"no host", "postgres:///db", "not a PostgreSQL URL"},
		{"bad port", "postgres://u:" + secret + "@127.0.0.1:notaport/db", "not a PostgreSQL URL"},
		{"unreachable", "postgres://u:" + secret + "@127.0.0.1:1/db", "cannot reach the server at 127.0.0.1:1"},
		{"no database", with(func(u *url.URL) { u.Path = "/fnlab_no_such_db" }), `database "fnlab_no_such_db" does not exist`},
		{"no role", with(func(u *url.URL) { u.User = url.UserPassword("fnlab_no_such_role", secret) }), `role "fnlab_no_such_role" does not exist`},
		{"wrong password", with(func(u *url.URL) { u.User = url.UserPassword("fnlab_pw", secret) }), "wrong credentials"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := Open(ctx, tc.url, Options{Schema: "t_open_errors_unused"})
			if err == nil {
				s.Close()
				if tc.name == "wrong password" && os.Getenv("CI") == "" {
					t.Skip("the server accepts any password for fnlab_pw (no scram-sha-256 line in pg_hba.conf; .ci/postgres.sh adds one)")
				}
				t.Fatalf("%s opened", tc.url)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Errorf("got %q, want one line with %q", msg, tc.want)
			}
			if strings.Contains(msg, secret) {
				t.Errorf("the error shows the password: %q", msg)
			}
		})
	}
	// The right password works, through PGPASSWORD too.
	t.Run("PGPASSWORD", func(t *testing.T) {
		t.Setenv("PGPASSWORD", "right-pw")
		schema := testSchema(t)
		s, err := Open(context.Background(), with(func(u *url.URL) { u.User = url.User("fnlab_pw") }), Options{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	})
}

func TestMaskURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://alice:hunter2@db:5432/fnlab": "postgres://alice:xxxxx@db:5432/fnlab",
		"postgres://alice@db/fnlab":              "postgres://alice@db/fnlab",
		"postgres://a:%zz@db/x":                  "(unparsable URL)",
	} {
		if got := MaskURL(in); got != want {
			t.Errorf("MaskURL(%q) = %q, want %q", in, got, want)
		}
	}
}
