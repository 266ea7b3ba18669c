// Package database opens Rollout's PostgreSQL database through bun, applies
// the migrations embedded in package migrations, runs work in transactions
// and turns PostgreSQL errors into apperr kinds. Its subpackage dbtest gives
// each test a freshly migrated database of its own.
package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/driver/pgdriver"
	"github.com/uptrace/bun/migrate"

	"rollout/internal/apperr"
	"rollout/migrations"
)

// pingTimeout bounds the first contact when the caller's ctx has no deadline.
const pingTimeout = 15 * time.Second

// Open connects to the database at dsn (a pgdriver DSN such as
// postgres://user:pass@host:5432/db?sslmode=disable, or one naming a unix
// socket file with ?host=/dir/.s.PGSQL.5432) and checks that it answers.
//
// pgdriver's default read timeout of 10 s would cut off a long migration or
// report; Open removes it, so queries are bounded by their context (the web
// middleware gives every request a deadline). A read_timeout in the DSN still wins.
func Open(ctx context.Context, dsn string) (*bun.DB, error) {
	connector, err := newConnector(dsn)
	if err != nil {
		return nil, err
	}
	sqldb := sql.OpenDB(connector)
	setPool(sqldb)
	// Rows may carry bookkeeping columns a struct does not show (key counters).
	db := bun.NewDB(sqldb, pgdialect.New(), bun.WithDiscardUnknownColumns())

	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, pingTimeout)
		defer cancel()
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("cannot reach the database at %s: %w", Target(dsn), err)
	}
	return db, nil
}

// setPool sizes the connection pool and says how long a connection may live.
//
// bun's advice: four connections per CPU; idle ones are kept for reuse.
// A connection the server dropped (restart, failover, a killed backend) is
// never reused: pgdriver closes a connection on any network error or FATAL
// answer and reports driver.ErrBadConn at its next use, and database/sql then
// discards it and dials again (TestDeadConnectionsAreReplaced). So a database
// that comes back is used again without restarting Rollout. The lifetime cap
// makes a pool follow a moved server (DNS after a failover) within half an hour
// even when no error ever reached an idle connection.
func setPool(sqldb *sql.DB) {
	n := 4 * runtime.GOMAXPROCS(0)
	sqldb.SetMaxOpenConns(n)
	sqldb.SetMaxIdleConns(n)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	sqldb.SetConnMaxLifetime(30 * time.Minute)
}

// newConnector turns dsn into a pgdriver connector, reporting a bad DSN as an
// error (pgdriver.WithDSN panics on one) without repeating its password.
func newConnector(dsn string) (c *pgdriver.Connector, err error) {
	u, perr := url.Parse(dsn)
	if perr != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql" && u.Scheme != "unix") {
		return nil, fmt.Errorf("the database URL %q is not valid: it should look like postgres://user:password@host:5432/dbname?sslmode=disable", Redact(dsn))
	}
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("the database URL %s is not valid: %v", Redact(dsn), r)
		}
	}()
	return pgdriver.NewConnector(pgdriver.WithReadTimeout(0), pgdriver.WithDSN(dsn)), nil
}

// Redact returns dsn with its password (in the user part or a password
// parameter) replaced by xxxxx, for logs and error messages.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable database URL)"
	}
	if q := u.Query(); q.Has("password") || q.Has("sslpassword") {
		for _, k := range []string{"password", "sslpassword"} {
			if q.Has(k) {
				q.Set(k, "xxxxx")
			}
		}
		u.RawQuery = strings.ReplaceAll(q.Encode(), "%2F", "/")
	}
	return u.Redacted()
}

// Target names the server and database of dsn, without user or password:
// "db.example.com:5432/rollout", or the socket file for a local server.
func Target(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable database URL)"
	}
	host := u.Host
	if h := u.Query().Get("host"); h != "" {
		host = h
	}
	if u.Scheme == "unix" {
		return u.Path + " (database " + u.Host + ")"
	}
	if host == "" {
		host = "localhost"
	}
	return host + "/" + strings.TrimPrefix(u.Path, "/")
}

// migrateLockKey is a PostgreSQL advisory lock key ("rollout\x00m") that
// serialises migrations between Rollout processes sharing one database.
const migrateLockKey = 0x726f6c6c6f75746d

// Migrate applies the migrations that the database lacks and returns the
// group it applied (group.IsZero() when there was nothing to do; group.String()
// lists them for the log).
//
// bun's Lock is a row in bun_migration_locks, which a process killed in the
// middle of Migrate leaves behind forever ("migrations table is already
// locked"). So Migrate first takes a PostgreSQL advisory lock, which dies with
// its session; holding it proves no other Rollout is migrating, and a lock row
// still present is a stale one, cleared before bun's Lock.
func Migrate(ctx context.Context, db *bun.DB) (*migrate.MigrationGroup, error) {
	ms := migrate.NewMigrations()
	if err := ms.Discover(migrations.FS); err != nil {
		return nil, fmt.Errorf("reading migrations: %w", err)
	}
	m := migrate.NewMigrator(db, ms, migrate.WithMarkAppliedOnSuccess(true))

	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", int64(migrateLockKey)); err != nil {
		return nil, fmt.Errorf("migrate: waiting for other migrations: %w", err)
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", int64(migrateLockKey))
	}()

	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("migrate: creating bun's tables: %w", err)
	}
	if err := m.Unlock(ctx); err != nil { // a stale row from a killed run, if any
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if err := m.Lock(ctx); err != nil {
		return nil, err
	}
	defer func() { _ = m.Unlock(context.WithoutCancel(ctx)) }()

	group, err := m.Migrate(ctx)
	if err != nil {
		return group, fmt.Errorf("migrate: %w", err)
	}
	if err := migrateRiver(ctx, db); err != nil {
		return group, err
	}
	return group, nil
}

