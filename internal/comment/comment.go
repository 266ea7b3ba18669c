// Package comment holds the comments people leave on a project's items
// (requirements, risks, goals, milestones, gate reviews and change requests):
// plain text with line breaks and links, and the members it mentions. A
// mention is resolved to a user id when the comment is written, so renaming a
// person changes nothing, and it is what My work (office.MyWork) shows the
// mentioned member until they mark it read.
//
// Authors edit and delete only their own comments, with the version they
// read; viewers never comment. Every write is in the audit trail (entity
// "comment"), so an edited or deleted comment keeps its earlier words there.
package comment

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/project"
)

// Kind is the kind of item a comment is on.
type Kind string

// Kinds of commented items; the value is the comments table's entity.
const (
	Requirement Kind = "requirement"
	Risk        Kind = "risk"
	Goal        Kind = "goal"
	Milestone   Kind = "milestone"
	Review      Kind = "review"
	Change      Kind = "change"
)

// Kinds lists every kind of item that takes comments.
var Kinds = []Kind{Requirement, Risk, Goal, Milestone, Review, Change}

// segments are the path segments of each kind in the item's own URL and API
// path (/projects/CRM/changes/7, /api/v1/projects/CRM/requirements/42).
var segments = map[Kind]string{Requirement: "requirements", Risk: "risks", Goal: "goals",
	Milestone: "milestones", Review: "reviews", Change: "changes"}

// Segment returns the kind's path segment ("requirements").
func (k Kind) Segment() string { return segments[k] }

// KindOfSegment returns the kind whose path segment is seg.
func KindOfSegment(seg string) (Kind, bool) {
	for k, s := range segments {
		if s == seg {
			return k, true
		}
	}
	return "", false
}

// MaxBody is the longest comment, in characters.
const MaxBody = 10000

// MaxMentions is the most members one comment may mention.
const MaxMentions = 50

// Comment is one comment on an item.
type Comment struct {
	bun.BaseModel `bun:"table:comments,alias:c"`

	ID        int64     `bun:",pk,autoincrement" json:"id"`
	ProjectID int64     `json:"-"`
	Entity    Kind      `json:"kind"`
	EntityID  int64     `json:"item_id"`
	AuthorID  int64     `json:"author_id"`
	Body      string    `json:"body"`
	Version   int       `json:"version"`
	CreatedAt time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"created_at"`
	UpdatedAt time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"updated_at"`

	// Read with the comment: the mentioned members (ids and names, same
	// order) and the author's name.
	Mentions     []int64  `bun:",array,scanonly" json:"mentions"`
	MentionNames []string `bun:",array,scanonly" json:"mention_names"`
	AuthorName   string   `bun:",scanonly" json:"author_name"`
}

// Edited reports whether the comment was changed after it was written.
func (c *Comment) Edited() bool { return c.Version > 1 }

// Input writes or edits a comment: the text and the user ids it mentions
// (members of the project). Version is the one read, for edits.
type Input struct {
	Body     string  `json:"body" form:"body"`
	Mentions []int64 `json:"mentions" form:"mentions"`
	Version  int     `json:"version" form:"version"`
}

// CanComment reports whether the caller may comment in the project (members
// but viewers).
func CanComment(caller project.Caller) bool { return caller.Can(project.Comment) }

// CanChange reports whether the caller may edit or delete the comment: its
// author, while they may still comment.
func CanChange(caller project.Caller, c *Comment) bool {
	return CanComment(caller) && c.AuthorID == caller.UserID
}

// check trims and bounds the input and verifies that every mention is a
// member of the project (one query).
func (in *Input) check(ctx context.Context, db bun.IDB, projectID int64) error {
	in.Body = strings.TrimSpace(strings.ReplaceAll(in.Body, "\r\n", "\n"))
	fields := map[string]apperr.Message{}
	switch {
	case in.Body == "":
		fields["body"] = apperr.Msg("validation.required")
	case !utf8.ValidString(in.Body) || strings.ContainsFunc(in.Body, badRune):
		fields["body"] = apperr.Msg("comment.body_control")
	case utf8.RuneCountInString(in.Body) > MaxBody:
		fields["body"] = apperr.Msg("validation.max_len", "Max", MaxBody)
	}
	slices.Sort(in.Mentions)
	in.Mentions = slices.Compact(in.Mentions)
	if len(in.Mentions) > MaxMentions {
		fields["mentions"] = apperr.Msg("validation.max_len", "Max", MaxMentions)
	} else if len(in.Mentions) > 0 {
		n, err := db.NewSelect().Table("members").Where("project_id = ? AND user_id IN (?)", projectID, bun.List(in.Mentions)).Count(ctx)
		if err != nil {
			return database.MapError(err)
		}
		if int(n) != len(in.Mentions) {
			fields["mentions"] = apperr.Msg("comment.mention_not_member")
		}
	}
	if len(fields) > 0 {
		return apperr.Invalid(fields)
	}
	return nil
}

// badRune refuses control characters other than line breaks and tabs.
func badRune(r rune) bool {
	return r != '\n' && r != '\t' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029')
}

