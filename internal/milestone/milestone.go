// Package milestone holds the plan: milestones per phase with their
// deliverables, and for gate milestones the steering committee's reviews. A
// review's pack is assembled from the project as it stands (pack.go) and frozen
// with the decision, so later edits never rewrite what the committee saw.
package milestone

import (
	"context"
	"maps"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/project"
	"rollout/internal/validate"
)

// Status of a milestone, derived from its dates.
type Status string

// Statuses.
const (
	Planned Status = "planned"
	AtRisk  Status = "at_risk"
	Done    Status = "done"
	Missed  Status = "missed"
)

// Statuses lists them in the order of a milestone's life (the API document
// names the same set).
var Statuses = []Status{Planned, AtRisk, Done, Missed}

// StatusOf applies the rule: done once it has an actual date; missed when the
// planned date has passed without one; at risk when the forecast is later than
// planned; planned otherwise.
func StatusOf(planned, forecast, actual, today date.Date) Status {
	switch {
	case !actual.IsZero():
		return Done
	case planned.Before(today):
		return Missed
	case !forecast.IsZero() && forecast.After(planned):
		return AtRisk
	}
	return Planned
}

// Slip is how many days late the milestone is or will be against its own
// planned date: Lateness with no baseline.
func Slip(planned, forecast, actual, today date.Date) int {
	return Lateness(planned, planned, forecast, actual, today)
}

// Milestone is a dated point of the plan.
type Milestone struct {
	bun.BaseModel `bun:"table:milestones,alias:m"`

	ID         int64     `bun:",pk,autoincrement" json:"id"`
	ProjectID  int64     `json:"-"`
	PhaseID    *int64    `json:"phase_id"`
	Name       string    `json:"name"`
	OwnerID    *int64    `json:"owner_id"`
	PlannedOn  date.Date `bun:"type:date" json:"planned_on"`
	ForecastOn date.Date `bun:"type:date" json:"forecast_on"`
	ActualOn   date.Date `bun:"type:date" json:"actual_on"`
	IsGate     bool      `json:"is_gate"`
	Type       Type      `json:"type"`
	Readiness  Readiness `bun:"type:jsonb,notnull" json:"readiness"`
	Notes      string    `json:"notes"`
	Version    int       `json:"version"`
	CreatedAt  time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"created_at"`
	UpdatedAt  time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"updated_at"`
}

// Deliverable is one item of a milestone's checklist.
type Deliverable struct {
	bun.BaseModel `bun:"table:deliverables,alias:d"`

	ID          int64      `bun:",pk,autoincrement" json:"id"`
	MilestoneID int64      `json:"-"`
	Position    int        `json:"position"`
	Title       string     `json:"title"`
	Done        bool       `json:"done"`
	DoneBy      *int64     `json:"done_by"`
	DoneAt      *time.Time `json:"done_at"`

	DoneByName string `bun:",scanonly" json:"done_by_name,omitempty"`
}

// Input creates or edits a milestone. Deliverables are given as titles on
// creation; later they are added and ticked one by one.
type Input struct {
	Name         string    `json:"name" form:"name" validate:"required,max=200"`
	PhaseID      *int64    `json:"phase_id" form:"phase_id"`
	OwnerID      *int64    `json:"owner_id" form:"owner_id"`
	PlannedOn    date.Date `json:"planned_on" form:"planned_on"`
	ForecastOn   date.Date `json:"forecast_on" form:"forecast_on"`
	ActualOn     date.Date `json:"actual_on" form:"actual_on"`
	IsGate       bool      `json:"is_gate" form:"is_gate"`
	Type         Type      `json:"type" form:"type" validate:"omitempty,oneof=go_live cutover rehearsal uat training readiness_review value_review other"`
	Readiness    []string  `json:"readiness" form:"readiness" validate:"max=20,dive,max=40"`
	Notes        string    `json:"notes" form:"notes" validate:"max=4000"`
	Deliverables []string  `json:"deliverables" form:"deliverables" validate:"max=100,dive,max=300"`
	Version      int       `json:"version" form:"version"`
}

// InputOf returns the editable fields of m.
func InputOf(m *Milestone) Input {
	return Input{Name: m.Name, PhaseID: m.PhaseID, OwnerID: m.OwnerID, PlannedOn: m.PlannedOn, ForecastOn: m.ForecastOn,
		ActualOn: m.ActualOn, IsGate: m.IsGate, Type: m.Type, Readiness: m.Readiness.Met(), Notes: m.Notes, Version: m.Version}
}

