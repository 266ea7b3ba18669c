package pglocal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// restartPolicy says how hard the supervisor tries before it gives up.
type restartPolicy struct {
	// maxFailures unexpected exits or failed restarts within window make it
	// give up: a server that cannot stay up needs a person (a full disk, a
	// damaged cluster), and a process restart by the service manager at least
	// makes the failure loud.
	maxFailures int
	window      time.Duration
	// firstDelay is the wait before the second attempt in a window; each
	// further one doubles it, up to maxDelay. The first restart is immediate.
	firstDelay, maxDelay time.Duration
	// orphanWait caps the wait for the backends of a killed postmaster to let
	// go of its shared memory (a new postmaster refuses to start before).
	orphanWait time.Duration
}

var defaultPolicy = restartPolicy{
	maxFailures: 5,
	window:      time.Minute,
	firstDelay:  250 * time.Millisecond,
	maxDelay:    4 * time.Second,
	orphanWait:  10 * time.Second,
}

func (p restartPolicy) orDefault() restartPolicy {
	if p.maxFailures == 0 {
		return defaultPolicy
	}
	return p
}

// delay is the wait before attempt n (1-based) within the window.
func (p restartPolicy) delay(n int) time.Duration {
	if n <= 1 {
		return 0
	}
	d := p.firstDelay
	for i := 2; i < n && d < p.maxDelay; i++ {
		d *= 2
	}
	return min(d, p.maxDelay)
}

// Failed is closed when the server is gone for good: it exited without Stop
// and Options.Restart was off, or restarting failed maxFailures times within
// a minute. Err then says why. A caller that cannot work without the
// database should exit non-zero, so that its own supervisor (systemd,
// Kubernetes, Docker's restart policy) starts everything afresh.
func (s *Server) Failed() <-chan struct{} { return s.failed }

// Err says why Failed closed; nil before.
func (s *Server) Err() error {
	select {
	case <-s.failed:
		return s.failErr
	default:
		return nil
	}
}

// supervise watches the postmaster until Stop. When it exits unexpectedly,
// supervise logs why and, with Options.Restart, starts it again: the backends
// of the dead postmaster are waited out, postgres replays its WAL (crash
// recovery keeps every committed transaction of a persistent cluster) and
// answers again, usually within a second or two. Connections of the old
// server are dropped by the pool at their first use (see database.Open).
func (s *Server) supervise() {
	defer close(s.superDone)
	var failures []time.Time
	for {
		r := s.current()
		select {
		case <-s.quit:
			return
		case <-r.exited:
		}
		select {
		case <-s.quit: // Stop came first: the exit was expected
			return
		default:
		}
		reason := exitReason(r.waitErr)
		if !s.restart {
			s.log.Error("PostgreSQL exited unexpectedly", "pid", r.pid, "reason", reason, "log", s.logPath)
			s.fail(fmt.Errorf("PostgreSQL (pid %d) exited unexpectedly: %s; see %s", r.pid, reason, s.logPath))
			return
		}
		s.log.Error("PostgreSQL exited unexpectedly; restarting it", "pid", r.pid, "reason", reason,
			"log", s.logPath, "last_log_lines", s.logTailLines(5))
		lastErr := errors.New(reason)
		for {
			now := time.Now()
			failures = append(withinWindow(failures, now, s.policy.window), now)
			if len(failures) > s.policy.maxFailures {
				s.log.Error("giving up on PostgreSQL", "failures", len(failures)-1, "within", s.policy.window, "last_error", lastErr.Error())
				s.fail(fmt.Errorf("PostgreSQL exited or failed to start %d times within %v (last: %v); see %s",
					len(failures)-1, s.policy.window, lastErr, s.logPath))
				return
			}
			select {
			case <-s.quit:
				return
			case <-time.After(s.policy.delay(len(failures))):
			}
			t0 := time.Now()
			err := s.restartNow()
			if err == nil {
				s.log.Info("restarted PostgreSQL", "pid", s.current().pid, "took", time.Since(t0).Round(time.Millisecond))
				break
			}
			select {
			case <-s.quit:
				return
			default:
			}
			lastErr = err
			s.log.Warn("restarting PostgreSQL failed", "error", err.Error())
		}
	}
}

// restartNow starts the postmaster again on the same cluster and socket.
func (s *Server) restartNow() error {
	// The dead postmaster's backends notice within moments and exit; until
	// they have let go of its shared memory a new postmaster refuses to start.
	if pid, shmID := readPostmasterPid(s.pgdata); pid > 0 {
		if postmasterAlive(pid) {
			return fmt.Errorf("another PostgreSQL server (pid %d) took over %s", pid, s.pgdata)
		}
		waitForOrphans(pid, shmID, s.policy.orphanWait)
	}
	if fi, err := os.Stat(s.logPath); err == nil {
		s.logStart = fi.Size() // error tails show this attempt only
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	go func() { // Stop cancels the wait
		select {
		case <-s.quit:
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := s.start(ctx); err != nil {
		if r := s.current(); r != nil {
			select {
			case <-s.quit: // Stop shuts it down
			default:
				_ = syscall.Kill(-r.pid, syscall.SIGKILL)
				<-r.exited
			}
		}
		return err
	}
	return nil
}

func (s *Server) fail(err error) {
	s.failErr = err
	close(s.failed)
}

// withinWindow keeps the times after now-window.
func withinWindow(ts []time.Time, now time.Time, window time.Duration) []time.Time {
	kept := ts[:0]
	for _, t := range ts {
		if now.Sub(t) < window {
			kept = append(kept, t)
		}
	}
	return kept
}

// exitReason says how a postmaster ended, for the log: "killed by signal
// SIGKILL" (by someone, or the kernel's out-of-memory killer), "exit status 1".
func exitReason(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			reason := fmt.Sprintf("killed by signal %d (%v)", ws.Signal(), ws.Signal())
			if ws.Signal() == syscall.SIGKILL {
				reason += ": by another process or the out-of-memory killer"
			}
			return reason
		}
		return fmt.Sprintf("exit status %d", ee.ExitCode())
	}
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// logTailLines is the last n lines of this run's server log, for a log record.
func (s *Server) logTailLines(n int) string {
	return tail([]byte(s.logTail()), n)
}