// migrateRiver brings River's own tables (river_job, river_leader, river_queue
// …: the job queue of internal/jobs) up to the version the linked River
// expects. It runs with Rollout's migrations, under the same advisory lock,
// through rivermigrate over the same *sql.DB, so one start of Rollout
// migrates both and two instances never race. River keeps its own
// river_migration table; its SQL is River's and versioned by River.
func migrateRiver(ctx context.Context, db *bun.DB) error {
	migrator, err := rivermigrate.New(riverdatabasesql.New(db.DB), &rivermigrate.Config{
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return fmt.Errorf("migrate: River: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate: River's job queue tables: %w", err)
	}
	return nil
}

// RunInTx runs fn in a transaction: committed if fn returns nil, rolled back
// if it returns an error or panics. When db is already a transaction, fn
// joins it (no savepoint), so store functions can call each other freely and
// the outermost caller decides.
func RunInTx(ctx context.Context, db bun.IDB, fn func(ctx context.Context, tx bun.Tx) error) error {
	switch tx := db.(type) {
	case bun.Tx:
		return fn(ctx, tx)
	case *bun.Tx:
		return fn(ctx, *tx)
	}
	return db.RunInTx(ctx, nil, fn)
}

// PostgreSQL error codes (SQLSTATE) that MapError knows.
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeQueryCanceled        = "57014" // statement_timeout, or a cancel request
	codeAdminShutdown        = "57P01" // the server is shutting down, or its postmaster died
	codeCrashShutdown        = "57P02" // another backend crashed; the server restarts
	codeCannotConnectNow     = "57P03" // starting up, shutting down, in recovery
	codeTooManyConnections   = "53300"
	classConnection          = "08" // connection exception
)

// MapError turns a database error into an apperr kind for the web layer:
//   - sql.ErrNoRows → NotFound
//   - unique violation → Conflict "error.duplicate"
//   - foreign key violation → Conflict "error.in_use" (a row still referenced)
//   - serialization failure or deadlock → Conflict (try again)
//   - the database away or a deadline passed → Unavailable (see AsUnavailable)
//   - anything else → Internal
//
// An apperr error passes through unchanged; nil stays nil. The PostgreSQL
// error is kept as the cause (logged, never shown), and the name of the
// violated constraint is in the message data as "constraint".
func MapError(err error) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		e := apperr.NotFound()
		e.Err = err
		return e
	}
	if e := AsUnavailable(err); e != nil {
		return e
	}
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		var e *apperr.Error
		switch pgErr.Field('C') {
		case codeUniqueViolation:
			e = apperr.Conflict("error.duplicate", "constraint", pgErr.Field('n'))
		case codeForeignKeyViolation:
			e = apperr.Conflict("error.in_use", "constraint", pgErr.Field('n'))
		case codeSerializationFailure, codeDeadlockDetected:
			e = apperr.Conflict("")
		}
		if e != nil {
			e.Err = err
			return e
		}
	}
	return apperr.Internal(err)
}

// AsUnavailable returns an Unavailable error when err says the database is
// away for now or the work ran out of time, and nil otherwise. Such faults
// heal by themselves (the embedded server is restarted, an external one comes
// back, a busy moment passes), so the caller is told to try again (503 with
// Retry-After), never that something is broken (500):
//   - "error.timeout": the context's deadline passed (the request timeout), a
//     network read ran into that deadline, or PostgreSQL cancelled the
//     statement (57014: statement_timeout or a cancel request);
//   - "error.unavailable": the server refused or dropped the connection
//     (connection refused or reset, socket gone, end of stream), or said it is
//     starting up, shutting down or recovering (57P01, 57P02, 57P03, 08xxx),
//     or has no connection slot left (53300).
//
// It looks through wrapped errors, apperr.Internal's cause included.
func AsUnavailable(err error) *apperr.Error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Kind == apperr.KindUnavailable {
		return ae
	}
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		switch code := pgErr.Field('C'); {
		case code == codeQueryCanceled:
			return apperr.Unavailable("error.timeout", err)
		case code == codeAdminShutdown, code == codeCrashShutdown, code == codeCannotConnectNow,
			code == codeTooManyConnections, strings.HasPrefix(code, classConnection):
			return apperr.Unavailable("error.unavailable", err)
		}
		return nil
	}
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		return apperr.Unavailable("error.timeout", err)
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return apperr.Unavailable("error.unavailable", err)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) { // any other failure to dial, read or write: a socket file gone, say
		return apperr.Unavailable("error.unavailable", err)
	}
	return nil
}

// DB, IDB and Tx name bun's handles for the packages above the domains (web,
// office, cmd), which pass them through to domain functions but never build
// queries themselves: they import database, not bun.
type (
	DB  = bun.DB
	IDB = bun.IDB
	Tx  = bun.Tx
)
