package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"rollout/internal/jobs"
	"rollout/internal/weekly"
)

// item is what a message says about the event's item.
type item struct {
	ProjectKey  string `bun:"project_key"`
	ProjectName string `bun:"project_name"`
	Actor       string `bun:"actor"`
	Ref         int64  `bun:"ref"`
	Segment     string `bun:"segment"`
	Title       string `bun:"title"`
	Detail      string `bun:"detail"`
	Due         string `bun:"due"`
	Anchor      int64  `bun:"anchor"`
}

func (it *item) label() string {
	switch it.Segment {
	case "changes":
		return fmt.Sprintf("%s-CR-%d", it.ProjectKey, it.Ref)
	case "risks":
		return fmt.Sprintf("%s-R-%d", it.ProjectKey, it.Ref)
	case "requirements":
		return fmt.Sprintf("%s-%d", it.ProjectKey, it.Ref)
	}
	return ""
}

func (it *item) path() string {
	p := fmt.Sprintf("/projects/%s/%s/%d", it.ProjectKey, it.Segment, it.Ref)
	if it.Anchor != 0 {
		p += fmt.Sprintf("#comment-%d", it.Anchor)
	}
	return p
}

// itemSQL reads an event's item, its project and its actor: ?0 the project,
// ?1 the item's id, ?2 the actor.
var itemSQL = map[string]string{
	"change": `SELECT 'changes' AS segment, x.number::bigint AS ref, x.title, '' AS detail, '' AS due, 0::bigint AS anchor
	           FROM change_requests AS x WHERE x.id = ?1 AND x.project_id = ?0`,
	"review": `SELECT 'reviews' AS segment, x.id AS ref, m.name AS title, coalesce(x.decision, '') AS detail,
	           x.scheduled_on::text AS due, 0::bigint AS anchor
	           FROM gate_reviews AS x JOIN milestones AS m ON m.id = x.milestone_id WHERE x.id = ?1 AND x.project_id = ?0`,
	"comment": `SELECT t.segment, t.ref, t.title, left(c.body, 300) AS detail, '' AS due, c.id AS anchor
	           FROM comments AS c CROSS JOIN LATERAL (
	             SELECT x.number::bigint AS ref, 'requirements' AS segment, x.title FROM requirements AS x WHERE c.entity = 'requirement' AND x.id = c.entity_id
	             UNION ALL SELECT x.number, 'risks', x.title FROM risks AS x WHERE c.entity = 'risk' AND x.id = c.entity_id
	             UNION ALL SELECT x.number, 'changes', x.title FROM change_requests AS x WHERE c.entity = 'change' AND x.id = c.entity_id
	             UNION ALL SELECT x.id, 'goals', x.title FROM goals AS x WHERE c.entity = 'goal' AND x.id = c.entity_id
	             UNION ALL SELECT x.id, 'milestones', x.name FROM milestones AS x WHERE c.entity = 'milestone' AND x.id = c.entity_id
	             UNION ALL SELECT x.id, 'reviews', y.name FROM gate_reviews AS x JOIN milestones AS y ON y.id = x.milestone_id
	               WHERE c.entity = 'review' AND x.id = c.entity_id) AS t
	           WHERE c.id = ?1 AND c.project_id = ?0`,
	"risk": `SELECT 'risks' AS segment, x.number::bigint AS ref, x.title, (x.probability * x.impact)::text AS detail,
	           coalesce(x.next_review_on::text, '') AS due, 0::bigint AS anchor FROM risks AS x WHERE x.id = ?1 AND x.project_id = ?0`,
	"goal": `SELECT 'goals' AS segment, x.id AS ref, x.title, '' AS detail, '' AS due, 0::bigint AS anchor
	           FROM goals AS x WHERE x.id = ?1 AND x.project_id = ?0`,
	"weekly": `SELECT 'reports' AS segment, x.id AS ref, x.week_start::text AS title, '' AS detail, '' AS due, 0::bigint AS anchor
	           FROM weekly_reports AS x WHERE x.id = ?1 AND x.project_id = ?0`,
	"condition": `SELECT 'reviews' AS segment, r.id AS ref, x.text AS title, m.name AS detail, coalesce(x.due_on::text, '') AS due, 0::bigint AS anchor
	           FROM review_actions AS x JOIN gate_reviews AS r ON r.id = x.review_id JOIN milestones AS m ON m.id = r.milestone_id
	           WHERE x.id = ?1 AND r.project_id = ?0`,
}

