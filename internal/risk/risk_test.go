package risk

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/project"
	"rollout/internal/project/projecttest"
)

type fixture struct {
	db      *bun.DB
	project *project.Project
	pm      *account.User // the project manager
	member  *account.User // a team member
	viewer  *account.User
	today   date.Date
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
	f := fixture{db: db, pm: user("pm@example.com", "Pat PM"), member: user("li@example.com", "Li Member"),
		viewer: user("vic@example.com", "Vic Viewer"), today: date.New(2026, 6, 15)}
	p, err := project.Create(ctx, db, f.pm.ID, project.Input{Key: "CRM", Name: "CRM", Template: "blank"}, "en")
	if err != nil {
		t.Fatal(err)
	}
	f.project = p
	for _, m := range []struct {
		u    *account.User
		role project.Role
	}{{f.member, project.RoleMember}, {f.viewer, project.RoleViewer}} {
		if _, err := project.AddMember(ctx, db, f.pm.ID, p.ID, project.MemberInput{Email: m.u.Email, Role: m.role, Department: project.DeptSales}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func ip(n int) *int { return &n }

func (f fixture) input(p, i int) Input {
	return Input{Title: "Mock migration fails", Category: DataMigration, Probability: p, Impact: i, OwnerID: f.pm.ID,
		Mitigation: "Two full rehearsals", NextReviewOn: f.today.AddDays(14)}
}

func (f fixture) create(t *testing.T, in Input) *Risk {
	t.Helper()
	r, err := Create(context.Background(), f.db, f.pm.ID, f.project.ID, in, f.today)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func count(t *testing.T, db bun.IDB, table string) int {
	t.Helper()
	n, err := db.NewSelect().Table(table).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func TestScoreAndLevel(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		p, i, score int
		level       Severity
	}{
		{1, 1, 1, Low}, {1, 4, 4, Low}, {2, 2, 4, Low}, {4, 1, 4, Low},
		{1, 5, 5, Medium}, {2, 3, 6, Medium}, {3, 3, 9, Medium}, {2, 4, 8, Medium},
		{2, 5, 10, High}, {3, 4, 12, High}, {3, 5, 15, High}, {4, 4, 16, High},
		{4, 5, 20, Critical}, {5, 4, 20, Critical}, {5, 5, 25, Critical},
	} {
		if s := Score(c.p, c.i); s != c.score || Level(s) != c.level {
			t.Errorf("%d × %d = %d (%s), want %d (%s)", c.p, c.i, s, Level(s), c.score, c.level)
		}
	}
	// Every score of the grid falls in exactly the band Range states.
	for p := 1; p <= Scale; p++ {
		for i := 1; i <= Scale; i++ {
			s := Score(p, i)
			lo, hi := Level(s).Range()
			if s < lo || s > hi {
				t.Errorf("score %d outside its band %s %d–%d", s, Level(s), lo, hi)
			}
		}
	}
}

// Each refusal names its field and writes nothing: no risk, no number used, no audit entry.
func TestCreateRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	outsider, _ := account.Create(ctx, f.db, 0, account.NewUser{Email: "x@example.com", Name: "X", Password: "long enough password"})
	entries := count(t, f.db, "audit_entries")
	for _, c := range []struct {
		name  string
		edit  func(*Input)
		field string
		msg   string
	}{
		{"probability 0", func(in *Input) { in.Probability = 0 }, "probability", "risk.probability_range"},
		{"probability 6", func(in *Input) { in.Probability = 6 }, "probability", "risk.probability_range"},
		{"impact 0", func(in *Input) { in.Impact = 0 }, "impact", "risk.impact_range"},
		{"impact 6", func(in *Input) { in.Impact = 6 }, "impact", "risk.impact_range"},
		{"missing owner", func(in *Input) { in.OwnerID = 0 }, "owner_id", "risk.owner_required"},
		{"owner not a member", func(in *Input) { in.OwnerID = outsider.ID }, "owner_id", "risk.owner_not_member"},
		{"owner a viewer", func(in *Input) { in.OwnerID = f.viewer.ID }, "owner_id", "risk.owner_viewer"},
		{"unknown category", func(in *Input) { in.Category = "weather" }, "category", "validation.oneof"},
		{"no category", func(in *Input) { in.Category = "" }, "category", "validation.required"},
		{"no title", func(in *Input) { in.Title = "  " }, "title", "validation.required"},
		{"residual probability only", func(in *Input) { in.ResidualProbability = ip(2) }, "residual_impact", "risk.residual_both"},
		{"residual impact only", func(in *Input) { in.ResidualImpact = ip(2) }, "residual_probability", "risk.residual_both"},
		{"residual out of range", func(in *Input) { in.ResidualProbability, in.ResidualImpact = ip(2), ip(7) }, "residual_impact", "risk.residual_range"},
		{"unknown status", func(in *Input) { in.Status = "forgotten" }, "status", "validation.oneof"},
		{"identified in the future", func(in *Input) { in.IdentifiedOn = f.today.AddDays(5) }, "identified_on", "risk.identified_in_future"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := f.input(3, 4)
			c.edit(&in)
			_, err := Create(ctx, f.db, f.pm.ID, f.project.ID, in, f.today)
			if !apperr.Is(err, apperr.KindInvalid) {
				t.Fatalf("error %v", err)
			}
			if got := err.(*apperr.Error).Fields[c.field].ID; got != c.msg {
				t.Fatalf("fields %v, want %s: %s", err.(*apperr.Error).Fields, c.field, c.msg)
			}
		})
	}
	if n := count(t, f.db, "risks"); n != 0 {
		t.Fatalf("%d risks written", n)
	}
	if n := count(t, f.db, "audit_entries"); n != entries {
		t.Fatalf("%d audit entries written", n-entries)
	}
	// The counter did not move: the first risk is still number 1.
	if r := f.create(t, f.input(3, 4)); r.Number != 1 || r.Key != "CRM-R-1" {
		t.Fatalf("first risk %d %q", r.Number, r.Key)
	}
}

func TestKeysCountPerProject(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a, b := f.create(t, f.input(1, 1)), f.create(t, f.input(2, 2))
	other, err := project.Create(ctx, f.db, f.pm.ID, project.Input{Key: "ERP", Name: "ERP", Template: "blank"}, "en")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Create(ctx, f.db, f.pm.ID, other.ID, f.input(3, 3), f.today)
	if err != nil {
		t.Fatal(err)
	}
	if a.Key != "CRM-R-1" || b.Key != "CRM-R-2" || c.Key != "ERP-R-1" {
		t.Fatalf("keys %s %s %s", a.Key, b.Key, c.Key)
	}
	// A deleted risk's number is not given out again.
	if err := Delete(ctx, f.db, f.pm.ID, f.project.ID, 2); err != nil {
		t.Fatal(err)
	}
	if d := f.create(t, f.input(1, 1)); d.Key != "CRM-R-3" {
		t.Fatalf("after a deletion: %s", d.Key)
	}
	// Another project's risk is not found by number.
	if _, err := Get(ctx, f.db, f.project.ID, 99); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("missing risk: %v", err)
	}
}

func TestUpdateNeedsTheCurrentVersion(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	// The member edits the risk they own; not owning it, they may not.
	owned := f.input(3, 4)
	owned.OwnerID = f.member.ID
	r := f.create(t, owned)
	notTheirs := f.create(t, f.input(3, 4))
	if _, err := Update(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.member.ID), f.project.ID, notTheirs.Number, InputOf(notTheirs), f.today); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("a member's edit of a risk they do not own: %v", err)
	}
	in := InputOf(r)
	in.Status, in.ResidualProbability, in.ResidualImpact = Mitigating, ip(2), ip(3)
	next, err := Update(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.member.ID), f.project.ID, r.Number, in, f.today)
	if err != nil || next.Version != 2 || next.Status != Mitigating || *next.ResidualImpact != 3 {
		t.Fatalf("update %+v %v", next, err)
	}
	in.Title = "Stale edit"
	if _, err := Update(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.member.ID), f.project.ID, r.Number, in, f.today); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("stale update: %v", err)
	}
	got, _ := Get(ctx, f.db, f.project.ID, r.Number)
	if got.Title != r.Title || got.Version != 2 {
		t.Fatalf("after stale update %+v", got)
	}
	// An edit leaves the rating at identification alone.
	in = InputOf(got)
	in.Probability = 5
	got, err = Update(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.pm.ID), f.project.ID, r.Number, in, f.today)
	if err != nil || got.Probability != 5 || got.InitialProbability != 3 {
		t.Fatalf("after edit %+v %v", got, err)
	}
}

