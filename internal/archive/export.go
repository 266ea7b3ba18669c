package archive

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/database"
)

// Export reads a project and its whole history into an archive: one query per
// table, in one read-only transaction that sees a single snapshot.
func Export(ctx context.Context, db bun.IDB, projectID int64) (*Archive, error) {
	var a *Archive
	read := func(ctx context.Context, tx bun.IDB) error {
		e := &exporter{projectID: projectID, ids: map[kind]map[int64]int64{}, next: map[kind]int64{},
			users: map[int64]*userRow{}}
		var err error
		a, err = e.export(ctx, tx)
		return err
	}
	var err error
	switch db.(type) {
	case bun.Tx, *bun.Tx:
		err = read(ctx, db)
	default:
		err = db.RunInTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
			func(ctx context.Context, tx bun.Tx) error { return read(ctx, tx) })
	}
	if err != nil {
		return nil, database.MapError(err)
	}
	return a, nil
}

// tables is everything of one project as stored.
type tables struct {
	project      projectRow
	phases       []phaseRow
	members      []memberRow
	goals        []goalRow
	measurements []measurementRow
	requirements []requirementRow
	reqGoals     []requirementGoalRow
	risks        []riskRow
	riskReviews  []riskReviewRow
	milestones   []milestoneRow
	deliverables []deliverableRow
	reviews      []gateReviewRow
	actions      []reviewActionRow
	baselines    []baselineRow
	baseDates    []baselineDateRow
	changes      []changeRow
	votes        []voteRow
	assessments  []assessmentRow
	snapshots    []snapshotRow
	lines        []budgetLineRow
	spend        []spendRow
	comments     []commentRow
	mentions     []commentMentionRow
	adoption     []adoptionRow
	weekly       []weeklyReportRow
	schedule     []weeklySettingsRow // none: the defaults
	audit        []auditRow
}

// read runs one query per table.
func (t *tables) read(ctx context.Context, db bun.IDB, projectID int64) error {
	if err := db.NewSelect().Model(&t.project).Where("id = ?", projectID).Scan(ctx); err != nil {
		return database.MapError(err)
	}
	own := func(model any) *bun.SelectQuery {
		return db.NewSelect().Model(model).Where("project_id = ?", projectID)
	}
	through := func(model any, parent, fk string) *bun.SelectQuery {
		return db.NewSelect().Model(model).Join("JOIN "+parent+" AS p ON p.id = x."+fk).
			Where("p.project_id = ?", projectID).OrderExpr("x.id")
	}
	queries := []*bun.SelectQuery{
		own(&t.phases).OrderExpr("id"),
		own(&t.members).OrderExpr("created_at, user_id"),
		own(&t.goals).OrderExpr("id"),
		through(&t.measurements, "goals", "goal_id"),
		own(&t.requirements).OrderExpr("id"),
		db.NewSelect().Model(&t.reqGoals).Join("JOIN requirements AS p ON p.id = x.requirement_id").
			Where("p.project_id = ?", projectID).OrderExpr("x.requirement_id, x.goal_id"),
		own(&t.risks).OrderExpr("id"),
		through(&t.riskReviews, "risks", "risk_id"),
		own(&t.milestones).OrderExpr("id"),
		through(&t.deliverables, "milestones", "milestone_id"),
		own(&t.reviews).OrderExpr("id"),
		through(&t.actions, "gate_reviews", "review_id"),
		own(&t.baselines).OrderExpr("id"),
		db.NewSelect().Model(&t.baseDates).Join("JOIN plan_baselines AS p ON p.id = x.baseline_id").
			Where("p.project_id = ?", projectID).OrderExpr("x.baseline_id, x.milestone_id"),
		own(&t.changes).OrderExpr("id"),
		db.NewSelect().Model(&t.votes).Join("JOIN change_requests AS p ON p.id = x.change_id").
			Where("p.project_id = ?", projectID).OrderExpr("x.change_id, x.voted_at, x.voter_id"),
		own(&t.assessments).OrderExpr("code"),
		own(&t.snapshots).OrderExpr("day"),
		own(&t.lines).OrderExpr("id"),
		own(&t.spend).OrderExpr("id"),
		own(&t.comments).OrderExpr("id"),
		db.NewSelect().Model(&t.mentions).Join("JOIN comments AS p ON p.id = x.comment_id").
			Where("p.project_id = ?", projectID).OrderExpr("x.comment_id, x.user_id"),
		own(&t.adoption).OrderExpr("id"),
		own(&t.weekly).OrderExpr("id"),
		own(&t.schedule),
		own(&t.audit).OrderExpr("id"),
	}
	for _, q := range queries {
		if err := q.Scan(ctx); err != nil {
			return database.MapError(err)
		}
	}
	return nil
}

