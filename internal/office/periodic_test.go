package office

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"rollout/internal/account"
	"rollout/internal/database/dbtest"
)

// The server's clean-up loop deletes an expired session in its first round
// (at once, not after an hour) and keeps a live one.
func TestKeepSessionsTidyDeletesExpiredSessions(t *testing.T) {
	t.Parallel()
	ctx, db := context.Background(), dbtest.New(t)
	newUser(t, db)
	now := time.Now()
	if _, _, err := account.SignIn(ctx, db, "pm@example.com", "a long password 1", "192.0.2.1", "", now.Add(-account.SessionMax-time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, live, err := account.SignIn(ctx, db, "pm@example.com", "a long password 1", "192.0.2.1", "", now)
	if err != nil {
		t.Fatal(err)
	}
	loopCtx, stop := context.WithCancel(ctx)
	defer stop()
	rounds := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		KeepSessionsTidy(loopCtx, db, time.Hour, func() time.Time {
			select {
			case rounds <- struct{}{}:
			default:
			}
			return time.Now()
		}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	<-rounds
	deadline := time.Now().Add(30 * time.Second)
	var n int64
	for time.Now().Before(deadline) {
		if n, err = db.NewSelect().Table("sessions").Count(ctx); err == nil && n == 1 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n != 1 {
		t.Fatalf("%d sessions left (%v); want the live one only", n, err)
	}
	if _, err := account.SessionUser(ctx, db, live, time.Now()); err != nil {
		t.Fatalf("the live session was lost: %v", err)
	}
	stop()
	<-done
}

// syncBuffer is a log destination safe for the loop's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
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

// A failed round is logged and the loop goes on to the next tick.
func TestRunEveryLogsAFailedRoundAndGoesOn(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	calls := make(chan int)
	done := make(chan struct{})
	go func() {
		defer close(done)
		n := 0
		RunEvery(ctx, time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)), "tidying up", func(context.Context) error {
			n++
			calls <- n
			if n == 1 {
				return errors.New("database away")
			}
			return nil
		})
	}()
	<-calls
	<-calls // a second round after the failed one
	if out := logs.String(); !strings.Contains(out, "tidying up") || !strings.Contains(out, "database away") {
		t.Fatalf("log: %q", out)
	}
	stop()
	select {
	case <-calls: // a round that had started
	case <-done:
	}
	<-done
}