func TestProposedRiskIsOpenAndOwnedByItsProposer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	in := f.input(2, 3)
	in.OwnerID, in.Status = 0, Closed
	r, err := Propose(context.Background(), f.db, f.member.ID, f.project.ID, in, f.today)
	if err != nil || r.Status != Open || r.OwnerID != f.member.ID {
		t.Fatalf("proposal %+v %v", r, err)
	}
}

func TestCanEdit(t *testing.T) {
	t.Parallel()
	r := &Risk{OwnerID: 7}
	for _, c := range []struct {
		acc  project.Access
		user int64
		want bool
	}{
		{project.Access{Role: project.RoleProjectManager, IsMember: true}, 1, true},
		{project.Access{Role: project.RoleSteering, IsMember: true}, 1, true},
		{project.Access{Role: project.RoleBusinessOwner, IsMember: true}, 1, false},
		{project.Access{Role: project.RoleMember, IsMember: true}, 1, false},
		{project.Access{Role: project.RoleMember, IsMember: true}, 7, true},
		{project.Access{Role: project.RoleBusinessOwner, IsMember: true}, 7, true},
		{project.Access{Role: project.RoleViewer, IsMember: true}, 7, false},
		{project.Access{IsAdmin: true}, 7, false},
	} {
		if got := CanEdit(project.Caller{UserID: c.user, Access: c.acc}, r); got != c.want {
			t.Errorf("%+v user %d: %v, want %v", c.acc, c.user, got, c.want)
		}
	}
}

