package pglocal

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"
)

func start(t *testing.T, opt Options) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, opt)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

// tempDir is a t.TempDir the server account can enter: as root, the server
// runs as the postgres user, and t.TempDir is closed to others (mode 0700).
func tempDir(t *testing.T) string {
	dir := t.TempDir()
	// t.TempDir is <tmp>/TestName123/001: open both levels.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func open(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn)))
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func mustExec(t *testing.T, db *sql.DB, query string) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// gone reports whether no process of the server's group is left.
func gone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) && errors.Is(syscall.Kill(-pid, 0), syscall.ESRCH)
}

func TestThrowawayStartQueryStop(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	if !strings.Contains(s.DSN("postgres"), "host=/") || !strings.Contains(s.DSN("postgres"), "/.s.PGSQL.") {
		t.Errorf("DSN %q should name the socket file", s.DSN("postgres"))
	}
	db := open(t, s.DSN("postgres"))
	var one int
	if err := db.QueryRow("select 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("select 1 = %d, %v", one, err)
	}
	var user, enc, fsync string
	if err := db.QueryRow("select current_user, current_setting('server_encoding'), current_setting('fsync')").Scan(&user, &enc, &fsync); err != nil {
		t.Fatal(err)
	}
	if user != s.Superuser() || enc != "UTF8" || fsync != "off" {
		t.Errorf("user, encoding, fsync = %s, %s, %s; want %s, UTF8, off", user, enc, fsync, s.Superuser())
	}
	var listen string
	if err := db.QueryRow("select current_setting('listen_addresses')").Scan(&listen); err != nil || listen != "" {
		t.Errorf("listen_addresses = %q, %v; want none (socket only)", listen, err)
	}
	_ = db.Close()

	dir, pid := filepath.Dir(s.DataDir()), s.PID()
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if !gone(pid) {
		t.Errorf("postgres (pid %d) or one of its children is still running after Stop", pid)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("throwaway folder %s still there after Stop (%v)", dir, err)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestPersistentKeepsDataAcrossRestarts(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(tempDir(t), "data")

	s := start(t, Options{DataDir: dir, Persistent: true})
	db := open(t, s.DSN("postgres"))
	mustExec(t, db, "create table kept (v text)")
	mustExec(t, db, "insert into kept values ('still here')")
	var fsync string
	if err := db.QueryRow("select current_setting('fsync')").Scan(&fsync); err != nil || fsync != "on" {
		t.Errorf("fsync = %q, %v; a persistent cluster keeps it on", fsync, err)
	}
	_ = db.Close()
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "pgdata", "PG_VERSION")); err != nil {
		t.Fatalf("Stop removed the persistent cluster: %v", err)
	}

	s = start(t, Options{DataDir: dir, Persistent: true})
	db = open(t, s.DSN("postgres"))
	var v string
	if err := db.QueryRow("select v from kept").Scan(&v); err != nil || v != "still here" {
		t.Fatalf("after restart: %q, %v", v, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "postgres.log")); err != nil || len(b) == 0 {
		t.Errorf("postgres.log should hold the server's log: %d bytes, %v", len(b), err)
	}
}

// A crash (everything killed, postmaster.pid left behind with a dead pid)
// must not stop the next start: postgres replaces the stale file and recovers.
func TestPersistentStartsAfterCrash(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(tempDir(t), "data")
	s := start(t, Options{DataDir: dir, Persistent: true})
	db := open(t, s.DSN("postgres"))
	mustExec(t, db, "create table survived (v int)")
	mustExec(t, db, "insert into survived values (42)")
	_ = db.Close()

	// Kill the postmaster alone, as Pdeathsig does when Rollout dies: its
	// backends linger for a moment, which Start must wait out.
	_ = syscall.Kill(s.PID(), syscall.SIGKILL)
	<-s.current().exited
	if _, err := os.Stat(filepath.Join(dir, "pgdata", "postmaster.pid")); err != nil {
		t.Fatalf("expected a stale postmaster.pid after the crash: %v", err)
	}

	s2 := start(t, Options{DataDir: dir, Persistent: true})
	db = open(t, s2.DSN("postgres"))
	var v int
	if err := db.QueryRow("select v from survived").Scan(&v); err != nil || v != 42 {
		t.Fatalf("after crash and restart: %d, %v", v, err)
	}
}

func TestPersistentAlreadyRunning(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(tempDir(t), "data")
	start(t, Options{DataDir: dir, Persistent: true})

	s, err := Start(context.Background(), Options{DataDir: dir, Persistent: true})
	if err == nil {
		_ = s.Stop()
		t.Fatal("a second server started on the same folder")
	}
	if !strings.Contains(err.Error(), "already running on "+filepath.Join(dir, "pgdata")) || !strings.Contains(err.Error(), "stop the other Rollout first") {
		t.Errorf("error = %q", err)
	}
}

