package pglocal

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer collects log lines written from the supervisor's goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A postmaster killed under our feet (kill -9, the out-of-memory killer) is
// started again on the same cluster: committed rows are there, the same pool
// works again once its dead connections are dropped, and the log says why.
func TestRestartAfterKill(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	dir := filepath.Join(tempDir(t), "data")
	s := start(t, Options{DataDir: dir, Persistent: true, Restart: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	db := open(t, s.DSN("postgres"))
	mustExec(t, db, "create table survived (v int)")
	mustExec(t, db, "insert into survived values (42)")

	old := s.PID()
	killed := time.Now()
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// An orphaned backend may still answer for a moment: wait for the new server.
	deadline := time.Now().Add(time.Minute)
	for s.PID() == old && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s.PID() == old {
		t.Fatalf("no restart:\n%s", logs.String())
	}
	var v int
	var err error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err = db.QueryRowContext(ctx, "select v from survived").Scan(&v)
		cancel()
		if err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || v != 42 {
		t.Fatalf("after the kill: %d, %v\n%s", v, err, logs.String())
	}
	t.Logf("answering again %v after the kill", time.Since(killed).Round(time.Millisecond))
	select {
	case <-s.Failed():
		t.Fatalf("Failed closed: %v", s.Err())
	default:
	}
	// The supervisor's own check may come a moment after our query's.
	for !strings.Contains(logs.String(), "restarted PostgreSQL") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	out := logs.String()
	if !strings.Contains(out, "PostgreSQL exited unexpectedly; restarting it") || !strings.Contains(out, "killed by signal 9") ||
		!strings.Contains(out, "restarted PostgreSQL") {
		t.Fatalf("the log does not say what happened:\n%s", out)
	}
	newPID := s.PID()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if !gone(newPID) {
		t.Fatalf("the restarted postgres %d outlived Stop", newPID)
	}
}

// A server that cannot be started again makes Failed close with the reason,
// so that serve can exit and leave the restart to the service manager.
func TestRestartGivesUp(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	opt := Options{Restart: true, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		policy: restartPolicy{maxFailures: 2, window: time.Minute, firstDelay: 10 * time.Millisecond, maxDelay: 20 * time.Millisecond, orphanWait: 10 * time.Second}}
	s := start(t, opt)
	// Without its configuration file the cluster cannot start again.
	conf := filepath.Join(s.DataDir(), "postgresql.conf")
	if err := os.Rename(conf, conf+".away"); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(s.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Failed():
	case <-time.After(2 * time.Minute):
		t.Fatalf("Failed never closed:\n%s", logs.String())
	}
	if err := s.Err(); err == nil || !strings.Contains(err.Error(), "2 times") {
		t.Fatalf("Err: %v\n%s", err, logs.String())
	}
	if out := logs.String(); !strings.Contains(out, "restarting PostgreSQL failed") || !strings.Contains(out, "giving up on PostgreSQL") {
		t.Fatalf("the log does not say what happened:\n%s", out)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
}

// Without Restart an unexpected exit is reported through Failed at once.
func TestNoRestartReportsTheExit(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	if err := syscall.Kill(s.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Failed():
	case <-time.After(time.Minute):
		t.Fatal("Failed never closed")
	}
	if err := s.Err(); err == nil || !strings.Contains(err.Error(), "killed by signal 9") {
		t.Fatalf("Err: %v", err)
	}
}

func TestRestartDelays(t *testing.T) {
	p := defaultPolicy
	want := []time.Duration{0, 0, 250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second}
	for n := 0; n < len(want); n++ {
		if got := p.delay(n); got != want[n] {
			t.Errorf("delay(%d) = %v, want %v", n, got, want[n])
		}
	}
}
