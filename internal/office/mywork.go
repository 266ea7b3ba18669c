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
// projects, so My work is one query whatever the number of projects and
// items. The query is the function my_work (migration 0027, where its rules
// are written down): a PL/pgSQL function keeps its plan per connection, and
// planning the query was most of what it cost on every page's top bar.
const myWorkSQL = `SELECT * FROM my_work(?::bigint, ?::date, ?::int)`

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
