package office

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/database"
	"rollout/internal/date"
)

// WorkKind is a kind of item on My work.
type WorkKind string

// Kinds of work, in the order My work groups them.
const (
	WorkVote         WorkKind = "vote"          // a submitted change request waits for the steering member's vote
	WorkGateDecision WorkKind = "gate_decision" // a gate review the steering member is invited to decide
	WorkApply        WorkKind = "apply"         // an approved change request a project manager may apply
	WorkCondition    WorkKind = "condition"     // an open gate condition (action item) the user owns
	WorkRiskReview   WorkKind = "risk_review"   // a risk the user owns whose review is due within a week or overdue
	WorkMeasurement  WorkKind = "measurement"   // a goal the user owns whose next measurement is due
	WorkRequirement  WorkKind = "requirement"   // a proposed requirement the user owns waits for their acceptance
	WorkMention      WorkKind = "mention"       // a comment mentions the user
)

// WorkKinds lists every kind of work in display order.
var WorkKinds = []WorkKind{WorkVote, WorkGateDecision, WorkApply, WorkCondition, WorkRiskReview, WorkMeasurement,
	WorkRequirement, WorkMention}

// RiskReviewLead is how many days ahead a risk's coming review shows on My work.
const RiskReviewLead = 7

// WorkItem is one thing that waits for the user, with what the page and the
// API need to say why and to link to where it is done.
type WorkItem struct {
	Kind        WorkKind   `bun:"kind" json:"kind"`
	ItemID      int64      `bun:"item_id" json:"id"` // what marking it done names: the request, review, risk, goal, action, requirement or comment id
	ProjectKey  string     `bun:"project_key" json:"project_key"`
	ProjectName string     `bun:"project_name" json:"project_name"`
	Ref         int64      `bun:"ref" json:"-"`     // the number or id in the item's page address
	Segment     string     `bun:"segment" json:"-"` // the page's path segment (changes, reviews …)
	Title       string     `bun:"title" json:"title"`
	DueOn       *date.Date `bun:"due_on,type:date" json:"due_on"`
	Since       *time.Time `bun:"since" json:"since,omitempty"`
	Person      string     `bun:"person" json:"person,omitempty"` // the requester, or the comment's author
	Detail      string     `bun:"detail" json:"detail,omitempty"` // a requirement's status, a risk's score, a comment's first words
	AnchorID    int64      `bun:"anchor_id" json:"-"`             // the comment a mention links to
	Overdue     bool       `bun:"-" json:"overdue"`               // due before today
}

// Path is where the item is done: the request, the review with its pack,
// the risk, the goal, the requirement, or the comment on its item.
func (w *WorkItem) Path() string {
	p := fmt.Sprintf("/projects/%s/%s/%d", w.ProjectKey, w.Segment, w.Ref)
	if w.Kind == WorkMention {
		p += fmt.Sprintf("#comment-%d", w.AnchorID)
	}
	return p
}

// Label is the item's human key where it has one (CRM-CR-7, CRM-R-3, CRM-42).
func (w *WorkItem) Label() string {
	switch w.Segment {
	case "changes":
		return fmt.Sprintf("%s-CR-%d", w.ProjectKey, w.Ref)
	case "risks":
		return fmt.Sprintf("%s-R-%d", w.ProjectKey, w.Ref)
	case "requirements":
		return fmt.Sprintf("%s-%d", w.ProjectKey, w.Ref)
	}
	return ""
}

