package pitfall

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/project"
	"rollout/internal/validate"
)

func dateOf(t time.Time) date.Date { return date.Of(t) }

// Status is a project's own assessment of a pitfall.
type Status string

// Statuses.
const (
	NotAssessed Status = "not_assessed"
	Clear       Status = "clear"
	AtRisk      Status = "at_risk"
	FallenIn    Status = "fallen_in"
)

// Statuses lists them in form order.
var Statuses = []Status{NotAssessed, Clear, AtRisk, FallenIn}

// Assessment is a project's answer to one pitfall (or the symptom self-check).
type Assessment struct {
	bun.BaseModel `bun:"table:pitfall_assessments,alias:pa"`

	ProjectID    int64     `bun:",pk" json:"-"`
	Code         string    `bun:",pk" json:"code"`
	Status       Status    `json:"status"`
	Answers      []string  `bun:"type:jsonb" json:"answers"` // per question: yes, no, unsure or ""
	Notes        string    `json:"notes"`
	OwnerID      *int64    `json:"owner_id"`
	NextReviewOn date.Date `bun:"type:date" json:"next_review_on"`
	Version      int       `json:"version"`
	UpdatedAt    time.Time `json:"updated_at"`

	OwnerName string `bun:",scanonly" json:"owner_name,omitempty"`
}

// Assessments returns every assessment of the project by code; codes never
// assessed are absent (their status is not_assessed).
func Assessments(ctx context.Context, db bun.IDB, projectID int64) (map[string]Assessment, error) {
	var as []Assessment
	err := db.NewSelect().Model(&as).ColumnExpr("pa.*, coalesce(u.name, '') AS owner_name").
		Join("LEFT JOIN users AS u ON u.id = pa.owner_id").Where("pa.project_id = ?", projectID).Scan(ctx)
	if err != nil {
		return nil, database.MapError(err)
	}
	out := make(map[string]Assessment, len(as))
	for _, a := range as {
		out[a.Code] = a
	}
	return out, nil
}

// Input edits an assessment. Version 0 creates it.
type Input struct {
	Status       Status    `json:"status" form:"status" validate:"required,oneof=not_assessed clear at_risk fallen_in"`
	Answers      []string  `json:"answers" form:"answers" validate:"max=10,dive,omitempty,oneof=yes no unsure"`
	Notes        string    `json:"notes" form:"notes" validate:"max=8000"`
	OwnerID      *int64    `json:"owner_id" form:"owner_id"`
	NextReviewOn date.Date `json:"next_review_on" form:"next_review_on"`
	Version      int       `json:"version" form:"version"`
}

// Assess writes a project's assessment of one pitfall (or SymptomsCode).
func Assess(ctx context.Context, db bun.IDB, actorID, projectID int64, code string, in Input) (*Assessment, error) {
	questions := 0
	if code == SymptomsCode {
		questions = len(catalogue.Symptoms.Questions.In("en"))
	} else if p, ok := ByCode(code); ok {
		questions = len(p.Questions.In("en"))
	} else {
		return nil, apperr.NotFound()
	}
	if err := validate.Struct(&in); err != nil {
		return nil, err
	}
	if len(in.Answers) > questions {
		return nil, apperr.InvalidField("answers", "pitfall.too_many_answers", "Max", questions)
	}
	if in.OwnerID != nil && *in.OwnerID == 0 {
		in.OwnerID = nil
	}
	var a *Assessment
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		problems, err := project.CheckRefs(ctx, tx, projectID, "pitfall", project.Refs{OwnerID: in.OwnerID})
		if err != nil {
			return err
		}
		if len(problems) > 0 {
			return apperr.Invalid(problems)
		}
		answers := in.Answers
		if answers == nil {
			answers = []string{}
		}
		a = &Assessment{ProjectID: projectID, Code: code, Status: in.Status, Answers: answers, Notes: in.Notes,
			OwnerID: in.OwnerID, NextReviewOn: in.NextReviewOn}
		if in.Version == 0 {
			return assessFirst(ctx, tx, actorID, a)
		}
		before := new(Assessment)
		if err := tx.NewSelect().Model(before).Where("pa.project_id = ? AND pa.code = ?", projectID, code).Scan(ctx); err != nil {
			if err = database.MapError(err); apperr.Is(err, apperr.KindNotFound) {
				return apperr.Conflict("") // the caller names a version of an assessment that is not there
			}
			return err
		}
		if before.Version != in.Version {
			return apperr.Conflict("")
		}
		return audit.UpdateVersioned(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "pitfall",
			EntityID: code, Before: before, After: a}, in.Version,
			"status", "answers", "notes", "owner_id", "next_review_on")
	})
	return a, err
}

