package milestone

import (
	"context"

	"github.com/uptrace/bun"

	"rollout/internal/database"
	"rollout/internal/risk"
)

// Threat is a risk of the register that names a milestone as the one it
// threatens.
type Threat struct {
	ID          int64       `bun:"id" json:"id"`
	Number      int         `bun:"number" json:"number"`
	Title       string      `bun:"title" json:"title"`
	Probability int         `bun:"probability" json:"probability"`
	Impact      int         `bun:"impact" json:"impact"`
	Status      risk.Status `bun:"status" json:"status"`
	OwnerName   string      `bun:"owner_name" json:"owner_name"`
	ProjectKey  string      `bun:"project_key" json:"-"`

	Key   string        `bun:"-" json:"key"`
	Score int           `bun:"-" json:"score"`
	Level risk.Severity `bun:"-" json:"level"`
}

// ThreateningRisks returns the risks that threaten a milestone, the active
// ones first, each group by score.
func ThreateningRisks(ctx context.Context, db bun.IDB, projectID, milestoneID int64) ([]Threat, error) {
	var ts []Threat
	err := db.NewSelect().TableExpr("risks AS r").
		ColumnExpr("r.id, r.number, r.title, r.probability, r.impact, r.status").
		ColumnExpr("coalesce(u.name, '') AS owner_name, p.key AS project_key").
		Join("JOIN projects AS p ON p.id = r.project_id").
		Join("LEFT JOIN users AS u ON u.id = r.owner_id").
		Where("r.project_id = ? AND r.milestone_id = ?", projectID, milestoneID).
		OrderExpr("r.status IN ('open', 'mitigating') DESC, r.probability * r.impact DESC, r.number").
		Scan(ctx, &ts)
	if err != nil {
		return nil, database.MapError(err)
	}
	for i := range ts {
		t := &ts[i]
		t.Key = risk.KeyOf(t.ProjectKey, t.Number)
		t.Score = risk.Score(t.Probability, t.Impact)
		t.Level = risk.Level(t.Score)
	}
	return ts, nil
}
