package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/audit"
	"rollout/internal/office"
	"rollout/internal/project"
)

// list is the envelope of every API list.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func listOf[T any](items []T, next string) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items, NextCursor: next}
}

// projectJSON is a project as the API shows it, with the caller's role.
type projectJSON struct {
	*project.Project
	Role project.Role `json:"role,omitempty"`
}

func (s *Server) apiProjects(c *fiber.Ctx) error {
	u := mustUser(c)
	ps, err := project.ListFor(c.UserContext(), s.db, u.ID, u.IsAdmin, c.Query("archived") == "true")
	if err != nil {
		return err
	}
	return c.JSON(listOf(ps, ""))
}

func (s *Server) apiProjectCreate(c *fiber.Ctx) error {
	u := mustUser(c)
	if ok, err := s.canCreateProject(c, u); err != nil || !ok {
		if err == nil {
			err = fiber.ErrForbidden
		}
		return err
	}
	var in project.Input
	if err := bindForm(c, &in); err != nil {
		return err
	}
	p, err := office.CreateProject(c.UserContext(), s.db, u.ID, in, lang(c), s.today())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(projectJSON{p, project.RoleProjectManager})
}

func (s *Server) apiProject(c *fiber.Ctx) error {
	p, acc := currentProject(c)
	return c.JSON(projectJSON{p, acc.Role})
}

func (s *Server) apiProjectUpdate(c *fiber.Ctx) error {
	p, acc := currentProject(c)
	in := project.InputOf(p)
	in.Version = 0
	if err := bindPatch(c, &in); err != nil {
		return err
	}
	next, err := project.Update(c.UserContext(), s.db, mustUser(c).ID, p.ID, in)
	if err != nil {
		return err
	}
	return c.JSON(projectJSON{next, acc.Role})
}

func (s *Server) apiMembers(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	ms, err := project.Members(c.UserContext(), s.db, p.ID)
	if err != nil {
		return err
	}
	return c.JSON(listOf(ms, ""))
}

func (s *Server) apiMemberAdd(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var in project.MemberInput
	if err := bindForm(c, &in); err != nil {
		return err
	}
	m, err := project.AddMember(c.UserContext(), s.db, mustUser(c).ID, p.ID, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(m)
}

func (s *Server) apiMemberUpdate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	uid, err := paramID(c, "user_id")
	if err != nil {
		return err
	}
	cur, err := project.MemberOf(c.UserContext(), s.db, p.ID, uid)
	if err != nil {
		return err
	}
	in := project.MemberInput{Role: cur.Role, Department: cur.Department}
	if err := bindPatch(c, &in); err != nil {
		return err
	}
	m, err := project.UpdateMember(c.UserContext(), s.db, mustUser(c).ID, p.ID, uid, in)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (s *Server) apiMemberRemove(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	uid, err := paramID(c, "user_id")
	if err != nil {
		return err
	}
	if err := project.RemoveMember(c.UserContext(), s.db, mustUser(c).ID, p.ID, uid); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiPhases(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	ps, err := project.Phases(c.UserContext(), s.db, p.ID)
	if err != nil {
		return err
	}
	return c.JSON(listOf(ps, ""))
}

// apiActivity pages through the trail newest first; next_cursor is the id to
// pass as ?cursor= for the next, older page.
func (s *Server) apiActivity(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	q := newQueryReader(c)
	limit := q.intIn("limit", 1, 200)
	if limit == 0 {
		limit = 50
	}
	f := audit.Filter{ProjectID: p.ID, Entity: q.text("entity"), Limit: limit + 1, ActorID: q.id("actor_id"), Before: q.id("cursor")}
	if err := q.err(); err != nil {
		return err
	}
	entries, err := audit.List(c.UserContext(), s.db, f)
	if err != nil {
		return err
	}
	next := ""
	if len(entries) > limit {
		entries = entries[:limit]
		next = strconv.FormatInt(entries[len(entries)-1].ID, 10)
	}
	return c.JSON(listOf(entries, next))
}