func (in *Input) check(ctx context.Context, db bun.IDB, projectID int64, today date.Date) error {
	in.Name = strings.TrimSpace(in.Name)
	if in.PhaseID != nil && *in.PhaseID == 0 {
		in.PhaseID = nil
	}
	if in.OwnerID != nil && *in.OwnerID == 0 {
		in.OwnerID = nil
	}
	titles := in.Deliverables[:0]
	for _, t := range in.Deliverables {
		if t = strings.TrimSpace(t); t != "" {
			titles = append(titles, t)
		}
	}
	in.Deliverables = titles
	if in.Type == "" {
		in.Type = Other
	}
	fields, err := validate.Fields(in)
	if err != nil {
		return err
	}
	for _, k := range in.Readiness {
		if !IsReadinessItem(k) {
			fields["readiness"] = apperr.Msg("milestone.readiness_unknown")
		}
	}
	if in.Type != ReadinessReview {
		in.Readiness = nil // only a readiness review has a checklist
	}
	if in.PlannedOn.IsZero() {
		fields["planned_on"] = apperr.Msg("milestone.planned_required")
	}
	if !in.ActualOn.IsZero() && in.ActualOn.After(today.AddDays(1)) {
		fields["actual_on"] = apperr.Msg("milestone.actual_in_future")
	}
	problems, err := project.CheckRefs(ctx, db, projectID, "milestone", project.Refs{PhaseID: in.PhaseID, OwnerID: in.OwnerID})
	if err != nil {
		return err
	}
	maps.Copy(fields, problems)
	return apperr.InvalidIf(fields)
}

// Create adds a milestone with its deliverables.
func Create(ctx context.Context, db bun.IDB, actorID, projectID int64, in Input, today date.Date) (*Milestone, error) {
	var m *Milestone
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		var err error
		m, err = create(ctx, tx, actorID, projectID, in, today)
		return err
	})
	return m, err
}

func create(ctx context.Context, tx bun.Tx, actorID, projectID int64, in Input, today date.Date) (*Milestone, error) {
	if err := in.check(ctx, tx, projectID, today); err != nil {
		return nil, err
	}
	if !in.ActualOn.IsZero() && (in.IsGate || len(in.Deliverables) > 0) {
		return nil, apperr.InvalidField("actual_on", "milestone.done_needs_checks")
	}
	m := &Milestone{ProjectID: projectID, Version: 1}
	apply(m, in)
	if _, err := tx.NewInsert().Model(m).Returning("*").Exec(ctx); err != nil {
		return nil, database.MapError(err)
	}
	if len(in.Deliverables) > 0 {
		ds := make([]Deliverable, len(in.Deliverables))
		for i, t := range in.Deliverables {
			ds[i] = Deliverable{MilestoneID: m.ID, Position: i + 1, Title: t}
		}
		if _, err := tx.NewInsert().Model(&ds).Exec(ctx); err != nil {
			return nil, database.MapError(err)
		}
	}
	after := struct {
		*Milestone
		Deliverables []string `json:"deliverables,omitempty"`
	}{m, in.Deliverables}
	return m, audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "milestone",
		EntityID: m.ID, Action: audit.Create, After: after})
}

func apply(m *Milestone, in Input) {
	m.Name, m.PhaseID, m.OwnerID, m.PlannedOn, m.ForecastOn = in.Name, in.PhaseID, in.OwnerID, in.PlannedOn, in.ForecastOn
	m.ActualOn, m.IsGate, m.Notes = in.ActualOn, in.IsGate, in.Notes
	m.Type, m.Readiness = in.Type, ReadinessOf(in.Readiness)
}

// Get returns one milestone of the project.
func Get(ctx context.Context, db bun.IDB, projectID, id int64) (*Milestone, error) {
	m := new(Milestone)
	err := db.NewSelect().Model(m).Where("m.id = ? AND m.project_id = ?", id, projectID).Scan(ctx)
	return m, database.MapError(err)
}

// Update edits a milestone if in.Version is current. It can be marked done
// (an actual date) only when every deliverable is ticked and, for a gate, the
// steering committee has decided go or go with conditions.
func Update(ctx context.Context, db bun.IDB, actorID, projectID, id int64, in Input, today date.Date) (*Milestone, error) {
	var m *Milestone
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := Get(ctx, tx, projectID, id)
		if err != nil {
			return err
		}
		if before.Version != in.Version {
			return apperr.Conflict("")
		}
		if err := in.check(ctx, tx, projectID, today); err != nil {
			return err
		}
		if !in.ActualOn.IsZero() && before.ActualOn.IsZero() {
			if err := readyToClose(ctx, tx, id, in.IsGate); err != nil {
				return err
			}
		}
		next := *before
		apply(&next, in)
		m = &next
		return save(ctx, tx, actorID, before, m, audit.Update, "")
	})
	return m, err
}

// readyToClose refuses closing a milestone with open deliverables, or a gate
// without a go decision.
func readyToClose(ctx context.Context, tx bun.Tx, id int64, gate bool) error {
	var st struct {
		Open int  `bun:"open"`
		Go   bool `bun:"go"`
	}
	err := tx.NewSelect().
		ColumnExpr("(SELECT count(*) FROM deliverables WHERE milestone_id = ? AND NOT done) AS open", id).
		ColumnExpr("EXISTS (SELECT 1 FROM gate_reviews WHERE milestone_id = ? AND decision IN ('go', 'go_with_conditions')) AS go", id).
		Scan(ctx, &st)
	if err != nil {
		return database.MapError(err)
	}
	if st.Open > 0 {
		return apperr.InvalidField("actual_on", "milestone.open_deliverables", "Count", st.Open)
	}
	if gate && !st.Go {
		return apperr.InvalidField("actual_on", "milestone.gate_needs_go")
	}
	return nil
}

