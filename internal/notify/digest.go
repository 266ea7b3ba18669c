package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/jobs"
)

func pgArray(v any) any { return pgdialect.Array(v) }

// digestLine is a message held for a user's daily digest.
type digestLine struct {
	UserID  int64
	Key     string
	Message Message
}

func holdForDigest(ctx context.Context, tx bun.Tx, lines []digestLine) error {
	for _, l := range lines {
		raw, err := json.Marshal(l.Message)
		if err != nil {
			return err
		}
		if _, err := tx.NewRaw(`INSERT INTO notification_digest (user_id, key, message) VALUES (?, ?, ?)
		    ON CONFLICT (key) DO NOTHING`, l.UserID, l.Key, string(raw)).Exec(ctx); err != nil {
			return database.MapError(err)
		}
	}
	return nil
}

// Digest is the periodic job that sends the daily digests.
type Digest struct{}

// Kind is River's name for the job.
func (Digest) Kind() string { return "notify_digest" }

// InsertOpts: one digest round per day, even if two leaders overlapped.
func (Digest) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueNotify, UniqueOpts: river.UniqueOpts{ByPeriod: 12 * time.Hour}}
}

type digestWorker struct {
	river.WorkerDefaults[Digest]
	s *Service
}

// Work turns each user's held messages into one e-mail, as a delivery of its
// own (keyed by the user and the last line it holds), and marks them sent.
func (w *digestWorker) Work(ctx context.Context, _ *river.Job[Digest]) error {
	return w.s.SendDigests(ctx)
}

// SendDigests sends every waiting digest now.
func (s *Service) SendDigests(ctx context.Context) error {
	var rows []struct {
		ID      int64           `bun:"id"`
		UserID  int64           `bun:"user_id"`
		Message json.RawMessage `bun:"message"`
	}
	if err := s.db.NewRaw(`SELECT id, user_id, message FROM notification_digest WHERE sent_at IS NULL ORDER BY user_id, id`).
		Scan(ctx, &rows); err != nil {
		return err
	}
	var plan []planned
	var ids []int64
	for i := 0; i < len(rows); {
		j := i
		var lines []Message
		for ; j < len(rows) && rows[j].UserID == rows[i].UserID; j++ {
			var m Message
			if json.Unmarshal(rows[j].Message, &m) == nil {
				lines = append(lines, m)
			}
			ids = append(ids, rows[j].ID)
		}
		if len(lines) > 0 {
			first := lines[0]
			t := s.cfg.I18n.For(first.Lang)
			msg := Message{Event: "digest", Title: t.T("notify.digest.title", "Count", len(lines)),
				Link: s.link("/my-work"), LinkText: t.T("notify.digest.open"), Footer: t.T("notify.footer"),
				At: s.cfg.Now().UTC(), Lang: first.Lang, To: first.To, ToName: first.ToName}
			for _, l := range lines {
				msg.Lines = append(msg.Lines, fmt.Sprintf("[%s] %s — %s", l.ProjectKey, l.Title, l.Link))
			}
			plan = append(plan, planned{d: Delivery{Key: fmt.Sprintf("digest:user%d:%d", rows[i].UserID, rows[j-1].ID),
				Event: "digest", Channel: ChannelEmail, Target: first.To}, msg: msg})
		}
		i = j
	}
	if len(ids) == 0 {
		return nil
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewRaw(`UPDATE notification_digest SET sent_at = now() WHERE id IN (?)`, bun.List(ids)).Exec(ctx); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, plan)
	})
}

// Prefs are a user's e-mail preferences: the events they want (nil: all)
// and whether they come at once or in a daily digest.
type Prefs struct {
	bun.BaseModel `bun:"table:notification_prefs"`

	UserID  int64    `bun:",pk" json:"-"`
	Events  []string `bun:",array" json:"events"`
	Digest  bool     `bun:",notnull" json:"digest"`
	Version int      `bun:",notnull" json:"version"`
}

// PrefsOf returns the user's preferences (every event, at once, when unset).
func PrefsOf(ctx context.Context, db bun.IDB, userID int64) (*Prefs, error) {
	p := &Prefs{UserID: userID}
	err := db.NewSelect().Model(p).WherePK().Scan(ctx)
	if err = database.MapError(err); apperr.Is(err, apperr.KindNotFound) {
		return &Prefs{UserID: userID, Events: nil}, nil
	}
	return p, err
}

// SetPrefs stores the user's preferences (their account page), audited.
func SetPrefs(ctx context.Context, db bun.IDB, userID int64, events []string, digest bool) error {
	clean := []string{}
	for _, e := range jobs.EventKinds {
		for _, x := range events {
			if x == e {
				clean = append(clean, e)
				break
			}
		}
	}
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := PrefsOf(ctx, tx, userID)
		if err != nil {
			return err
		}
		p := &Prefs{UserID: userID, Events: clean, Digest: digest, Version: before.Version + 1}
		if _, err := tx.NewInsert().Model(p).On("CONFLICT (user_id) DO UPDATE").
			Set("events = EXCLUDED.events, digest = EXCLUDED.digest, version = EXCLUDED.version").Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ActorID: userID, Entity: "notification_prefs", EntityID: userID,
			Action: audit.Update, Before: map[string]any{"events": before.Events, "digest": before.Digest},
			After: map[string]any{"events": clean, "digest": digest}})
	})
}

// Wants reports whether the user gets events of kind by e-mail.
func (p *Prefs) Wants(kind string) bool {
	if p.Events == nil {
		return true
	}
	for _, e := range p.Events {
		if e == kind {
			return true
		}
	}
	return false
}