// exporter turns database ids into archive ids: living items first, in the
// order of their database ids, then items only the history mentions.
type exporter struct {
	projectID int64
	ids       map[kind]map[int64]int64
	next      map[kind]int64
	users     map[int64]*userRow
}

func (e *exporter) assign(k kind, dbID int64) int64 {
	if e.ids[k] == nil {
		e.ids[k] = map[int64]int64{}
	}
	if id, ok := e.ids[k][dbID]; ok {
		return id
	}
	e.next[k]++
	e.ids[k][dbID] = e.next[k]
	return e.next[k]
}

// living is the archive id of an item of the project, nil for none (or for
// an item of another project, which an archive cannot carry).
func (e *exporter) living(k kind, dbID *int64) *int64 {
	if dbID == nil {
		return nil
	}
	if id, ok := e.ids[k][*dbID]; ok {
		return &id
	}
	return nil
}

func (e *exporter) item(k kind, v json.Number) (any, error) {
	id, err := parseID(v)
	if err != nil {
		return v, nil // not an id: keep what was written
	}
	return json.Number(strconv.FormatInt(e.assign(k, id), 10)), nil
}

func (e *exporter) user(v any) (any, error) {
	n, ok := v.(json.Number)
	if !ok {
		return v, nil
	}
	id, err := parseID(n)
	if err != nil {
		return v, nil
	}
	if u := e.users[id]; u != nil {
		return u.Email, nil
	}
	return nil, nil // an account that no longer exists
}

func (e *exporter) email(id *int64) string {
	if id == nil {
		return ""
	}
	if u := e.users[*id]; u != nil {
		return u.Email
	}
	return ""
}