// save writes m over before through the one versioned write: a milestone
// that moved on since before was read is a Conflict.
func save(ctx context.Context, tx bun.Tx, actorID int64, before, m *Milestone, action, ref string) error {
	return audit.UpdateVersioned(ctx, tx, audit.Write{ProjectID: m.ProjectID, ActorID: actorID, Entity: "milestone",
		EntityID: m.ID, Action: action, Before: before, After: m, Ref: ref}, before.Version)
}

// Shift moves a milestone's planned and forecast dates by days (a change
// request applying itself); expectVersion guards against a milestone that
// moved on since the request was approved.
func Shift(ctx context.Context, tx bun.Tx, actorID, projectID, id int64, days, expectVersion int, ref string) (*Milestone, error) {
	before, err := Get(ctx, tx, projectID, id)
	if err != nil {
		return nil, err
	}
	if expectVersion != 0 && before.Version != expectVersion {
		return nil, apperr.Conflict("")
	}
	next := *before
	next.PlannedOn = before.PlannedOn.AddDays(days)
	next.ForecastOn = before.ForecastOn.AddDays(days)
	return &next, save(ctx, tx, actorID, before, &next, audit.Update, ref)
}

// Delete removes a milestone with its deliverables and reviews.
func Delete(ctx context.Context, db bun.IDB, actorID, projectID, id int64) error {
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := Get(ctx, tx, projectID, id)
		if err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model(before).WherePK().Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "milestone",
			EntityID: id, Action: audit.Delete, Before: before})
	})
}

// Deliverables returns a milestone's checklist in order, with who ticked what.
func Deliverables(ctx context.Context, db bun.IDB, milestoneID int64) ([]Deliverable, error) {
	var ds []Deliverable
	err := db.NewSelect().Model(&ds).ColumnExpr("d.*, coalesce(u.name, '') AS done_by_name").
		Join("LEFT JOIN users AS u ON u.id = d.done_by").
		Where("d.milestone_id = ?", milestoneID).OrderExpr("d.position, d.id").Scan(ctx)
	return ds, database.MapError(err)
}

// AddDeliverable appends an item to a milestone's checklist.
func AddDeliverable(ctx context.Context, db bun.IDB, actorID, projectID, milestoneID int64, title string) (*Deliverable, error) {
	title = strings.TrimSpace(title)
	if err := validate.Var("title", title, "required,max=300"); err != nil {
		return nil, err
	}
	var d *Deliverable
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := Get(ctx, tx, projectID, milestoneID); err != nil {
			return err
		}
		d = &Deliverable{MilestoneID: milestoneID, Title: title}
		if err := tx.NewSelect().Table("deliverables").ColumnExpr("coalesce(max(position), 0) + 1").
			Where("milestone_id = ?", milestoneID).Scan(ctx, &d.Position); err != nil {
			return database.MapError(err)
		}
		if _, err := tx.NewInsert().Model(d).Returning("*").Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "deliverable",
			EntityID: d.ID, Action: audit.Create, After: d})
	})
	return d, err
}

// CanTick reports whether the caller may tick the milestone's deliverables:
// project managers, or its owner whatever their role — but never a viewer.
func CanTick(caller project.Caller, m *Milestone) bool {
	return caller.CanOrOwns(project.ManageMilestones, ownerOf(m.OwnerID))
}

// CanSetActionStatus reports whether the caller may mark a gate review's
// action item done or open: project managers, or the item's owner.
func CanSetActionStatus(caller project.Caller, a *Action) bool {
	return caller.CanOrOwns(project.ManageMilestones, ownerOf(a.OwnerID))
}

func ownerOf(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}

// Tick marks a deliverable done or not done; the caller must be allowed to
// (CanTick).
func Tick(ctx context.Context, db bun.IDB, caller project.Caller, projectID, milestoneID, deliverableID int64, done bool, now time.Time) error {
	actorID := caller.UserID
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		m, err := Get(ctx, tx, projectID, milestoneID)
		if err != nil {
			return err
		}
		if !CanTick(caller, m) {
			return apperr.Forbidden()
		}
		before := new(Deliverable)
		if err := tx.NewSelect().Model(before).Where("d.id = ? AND d.milestone_id = ?", deliverableID, milestoneID).Scan(ctx); err != nil {
			return database.MapError(err)
		}
		if before.Done == done {
			return nil
		}
		next := *before
		next.Done = done
		next.DoneBy, next.DoneAt = nil, nil
		if done {
			next.DoneBy, next.DoneAt = &actorID, &now
		}
		if _, err := tx.NewUpdate().Model(&next).Column("done", "done_by", "done_at").WherePK().Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "deliverable",
			EntityID: deliverableID, Action: audit.Update, Before: before, After: &next})
	})
}