func TestPersistentVersionMismatch(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pgdata := filepath.Join(dir, "pgdata")
	if err := os.Mkdir(pgdata, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pgdata, "PG_VERSION"), []byte("9.4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bin, err := BinDir()
	if err != nil {
		t.Fatal(err)
	}
	major, err := majorVersion(bin)
	if err != nil {
		t.Fatal(err)
	}

	s, err := Start(context.Background(), Options{DataDir: dir, Persistent: true})
	if err == nil {
		_ = s.Stop()
		t.Fatal("started on a cluster of another version")
	}
	want := "created by PostgreSQL 9.4, but the installed server is PostgreSQL " + major
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error = %q, want it to say %q", err, want)
	}
	entries, _ := os.ReadDir(pgdata)
	if len(entries) != 1 {
		t.Errorf("the foreign cluster folder was touched: %v", entries)
	}
}

func TestPersistentRefusesForeignFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pgdata := filepath.Join(dir, "pgdata")
	if err := os.Mkdir(pgdata, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pgdata, "notes.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Start(context.Background(), Options{DataDir: dir, Persistent: true})
	if err == nil {
		_ = s.Stop()
		t.Fatal("started on a folder that is not a cluster")
	}
	if !strings.Contains(err.Error(), "not a PostgreSQL database folder") {
		t.Errorf("error = %q", err)
	}
	if b, _ := os.ReadFile(filepath.Join(pgdata, "notes.txt")); string(b) != "mine" {
		t.Error("the foreign folder was touched")
	}
}

func TestPersistentUnwritableDataDir(t *testing.T) {
	t.Parallel()
	// Below a regular file: no folder can be made there, not even by root.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(file, "data")
	_, err := Start(context.Background(), Options{DataDir: dir, Persistent: true})
	if err == nil || !strings.Contains(err.Error(), "cannot create the data folder "+dir) {
		t.Errorf("error = %v, want it to name %s", err, dir)
	}

	if os.Geteuid() == 0 {
		return // root writes through any mode bits
	}
	ro := filepath.Join(t.TempDir(), "readonly")
	if err := os.Mkdir(ro, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(ro, 0o700) })
	_, err = Start(context.Background(), Options{DataDir: ro, Persistent: true})
	if err == nil || !strings.Contains(err.Error(), "the data folder "+ro+" is not writable") {
		t.Errorf("error = %v, want it to say %s is not writable", err, ro)
	}
}

func TestLongDataDirUsesShortSocketFolder(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(tempDir(t), strings.Repeat("long-folder-name-", 6))
	s := start(t, Options{DataDir: dir, Persistent: true})
	if len(s.socketPath()) > maxSocketPath {
		t.Errorf("socket path %s is %d bytes", s.socketPath(), len(s.socketPath()))
	}
	db := open(t, s.DSN("postgres"))
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	sock := s.sockDir
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary socket folder %s left behind", sock)
	}
}

func TestBinDirError(t *testing.T) {
	if !strings.Contains(errNoBinaries.Error(), "set DATABASE_URL") {
		t.Error(errNoBinaries)
	}
	if _, err := BinDir(); err != nil {
		t.Fatalf("the tests need PostgreSQL server binaries: %v", err)
	}
}

// BenchmarkThrowaway measures initdb + start + stop of a throwaway cluster,
// the price each test binary that uses a database pays once.
func BenchmarkThrowaway(b *testing.B) {
	for b.Loop() {
		s, err := Start(context.Background(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Stop(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSweepThrowaways(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	fake := func(name, pidFile string) string {
		dir := filepath.Join(parent, name)
		if err := os.MkdirAll(filepath.Join(dir, "pgdata"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "postgres.log"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if pidFile != "" {
			if err := os.WriteFile(filepath.Join(dir, "pgdata", "postmaster.pid"), []byte(pidFile), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	p, err := os.StartProcess("/bin/true", []string{"true"}, &os.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = p.Wait()
	dead := fake(throwawayPrefix+"dead", strconv.Itoa(p.Pid)+"\n")
	starting := fake(throwawayPrefix+"starting", "")
	other := filepath.Join(parent, "rollout-pg-notours")
	if err := os.Mkdir(other, 0o700); err != nil {
		t.Fatal(err)
	}

	sweepThrowaways(parent)
	if _, err := os.Stat(dead); !errors.Is(err, os.ErrNotExist) {
		t.Error("the folder of a dead server was not swept")
	}
	for _, dir := range []string{starting, other} {
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("%s was swept: %v", dir, err)
		}
	}
}