// assessFirst stores the first assessment of a pitfall: version 0 means "I saw
// none". The primary key (project, code) decides between simultaneous first
// assessments: the first insert wins, every other one finds the row there and
// gets a Conflict, as if it had named a stale version.
func assessFirst(ctx context.Context, tx bun.Tx, actorID int64, a *Assessment) error {
	a.Version, a.UpdatedAt = 1, time.Now()
	res, err := tx.NewInsert().Model(a).On("CONFLICT (project_id, code) DO NOTHING").Exec(ctx)
	if err != nil {
		return database.MapError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.Conflict("")
	}
	return audit.Record(ctx, tx, audit.Write{ProjectID: a.ProjectID, ActorID: actorID, Entity: "pitfall",
		EntityID: a.Code, Action: audit.Update, After: a})
}

// Points of the health rule: each pitfall is worth PointsPerPitfall; a
// critical finding takes CriticalCost, a warning WarningCost; an assessment of
// "at risk" caps the pitfall at AtRiskCap and "fallen in" at zero.
const (
	PointsPerPitfall = 10
	CriticalCost     = 6
	WarningCost      = 3
	AtRiskCap        = 5
)

// Bands of the score: healthy from HealthyFrom, sliding from SlidingFrom,
// in trouble below. Every page and report colours scores by these.
const (
	HealthyFrom = 80
	SlidingFrom = 60
)

// Band names where a health score falls, for its colour and its words: "ok"
// from HealthyFrom, "warn" from SlidingFrom, "bad" below.
func Band(score int) string {
	switch {
	case score >= HealthyFrom:
		return "ok"
	case score >= SlidingFrom:
		return "warn"
	}
	return "bad"
}

// PitfallHealth is one pitfall's part of the score.
type PitfallHealth struct {
	Code     string `json:"code"`
	Points   int    `json:"points"`
	Status   Status `json:"status"`
	Warnings int    `json:"warnings"`
	Critical int    `json:"critical"`
}

// Score applies the rule to findings and assessments.
func Score(findings []Finding, assessments map[string]Assessment) (int, []PitfallHealth) {
	total := 0
	var parts []PitfallHealth
	for _, code := range Codes() {
		h := PitfallHealth{Code: code, Status: NotAssessed}
		if a, ok := assessments[code]; ok {
			h.Status = a.Status
		}
		for _, f := range findings {
			if f.Pitfall == code {
				if f.Severity == Critical {
					h.Critical++
				} else {
					h.Warnings++
				}
			}
		}
		h.Points = max(0, PointsPerPitfall-h.Critical*CriticalCost-h.Warnings*WarningCost)
		switch h.Status {
		case AtRisk:
			h.Points = min(h.Points, AtRiskCap)
		case FallenIn:
			h.Points = 0
		}
		total += h.Points
		parts = append(parts, h)
	}
	return total, parts
}

// Health is a project's score, its breakdown and the findings behind it.
type Health struct {
	Score       int                   `json:"score"`
	Pitfalls    []PitfallHealth       `json:"pitfalls"`
	Findings    []Finding             `json:"findings"`
	Assessments map[string]Assessment `json:"-"`
	Thresholds  Thresholds            `json:"thresholds"`
}

// Compute gathers the facts, runs the detectors and scores the project:
// the method part of the health (office.ComputeHealth adds the delivery part
// and combines the two).
func Compute(ctx context.Context, db bun.IDB, projectID int64, today date.Date) (*Health, error) {
	facts, err := Gather(ctx, db, projectID, today)
	if err != nil {
		return nil, err
	}
	as, err := Assessments(ctx, db, projectID)
	if err != nil {
		return nil, err
	}
	return HealthOf(facts, as), nil
}

