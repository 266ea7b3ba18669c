package web

import (
	"github.com/gofiber/fiber/v2"

	"rollout/internal/project"
)

// callerOf is the signed-in user as the domains see a caller in the current
// project: the domain writes decide the item rules (who may edit what they
// own) from it, and the pages ask the domains' CanEdit-style functions which
// buttons to show.
func callerOf(c *fiber.Ctx) project.Caller {
	_, acc := currentProject(c)
	return project.Caller{UserID: mustUser(c).ID, Access: acc}
}
