package web

import (
	"github.com/gofiber/fiber/v2"

	"rollout/internal/project"
)

// A project's phases and its team: the pages where project managers set the
// phases and add, change and remove members.

type phasesView struct {
	projectPage
	Phases []project.Phase
	New    project.PhaseInput
}

func (s *Server) renderPhases(c *fiber.Ctx, status int, in project.PhaseInput, f form) error {
	pp := newProjectPage(c, "phases")
	pp.Form = f
	phases, err := project.Phases(c.UserContext(), s.db, pp.Project.ID)
	if err != nil {
		return err
	}
	return s.render(c, status, "projects/phases", s.translator(c).T("phases.title"),
		phasesView{projectPage: pp, Phases: phases, New: in})
}

func (s *Server) handlePhases(c *fiber.Ctx) error {
	return s.renderPhases(c, fiber.StatusOK, project.PhaseInput{}, form{})
}

func (s *Server) handlePhaseCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var in project.PhaseInput
	if err := bindForm(c, &in); err != nil {
		return err
	}
	if _, err := project.AddPhase(c.UserContext(), s.db, mustUser(c).ID, p.ID, in); err != nil {
		f, err := s.formErrors(c, err)
		if err != nil {
			return err
		}
		return s.renderPhases(c, fiber.StatusUnprocessableEntity, in, f)
	}
	return s.redirectWith(c, projectPath(p, "/phases"), "success", "flash.saved")
}

func (s *Server) handlePhaseUpdate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in project.PhaseInput
	if err := bindForm(c, &in); err != nil {
		return err
	}
	if _, err := project.UpdatePhase(c.UserContext(), s.db, mustUser(c).ID, p.ID, id, in); err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderPhases(c, formStatus(err), project.PhaseInput{}, f)
	}
	return s.redirectWith(c, projectPath(p, "/phases"), "success", "flash.saved")
}

func (s *Server) handlePhaseMove(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	delta := 1
	if c.FormValue("direction") == "up" {
		delta = -1
	}
	if err := project.MovePhase(c.UserContext(), s.db, mustUser(c).ID, p.ID, id, delta); err != nil {
		return err
	}
	return s.redirectWith(c, projectPath(p, "/phases"), "", "")
}

func (s *Server) handlePhaseDelete(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := project.DeletePhase(c.UserContext(), s.db, mustUser(c).ID, p.ID, id); err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderPhases(c, formStatus(err), project.PhaseInput{}, f)
	}
	return s.redirectWith(c, projectPath(p, "/phases"), "success", "flash.phase_deleted")
}

// Members.

type membersView struct {
	projectPage
	Members     []project.Member
	New         project.MemberInput
	Roles       []project.Role
	Departments []project.Department
}

func (s *Server) renderMembers(c *fiber.Ctx, status int, in project.MemberInput, f form) error {
	pp := newProjectPage(c, "members")
	pp.Form = f
	ms, err := project.Members(c.UserContext(), s.db, pp.Project.ID)
	if err != nil {
		return err
	}
	if in.Role == "" {
		in.Role, in.Department = project.RoleMember, project.DeptSales
	}
	return s.render(c, status, "projects/members", s.translator(c).T("members.title"), membersView{projectPage: pp,
		Members: ms, New: in, Roles: project.Roles, Departments: project.Departments})
}

func (s *Server) handleMembers(c *fiber.Ctx) error {
	return s.renderMembers(c, fiber.StatusOK, project.MemberInput{}, form{})
}

func (s *Server) handleMemberAdd(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var in project.MemberInput
	if err := bindForm(c, &in); err != nil {
		return err
	}
	if _, err := project.AddMember(c.UserContext(), s.db, mustUser(c).ID, p.ID, in); err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderMembers(c, formStatus(err), in, f)
	}
	return s.redirectWith(c, projectPath(p, "/members"), "success", "flash.member_added")
}

func (s *Server) handleMemberUpdate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	uid, err := paramID(c, "user_id")
	if err != nil {
		return err
	}
	var in project.MemberInput
	if err := bindForm(c, &in); err != nil {
		return err
	}
	if _, err := project.UpdateMember(c.UserContext(), s.db, mustUser(c).ID, p.ID, uid, in); err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderMembers(c, formStatus(err), project.MemberInput{}, f)
	}
	return s.redirectWith(c, projectPath(p, "/members"), "success", "flash.saved")
}

func (s *Server) handleMemberRemove(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	uid, err := paramID(c, "user_id")
	if err != nil {
		return err
	}
	if err := project.RemoveMember(c.UserContext(), s.db, mustUser(c).ID, p.ID, uid); err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderMembers(c, formStatus(err), project.MemberInput{}, f)
	}
	if uid == mustUser(c).ID {
		return s.redirectWith(c, "/projects", "success", "flash.member_removed")
	}
	return s.redirectWith(c, projectPath(p, "/members"), "success", "flash.member_removed")
}