const pms = `SELECT user_id FROM members WHERE project_id = ?0 AND role = 'project_manager'`

// recipientSQL picks who hears of an event by e-mail (?0 the project, ?1
// the item): the people My work shows it to, and the project managers who
// follow a decision.
var recipientSQL = map[string]string{
	jobs.VoteRequested:       `SELECT user_id FROM members WHERE project_id = ?0 AND role = 'steering'`,
	jobs.ChangeApproved:      `SELECT requested_by FROM change_requests WHERE id = ?1 UNION ` + pms,
	jobs.ChangeRejected:      `SELECT requested_by FROM change_requests WHERE id = ?1 UNION ` + pms,
	jobs.ChangeApplied:       `SELECT requested_by FROM change_requests WHERE id = ?1 UNION ` + pms,
	jobs.GateReviewScheduled: `SELECT unnest(invited) FROM gate_reviews WHERE id = ?1`,
	jobs.GateReviewDecided:   `SELECT unnest(invited) FROM gate_reviews WHERE id = ?1 UNION ` + pms,
	jobs.Mention:             `SELECT user_id FROM comment_mentions WHERE comment_id = ?1`,
	jobs.RiskReviewDue:       `SELECT owner_id FROM risks WHERE id = ?1`,
	jobs.MeasurementDue:      `SELECT owner_id FROM goals WHERE id = ?1`,
	jobs.ConditionDue:        `SELECT owner_id FROM review_actions WHERE id = ?1`,
	// The members of the roles the report was sent to.
	jobs.WeeklyReport: `SELECT m.user_id FROM members AS m JOIN weekly_reports AS w ON w.project_id = m.project_id
	                    WHERE w.id = ?1 AND m.role = ANY(w.sent_roles)`,
}

// itemOf says which itemSQL an event reads.
func itemOf(kind string) string {
	switch kind {
	case jobs.VoteRequested, jobs.ChangeApproved, jobs.ChangeRejected, jobs.ChangeApplied:
		return "change"
	case jobs.GateReviewScheduled, jobs.GateReviewDecided:
		return "review"
	case jobs.Mention:
		return "comment"
	case jobs.RiskReviewDue:
		return "risk"
	case jobs.MeasurementDue:
		return "goal"
	case jobs.ConditionDue:
		return "condition"
	case jobs.WeeklyReport:
		return "weekly"
	}
	return ""
}

// recipient is a user told by e-mail, with their preferences.
type recipient struct {
	ID       int64    `bun:"id"`
	Email    string   `bun:"email"`
	Name     string   `bun:"name"`
	Language string   `bun:"language"`
	Events   []string `bun:"events,array"`
	HasPrefs bool     `bun:"has_prefs"`
	Digest   bool     `bun:"digest"`
}

func (r *recipient) wants(kind string) bool {
	return !r.HasPrefs || r.Events == nil || slices.Contains(r.Events, kind)
}

type eventWorker struct {
	river.WorkerDefaults[jobs.Event]
	s *Service
}

// Work fans the event out: one delivery per recipient by e-mail (or a
// digest line) and per project webhook that wants it, in one transaction.
func (w *eventWorker) Work(ctx context.Context, job *river.Job[jobs.Event]) error {
	key := job.Args.Key
	if key == "" {
		key = "job" + strconv.FormatInt(job.ID, 10)
	}
	return w.s.fanOut(ctx, job.Args, key, nil)
}