func (e *exporter) emails(ids []int64) []string {
	out := []string{}
	for _, id := range ids {
		if s := e.email(&id); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// userCollector finds every account a JSON value names, mapping nothing.
type userCollector map[int64]bool

func (c userCollector) item(_ kind, v json.Number) (any, error) { return v, nil }

func (c userCollector) user(v any) (any, error) {
	if n, ok := v.(json.Number); ok {
		if id, err := parseID(n); err == nil {
			c[id] = true
		}
	}
	return v, nil
}

func (c userCollector) add(ids ...*int64) {
	for _, id := range ids {
		if id != nil {
			c[*id] = true
		}
	}
}

func (e *exporter) export(ctx context.Context, db bun.IDB) (*Archive, error) {
	var t tables
	if err := t.read(ctx, db, e.projectID); err != nil {
		return nil, err
	}
	// Living items take the first archive ids of their kind.
	e.assign(kindProject, t.project.ID)
	for _, r := range t.phases {
		e.assign(kindPhase, r.ID)
	}
	for _, r := range t.goals {
		e.assign(kindGoal, r.ID)
	}
	for _, r := range t.measurements {
		e.assign(kindMeasurement, r.ID)
	}
	for _, r := range t.requirements {
		e.assign(kindRequirement, r.ID)
	}
	for _, r := range t.risks {
		e.assign(kindRisk, r.ID)
	}
	for _, r := range t.riskReviews {
		e.assign(kindRiskReview, r.ID)
	}
	for _, r := range t.milestones {
		e.assign(kindMilestone, r.ID)
	}
	for _, r := range t.deliverables {
		e.assign(kindDeliverable, r.ID)
	}
	for _, r := range t.reviews {
		e.assign(kindGateReview, r.ID)
	}
	for _, r := range t.actions {
		e.assign(kindReviewAction, r.ID)
	}
	for _, r := range t.baselines {
		e.assign(kindBaseline, r.ID)
	}
	for _, r := range t.changes {
		e.assign(kindChange, r.ID)
	}
	for _, r := range t.lines {
		e.assign(kindBudgetLine, r.ID)
	}
	for _, r := range t.spend {
		e.assign(kindSpend, r.ID)
	}
	// A comment on an item deleted since stays behind in the database (no
	// foreign key can point at six tables); it has nowhere to go.
	t.comments = slices.DeleteFunc(t.comments, func(r commentRow) bool {
		_, ok := e.ids[commentItemKinds[r.Entity]][r.EntityID]
		return !ok
	})
	for _, r := range t.comments {
		e.assign(kindComment, r.ID)
	}
	for _, r := range t.adoption {
		e.assign(kindAdoption, r.ID)
	}
	for _, r := range t.weekly {
		e.assign(kindWeeklyReport, r.ID)
	}
	if err := e.readUsers(ctx, db, &t); err != nil {
		return nil, err
	}
	return e.build(&t)
}

// readUsers reads every account the project names, in one query.
func (e *exporter) readUsers(ctx context.Context, db bun.IDB, t *tables) error {
	c := userCollector{}
	for _, r := range t.members {
		c[r.UserID] = true
	}
	for _, r := range t.goals {
		c[r.OwnerID] = true
	}
	for _, r := range t.measurements {
		c.add(r.EnteredBy)
	}
	for _, r := range t.requirements {
		c.add(r.OwnerID)
	}
	for _, r := range t.risks {
		c[r.OwnerID] = true
	}
	for _, r := range t.riskReviews {
		c.add(r.ReviewerID)
	}
	for _, r := range t.milestones {
		c.add(r.OwnerID)
	}
	for _, r := range t.deliverables {
		c.add(r.DoneBy)
	}
	for _, r := range t.reviews {
		c.add(r.DecidedBy)
		for _, id := range append(slices.Clone(r.Invited), r.Attendees...) {
			c[id] = true
		}
	}
	for _, r := range t.actions {
		c.add(r.OwnerID)
	}
	for _, r := range t.baselines {
		c.add(r.TakenBy)
	}
	for _, r := range t.changes {
		c.add(r.RequestedBy, r.AppliedBy)
		if _, err := remapJSON(c, r.Operations, ""); err != nil {
			return err
		}
	}
	for _, r := range t.votes {
		c[r.VoterID] = true
	}
	for _, r := range t.assessments {
		c.add(r.OwnerID)
	}
	for _, r := range t.spend {
		c.add(r.EnteredBy)
	}
	for _, r := range t.adoption {
		c.add(r.EnteredBy)
	}
	for _, r := range t.weekly {
		c.add(r.BuiltBy, r.SentBy)
	}
	for _, r := range t.comments {
		c[r.AuthorID] = true
	}
	for _, r := range t.mentions {
		c[r.UserID] = true
	}
	for _, r := range t.audit {
		c.add(r.ActorID)
		if r.Entity == "member" {
			if id, err := strconv.ParseInt(r.EntityID, 10, 64); err == nil {
				c[id] = true
			}
		}
		for _, raw := range []json.RawMessage{r.Before, r.After} {
			if _, err := remapJSON(c, raw, ""); err != nil {
				return err
			}
		}
	}
	ids := make([]int64, 0, len(c))
	for id := range c {
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil
	}
	var us []userRow
	if err := db.NewSelect().Model(&us).Column("id", "email", "name", "language").Where("id IN (?)", bun.List(ids)).
		Scan(ctx); err != nil {
		return database.MapError(err)
	}
	for i := range us {
		e.users[us[i].ID] = &us[i]
	}
	return nil
}

func utc(t time.Time) time.Time { return t.UTC() }

func utcp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// build assembles the archive from the tables. The order of the steps that
// may give ids to deleted items (change requests, then the trail) is fixed.
func (e *exporter) build(t *tables) (*Archive, error) {
	p := t.project
	a := &Archive{FormatVersion: FormatVersion, ExportedAt: time.Now().UTC().Truncate(time.Second),
		Project: Project{Key: p.Key, Name: p.Name, Description: p.Description, Sponsor: p.Sponsor,
			SponsorDepartment: p.SponsorDepartment, StartOn: p.StartOn, TargetOn: p.TargetOn, ScopeIn: p.ScopeIn,
			ScopeOut: p.ScopeOut, CurrentPhaseID: e.living(kindPhase, p.CurrentPhaseID), Archived: p.Archived,
			RequirementSeq: p.RequirementSeq, RiskSeq: p.RiskSeq, ChangeSeq: p.ChangeSeq,
			ChangeApprovalsNeeded: p.ChangeApprovalsNeeded, ChangeRejectionRule: p.ChangeRejectionRule,
			PitfallThresholds: p.PitfallThresholds, Version: p.Version, CreatedAt: utc(p.CreatedAt), UpdatedAt: utc(p.UpdatedAt)},
		People: []Person{}, Phases: []Phase{}, Members: []Member{}, Goals: []Goal{}, Requirements: []Requirement{},
		Milestones: []Milestone{}, Baselines: []Baseline{}, Risks: []Risk{}, ChangeRequests: []ChangeRequest{},
		PitfallAssessments: []PitfallAssessment{}, HealthSnapshots: []HealthSnapshot{}, BudgetLines: []BudgetLine{},
		Comments: []Comment{}, Adoption: []AdoptionFigure{}, WeeklyReports: []WeeklyReport{}, Audit: []AuditEntry{}}
	for _, u := range e.users {
		a.People = append(a.People, Person{Email: u.Email, Name: u.Name, Language: u.Language})
	}
	slices.SortFunc(a.People, func(x, y Person) int {
		return cmp.Or(strings.Compare(strings.ToLower(x.Email), strings.ToLower(y.Email)), strings.Compare(x.Email, y.Email))
	})
	for _, r := range t.phases {
		a.Phases = append(a.Phases, Phase{ID: e.ids[kindPhase][r.ID], Position: r.Position, Name: r.Name,
			PlannedStartOn: r.PlannedStartOn, PlannedEndOn: r.PlannedEndOn, Wave: r.Wave, Version: r.Version,
			CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt)})
	}
	// Members in the order they joined (the same in any installation).
	slices.SortStableFunc(t.members, func(x, y memberRow) int {
		return cmp.Or(x.CreatedAt.Compare(y.CreatedAt), strings.Compare(e.email(&x.UserID), e.email(&y.UserID)))
	})
	for _, r := range t.members {
		u := e.users[r.UserID]
		if u == nil {
			continue
		}
		a.Members = append(a.Members, Member{Email: u.Email, Name: u.Name, Role: r.Role, Department: r.Department,
			Version: r.Version, CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt)})
	}

	measurements := map[int64][]Measurement{}
	for _, r := range t.measurements {
		measurements[r.GoalID] = append(measurements[r.GoalID], Measurement{ID: e.ids[kindMeasurement][r.ID],
			Value: r.Value, MeasuredOn: r.MeasuredOn, Note: r.Note, Source: r.Source, EnteredBy: e.email(r.EnteredBy),
			CreatedAt: utc(r.CreatedAt)})
	}
	for _, r := range t.goals {
		a.Goals = append(a.Goals, Goal{ID: e.ids[kindGoal][r.ID], Title: r.Title, Metric: r.Metric, Unit: r.Unit,
			Baseline: r.Baseline, Target: r.Target, Direction: r.Direction, Category: r.Category, StartOn: r.StartOn,
			DueOn: r.DueOn, Owner: e.email(&r.OwnerID), Notes: r.Notes, Cadence: r.Cadence, Version: r.Version,
			CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt), Measurements: nonNil(measurements[r.ID])})
	}

	goalsOf := map[int64][]int64{}
	for _, r := range t.reqGoals {
		if g := e.living(kindGoal, &r.GoalID); g != nil {
			goalsOf[r.RequirementID] = append(goalsOf[r.RequirementID], *g)
		}
	}
	for _, r := range t.requirements {
		gs := nonNil(goalsOf[r.ID])
		slices.Sort(gs)
		a.Requirements = append(a.Requirements, Requirement{ID: e.ids[kindRequirement][r.ID], Number: r.Number,
			Title: r.Title, UserStory: r.UserStory, AcceptanceCriteria: nonNil(r.AcceptanceCriteria), Tier: r.Tier,
			Rank: r.Rank, PhaseID: e.living(kindPhase, r.PhaseID), Kind: r.Kind, Approach: r.Approach,
			Owner: e.email(r.OwnerID), Status: r.Status, EstimateDays: r.EstimateDays, GoalIDs: gs, Version: r.Version,
			CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt)})
	}

	deliverables := map[int64][]Deliverable{}
	for _, r := range t.deliverables {
		deliverables[r.MilestoneID] = append(deliverables[r.MilestoneID], Deliverable{ID: e.ids[kindDeliverable][r.ID],
			Position: r.Position, Title: r.Title, Done: r.Done, DoneBy: e.email(r.DoneBy), DoneAt: utcp(r.DoneAt)})
	}
	actions := map[int64][]ReviewAction{}
	for _, r := range t.actions {
		actions[r.ReviewID] = append(actions[r.ReviewID], ReviewAction{ID: e.ids[kindReviewAction][r.ID], Text: r.Text,
			Owner: e.email(r.OwnerID), DueOn: r.DueOn, Status: r.Status})
	}
	reviews := map[int64][]GateReview{}
	for _, r := range t.reviews {
		// Packs before the trail: their links may give ids to deleted items.
		pack, err := remapPack(e, r.Pack)
		if err != nil {
			return nil, err
		}
		reviews[r.MilestoneID] = append(reviews[r.MilestoneID], GateReview{ID: e.ids[kindGateReview][r.ID],
			ScheduledOn: r.ScheduledOn, Invited: e.emails(r.Invited), Decision: r.Decision, Attendees: e.emails(r.Attendees),
			Notes: r.Notes, DecidedBy: e.email(r.DecidedBy), DecidedAt: utcp(r.DecidedAt), Pack: pack,
			Version: r.Version, CreatedAt: utc(r.CreatedAt), Actions: nonNil(actions[r.ID])})
	}
	for _, r := range t.milestones {
		a.Milestones = append(a.Milestones, Milestone{ID: e.ids[kindMilestone][r.ID], PhaseID: e.living(kindPhase, r.PhaseID),
			Name: r.Name, Owner: e.email(r.OwnerID), PlannedOn: r.PlannedOn, ForecastOn: r.ForecastOn, ActualOn: r.ActualOn,
			IsGate: r.IsGate, Type: r.Type, Readiness: r.Readiness, Notes: r.Notes, Version: r.Version, CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
			Deliverables: nonNil(deliverables[r.ID]), Reviews: nonNil(reviews[r.ID])})
	}

	baseDates := map[int64][]BaselineDate{}
	for _, r := range t.baseDates {
		if m := e.living(kindMilestone, &r.MilestoneID); m != nil {
			baseDates[r.BaselineID] = append(baseDates[r.BaselineID], BaselineDate{MilestoneID: *m, PlannedOn: r.PlannedOn})
		}
	}
	for _, r := range t.baselines {
		a.Baselines = append(a.Baselines, Baseline{ID: e.ids[kindBaseline][r.ID], Label: r.Label, Source: r.Source,
			ReviewID: e.living(kindGateReview, r.ReviewID), TakenBy: e.email(r.TakenBy), TakenAt: utc(r.TakenAt),
			Dates: nonNil(baseDates[r.ID])})
	}

	riskReviews := map[int64][]RiskReview{}
	for _, r := range t.riskReviews {
		riskReviews[r.RiskID] = append(riskReviews[r.RiskID], RiskReview{ID: e.ids[kindRiskReview][r.ID],
			ReviewedOn: r.ReviewedOn, Reviewer: e.email(r.ReviewerID), Note: r.Note, Probability: r.Probability,
			Impact: r.Impact, CreatedAt: utc(r.CreatedAt)})
	}
	for _, r := range t.risks {
		a.Risks = append(a.Risks, Risk{ID: e.ids[kindRisk][r.ID], Number: r.Number, Title: r.Title,
			Description: r.Description, Category: r.Category, Probability: r.Probability, Impact: r.Impact,
			InitialProbability: r.InitialProbability, InitialImpact: r.InitialImpact,
			ResidualProbability: r.ResidualProbability, ResidualImpact: r.ResidualImpact, Owner: e.email(&r.OwnerID),
			Mitigation: r.Mitigation, Contingency: r.Contingency, Trigger: r.Trigger, Status: r.Status,
			IdentifiedOn: r.IdentifiedOn, NextReviewOn: r.NextReviewOn, MilestoneID: e.living(kindMilestone, r.MilestoneID),
			Version: r.Version, CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt), Reviews: nonNil(riskReviews[r.ID])})
	}

	votes := map[int64][]ChangeVote{}
	for _, r := range t.votes {
		if voter := e.email(&r.VoterID); voter != "" {
			votes[r.ChangeID] = append(votes[r.ChangeID], ChangeVote{Voter: voter, Approve: r.Approve, Comment: r.Comment,
				VotedAt: utc(r.VotedAt)})
		}
	}
	for _, r := range t.changes {
		c := ChangeRequest{ID: e.ids[kindChange][r.ID], Number: r.Number, Title: r.Title, Reason: r.Reason,
			Description: r.Description, ExpectedEffect: r.ExpectedEffect, RequestedBy: e.email(r.RequestedBy),
			GoalIDs: []int64{}, ScheduleDays: r.ScheduleDays, Cost: r.Cost, EffortDays: r.EffortDays,
			AffectedRoles: nonNil(r.AffectedRoles), AffectedDepartments: nonNil(r.AffectedDepartments),
			AffectedNote: r.AffectedNote, Status: r.Status, SubmittedAt: utcp(r.SubmittedAt), DecidedAt: utcp(r.DecidedAt),
			AppliedAt: utcp(r.AppliedAt), AppliedBy: e.email(r.AppliedBy), ApplyResult: r.ApplyResult, Version: r.Version,
			CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt), Votes: nonNil(votes[r.ID])}
		for _, g := range r.GoalIDs {
			c.GoalIDs = append(c.GoalIDs, e.assign(kindGoal, g)) // a deleted goal keeps an id of its own
		}
		var err error
		if c.Operations, err = remapJSON(e, r.Operations, ""); err != nil {
			return nil, err
		}
		if len(r.ApprovedVersions) > 0 && string(r.ApprovedVersions) != "null" {
			var vs map[string]int
			if err := json.Unmarshal(r.ApprovedVersions, &vs); err != nil {
				return nil, err
			}
			if c.ApprovedVersions, err = remapVersions(e, vs); err != nil {
				return nil, err
			}
		}
		a.ChangeRequests = append(a.ChangeRequests, c)
	}

	for _, r := range t.assessments {
		a.PitfallAssessments = append(a.PitfallAssessments, PitfallAssessment{Code: r.Code, Status: r.Status,
			Answers: r.Answers, Notes: r.Notes, Owner: e.email(r.OwnerID), NextReviewOn: r.NextReviewOn,
			Version: r.Version, UpdatedAt: utc(r.UpdatedAt)})
	}
	for _, r := range t.snapshots {
		a.HealthSnapshots = append(a.HealthSnapshots, HealthSnapshot{Day: r.Day, Score: r.Score, Breakdown: r.Breakdown})
	}
	spend := map[int64][]SpendEntry{}
	for _, r := range t.spend {
		spend[r.LineID] = append(spend[r.LineID], SpendEntry{ID: e.ids[kindSpend][r.ID], SpentOn: r.SpentOn,
			Amount: r.Amount, Note: r.Note, EnteredBy: e.email(r.EnteredBy), CreatedAt: utc(r.CreatedAt)})
	}
	for _, r := range t.lines {
		a.BudgetLines = append(a.BudgetLines, BudgetLine{ID: e.ids[kindBudgetLine][r.ID], Category: r.Category,
			Planned: r.Planned, Currency: r.Currency, Version: r.Version, CreatedAt: utc(r.CreatedAt),
			Spend: nonNil(spend[r.ID])})
	}

	mentioned := map[int64][]string{}
	for _, r := range t.mentions {
		if m := e.email(&r.UserID); m != "" {
			mentioned[r.CommentID] = append(mentioned[r.CommentID], m)
		}
	}
	for _, r := range t.comments {
		a.Comments = append(a.Comments, Comment{ID: e.ids[kindComment][r.ID], Kind: r.Entity,
			ItemID: e.ids[commentItemKinds[r.Entity]][r.EntityID],
			Author: e.email(&r.AuthorID), Body: r.Body, Mentions: nonNil(mentioned[r.ID]), Version: r.Version,
			CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt)})
	}

	for _, r := range t.adoption {
		a.Adoption = append(a.Adoption, AdoptionFigure{ID: e.ids[kindAdoption][r.ID], Week: r.Week, Department: r.Department,
			Role: r.Role, LicensedUsers: r.LicensedUsers, ActiveUsers: r.ActiveUsers, LeadsCreated: r.LeadsCreated,
			OpportunitiesCreated: r.OpportunitiesCreated, FollowUpsCreated: r.FollowUpsCreated, RequiredFilled: r.RequiredFilled,
			Source: r.Source, EnteredBy: e.email(r.EnteredBy), Version: r.Version, CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt)})
	}

	// Weekly reports after change requests and before the trail: their
	// links may give ids to deleted milestones and goals.
	for _, r := range t.weekly {
		content, err := remapWeeklyContent(e, r.Content)
		if err != nil {
			return nil, err
		}
		a.WeeklyReports = append(a.WeeklyReports, WeeklyReport{ID: e.ids[kindWeeklyReport][r.ID], WeekStart: r.WeekStart,
			Status: r.Status, Content: content, Summary: r.Summary, BuiltAt: utc(r.BuiltAt), BuiltBy: e.email(r.BuiltBy),
			SentAt: utcp(r.SentAt), SentBy: e.email(r.SentBy), SentRoles: nonNil(r.SentRoles), Version: r.Version,
			CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt)})
	}
	for _, r := range t.schedule {
		a.WeeklySettings = &WeeklySettings{AutoSend: r.AutoSend, Weekday: r.Weekday, Hour: r.Hour,
			Roles: nonNil(r.Roles), Version: r.Version}
	}

	for _, r := range t.audit {
		entry := AuditEntry{At: utc(r.At), Actor: e.email(r.ActorID), Entity: r.Entity, EntityID: r.EntityID,
			Action: r.Action, Ref: r.Ref}
		switch {
		case r.Entity == "member":
			if id, err := strconv.ParseInt(r.EntityID, 10, 64); err == nil {
				entry.EntityID = e.email(&id)
			}
		case r.Entity == weeklySettingsEntity:
			entry.EntityID = "1" // the project's archive id
		case entityIDIsID(r.Entity):
			if id, err := strconv.ParseInt(r.EntityID, 10, 64); err == nil {
				entry.EntityID = strconv.FormatInt(e.assign(entityKinds[r.Entity], id), 10)
			}
		}
		idKind := entityKinds[r.Entity]
		if r.Entity == "change_vote" || idKind == kindUser {
			idKind = "" // their values carry no id of their own
		}
		var err error
		if entry.Before, err = remapJSON(e, r.Before, idKind); err != nil {
			return nil, err
		}
		if entry.After, err = remapJSON(e, r.After, idKind); err != nil {
			return nil, err
		}
		a.Audit = append(a.Audit, entry)
	}
	return a, nil
}
