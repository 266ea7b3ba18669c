package database_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"

	"rollout/internal/apperr"
	"rollout/internal/database"
	"rollout/internal/database/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var ctx = context.Background()

func TestMigrateTwiceIsIdempotent(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t) // already migrated once, from the template

	group, err := database.Migrate(ctx, db)
	if err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if !group.IsZero() {
		t.Errorf("second Migrate applied %s; want nothing", group)
	}
	var n int
	if err := db.NewRaw("SELECT count(*) FROM app_settings").Scan(ctx, &n); err != nil {
		t.Fatalf("app_settings after Migrate: %v", err)
	}
}

func TestMigrateFreshDatabaseConcurrently(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	// Make it look like a database nothing was ever applied to.
	for _, q := range []string{"DROP SCHEMA public CASCADE", "CREATE SCHEMA public"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}

	var wg sync.WaitGroup
	groups := make([]string, 3)
	errs := make([]error, 3)
	for i := range groups {
		wg.Go(func() {
			g, err := database.Migrate(ctx, db)
			if g != nil && !g.IsZero() {
				groups[i] = g.String()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	applied := 0
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate %d: %v", i, err)
		}
		if groups[i] != "" {
			applied++
		}
	}
	if applied != 1 {
		t.Errorf("migrations applied by %d of 3 concurrent runs (%q); want exactly 1", applied, groups)
	}
	var n int
	if err := db.NewRaw("SELECT count(*) FROM bun_migrations WHERE name = '0001'").Scan(ctx, &n); err != nil || n != 1 {
		t.Errorf("0001 recorded %d times (%v)", n, err)
	}
}

// A run killed inside Migrate leaves bun's lock row behind; the next run must not be stuck on it.
func TestMigrateClearsStaleLock(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	if _, err := db.ExecContext(ctx, "INSERT INTO bun_migration_locks (table_name) VALUES ('bun_migrations')"); err != nil {
		t.Fatal(err)
	}
	if _, err := database.Migrate(ctx, db); err != nil {
		t.Fatalf("Migrate with a stale lock: %v", err)
	}
	var n int
	if err := db.NewRaw("SELECT count(*) FROM bun_migration_locks").Scan(ctx, &n); err != nil || n != 0 {
		t.Errorf("lock rows after Migrate: %d (%v)", n, err)
	}
}

func TestMapErrorUniqueViolation(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	if _, err := db.ExecContext(ctx, "CREATE TABLE people (email text CONSTRAINT people_email_key UNIQUE)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO people VALUES ('a@example.com')"); err != nil {
		t.Fatal(err)
	}
	_, err := db.ExecContext(ctx, "INSERT INTO people VALUES ('a@example.com')")
	got := database.MapError(err)
	var ae *apperr.Error
	if !errors.As(got, &ae) || ae.Kind != apperr.KindConflict || ae.Message.ID != "error.duplicate" {
		t.Fatalf("MapError(%v) = %#v; want Conflict error.duplicate", err, got)
	}
	if ae.Message.Data["constraint"] != "people_email_key" {
		t.Errorf("constraint = %v", ae.Message.Data["constraint"])
	}
	var pgErr pgdriver.Error
	if !errors.As(got, &pgErr) || pgErr.Field('C') != "23505" {
		t.Error("the PostgreSQL error should stay as the cause, for the log")
	}
}

func TestMapErrorForeignKeyAndNoRows(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	for _, q := range []string{
		"CREATE TABLE parents (id int PRIMARY KEY)",
		"CREATE TABLE children (parent_id int REFERENCES parents)",
		"INSERT INTO parents VALUES (1)",
		"INSERT INTO children VALUES (1)",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	_, err := db.ExecContext(ctx, "DELETE FROM parents WHERE id = 1")
	if got := database.MapError(err); !apperr.Is(got, apperr.KindConflict) || !strings.Contains(got.Error(), "error.in_use") {
		t.Errorf("MapError(%v) = %v; want Conflict error.in_use", err, got)
	}

	var id int
	err = db.NewRaw("SELECT id FROM parents WHERE id = 2").Scan(ctx, &id)
	if got := database.MapError(err); !apperr.Is(got, apperr.KindNotFound) {
		t.Errorf("MapError(%v) = %v; want NotFound", err, got)
	}
}

func TestMapErrorPassThroughAndDefaults(t *testing.T) {
	if database.MapError(nil) != nil {
		t.Error("MapError(nil) != nil")
	}
	nf := apperr.NotFound()
	if got := database.MapError(fmt.Errorf("wrapped: %w", nf)); !apperr.Is(got, apperr.KindNotFound) {
		t.Errorf("an apperr error should pass through, got %v", got)
	}
	boom := errors.New("boom")
	if got := database.MapError(boom); !apperr.Is(got, apperr.KindInternal) || !errors.Is(got, boom) {
		t.Errorf("MapError(%v) = %v; want Internal wrapping it", boom, got)
	}
	if got := database.MapError(context.DeadlineExceeded); !isUnavailable(got, "error.timeout") || !errors.Is(got, context.DeadlineExceeded) {
		t.Errorf("MapError(deadline) = %v; want Unavailable error.timeout wrapping it", got)
	}
}

func isUnavailable(err error, msgID string) bool {
	var ae *apperr.Error
	return errors.As(err, &ae) && ae.Kind == apperr.KindUnavailable && ae.Message.ID == msgID
}

// The faults that heal by themselves map to Unavailable (503 and Retry-After
// in the web layer), each produced for real: a deadline, a statement timeout,
// a connection the server ended, a server that is not there.
func TestMapErrorUnavailable(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err := db.ExecContext(short, "SELECT pg_sleep(10)")
	if got := database.MapError(err); !isUnavailable(got, "error.timeout") {
		t.Errorf("past the deadline: MapError(%v) = %v; want Unavailable error.timeout", err, got)
	}

	err = database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SET LOCAL statement_timeout = 20"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "SELECT pg_sleep(10)")
		return err
	})
	if got := database.MapError(err); !isUnavailable(got, "error.timeout") {
		t.Errorf("statement timeout (57014): MapError(%v) = %v; want Unavailable error.timeout", err, got)
	}

	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.ExecContext(ctx, "SELECT pg_terminate_backend(pg_backend_pid())")
	_ = conn.Close()
	if got := database.MapError(err); !isUnavailable(got, "error.unavailable") {
		t.Errorf("connection ended by the server (57P01): MapError(%v) = %v; want Unavailable", err, got)
	}

	_, err = database.Open(ctx, "postgres://bob@/rollout?host=/nonexistent/.s.PGSQL.5432&sslmode=disable")
	if got := database.MapError(err); !isUnavailable(got, "error.unavailable") {
		t.Errorf("no server: MapError(%v) = %v; want Unavailable", err, got)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now: connection refused
	_, err = database.Open(ctx, "postgres://bob@"+addr+"/rollout?sslmode=disable")
	if got := database.MapError(err); !isUnavailable(got, "error.unavailable") || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("connection refused: MapError(%v) = %v; want Unavailable", err, got)
	}
	// Wrapped as Internal by someone else, still recognised.
	if got := database.AsUnavailable(apperr.Internal(fmt.Errorf("saving: %w", err))); got == nil {
		t.Error("AsUnavailable does not look through apperr.Internal")
	}
	if got := database.AsUnavailable(errors.New("boom")); got != nil {
		t.Errorf("AsUnavailable(boom) = %v", got)
	}
}

// Connections the server dropped are discarded by the pool, never reused:
// after every backend of a pool is terminated (a restart, a failover), each
// dead connection fails at most once and the pool then works again.
func TestDeadConnectionsAreReplaced(t *testing.T) {
	t.Parallel()
	admin, dsn := dbtest.NewWithDSN(t)
	db, err := database.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Fill the pool with several connections.
	const n = 4
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = db.ExecContext(ctx, "SELECT pg_sleep(0.1)")
		}()
	}
	wg.Wait()
	var killed int
	if err := admin.NewRaw(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(ctx, &killed); err != nil {
		t.Fatal(err)
	}
	if killed < n {
		t.Fatalf("terminated %d backends; want at least %d", killed, n)
	}
	failed := 0
	for i := range 3 * killed {
		var one int
		err := db.NewRaw("SELECT 1").Scan(ctx, &one)
		if err != nil {
			failed++
			if database.AsUnavailable(err) == nil {
				t.Errorf("query %d: %v is not recognised as the database being away", i, err)
			}
			if i >= killed {
				t.Fatalf("query %d still fails (%v): a dead connection is reused", i, err)
			}
		}
	}
	t.Logf("%d of %d dead connections surfaced an error before being dropped", failed, killed)
}