// fanOut plans and enqueues the deliveries of ev. recipients, when given,
// replace the event's own.
func (s *Service) fanOut(ctx context.Context, ev jobs.Event, key string, recipients []int64) error {
	which := itemOf(ev.Event)
	if which == "" {
		return nil
	}
	it := new(item)
	q := `SELECT p.key AS project_key, p.name AS project_name, coalesce((SELECT name FROM users WHERE id = ?2), '') AS actor, i.*
	      FROM projects AS p, (` + itemSQL[which] + `) AS i WHERE p.id = ?0`
	if err := s.db.NewRaw(q, ev.ProjectID, ev.EntityID, ev.ActorID).Scan(ctx, it); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil // the item is gone: nothing to tell
		}
		return err
	}
	var people []recipient
	sel := recipientSQL[ev.Event]
	if recipients != nil {
		sel = `SELECT unnest(?3::bigint[])`
	}
	if sel != "" {
		err := s.db.NewRaw(`SELECT u.id, u.email, u.name, u.language, np.events, np.user_id IS NOT NULL AS has_prefs,
		         coalesce(np.digest, false) AS digest
		       FROM users AS u LEFT JOIN notification_prefs AS np ON np.user_id = u.id
		       WHERE u.id IN (`+sel+`) AND u.id <> ?2 AND NOT u.disabled
		         AND u.id IN (SELECT user_id FROM members WHERE project_id = ?0)
		       ORDER BY u.id`, ev.ProjectID, ev.EntityID, ev.ActorID, pgArray(recipients)).Scan(ctx, &people)
		if err != nil {
			return err
		}
	}
	if ev.Event == jobs.Mention && len(people) == 0 {
		return nil // a comment that mentions no one else is no news
	}
	msgFor := func(lang string) Message { return s.message(ev, it, lang) }
	if ev.Event == jobs.WeeklyReport {
		r, err := weekly.Get(ctx, s.db, ev.ProjectID, ev.EntityID)
		if err != nil {
			return err
		}
		msgFor = func(lang string) Message { return s.weeklyMessage(r, it, lang) }
	}
	hooks, err := Webhooks(ctx, s.db, ev.ProjectID)
	if err != nil {
		return err
	}
	var plan []planned
	var digests []digestLine
	pid := ev.ProjectID
	if s.cfg.Mailer.Configured() {
		for _, r := range people {
			if !r.wants(ev.Event) || r.Email == "" {
				continue
			}
			msg := msgFor(r.Language)
			msg.To, msg.ToName = r.Email, r.Name
			k := fmt.Sprintf("%s:user%d:email", key, r.ID)
			if r.Digest && ev.Event != jobs.WeeklyReport { // a report is a digest of its own
				digests = append(digests, digestLine{UserID: r.ID, Key: k, Message: msg})
				continue
			}
			plan = append(plan, planned{d: Delivery{Key: k, ProjectID: &pid, Event: ev.Event, Channel: ChannelEmail, Target: r.Email}, msg: msg})
		}
	}
	for i := range hooks {
		h := &hooks[i]
		if !h.Wants(ev.Event) {
			continue
		}
		id := h.ID
		plan = append(plan, planned{d: Delivery{Key: fmt.Sprintf("%s:webhook%d:%s", key, h.ID, h.Kind), ProjectID: &pid,
			Event: ev.Event, Channel: h.Kind, Target: strconv.FormatInt(h.ID, 10), WebhookID: &id}, msg: msgFor(h.Language)})
	}
	if len(plan) == 0 && len(digests) == 0 {
		return nil
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := holdForDigest(ctx, tx, digests); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, plan)
	})
}

// message words the event for a reader of lang.
func (s *Service) message(ev jobs.Event, it *item, lang string) Message {
	t := s.cfg.I18n.For(lang)
	label := it.label()
	name := it.Title
	if label != "" {
		name = label + " " + it.Title
	}
	data := map[string]any{"Item": name, "Actor": it.Actor, "Due": it.Due, "Detail": it.Detail}
	if ev.Event == jobs.GateReviewDecided && it.Detail != "" {
		data["Detail"] = t.T("enum.decision." + it.Detail)
	}
	msg := Message{Event: ev.Event, ProjectKey: it.ProjectKey, ProjectName: it.ProjectName,
		Title: t.TData("notify."+ev.Event+".title", data), Link: s.link(it.path()), LinkText: t.T("notify.open"),
		Footer: t.T("notify.footer"), At: s.cfg.Now().UTC(), Lang: t.Lang}
	if line := t.TData("notify."+ev.Event+".body", data); line != "" && line != "notify."+ev.Event+".body" {
		msg.Lines = append(msg.Lines, line)
	}
	if ev.Event == jobs.Mention && it.Detail != "" {
		msg.Lines = append(msg.Lines, "“"+it.Detail+"”")
	}
	return msg
}