func TestHeatMapCountsInherentAndResidual(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	mk := func(p, i int, rp, ri *int, status Status) {
		in := f.input(p, i)
		in.ResidualProbability, in.ResidualImpact, in.Status = rp, ri, status
		f.create(t, in)
	}
	mk(4, 5, ip(2), ip(3), Open)
	mk(4, 5, ip(2), ip(3), Mitigating)
	mk(4, 5, nil, nil, Open)
	mk(1, 2, ip(1), ip(1), Closed)
	mk(3, 3, nil, nil, Open)
	h, err := Heat(ctx, f.db, f.project.ID, Filter{}, f.today)
	if err != nil {
		t.Fatal(err)
	}
	if h.Total != 5 || h.Unassessed != 2 || h.Inherent[3][4] != 3 || h.Inherent[0][1] != 1 || h.Inherent[2][2] != 1 ||
		h.Residual[1][2] != 2 || h.Residual[0][0] != 1 {
		t.Fatalf("heat map %+v", h)
	}
	sum := func(g [Scale][Scale]int) (n int) {
		for _, row := range g {
			for _, c := range row {
				n += c
			}
		}
		return n
	}
	if sum(h.Inherent) != 5 || sum(h.Residual) != 3 {
		t.Fatalf("sums %d %d", sum(h.Inherent), sum(h.Residual))
	}
	// The maps follow the other filters but not the cell.
	h, _ = Heat(ctx, f.db, f.project.ID, Filter{Status: ActiveStatuses, Probability: 1, Impact: 2}, f.today)
	if h.Total != 4 || h.Inherent[0][1] != 0 || h.Inherent[3][4] != 3 {
		t.Fatalf("active heat map %+v", h)
	}
	// A cell picks exactly its risks, in either map.
	vs, _ := List(ctx, f.db, f.project.ID, Filter{Probability: 4, Impact: 5}, f.today)
	rs, _ := List(ctx, f.db, f.project.ID, Filter{Probability: 2, Impact: 3, Map: Residual}, f.today)
	if len(vs) != 3 || len(rs) != 2 {
		t.Fatalf("cell lists %d %d", len(vs), len(rs))
	}
}

func TestListFiltersAndOrders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	mk := func(p, i int, cat Category, owner int64, next date.Date, status Status) {
		in := f.input(p, i)
		in.Category, in.OwnerID, in.NextReviewOn, in.Status = cat, owner, next, status
		f.create(t, in)
	}
	mk(2, 2, Vendor, f.pm.ID, f.today.AddDays(-3), Open)            // 1: low, overdue
	mk(5, 5, Integration, f.member.ID, f.today.AddDays(10), Open)   // 2: critical
	mk(3, 4, Integration, f.pm.ID, date.Date{}, Mitigating)         // 3: high, no date
	mk(3, 3, Scope, f.member.ID, f.today.AddDays(-1), Closed)       // 4: medium, past but closed
	mk(4, 4, Adoption, f.member.ID, f.today.AddDays(-30), Occurred) // 5: high, past but occurred
	numbers := func(flt Filter) []int {
		t.Helper()
		vs, err := List(ctx, f.db, f.project.ID, flt, f.today)
		if err != nil {
			t.Fatal(err)
		}
		out := []int{}
		for _, v := range vs {
			out = append(out, v.Number)
		}
		return out
	}
	for _, c := range []struct {
		name string
		f    Filter
		want []int
	}{
		{"default: highest score first", Filter{}, []int{2, 5, 3, 4, 1}},
		{"by key", Filter{Sort: SortKey}, []int{1, 2, 3, 4, 5}},
		{"by next review", Filter{Sort: SortReview}, []int{5, 1, 4, 2, 3}},
		{"category", Filter{Category: Integration}, []int{2, 3}},
		{"level high", Filter{Level: High}, []int{5, 3}},
		{"level low", Filter{Level: Low}, []int{1}},
		{"status", Filter{Status: "closed"}, []int{4}},
		{"active", Filter{Status: ActiveStatuses}, []int{2, 3, 1}},
		{"owner", Filter{OwnerID: f.member.ID}, []int{2, 5, 4}},
		{"overdue", Filter{Overdue: true}, []int{1}},
	} {
		if got := numbers(c.f); len(got) != len(c.want) || !equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	v, _ := GetView(ctx, f.db, f.project.ID, 1, f.today)
	if !v.Overdue || v.Score != 4 || v.Level != Low || v.OwnerName != "Pat PM" || v.Key != "CRM-R-1" {
		t.Fatalf("view %+v", v)
	}
	if _, err := List(ctx, f.db, f.project.ID, Filter{Level: "huge", Probability: 9}, f.today); !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("bad filter: %v", err)
	}
}

