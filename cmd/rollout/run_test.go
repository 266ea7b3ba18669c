package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"rollout/internal/database/dbtest"
)

func TestMain(m *testing.M) {
	// The signal tests start this test binary again as `rollout serve`.
	if os.Getenv("ROLLOUT_TEST_AS_SERVE") == "1" {
		os.Exit(run(context.Background(), []string{"rollout", "serve"}, os.Getenv, os.Stdout, os.Stderr))
	}
	dbtest.Main(m)
}

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// runOnce runs a command that ends by itself.
func runOnce(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := run(ctx, append([]string{"rollout"}, args...), envOf(env), &out, &errOut)
	return code, out.String(), errOut.String()
}

// server is a running `rollout serve`.
type server struct {
	url    string
	cancel context.CancelFunc
	done   chan int
	stdout *syncBuffer
	stderr *syncBuffer
}

var runningAt = regexp.MustCompile(`running at (http://\S+)`)

func startServe(t *testing.T, env map[string]string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{cancel: cancel, done: make(chan int, 1), stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	go func() {
		s.done <- run(ctx, append([]string{"rollout", "serve"}, args...), envOf(env), s.stdout, s.stderr)
	}()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if m := runningAt.FindStringSubmatch(s.stdout.String()); m != nil {
			s.url = m[1]
			return s
		}
		select {
		case code := <-s.done:
			t.Fatalf("serve ended with %d before it was up:\n%s", code, s.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("serve did not start:\n%s", s.stderr.String())
	return nil
}

func (s *server) stop(t *testing.T) int {
	t.Helper()
	s.cancel()
	select {
	case code := <-s.done:
		return code
	case <-time.After(time.Minute):
		t.Fatal("serve did not stop")
		return -1
	}
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s/readyz never answered 200", base)
}

func TestVersionAndHelp(t *testing.T) {
	code, out, _ := runOnce(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "rollout ") {
		t.Fatalf("version: %d %q", code, out)
	}
	code, out, _ = runOnce(t, nil, "--help")
	if code != 0 || !strings.Contains(out, "serve") || !strings.Contains(out, "migrate") {
		t.Fatalf("help: %d %q", code, out)
	}
	code, _, errOut := runOnce(t, nil, "serve", "--help")
	if code != 0 || !strings.Contains(errOut, "ROLLOUT_ADDR") {
		t.Fatalf("serve --help: %d %q", code, errOut)
	}
	code, _, errOut = runOnce(t, nil, "frobnicate")
	if code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
}

func TestBadConfigurationEndsWithAClearSentence(t *testing.T) {
	code, _, errOut := runOnce(t, map[string]string{"DATABASE_URL": "mysql://root:hunter2@db/x"}, "serve")
	if code == 0 || !strings.Contains(errOut, "DATABASE_URL is not a PostgreSQL URL") {
		t.Fatalf("%d %q", code, errOut)
	}
	if strings.Contains(errOut, "hunter2") {
		t.Fatal("the password was printed")
	}
	code, _, errOut = runOnce(t, map[string]string{"ROLLOUT_LOG_LEVEL": "chatty"}, "migrate")
	if code == 0 || !strings.Contains(errOut, "is not a log level") {
		t.Fatalf("%d %q", code, errOut)
	}
}

func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, errOut := runOnce(t, map[string]string{"ROLLOUT_ADDR": ln.Addr().String(),
		"ROLLOUT_DATA_DIR": t.TempDir()}, "serve")
	if code == 0 || !strings.Contains(errOut, "already in use") || !strings.Contains(errOut, "ROLLOUT_ADDR") {
		t.Fatalf("%d %q", code, errOut)
	}
}

func TestUnwritableDataFolder(t *testing.T) {
	// A folder below a regular file can never be created, even by root.
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runOnce(t, map[string]string{"ROLLOUT_ADDR": "127.0.0.1:0",
		"ROLLOUT_DATA_DIR": filepath.Join(file, "data")}, "serve")
	if code == 0 || !strings.Contains(errOut, "a-file") {
		t.Fatalf("%d %q", code, errOut)
	}
}

func TestMissingPostgresBinaries(t *testing.T) {
	code, _, errOut := runOnce(t, map[string]string{"ROLLOUT_ADDR": "127.0.0.1:0",
		"ROLLOUT_DATA_DIR": t.TempDir(), "ROLLOUT_PG_BIN": t.TempDir()}, "serve")
	if code == 0 || !strings.Contains(errOut, "PostgreSQL server binaries not found") || !strings.Contains(errOut, "DATABASE_URL") {
		t.Fatalf("%d %q", code, errOut)
	}
}

func TestUnreachableDatabase(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	code, _, errOut := runOnce(t, map[string]string{"ROLLOUT_ADDR": "127.0.0.1:0",
		"DATABASE_URL": fmt.Sprintf("postgres://u:hunter2@%s/rollout?sslmode=disable", addr)}, "migrate")
	if code == 0 || !strings.Contains(errOut, "cannot reach the database") || strings.Contains(errOut, "hunter2") {
		t.Fatalf("%d %q", code, errOut)
	}
}

func TestServeOnGivenDatabase(t *testing.T) {
	dsn := dbtest.DSN(t)
	s := startServe(t, map[string]string{"DATABASE_URL": dsn, "ROLLOUT_ADDR": "127.0.0.1:0"})
	waitReady(t, s.url)
	if code := s.stop(t); code != 0 {
		t.Fatalf("exit %d:\n%s", code, s.stderr.String())
	}
	code, out, errOut := runOnce(t, map[string]string{"DATABASE_URL": dsn}, "migrate")
	if code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate: %d %q %q", code, out, errOut)
	}
}

// The embedded PostgreSQL keeps its data across restarts and leaves no process behind.
func TestServeOnEmbeddedPostgres(t *testing.T) {
	dir := t.TempDir()
	// As root the server runs as another user, who must be able to enter the folder.
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o711)
	}
	env := map[string]string{"ROLLOUT_DATA_DIR": dir, "ROLLOUT_ADDR": "127.0.0.1:0"}
	s := startServe(t, env)
	waitReady(t, s.url)
	pid := postmasterPID(t, dir)
	if code := s.stop(t); code != 0 {
		t.Fatalf("exit %d:\n%s", code, s.stderr.String())
	}
	if processAlive(pid) {
		t.Fatalf("postgres %d still running after stop", pid)
	}
	if !strings.Contains(s.stderr.String(), "created a PostgreSQL cluster") {
		t.Fatalf("first start did not create a cluster:\n%s", s.stderr.String())
	}

	s = startServe(t, env)
	waitReady(t, s.url)
	if strings.Contains(s.stderr.String(), "created a PostgreSQL cluster") {
		t.Fatalf("restart re-created the cluster:\n%s", s.stderr.String())
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

func postmasterPID(t *testing.T, dir string) int {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "pgdata", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	fmt.Sscan(strings.SplitN(string(raw), "\n", 2)[0], &pid)
	return pid
}

func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	return p.Signal(nil) == nil && !isZombie(pid)
}