// Create writes a comment on the item t as the caller.
func Create(ctx context.Context, db bun.IDB, caller project.Caller, projectID int64, t *Target, in Input) (*Comment, error) {
	if !CanComment(caller) {
		return nil, apperr.Forbidden()
	}
	var c *Comment
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if err := in.check(ctx, tx, projectID); err != nil {
			return err
		}
		c = &Comment{ProjectID: projectID, Entity: t.Kind, EntityID: t.ID, AuthorID: caller.UserID, Body: in.Body, Version: 1}
		if _, err := tx.NewInsert().Model(c).Returning("*").Exec(ctx); err != nil {
			return database.MapError(err)
		}
		if err := addMentions(ctx, tx, c.ID, in.Mentions); err != nil {
			return err
		}
		c.Mentions = in.Mentions
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: caller.UserID, Entity: "comment",
			EntityID: c.ID, Action: audit.Create, After: trail(c), Ref: t.Label})
	})
	return c, err
}

func addMentions(ctx context.Context, tx bun.IDB, commentID int64, users []int64) error {
	if len(users) == 0 {
		return nil
	}
	_, err := tx.NewRaw("INSERT INTO comment_mentions (comment_id, user_id) SELECT ?, unnest(?::bigint[]) ON CONFLICT DO NOTHING",
		commentID, pgdialect.Array(users)).Exec(ctx)
	return database.MapError(err)
}

// Get returns one comment of the project with its mentions.
func Get(ctx context.Context, db bun.IDB, projectID, id int64) (*Comment, error) {
	var cs []Comment
	if err := selectComments(db, &cs).Where("c.project_id = ? AND c.id = ?", projectID, id).Scan(ctx); err != nil {
		return nil, database.MapError(err)
	}
	if len(cs) == 0 {
		return nil, apperr.NotFound()
	}
	return &cs[0], nil
}

// List returns the comments on one item in time order, one query.
func List(ctx context.Context, db bun.IDB, projectID int64, kind Kind, itemID int64) ([]Comment, error) {
	cs := []Comment{}
	err := selectComments(db, &cs).Where("c.project_id = ? AND c.entity = ? AND c.entity_id = ?", projectID, kind, itemID).
		OrderExpr("c.created_at, c.id").Scan(ctx)
	return cs, database.MapError(err)
}

func selectComments(db bun.IDB, dst *[]Comment) *bun.SelectQuery {
	return db.NewSelect().Model(dst).
		ColumnExpr("c.*").
		ColumnExpr("coalesce(a.name, '') AS author_name").
		ColumnExpr("coalesce(m.ids, '{}') AS mentions, coalesce(m.names, '{}') AS mention_names").
		Join("LEFT JOIN users AS a ON a.id = c.author_id").
		Join(`LEFT JOIN LATERAL (SELECT array_agg(u.id ORDER BY u.id) AS ids, array_agg(u.name ORDER BY u.id) AS names
			FROM comment_mentions AS cm JOIN users AS u ON u.id = cm.user_id WHERE cm.comment_id = c.id) AS m ON true`)
}

// Update edits the caller's own comment if in.Version is still current; the
// mentions given replace the stored ones.
func Update(ctx context.Context, db bun.IDB, caller project.Caller, projectID, id int64, in Input) (*Comment, error) {
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := Get(ctx, tx, projectID, id)
		if err != nil {
			return err
		}
		if !CanChange(caller, before) {
			return apperr.Forbidden()
		}
		if in.Version == 0 {
			return apperr.InvalidField("version", "validation.version_required")
		}
		if err := in.check(ctx, tx, projectID); err != nil {
			return err
		}
		old := editRow{ID: id, Body: before.Body, Mentions: before.Mentions, Version: before.Version}
		next := editRow{ID: id, Body: in.Body, Mentions: in.Mentions}
		if err := audit.UpdateVersioned(ctx, tx, audit.Write{ProjectID: projectID, ActorID: caller.UserID, Entity: "comment",
			EntityID: id, Before: &old, After: &next}, in.Version, "body"); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Table("comment_mentions").Where("comment_id = ? AND NOT user_id = ANY(?::bigint[])", id, pgdialect.Array(append([]int64{0}, in.Mentions...))).Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return addMentions(ctx, tx, id, in.Mentions)
	})
	if err != nil {
		return nil, err
	}
	return Get(ctx, db, projectID, id)
}

// Delete removes the caller's own comment if version is still current; the
// audit trail keeps its text.
func Delete(ctx context.Context, db bun.IDB, caller project.Caller, projectID, id int64, version int) error {
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := Get(ctx, tx, projectID, id)
		if err != nil {
			return err
		}
		if !CanChange(caller, before) {
			return apperr.Forbidden()
		}
		if version == 0 {
			return apperr.InvalidField("version", "validation.version_required")
		}
		res, err := tx.NewDelete().Table("comments").Where("id = ? AND version = ?", id, version).Exec(ctx)
		if err != nil {
			return database.MapError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflict("")
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: caller.UserID, Entity: "comment",
			EntityID: id, Action: audit.Delete, Before: trail(before)})
	})
}

// editRow is the part of a comment an edit writes, and what its audit entry
// compares (the mentions live in their own table).
type editRow struct {
	bun.BaseModel `bun:"table:comments"`

	ID        int64     `bun:",pk" json:"-"`
	Body      string    `json:"body"`
	Mentions  []int64   `bun:"-" json:"mentions"`
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// trailEntry is what the audit trail keeps of a comment: the item it is on
// is the entry's ref on creation (CRM-42), and ids of items stay out of its
// values so an archive can carry them (author and mentions are people).
type trailEntry struct {
	AuthorID int64   `json:"author_id"`
	Body     string  `json:"body"`
	Mentions []int64 `json:"mentions"`
}

func trail(c *Comment) trailEntry {
	return trailEntry{AuthorID: c.AuthorID, Body: c.Body, Mentions: c.Mentions}
}
