package comment

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database/dbtest"
	"rollout/internal/project"
	"rollout/internal/requirement"
)

type fixture struct {
	db                      *bun.DB
	project                 *project.Project
	pm, member, viewer, out *account.User
	target                  *Target
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	db := dbtest.New(t)
	ctx := context.Background()
	user := func(email, name string) *account.User {
		u, err := account.Create(ctx, db, 0, account.NewUser{Email: email, Name: name, Password: "long enough password"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f := fixture{db: db, pm: user("pm@example.com", "Pat Manager"), member: user("mo@example.com", "Mo"),
		viewer: user("vi@example.com", "Vi"), out: user("out@example.com", "Outsider")}
	p, err := project.Create(ctx, db, f.pm.ID, project.Input{Key: "CRM", Name: "CRM"}, "en")
	if err != nil {
		t.Fatal(err)
	}
	f.project = p
	for u, role := range map[*account.User]project.Role{f.member: project.RoleMember, f.viewer: project.RoleViewer} {
		if _, err := project.AddMember(ctx, db, 0, p.ID, project.MemberInput{Email: u.Email, Role: role, Department: project.DeptSales}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := requirement.Create(ctx, db, 0, p.ID, requirement.Input{Title: "Lead capture", Tier: requirement.Must,
		Kind: requirement.Feature, Approach: requirement.Configuration}); err != nil {
		t.Fatal(err)
	}
	f.target, err = FindTarget(ctx, db, p.ID, p.Key, Requirement, 1)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f fixture) caller(t *testing.T, u *account.User) project.Caller {
	t.Helper()
	c, err := project.CallerFor(context.Background(), f.db, f.project.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f fixture) count(t *testing.T, table string) int {
	t.Helper()
	n, err := f.db.NewSelect().Table(table).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func TestCommentsAreWrittenEditedAndDeletedByTheirAuthor(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if f.target.Label != "CRM-1" || f.target.Path("CRM") != "/projects/CRM/requirements/1" {
		t.Fatalf("target %+v", f.target)
	}
	c, err := Create(ctx, f.db, f.caller(t, f.member), f.project.ID, f.target, Input{Body: "  Ask @Pat Manager \r\nplease ", Mentions: []int64{f.pm.ID, f.pm.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Body != "Ask @Pat Manager \nplease" || c.Version != 1 {
		t.Fatalf("comment %+v", c)
	}
	list, err := List(ctx, f.db, f.project.ID, Requirement, f.target.ID)
	if err != nil || len(list) != 1 || list[0].AuthorName != "Mo" || len(list[0].Mentions) != 1 || list[0].MentionNames[0] != "Pat Manager" {
		t.Fatalf("list %+v %v", list, err)
	}

	// Someone else may not edit or delete it, not even a project manager.
	if _, err := Update(ctx, f.db, f.caller(t, f.pm), f.project.ID, c.ID, Input{Body: "mine now", Version: 1}); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("edit by another: %v", err)
	}
	if err := Delete(ctx, f.db, f.caller(t, f.pm), f.project.ID, c.ID, 1); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("delete by another: %v", err)
	}
	// The author edits with the version read; a stale version changes nothing.
	u, err := Update(ctx, f.db, f.caller(t, f.member), f.project.ID, c.ID, Input{Body: "Ask @Vi instead", Mentions: []int64{f.viewer.ID}, Version: 1})
	if err != nil || u.Body != "Ask @Vi instead" || u.Version != 2 || len(u.Mentions) != 1 || u.Mentions[0] != f.viewer.ID {
		t.Fatalf("edit %+v %v", u, err)
	}
	if _, err := Update(ctx, f.db, f.caller(t, f.member), f.project.ID, c.ID, Input{Body: "late", Version: 1}); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("stale edit: %v", err)
	}
	if err := Delete(ctx, f.db, f.caller(t, f.member), f.project.ID, c.ID, 1); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("stale delete: %v", err)
	}
	if err := Delete(ctx, f.db, f.caller(t, f.member), f.project.ID, c.ID, 2); err != nil {
		t.Fatal(err)
	}
	if f.count(t, "comments") != 0 || f.count(t, "comment_mentions") != 0 {
		t.Fatal("comment left behind")
	}
	// The trail keeps every version of the words.
	entries, _ := audit.List(ctx, f.db, audit.Filter{ProjectID: f.project.ID, Entity: "comment", Limit: 10})
	if len(entries) != 3 || entries[0].Action != audit.Delete || entries[2].Ref != "CRM-1" {
		t.Fatalf("trail %+v", entries)
	}
	if ch := entries[1].Changes(); len(ch) != 2 || ch[0].Field != "body" || ch[0].Before != "Ask @Pat Manager \nplease" {
		t.Fatalf("edit entry %+v", ch)
	}
}

func TestCommentsRefuseViewersBadTextAndOutsiders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := Create(ctx, f.db, f.caller(t, f.viewer), f.project.ID, f.target, Input{Body: "hello"}); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("viewer: %v", err)
	}
	if _, err := Create(ctx, f.db, f.caller(t, f.out), f.project.ID, f.target, Input{Body: "hello"}); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("outsider: %v", err)
	}
	for body, field := range map[string]string{"   ": "body", "bell\a": "body"} {
		_, err := Create(ctx, f.db, f.caller(t, f.member), f.project.ID, f.target, Input{Body: body})
		var ae *apperr.Error
		if !apperr.Is(err, apperr.KindInvalid) || !asErr(err, &ae) || ae.Fields[field].ID == "" {
			t.Fatalf("%q: %v", body, err)
		}
	}
	_, err := Create(ctx, f.db, f.caller(t, f.member), f.project.ID, f.target, Input{Body: "hi", Mentions: []int64{f.out.ID}})
	var ae *apperr.Error
	if !asErr(err, &ae) || ae.Fields["mentions"].ID != "comment.mention_not_member" {
		t.Fatalf("outsider mentioned: %v", err)
	}
	if f.count(t, "comments") != 0 {
		t.Fatal("a refused comment was written")
	}
	if _, err := FindTarget(ctx, f.db, f.project.ID, "CRM", Requirement, 99); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("missing item: %v", err)
	}
}

func asErr(err error, ae **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	*ae = e
	return ok
}