func equal(a, b []int) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

func TestReviewsMoveTheRatingAndDrawTheHistory(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	in := f.input(4, 5)
	in.IdentifiedOn, in.OwnerID = f.today.AddDays(-90), f.member.ID // owners review their risks
	r := f.create(t, in)
	review := func(on date.Date, p, i int, note string, next date.Date) (*Review, error) {
		return AddReview(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.member.ID), f.project.ID, r.Number, ReviewInput{ReviewedOn: on, Probability: p, Impact: i, Note: note, NextReviewOn: next}, f.today)
	}
	// Refusals write nothing.
	for _, c := range []struct {
		in    ReviewInput
		field string
		msg   string
	}{
		{ReviewInput{Probability: 0, Impact: 3}, "probability", "risk.probability_range"},
		{ReviewInput{Probability: 3, Impact: 6}, "impact", "risk.impact_range"},
		{ReviewInput{Probability: 3, Impact: 3, ReviewedOn: f.today.AddDays(3)}, "reviewed_on", "risk.reviewed_in_future"},
		{ReviewInput{Probability: 3, Impact: 3, ReviewedOn: f.today.AddDays(-91)}, "reviewed_on", "risk.reviewed_before_identified"},
		{ReviewInput{Probability: 3, Impact: 3, NextReviewOn: f.today}, "next_review_on", "risk.next_review_not_after_review"},
	} {
		_, err := AddReview(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.member.ID), f.project.ID, r.Number, c.in, f.today)
		if !apperr.Is(err, apperr.KindInvalid) || err.(*apperr.Error).Fields[c.field].ID != c.msg {
			t.Fatalf("%+v: %v", c.in, err)
		}
	}
	if n := count(t, f.db, "risk_reviews"); n != 0 {
		t.Fatalf("%d reviews written", n)
	}

	if _, err := review(f.today.AddDays(-60), 3, 5, "First rehearsal planned", date.Date{}); err != nil {
		t.Fatal(err)
	}
	if _, err := review(f.today.AddDays(-30), 2, 4, "Rehearsal one reconciled", f.today.AddDays(-2)); err != nil {
		t.Fatal(err)
	}
	got, _ := GetView(ctx, f.db, f.project.ID, r.Number, f.today)
	if got.Probability != 2 || got.Impact != 4 || got.Score != 8 || got.Version != 3 || !got.Overdue || got.ReviewCount != 2 {
		t.Fatalf("after two reviews %+v", got)
	}
	// A review dated before the latest one fills in the history only.
	if _, err := review(f.today.AddDays(-45), 5, 5, "Found in an old note", date.Date{}); err != nil {
		t.Fatal(err)
	}
	// The newest review decides, and its next review date clears the overdue flag.
	if _, err := review(f.today, 1, 4, "Second rehearsal clean", f.today.AddDays(30)); err != nil {
		t.Fatal(err)
	}
	got, _ = GetView(ctx, f.db, f.project.ID, r.Number, f.today)
	if got.Probability != 1 || got.Impact != 4 || got.Overdue || got.NextReviewOn != f.today.AddDays(30) || got.LastReviewedOn != f.today {
		t.Fatalf("after the latest review %+v", got)
	}
	rvs, err := Reviews(ctx, f.db, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	hist := History(&got.Risk, rvs)
	var scores []int
	for _, p := range hist {
		scores = append(scores, p.Score)
	}
	if !equal(scores, []int{20, 15, 25, 8, 4}) || hist[0].Kind != Identified || hist[0].On != in.IdentifiedOn ||
		hist[4].By != "Li Member" || hist[4].Note != "Second rehearsal clean" || hist[2].Level != Critical {
		t.Fatalf("history %+v", hist)
	}
	// An edit after the last review shows as a last point.
	edit := InputOf(&got.Risk)
	edit.Impact = 2
	if _, err := Update(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.pm.ID), f.project.ID, r.Number, edit, f.today); err != nil {
		t.Fatal(err)
	}
	after, _ := Get(ctx, f.db, f.project.ID, r.Number)
	if h := History(after, rvs); len(h) != 6 || h[5].Kind != Edited || h[5].Score != 2 {
		t.Fatalf("history after edit %+v", h)
	}
	// Every review and every change it made is in the trail.
	entries, err := audit.List(ctx, f.db, audit.Filter{ProjectID: f.project.ID, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, e := range entries {
		kinds[e.Entity+"."+e.Action+"."+e.Ref]++
	}
	if kinds["risk_review.create.CRM-R-1"] != 4 || kinds["risk.update.review"] != 3 || kinds["risk.update."] != 1 {
		t.Fatalf("trail %v", kinds)
	}
}

func TestStarterRisks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	p, err := project.Create(ctx, f.db, f.member.ID, project.Input{Key: "NEW", Name: "New"}, "zh-CN",
		StarterRisks([]string{"user_resistance", "mock_migration"}))
	if err != nil {
		t.Fatal(err)
	}
	vs, err := List(ctx, f.db, p.ID, Filter{Sort: SortKey}, date.Today())
	if err != nil || len(vs) != 2 {
		t.Fatalf("%d starter risks %v", len(vs), err)
	}
	// In form order, in the creator's language, owned by the creator, open.
	if vs[0].Title != "模拟数据迁移失败" || vs[1].Title != "用户抵触新系统" || vs[0].OwnerID != f.member.ID ||
		vs[0].Status != Open || vs[0].Category != DataMigration || vs[0].Mitigation == "" || vs[0].NextReviewOn.IsZero() {
		t.Fatalf("starter risks %+v", vs)
	}
	// An unknown code refuses the project, which is not created.
	_, err = project.Create(ctx, f.db, f.member.ID, project.Input{Key: "BAD", Name: "Bad"}, "en", StarterRisks([]string{"meteor"}))
	if !apperr.Is(err, apperr.KindInvalid) || err.(*apperr.Error).Fields["starter_risks"].ID != "risk.unknown_starter" {
		t.Fatalf("unknown starter: %v", err)
	}
	if ok, _ := f.db.NewSelect().Table("projects").Where("key = 'BAD'").Exists(ctx); ok {
		t.Fatal("project BAD written")
	}
	// Both languages have every starter, with every text filled in.
	for _, lang := range []string{"en", "zh-CN"} {
		for _, s := range Starters(lang) {
			if s.Title == "" || s.Description == "" || s.Mitigation == "" || s.Contingency == "" || s.Trigger == "" {
				t.Errorf("%s %s has an empty text", lang, s.Code)
			}
		}
	}
}