// HealthOf runs the detectors on facts already gathered and scores them with
// the assessments.
func HealthOf(facts *Facts, as map[string]Assessment) *Health {
	findings := Detect(facts)
	if findings == nil {
		findings = []Finding{}
	}
	score, parts := Score(findings, as)
	return &Health{Score: score, Pitfalls: parts, Findings: findings, Assessments: as, Thresholds: facts.Thresholds}
}

// Snapshot keeps today's method score with its breakdown (the last
// computation of the day wins). office keeps the combined score with
// SnapshotScore; this one is for the method part alone.
func Snapshot(ctx context.Context, db bun.IDB, projectID int64, today date.Date, h *Health) error {
	score := h.Score
	return SnapshotScore(ctx, db, projectID, today, &score, h.Pitfalls)
}

// SnapshotScore keeps a day's health score (nil: not enough data to judge)
// with its breakdown as JSON; the last one of the day wins.
func SnapshotScore(ctx context.Context, db bun.IDB, projectID int64, day date.Date, score *int, breakdown any) error {
	raw, err := json.Marshal(breakdown)
	if err != nil {
		return apperr.Internal(err)
	}
	_, err = db.NewRaw(`INSERT INTO health_snapshots (project_id, day, score, breakdown) VALUES (?, ?, ?, ?)
ON CONFLICT (project_id, day) DO UPDATE SET score = EXCLUDED.score, breakdown = EXCLUDED.breakdown`,
		projectID, day, score, string(raw)).Exec(ctx)
	return database.MapError(err)
}

// Point is one day of the health trend.
type Point struct {
	Day   date.Date `bun:"day,type:date" json:"day"`
	Score int       `bun:"score" json:"score"`
}

// Trend returns the daily scores since a day, oldest first. Days kept as
// "not enough data to judge" (no score) are left out: the trend has a gap.
func Trend(ctx context.Context, db bun.IDB, projectID int64, since date.Date) ([]Point, error) {
	var ps []Point
	err := db.NewSelect().Table("health_snapshots").Column("day", "score").
		Where("project_id = ? AND day >= ? AND score IS NOT NULL", projectID, since).OrderExpr("day").Scan(ctx, &ps)
	return ps, database.MapError(err)
}

// SetThresholds changes a project's thresholds (project managers).
func SetThresholds(ctx context.Context, db bun.IDB, actorID, projectID int64, t Thresholds) error {
	if t.NoGoalShare < 0 || t.NoGoalShare > 1 || t.PhaseConcentration <= 0 || t.PhaseConcentration > 1 ||
		t.UnplannedShare < 0 || t.UnplannedShare > 1 || t.PhaseOneMustShare < 0 || t.PhaseOneMustShare > 1 ||
		t.PhaseOneShare <= 0 || t.PhaseOneShare > 1 || t.CustomizationShare < 0 || t.CustomizationShare > 1 ||
		t.PhaseOneIntegration < 0 || t.MockMigrations < 0 || t.RiskScore < 1 || t.RiskScore > 25 || t.MinBacklog < 0 ||
		t.UsageDays < 1 || t.StaleGoalDays < 1 || t.ChangesPerMonth <= 0 || t.SilentMonths < 1 {
		return apperr.InvalidField("thresholds", "pitfall.thresholds_invalid")
	}
	raw, _ := json.Marshal(t)
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		var before string
		if err := tx.NewSelect().Table("projects").Column("pitfall_thresholds").Where("id = ?", projectID).For("UPDATE").Scan(ctx, &before); err != nil {
			return database.MapError(err)
		}
		if _, err := tx.NewUpdate().Table("projects").Set("pitfall_thresholds = ?", string(raw)).Where("id = ?", projectID).Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ProjectID: projectID, ActorID: actorID, Entity: "setting",
			EntityID: "pitfall_thresholds", Action: audit.Update, Before: map[string]json.RawMessage{"thresholds": json.RawMessage(before)},
			After: map[string]Thresholds{"thresholds": t}})
	})
}