func TestRunInTxRollsBackOnError(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	boom := errors.New("boom")
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO app_settings (key, value) VALUES ('a', '1')"); err != nil {
			return err
		}
		// Joining the outer transaction: this write is undone with it.
		return database.RunInTx(ctx, tx, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO app_settings (key, value) VALUES ('b', '2')"); err != nil {
				return err
			}
			return boom
		})
	})
	if !errors.Is(err, boom) {
		t.Fatalf("RunInTx = %v; want the function's error", err)
	}
	var n int
	if err := db.NewRaw("SELECT count(*) FROM app_settings").Scan(ctx, &n); err != nil || n != 0 {
		t.Errorf("%d rows after a rolled back transaction (%v); want 0", n, err)
	}

	err = database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO app_settings (key, value) VALUES ('c', '3')")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.NewRaw("SELECT count(*) FROM app_settings").Scan(ctx, &n); err != nil || n != 1 {
		t.Errorf("%d rows after a committed transaction (%v); want 1", n, err)
	}
}

func TestDatabasesAreIsolated(t *testing.T) {
	t.Parallel()
	names := make(chan string, 20)
	t.Run("group", func(t *testing.T) {
		for i := range 20 {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				db := dbtest.New(t)
				var n int
				if err := db.NewRaw("SELECT count(*) FROM app_settings").Scan(ctx, &n); err != nil || n != 0 {
					t.Fatalf("a new database holds %d settings (%v); want 0", n, err)
				}
				// The same key in every database: a shared one would collide.
				if _, err := db.ExecContext(ctx, "INSERT INTO app_settings (key, value) VALUES ('k', ?)", fmt.Sprintf("%d", i)); err != nil {
					t.Fatal(database.MapError(err))
				}
				var name string
				if err := db.NewRaw("SELECT current_database()").Scan(ctx, &name); err != nil {
					t.Fatal(err)
				}
				names <- name
			})
		}
	})
	close(names)
	seen := map[string]bool{}
	for n := range names {
		if seen[n] {
			t.Errorf("database %s handed out twice", n)
		}
		seen[n] = true
	}
	if len(seen) != 20 {
		t.Errorf("%d distinct databases; want 20", len(seen))
	}
}

