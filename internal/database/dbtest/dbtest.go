// Package dbtest gives each test a freshly migrated PostgreSQL database of its
// own, so tests that write can run in parallel without seeing each other.
//
// The first call in a test binary starts one throwaway cluster with pglocal
// (or, when TEST_DATABASE_URL is set, connects to that server as an admin who
// may create databases), creates a template database and migrates it once.
// Each New then clones the template with CREATE DATABASE … TEMPLATE, which
// takes milliseconds, and drops the clone when the test ends.
//
// Every package that uses it needs
//
//	func TestMain(m *testing.M) { dbtest.Main(m) }
//
// so the cluster is stopped and the template dropped after the tests.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"

	"rollout/internal/database"
	"rollout/internal/pglocal"
)

// EnvURL names the variable that points the tests at an existing server
// instead of a throwaway one. Its user must be allowed to create databases.
const EnvURL = "TEST_DATABASE_URL"

// env is the per-binary state: one server, one admin connection, one template.
type env struct {
	server   *pglocal.Server // nil when EnvURL is used
	adminURL string
	admin    *bun.DB // connected to the maintenance database
	tmpl     string
	strategy string // CREATE DATABASE option, empty before PostgreSQL 15
}

var (
	mainCalled bool
	once       sync.Once
	shared     *env
	setupErr   error
	// createMu serialises CREATE DATABASE … TEMPLATE: PostgreSQL refuses to
	// copy a template while another session is using it.
	createMu sync.Mutex
)

// Main runs the tests, then stops the throwaway cluster (or drops the
// template from the TEST_DATABASE_URL server) and exits. Call it from TestMain.
func Main(m *testing.M) {
	mainCalled = true
	code := m.Run()
	if err := teardown(); err != nil {
		fmt.Fprintln(os.Stderr, "dbtest:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// New returns a connection pool to a new, migrated database that only this
// test uses; it is closed and dropped when the test ends.
func New(t testing.TB) *bun.DB {
	t.Helper()
	db, _ := NewWithDSN(t)
	return db
}

// NewWithDSN is New that also returns the database's DSN, for a test that
// starts the whole program with DATABASE_URL.
func NewWithDSN(t testing.TB) (*bun.DB, string) {
	t.Helper()
	if !mainCalled {
		t.Fatal("dbtest: add `func TestMain(m *testing.M) { dbtest.Main(m) }` to this package's tests, so the test database server is stopped afterwards")
	}
	once.Do(func() { shared, setupErr = setup() })
	if setupErr != nil {
		t.Fatalf("dbtest: %v", setupErr)
	}
	e := shared

	ctx := context.Background()
	name := "t_" + randomHex()
	if err := e.createFromTemplate(ctx, name); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	dsn := e.dsn(name)
	db, err := database.Open(ctx, dsn)
	if err != nil {
		_ = e.drop(ctx, name)
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() {
		_ = db.Close()
		if err := e.drop(context.Background(), name); err != nil {
			t.Errorf("dbtest: dropping %s: %v", name, err)
		}
	})
	return db, dsn
}

// DSN returns the DSN of a new database for this test (see NewWithDSN); the
// pool New would return is closed so that only the caller connects.
func DSN(t testing.TB) string {
	t.Helper()
	db, dsn := NewWithDSN(t)
	_ = db.Close()
	return dsn
}

func setup() (*env, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e := &env{}
	if u := os.Getenv(EnvURL); u != "" {
		e.adminURL = u
	} else {
		s, err := pglocal.Start(ctx, pglocal.Options{})
		if err != nil {
			return nil, fmt.Errorf("starting a throwaway PostgreSQL (or set %s): %w", EnvURL, err)
		}
		e.server = s
		e.adminURL = s.DSN("postgres")
	}
	shared = e // teardown cleans whatever exists, even after a failure below

	admin, err := database.Open(ctx, e.adminURL)
	if err != nil {
		return e, err
	}
	e.admin = admin

	e.tmpl = "rollout_tmpl_" + randomHex()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE ?", bun.Ident(e.tmpl)); err != nil {
		return e, fmt.Errorf("creating the template database: %w", err)
	}
	tdb, err := database.Open(ctx, e.dsn(e.tmpl))
	if err != nil {
		return e, err
	}
	_, err = database.Migrate(ctx, tdb)
	_ = tdb.Close() // no session may stay on a template that is copied
	if err != nil {
		return e, fmt.Errorf("migrating the template database: %w", err)
	}
	var version int
	if err := admin.NewRaw("SELECT current_setting('server_version_num')::int").Scan(ctx, &version); err != nil {
		return e, err
	}
	if version >= 150000 {
		// FILE_COPY copies the files instead of writing every page to the WAL
		// (the default since PostgreSQL 15): ~3 times faster for a small template.
		e.strategy = " STRATEGY FILE_COPY"
	}
	// Forbid connections so none can block the copies.
	if _, err := admin.ExecContext(ctx, "ALTER DATABASE ? WITH IS_TEMPLATE true ALLOW_CONNECTIONS false", bun.Ident(e.tmpl)); err != nil {
		return e, err
	}
	return e, nil
}

func teardown() error {
	e := shared
	if e == nil {
		return nil
	}
	var errs []error
	if e.admin != nil {
		if e.server == nil && e.tmpl != "" { // a throwaway cluster goes as a whole
			ctx := context.Background()
			_, _ = e.admin.ExecContext(ctx, "ALTER DATABASE ? WITH IS_TEMPLATE false", bun.Ident(e.tmpl))
			if _, err := e.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS ? WITH (FORCE)", bun.Ident(e.tmpl)); err != nil {
				errs = append(errs, fmt.Errorf("dropping the template %s: %w", e.tmpl, err))
			}
		}
		_ = e.admin.Close()
	}
	if e.server != nil {
		errs = append(errs, e.server.Stop())
	}
	return errors.Join(errs...)
}

func (e *env) createFromTemplate(ctx context.Context, name string) error {
	createMu.Lock()
	defer createMu.Unlock()
	var err error
	for attempt := 0; attempt < 50; attempt++ {
		_, err = e.admin.ExecContext(ctx, "CREATE DATABASE ? TEMPLATE ?"+e.strategy, bun.Ident(name), bun.Ident(e.tmpl))
		var pgErr pgdriver.Error
		// 55006: "source database … is being accessed by other users"
		if err == nil || !errors.As(err, &pgErr) || pgErr.Field('C') != "55006" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("creating database %s from the template: %w", name, err)
	}
	return nil
}

func (e *env) drop(ctx context.Context, name string) error {
	// FORCE: a test may leave a connection open (a leaked Rows, a running program).
	_, err := e.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS ? WITH (FORCE)", bun.Ident(name))
	return err
}

// dsn is the admin DSN pointed at another database.
func (e *env) dsn(dbname string) string {
	if e.server != nil {
		return e.server.DSN(dbname)
	}
	u, err := url.Parse(e.adminURL)
	if err != nil {
		return e.adminURL
	}
	if u.Scheme == "unix" {
		u.Host = dbname
	} else {
		u.Path = "/" + dbname
		u.RawPath = ""
	}
	return u.String()
}

func randomHex() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return strings.ToLower(hex.EncodeToString(b))
}
