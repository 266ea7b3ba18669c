package notify

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/jobs"
)

// Channels a delivery goes through: e-mail, or a webhook's kind.
const (
	ChannelEmail = "email"
	KindGeneric  = "generic"
	KindWeCom    = "wecom"
	KindDingTalk = "dingtalk"
	KindFeishu   = "feishu"
)

// Delivery states.
const (
	StatusPending = "pending"
	StatusSent    = "sent"
	StatusFailed  = "failed"
)

// Delivery is one message to one recipient on one channel. Key
// (event × recipient × channel) is unique: it is checked before sending and
// the row marked sent after, so a retried job never delivers twice.
type Delivery struct {
	bun.BaseModel `bun:"table:deliveries,alias:d"`

	ID        int64           `bun:",pk,autoincrement" json:"id"`
	Key       string          `bun:",notnull" json:"key"`
	ProjectID *int64          `json:"project_id,omitempty"`
	Event     string          `bun:",notnull" json:"event"`
	Channel   string          `bun:",notnull" json:"channel"`
	Target    string          `bun:",notnull" json:"target"`
	WebhookID *int64          `json:"webhook_id,omitempty"`
	Status    string          `bun:",notnull,default:'pending'" json:"status"`
	Attempts  int             `bun:",notnull" json:"attempts"`
	LastError string          `bun:",notnull" json:"last_error"`
	Message   json.RawMessage `bun:"type:jsonb,notnull" json:"-"`
	CreatedAt time.Time       `bun:",nullzero,notnull,default:current_timestamp" json:"created_at"`
	SentAt    *time.Time      `json:"sent_at,omitempty"`

	ProjectKey string `bun:",scanonly" json:"project_key,omitempty"`
	Title      string `bun:",scanonly" json:"title,omitempty"`
}

// planned is a delivery the fan-out wants, before it exists.
type planned struct {
	d   Delivery
	msg Message
}

// enqueue stores the deliveries that do not exist yet (a key seen before is
// an event told already) and a notify_deliver job for each, in tx.
func (s *Service) enqueue(ctx context.Context, tx bun.Tx, ps []planned) error {
	var params []river.InsertManyParams
	for _, p := range ps {
		raw, err := json.Marshal(p.msg)
		if err != nil {
			return err
		}
		d := p.d
		d.Message, d.Status = raw, StatusPending
		res, err := tx.NewInsert().Model(&d).On("CONFLICT (key) DO NOTHING").Returning("id").Exec(ctx)
		if err != nil {
			return database.MapError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue
		}
		params = append(params, river.InsertManyParams{Args: Deliver{DeliveryID: d.ID},
			InsertOpts: &river.InsertOpts{Queue: jobs.QueueNotify, MaxAttempts: s.cfg.DeliverAttempts}})
	}
	if len(params) == 0 {
		return nil
	}
	return jobs.InsertTx(ctx, tx, params...)
}

// deliver sends delivery id unless it was sent, and records the outcome.
func (s *Service) deliver(ctx context.Context, id int64, last bool) error {
	d := new(Delivery)
	if err := s.db.NewSelect().Model(d).Where("id = ?", id).Scan(ctx); err != nil {
		if apperr.Is(database.MapError(err), apperr.KindNotFound) {
			return errSkip // the project or webhook was deleted since
		}
		return err
	}
	if d.Status == StatusSent {
		return errSkip // the idempotency check: told already
	}
	var msg Message
	if err := json.Unmarshal(d.Message, &msg); err != nil {
		return err
	}
	sendErr := s.send(ctx, d, msg)
	status, lastErr := StatusSent, ""
	if sendErr != nil {
		status, lastErr = StatusPending, truncate(sendErr.Error(), 1000)
		if last {
			status = StatusFailed
		}
		s.cfg.Logger.Warn("a notification was not delivered", "delivery", d.ID, "channel", d.Channel, "error", lastErr)
	}
	if s.cfg.Delivered != nil && !errors.Is(sendErr, errSkip) {
		outcome := "sent"
		if sendErr != nil {
			outcome = "retry"
			if last {
				outcome = StatusFailed
			}
		}
		s.cfg.Delivered(d.Channel, outcome)
	}
	q := s.db.NewUpdate().Model((*Delivery)(nil)).Where("id = ?", id).
		Set("status = ?", status).Set("attempts = attempts + 1").Set("last_error = ?", lastErr)
	if sendErr == nil {
		q = q.Set("sent_at = now()")
	}
	if _, err := q.Exec(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	return sendErr
}

func (s *Service) send(ctx context.Context, d *Delivery, msg Message) error {
	if d.Channel == ChannelEmail {
		return s.cfg.Mailer.Send(ctx, msg)
	}
	if d.WebhookID == nil {
		return errSkip
	}
	h := new(Webhook)
	if err := s.db.NewSelect().Model(h).Where("id = ?", *d.WebhookID).Scan(ctx); err != nil {
		if apperr.Is(database.MapError(err), apperr.KindNotFound) {
			return errSkip
		}
		return err
	}
	return Post(ctx, s.cfg.HTTP, h.Kind, h.URL, h.Secret, d.Key, msg, s.cfg.Now())
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// FailedDeliveries lists the deliveries that failed for good and those still
// being retried after an error, newest first (the admin page).
func FailedDeliveries(ctx context.Context, db bun.IDB, limit int64) ([]Delivery, error) {
	ds := []Delivery{}
	err := db.NewSelect().Model(&ds).
		ColumnExpr("d.*").ColumnExpr("coalesce(p.key, '') AS project_key").ColumnExpr("d.message->>'title' AS title").
		Join("LEFT JOIN projects AS p ON p.id = d.project_id").
		Where("d.status = 'failed' OR (d.status = 'pending' AND d.last_error <> '')").
		OrderExpr("d.created_at DESC, d.id DESC").Limit(limit).Scan(ctx)
	return ds, database.MapError(err)
}

// RetryDelivery sends a failed delivery again (an admin's retry button):
// it is pending again with a fresh job, and the retry is audited.
func RetryDelivery(ctx context.Context, db bun.IDB, actorID, id int64) error {
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		d := new(Delivery)
		if err := tx.NewSelect().Model(d).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
			return database.MapError(err)
		}
		if d.Status == StatusSent {
			return apperr.Conflict("notify.delivery_sent")
		}
		if _, err := tx.NewUpdate().Model((*Delivery)(nil)).Where("id = ?", id).
			Set("status = 'pending'").Exec(ctx); err != nil {
			return database.MapError(err)
		}
		if err := jobs.InsertTx(ctx, tx, river.InsertManyParams{Args: Deliver{DeliveryID: id},
			InsertOpts: &river.InsertOpts{Queue: jobs.QueueNotify}}); err != nil {
			return err
		}
		var pid int64
		if d.ProjectID != nil {
			pid = *d.ProjectID
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: pid, ActorID: actorID, Entity: "delivery",
			EntityID: d.ID, Action: "retry", Before: map[string]string{"status": d.Status, "error": d.LastError},
			After: map[string]string{"status": StatusPending}})
	})
}
