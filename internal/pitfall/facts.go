package pitfall

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/adoption"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/project"
	"rollout/internal/requirement"
)

// Facts are the figures the detectors read, gathered with a fixed number of
// aggregate queries whatever the size of the project.
type Facts struct {
	Today      date.Date
	Project    project.Project
	Thresholds Thresholds
	Phases     []project.Phase
	Members    []project.Member
	Goals      []goal.View
	Summaries  []requirement.PhaseSummary
	Backlog    BacklogFacts
	Milestones []milestone.View
	Risks      []RiskFact
	Changes    ChangeFacts
	// OpenConditions counts the open action items of gate decisions (the
	// conditions a go-with-conditions set).
	OpenConditions int
	Adoption       []adoption.Week // the CRM's usage per week and department, oldest first (adoption.go)
}

// BacklogFacts are counts over the whole backlog (rejected items left out).
type BacklogFacts struct {
	Total            int `bun:"total"`
	Unplanned        int `bun:"unplanned"`
	NoGoal           int `bun:"no_goal"`
	Training         int `bun:"training"`
	ChangeManagement int `bun:"change_management"`
	DataMigration    int `bun:"data_migration"`
	DataOwned        int `bun:"data_owned"`
	Custom           int `bun:"custom"`
}

// RiskFact is an active risk scored at or above the project's RiskScore threshold.
type RiskFact struct {
	Number   int    `bun:"number"`
	Title    string `bun:"title"`
	Category string `bun:"category"`
	Score    int    `bun:"score"`
}

// ChangeFacts are the change requests' rhythm.
type ChangeFacts struct {
	LastThreeMonths int        `bun:"last_three_months"`
	LastSixMonths   int        `bun:"last_six_months"`
	Total           int        `bun:"total"`
	Last            *time.Time `bun:"last"`
}

// Gather reads the facts of a project.
func Gather(ctx context.Context, db bun.IDB, projectID int64, today date.Date) (*Facts, error) {
	f := &Facts{Today: today}
	var raw string
	if err := db.NewSelect().Model(&f.Project).ColumnExpr("project.*").Where("project.id = ?", projectID).Scan(ctx); err != nil {
		return nil, database.MapError(err)
	}
	if err := db.NewSelect().Table("projects").Column("pitfall_thresholds").Where("id = ?", projectID).Scan(ctx, &raw); err != nil {
		return nil, database.MapError(err)
	}
	f.Thresholds = DefaultThresholds()
	if len(raw) > 0 {
		_ = json.Unmarshal([]byte(raw), &f.Thresholds) // unknown or bad keys keep their defaults
	}
	var err error
	if f.Phases, err = project.Phases(ctx, db, projectID); err != nil {
		return nil, err
	}
	if f.Members, err = project.Members(ctx, db, projectID); err != nil {
		return nil, err
	}
	if f.Goals, err = goal.List(ctx, db, projectID, today); err != nil {
		return nil, err
	}
	if f.Summaries, err = requirement.Summaries(ctx, db, projectID); err != nil {
		return nil, err
	}
	err = db.NewSelect().TableExpr("requirements AS r").
		ColumnExpr("count(*) AS total").
		ColumnExpr("count(*) FILTER (WHERE r.phase_id IS NULL) AS unplanned").
		ColumnExpr("count(*) FILTER (WHERE r.id NOT IN (?)) AS no_goal", requirement.LinkedToGoals(db, projectID)).
		ColumnExpr("count(*) FILTER (WHERE r.kind = 'training') AS training").
		ColumnExpr("count(*) FILTER (WHERE r.kind = 'change_management') AS change_management").
		ColumnExpr("count(*) FILTER (WHERE r.kind = 'data_migration') AS data_migration").
		ColumnExpr("count(*) FILTER (WHERE r.kind = 'data_migration' AND r.owner_id IS NOT NULL) AS data_owned").
		ColumnExpr("count(*) FILTER (WHERE r.approach = 'customization') AS custom").
		Where("r.project_id = ? AND r.status <> 'rejected'", projectID).
		Scan(ctx, &f.Backlog)
	if err != nil {
		return nil, database.MapError(err)
	}
	if f.Milestones, err = milestone.List(ctx, db, projectID, today); err != nil {
		return nil, err
	}
	err = db.NewSelect().TableExpr("risks AS k").
		ColumnExpr("k.number, k.title, k.category, k.probability * k.impact AS score").
		Where("k.project_id = ? AND k.status IN ('open', 'mitigating') AND k.probability * k.impact >= ?", projectID, f.Thresholds.RiskScore).
		OrderExpr("k.probability * k.impact DESC, k.number").
		Scan(ctx, &f.Risks)
	if err != nil {
		return nil, database.MapError(err)
	}
	err = db.NewSelect().TableExpr("change_requests AS c").
		ColumnExpr("count(*) FILTER (WHERE c.created_at >= ?) AS last_three_months", today.Time().AddDate(0, -3, 0)).
		ColumnExpr("count(*) FILTER (WHERE c.created_at >= ?) AS last_six_months", today.Time().AddDate(0, -6, 0)).
		ColumnExpr("count(*) AS total").
		ColumnExpr("max(c.created_at) AS last").
		Where("c.project_id = ?", projectID).
		Scan(ctx, &f.Changes)
	if err != nil {
		return nil, database.MapError(err)
	}
	err = db.NewSelect().TableExpr("review_actions AS ra").ColumnExpr("count(*)").
		Join("JOIN gate_reviews AS gr ON gr.id = ra.review_id").
		Join("JOIN milestones AS m ON m.id = gr.milestone_id").
		Where("m.project_id = ? AND ra.status = 'open'", projectID).
		Scan(ctx, &f.OpenConditions)
	if err != nil {
		return nil, database.MapError(err)
	}
	if f.Adoption, err = gatherAdoption(ctx, db, projectID, today); err != nil {
		return nil, err
	}
	return f, nil
}