// myWorkSQL is every kind of work in one UNION ALL over all the user's
// projects (archived projects left out: nothing can be done there), so My
// work is one query whatever the number of projects and items. Each branch
// joins the user's membership and asks for the role that may do the work, so
// a viewer never sees an action; items the user marked done or read stay
// away while their due date is the one they had when marked.
const myWorkSQL = `
WITH me AS (SELECT ?::bigint AS uid, ?::date AS today),
mine AS (
  SELECT m.project_id, m.role, p.key, p.name
  FROM members AS m JOIN projects AS p ON p.id = m.project_id, me
  WHERE m.user_id = me.uid AND NOT p.archived
),
work AS (
  SELECT 'vote' AS kind, cr.id AS item_id, mine.key AS project_key, mine.name AS project_name, cr.number::bigint AS ref,
         'changes' AS segment, cr.title, NULL::date AS due_on, cr.submitted_at AS since,
         coalesce(u.name, '') AS person, '' AS detail, 0::bigint AS anchor_id
  FROM mine JOIN change_requests AS cr ON cr.project_id = mine.project_id AND cr.status = 'submitted'
       LEFT JOIN users AS u ON u.id = cr.requested_by, me
  WHERE mine.role = 'steering' AND cr.requested_by IS DISTINCT FROM me.uid
    AND NOT EXISTS (SELECT 1 FROM change_votes AS v WHERE v.change_id = cr.id AND v.voter_id = me.uid)
UNION ALL
  SELECT 'gate_decision', gr.id, mine.key, mine.name, gr.id, 'reviews', ms.name, gr.scheduled_on, gr.created_at, '', '', 0
  FROM me, mine JOIN gate_reviews AS gr ON gr.project_id = mine.project_id
       JOIN milestones AS ms ON ms.id = gr.milestone_id
  WHERE mine.role = 'steering' AND gr.decision IS NULL AND gr.invited @> ARRAY[me.uid]
UNION ALL
  SELECT 'apply', cr.id, mine.key, mine.name, cr.number, 'changes', cr.title, NULL, cr.decided_at,
         coalesce(u.name, ''), '', 0
  FROM mine JOIN change_requests AS cr ON cr.project_id = mine.project_id AND cr.status = 'approved'
       LEFT JOIN users AS u ON u.id = cr.requested_by
  WHERE mine.role = 'project_manager'
UNION ALL
  SELECT 'condition', ra.id, mine.key, mine.name, gr.id, 'reviews', ra.text, ra.due_on, gr.decided_at, '', ms.name, 0
  FROM me, review_actions AS ra JOIN gate_reviews AS gr ON gr.id = ra.review_id
       JOIN mine ON mine.project_id = gr.project_id JOIN milestones AS ms ON ms.id = gr.milestone_id
  WHERE ra.owner_id = me.uid AND ra.status = 'open' AND mine.role <> 'viewer'
UNION ALL
  SELECT 'risk_review', r.id, mine.key, mine.name, r.number, 'risks', r.title, r.next_review_on, NULL, '',
         (r.probability * r.impact)::text, 0
  FROM me, risks AS r JOIN mine ON mine.project_id = r.project_id
  WHERE r.owner_id = me.uid AND r.status IN ('open', 'mitigating') AND mine.role <> 'viewer'
    AND r.next_review_on <= me.today + ?::int
UNION ALL
  SELECT 'measurement', g.id, mine.key, mine.name, g.id, 'goals', g.title, n.due_on, NULL, '',
         coalesce(to_char(lm.last, 'YYYY-MM-DD'), ''), 0
  FROM me, goals AS g JOIN mine ON mine.project_id = g.project_id
       CROSS JOIN LATERAL (SELECT max(x.measured_on) AS last FROM measurements AS x WHERE x.goal_id = g.id) AS lm
       CROSS JOIN LATERAL (SELECT (coalesce(lm.last, g.start_on) + CASE g.cadence WHEN 'weekly' THEN interval '7 days'
         WHEN 'quarterly' THEN interval '3 months' ELSE interval '1 month' END)::date AS due_on) AS n
  WHERE g.owner_id = me.uid AND mine.role <> 'viewer' AND g.start_on <= me.today AND n.due_on <= me.today
UNION ALL
  SELECT 'requirement', q.id, mine.key, mine.name, q.number, 'requirements', q.title, NULL, q.created_at, '', q.status, 0
  FROM me, requirements AS q JOIN mine ON mine.project_id = q.project_id
  WHERE q.owner_id = me.uid AND q.status = 'proposed' AND mine.role IN ('project_manager', 'business_owner')
UNION ALL
  SELECT 'mention', c.id, mine.key, mine.name, t.ref, t.segment, t.title, NULL, c.created_at, coalesce(a.name, ''),
         left(c.body, 140), c.id
  FROM me, comment_mentions AS cm JOIN comments AS c ON c.id = cm.comment_id
       JOIN mine ON mine.project_id = c.project_id
       LEFT JOIN users AS a ON a.id = c.author_id
       CROSS JOIN LATERAL (
         SELECT x.number::bigint AS ref, 'requirements' AS segment, x.title FROM requirements AS x WHERE c.entity = 'requirement' AND x.id = c.entity_id
         UNION ALL SELECT x.number, 'risks', x.title FROM risks AS x WHERE c.entity = 'risk' AND x.id = c.entity_id
         UNION ALL SELECT x.number, 'changes', x.title FROM change_requests AS x WHERE c.entity = 'change' AND x.id = c.entity_id
         UNION ALL SELECT x.id, 'goals', x.title FROM goals AS x WHERE c.entity = 'goal' AND x.id = c.entity_id
         UNION ALL SELECT x.id, 'milestones', x.name FROM milestones AS x WHERE c.entity = 'milestone' AND x.id = c.entity_id
         UNION ALL SELECT x.id, 'reviews', y.name FROM gate_reviews AS x JOIN milestones AS y ON y.id = x.milestone_id
           WHERE c.entity = 'review' AND x.id = c.entity_id
       ) AS t
  WHERE cm.user_id = me.uid
)
SELECT work.* FROM work, me
WHERE NOT EXISTS (SELECT 1 FROM work_reads AS wr WHERE wr.user_id = me.uid AND wr.kind = work.kind
                  AND wr.item_id = work.item_id AND wr.due_on IS NOT DISTINCT FROM work.due_on)`

