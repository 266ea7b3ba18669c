package notify

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/jobs"
	"rollout/internal/project"
)

// Kinds of webhooks.
var Kinds = []string{KindGeneric, KindWeCom, KindDingTalk, KindFeishu}

// Webhook is a project's group bot or generic webhook. Its secret is written
// once and never read back out: JSON leaves it out, pages show only whether
// one is set.
type Webhook struct {
	bun.BaseModel `bun:"table:project_webhooks,alias:w"`

	ID        int64     `bun:",pk,autoincrement" json:"id"`
	ProjectID int64     `bun:",notnull" json:"-"`
	Kind      string    `bun:",notnull" json:"kind"`
	URL       string    `bun:"url,notnull" json:"url"`
	Secret    string    `bun:",notnull" json:"-"`
	Events    []string  `bun:",array,notnull" json:"events"`
	CreatedBy *int64    `json:"-"`
	CreatedAt time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"created_at"`

	HasSecret bool   `bun:"-" json:"has_secret"`
	Language  string `bun:",scanonly" json:"-"` // the creator's language: the bot's messages speak it
}

// WebhookInput creates a webhook (form and API body).
type WebhookInput struct {
	Kind   string   `json:"kind" form:"kind" validate:"required,oneof=generic wecom dingtalk feishu"`
	URL    string   `json:"url" form:"url" validate:"required,max=2000"`
	Secret string   `json:"secret" form:"secret" validate:"max=500"`
	Events []string `json:"events" form:"events" validate:"max=20,dive,max=40"`
}

// Webhooks lists a project's webhooks, oldest first.
func Webhooks(ctx context.Context, db bun.IDB, projectID int64) ([]Webhook, error) {
	hs := []Webhook{}
	err := db.NewSelect().Model(&hs).ColumnExpr("w.*").ColumnExpr("coalesce(u.language, 'en') AS language").
		Join("LEFT JOIN users AS u ON u.id = w.created_by").
		Where("w.project_id = ?", projectID).OrderExpr("w.id").Scan(ctx)
	for i := range hs {
		hs[i].HasSecret = hs[i].Secret != ""
	}
	return hs, database.MapError(err)
}

// GetWebhook returns one of the project's webhooks.
func GetWebhook(ctx context.Context, db bun.IDB, projectID, id int64) (*Webhook, error) {
	h := new(Webhook)
	err := db.NewSelect().Model(h).ColumnExpr("w.*").ColumnExpr("coalesce(u.language, 'en') AS language").
		Join("LEFT JOIN users AS u ON u.id = w.created_by").
		Where("w.project_id = ? AND w.id = ?", projectID, id).Scan(ctx)
	h.HasSecret = h.Secret != ""
	return h, database.MapError(err)
}

// Wants reports whether the webhook receives events of kind.
func (h *Webhook) Wants(kind string) bool {
	return len(h.Events) == 0 || slices.Contains(h.Events, kind)
}

func (in *WebhookInput) check() error {
	in.URL, in.Secret = strings.TrimSpace(in.URL), strings.TrimSpace(in.Secret)
	fields := map[string]apperr.Message{}
	if !slices.Contains(Kinds, in.Kind) {
		fields["kind"] = apperr.Msg("notify.kind_unknown")
	}
	u, err := url.Parse(in.URL)
	if in.URL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(in.URL) > 2000 {
		fields["url"] = apperr.Msg("notify.url_invalid")
	}
	if len(in.Secret) > 500 || strings.ContainsAny(in.Secret, "\r\n\t") {
		fields["secret"] = apperr.Msg("notify.secret_invalid")
	}
	seen := map[string]bool{}
	events := []string{}
	for _, e := range in.Events {
		if e == "" || seen[e] {
			continue
		}
		if !slices.Contains(jobs.EventKinds, e) {
			fields["events"] = apperr.Msg("notify.event_unknown")
		}
		seen[e] = true
		events = append(events, e)
	}
	in.Events = events
	return apperr.InvalidIf(fields)
}

// CreateWebhook adds a webhook to the project: project managers only. The
// audit entry leaves the URL's query and the secret out.
func CreateWebhook(ctx context.Context, db bun.IDB, caller project.Caller, projectID int64, in WebhookInput) (*Webhook, error) {
	if !caller.Can(project.EditProject) {
		return nil, apperr.Forbidden()
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	h := &Webhook{ProjectID: projectID, Kind: in.Kind, URL: in.URL, Secret: in.Secret, Events: in.Events, CreatedBy: &caller.UserID}
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(h).Returning("id, created_at").Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: caller.UserID, Entity: "webhook",
			EntityID: h.ID, Action: audit.Create, After: trail(h)})
	})
	h.HasSecret = h.Secret != ""
	return h, err
}

// DeleteWebhook removes a webhook: project managers only.
func DeleteWebhook(ctx context.Context, db bun.IDB, caller project.Caller, projectID, id int64) error {
	if !caller.Can(project.EditProject) {
		return apperr.Forbidden()
	}
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		h, err := GetWebhook(ctx, tx, projectID, id)
		if err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*Webhook)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: caller.UserID, Entity: "webhook",
			EntityID: id, Action: audit.Delete, Before: trail(h)})
	})
}

// trail is what the audit keeps of a webhook: never the secret, nor the
// URL's query (a DingTalk access token).
func trail(h *Webhook) map[string]any {
	return map[string]any{"kind": h.Kind, "url": redactURL(h.URL), "events": h.Events, "secret": h.Secret != ""}
}

// SendTest sends a test message to the webhook now and says whether it went.
func (s *Service) SendTest(ctx context.Context, h *Webhook, projectKey, projectName string) error {
	t := s.cfg.I18n.For(h.Language)
	msg := Message{Event: "test", ProjectKey: projectKey, ProjectName: projectName, Title: t.T("notify.test.title"),
		Lines: []string{t.T("notify.test.body")}, Link: s.link("/projects/" + projectKey), LinkText: t.T("notify.open"),
		At: s.cfg.Now(), Lang: t.Lang}
	return Post(ctx, s.cfg.HTTP, h.Kind, h.URL, h.Secret, "test", msg, s.cfg.Now())
}

func (s *Service) link(path string) string { return s.cfg.BaseURL + path }

// SendTestTo sends a test message with cfg, for callers without a running
// Service (the web server holds only the configuration).
func SendTestTo(ctx context.Context, cfg Config, h *Webhook, projectKey, projectName string) error {
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{cfg: cfg}
	return s.SendTest(ctx, h, projectKey, projectName)
}