func TestDSNConnects(t *testing.T) {
	t.Parallel()
	dsn := dbtest.DSN(t)
	db, err := database.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.NewRaw("SELECT count(*) FROM app_settings").Scan(ctx, &n); err != nil {
		t.Fatalf("the DSN's database is not migrated: %v", err)
	}
}

func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	_, err := database.Open(ctx, "postgres://bob:s3cret@/rollout?host=/nonexistent/.s.PGSQL.5432&sslmode=disable")
	if err == nil {
		t.Fatal("Open succeeded on a socket that does not exist")
	}
	if !strings.Contains(err.Error(), "cannot reach the database at /nonexistent/.s.PGSQL.5432/rollout") {
		t.Errorf("error = %q", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error shows the password: %q", err)
	}
	if _, err := database.Open(ctx, "mysql://x"); err == nil || !strings.Contains(err.Error(), "not valid") {
		t.Errorf("bad URL error = %v", err)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://bob:s3cret@db:5432/rollout?sslmode=disable": "postgres://bob:xxxxx@db:5432/rollout?sslmode=disable",
		"postgres://bob@db/rollout":                             "postgres://bob@db/rollout",
		"postgres://db/rollout?password=s3cret":                 "postgres://db/rollout?password=xxxxx",
	} {
		if got := database.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q; want %q", in, got, want)
		}
	}
}