// MyWork returns what waits for the user across every project they belong
// to, in one query: grouped by kind (WorkKinds order), each group by due
// date (undated items last, oldest first).
func MyWork(ctx context.Context, db bun.IDB, userID int64, today date.Date) ([]WorkItem, error) {
	items := []WorkItem{}
	if err := db.NewRaw(myWorkSQL, userID, today, RiskReviewLead).Scan(ctx, &items); err != nil {
		return nil, database.MapError(err)
	}
	for i := range items {
		items[i].Overdue = items[i].DueOn != nil && items[i].DueOn.Before(today)
	}
	slices.SortStableFunc(items, func(a, b WorkItem) int {
		if ka, kb := slices.Index(WorkKinds, a.Kind), slices.Index(WorkKinds, b.Kind); ka != kb {
			return ka - kb
		}
		switch {
		case a.DueOn != nil && b.DueOn != nil && *a.DueOn != *b.DueOn:
			if a.DueOn.Before(*b.DueOn) {
				return -1
			}
			return 1
		case (a.DueOn == nil) != (b.DueOn == nil):
			if a.DueOn != nil {
				return -1
			}
			return 1
		case a.Since != nil && b.Since != nil && !a.Since.Equal(*b.Since):
			return a.Since.Compare(*b.Since)
		}
		return int(a.ItemID - b.ItemID)
	})
	return items, nil
}

// MyWorkCount is how many items My work holds, for the top bar: one query.
func MyWorkCount(ctx context.Context, db bun.IDB, userID int64, today date.Date) (int, error) {
	var n int
	err := db.NewRaw("SELECT count(*) FROM ("+myWorkSQL+") AS w", userID, today, RiskReviewLead).Scan(ctx, &n)
	return n, database.MapError(err)
}

// MarkDone hides an item of My work from the user while its due date stays
// the one it has now (a mention is read for good; a risk reviewed since, with
// a new review date, comes back when that one is due). Only an item that is
// on the user's My work may be marked (or one marked already, which changes
// nothing): anything else is NotFound.
func MarkDone(ctx context.Context, db bun.IDB, userID int64, kind WorkKind, itemID int64, today date.Date) error {
	if !slices.Contains(WorkKinds, kind) {
		return apperr.InvalidField("kind", "validation.oneof", "Values", "vote, gate_decision, apply, condition, risk_review, measurement, requirement, mention")
	}
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		var due []struct {
			DueOn date.Date `bun:"due_on,type:date"` // zero for none, which stores NULL
		}
		err := tx.NewRaw("SELECT w.due_on FROM ("+myWorkSQL+") AS w WHERE w.kind = ? AND w.item_id = ?",
			userID, today, RiskReviewLead, string(kind), itemID).Scan(ctx, &due)
		if err != nil {
			return database.MapError(err)
		}
		if len(due) == 0 {
			// Marked already: saying so twice is no mistake.
			marked, err := tx.NewSelect().Table("work_reads").Where("user_id = ? AND kind = ? AND item_id = ?", userID, string(kind), itemID).Exists(ctx)
			if err != nil {
				return database.MapError(err)
			}
			if marked {
				return nil
			}
			return apperr.NotFound()
		}
		_, err = tx.NewRaw(`INSERT INTO work_reads (user_id, kind, item_id, due_on) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id, kind, item_id) DO UPDATE SET due_on = excluded.due_on, marked_at = now()`,
			userID, string(kind), itemID, due[0].DueOn).Exec(ctx)
		// A person's own read marks are not a change to any item (like a
		// session, they stay out of the audit trail).
		return database.MapError(err)
	})
}