// A risk may name a milestone of its own project, and shows its name.
func TestThreatenedMilestone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	other, err := project.Create(ctx, f.db, f.pm.ID, project.Input{Key: "ERP", Name: "ERP", Template: "blank"}, "en")
	if err != nil {
		t.Fatal(err)
	}
	milestone := func(projectID int64, name string) int64 {
		var id int64
		err := f.db.NewRaw("INSERT INTO milestones (project_id, name, planned_on) VALUES (?, ?, ?) RETURNING id",
			projectID, name, f.today.AddDays(30)).Scan(ctx, &id)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	own, foreign := milestone(f.project.ID, "Go-live"), milestone(other.ID, "ERP cut-over")
	in := f.input(3, 4)
	in.MilestoneID = &foreign
	if _, err := Create(ctx, f.db, f.pm.ID, f.project.ID, in, f.today); !apperr.Is(err, apperr.KindInvalid) ||
		err.(*apperr.Error).Fields["milestone_id"].ID != "risk.no_such_milestone" {
		t.Fatalf("another project's milestone: %v", err)
	}
	in.MilestoneID = &own
	r := f.create(t, in)
	v, err := GetView(ctx, f.db, f.project.ID, r.Number, f.today)
	if err != nil || v.MilestoneName != "Go-live" || *v.MilestoneID != own {
		t.Fatalf("view %+v %v", v, err)
	}
}
