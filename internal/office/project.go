package office

import (
	"context"

	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/milestone"
	"rollout/internal/project"
	"rollout/internal/risk"
)

// CreateProject makes a project from its template in one transaction: the
// CRM template brings its phases (package project), its default milestones
// with their deliverables, and the starter risks chosen in in.StarterRisks.
// today places the milestones when the project names no start.
func CreateProject(ctx context.Context, db database.IDB, actorID int64, in project.Input, lang string, today date.Date) (*project.Project, error) {
	var ext []project.Extension
	if in.Template == "" || in.Template == "crm" {
		ext = append(ext, milestone.TemplateMilestones(today))
		if len(in.StarterRisks) > 0 {
			ext = append(ext, risk.StarterRisks(in.StarterRisks))
		}
	}
	return project.Create(ctx, db, actorID, in, lang, ext...)
}
