package project

import (
	"context"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/database"
)

// Caller is who asks a domain for a write, with what they are in the project.
// Rules about an item (who may edit what they own) are decided inside the
// domain write from it; the web layer passes the signed-in user's, the demo
// and the CLI the member's they act as (CallerFor).
type Caller struct {
	UserID int64
	Access Access
}

// Can reports whether the caller may take the action by role.
func (c Caller) Can(act Action) bool { return c.Access.Can(act) }

// CanOrOwns reports whether the caller may take the action by role or because
// they own the item (ownerID); viewers change nothing, even what they own.
func (c Caller) CanOrOwns(act Action, ownerID int64) bool {
	return c.Access.CanOrOwns(act, c.UserID, ownerID)
}

// CallerFor returns a user as a caller in the project, with their membership;
// a user who is not a member gets a caller who may change nothing.
func CallerFor(ctx context.Context, db bun.IDB, projectID, userID int64) (Caller, error) {
	var role Role
	err := db.NewSelect().Table("members").Column("role").Where("project_id = ? AND user_id = ?", projectID, userID).Scan(ctx, &role)
	if err = database.MapError(err); err != nil {
		if apperr.Is(err, apperr.KindNotFound) {
			return Caller{UserID: userID}, nil
		}
		return Caller{}, err
	}
	return Caller{UserID: userID, Access: Access{Role: role, IsMember: true}}, nil
}