func isZombie(pid int) bool {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // gone
	}
	fields := strings.Fields(string(raw))
	return len(fields) > 2 && fields[2] == "Z"
}

// serveProcess starts `rollout serve` as a child process on the embedded
// PostgreSQL and returns it with the postmaster's pid once it is ready.
func serveProcess(t *testing.T) (*exec.Cmd, int, string) {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o711)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ROLLOUT_TEST_AS_SERVE=1", "ROLLOUT_ADDR=127.0.0.1:0", "ROLLOUT_DATA_DIR="+dir)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if m := runningAt.FindStringSubmatch(out.String()); m != nil {
			waitReady(t, m[1])
			return cmd, postmasterPID(t, dir), dir
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("serve did not start:\n%s", out.String())
	return nil, 0, ""
}

func waitGone(t *testing.T, pid int, what string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if !processAlive(pid) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("postgres %d still running after %s", pid, what)
}

// SIGTERM drains requests, stops PostgreSQL and exits cleanly.
func TestSIGTERMStopsPostgres(t *testing.T) {
	cmd, pg, _ := serveProcess(t)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	waitGone(t, pg, "SIGTERM")
}

// A crashed parent (SIGKILL: no chance to clean up) leaves no postgres behind.
func TestCrashedParentLeavesNoPostgres(t *testing.T) {
	cmd, pg, _ := serveProcess(t)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	waitGone(t, pg, "the parent was killed")
}
