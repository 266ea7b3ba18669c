package web

import (
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/project"
)

// adminUsersView is the user administration page: every account, the form to
// add one and the instance setting on who may create projects.
type adminUsersView struct {
	Users      []account.User
	In         account.NewUser
	Form       form   // the create-user form shown again with its errors
	Problem    string // a refused action on one user (e.g. disabling oneself)
	Restricted bool
	Languages  []languageOption
}

func (s *Server) handleAdminUsers(c *fiber.Ctx) error {
	return s.renderAdminUsers(c, fiber.StatusOK, adminUsersView{In: account.NewUser{Language: lang(c)}})
}

func (s *Server) renderAdminUsers(c *fiber.Ctx, status int, v adminUsersView) error {
	ctx := c.UserContext()
	us, err := account.List(ctx, s.db)
	if err != nil {
		return err
	}
	restricted, err := project.CreationRestricted(ctx, s.db)
	if err != nil {
		return err
	}
	v.Users, v.Restricted, v.Languages = us, restricted, languageOptions
	v.In.Password = "" // a password is never sent back to the browser
	return s.render(c, status, "admin/users", s.translator(c).T("admin.users.title"), v)
}

func (s *Server) handleAdminUserCreate(c *fiber.Ctx) error {
	var in account.NewUser
	if err := c.BodyParser(&in); err != nil {
		return fiber.ErrBadRequest
	}
	_, err := account.Create(c.UserContext(), s.db, mustUser(c).ID, in)
	if err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderAdminUsers(c, formStatus(err), adminUsersView{In: in, Form: f})
	}
	return s.redirectWith(c, "/admin/users", "success", "flash.user_created")
}

func (s *Server) handleAdminUserDisable(c *fiber.Ctx) error {
	return s.setUserDisabled(c, true, "flash.user_disabled")
}

func (s *Server) handleAdminUserEnable(c *fiber.Ctx) error {
	return s.setUserDisabled(c, false, "flash.user_enabled")
}

// setUserDisabled disables or enables the user of the :id parameter. A refusal
// (an admin disabling themselves) shows the users page again with the reason.
func (s *Server) setUserDisabled(c *fiber.Ctx, disabled bool, flashID string) error {
	id, err := adminTargetID(c)
	if err != nil {
		return err
	}
	_, err = account.SetDisabled(c.UserContext(), s.db, mustUser(c).ID, id, disabled)
	if apperr.Is(err, apperr.KindConflict) {
		f, _ := s.formErrors(c, err)
		return s.renderAdminUsers(c, fiber.StatusConflict, adminUsersView{In: account.NewUser{Language: lang(c)}, Problem: f.Summary})
	}
	if err != nil {
		return err
	}
	return s.redirectWith(c, "/admin/users", "success", flashID)
}

// passwordResetView shows a temporary password once, to pass on to its owner.
type passwordResetView struct {
	Target   *account.User
	Password string
}

func (s *Server) handleAdminUserResetPassword(c *fiber.Ctx) error {
	id, err := adminTargetID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	temp, err := account.ResetPassword(ctx, s.db, mustUser(c).ID, id)
	if err != nil {
		return err
	}
	target, err := account.ByID(ctx, s.db, id)
	if err != nil {
		return err
	}
	noStore(c)
	return s.render(c, fiber.StatusOK, "admin/password_reset", s.translator(c).T("admin.reset.title"),
		passwordResetView{Target: target, Password: temp})
}

func (s *Server) handleAdminSettings(c *fiber.Ctx) error {
	adminsOnly := c.FormValue("admins_only") == "true"
	if err := project.SetCreationRestricted(c.UserContext(), s.db, mustUser(c).ID, adminsOnly); err != nil {
		return err
	}
	return s.redirectWith(c, "/admin/users", "success", "flash.settings_saved")
}

// activityEntities are the kinds of item the instance-wide trail can be
// filtered by: accounts and every kind a project's trail holds.
var activityEntities = append([]string{"user", "api_token"}, projectEntities...)

// activityPageSize is how many entries one page of the trail shows.
const activityPageSize = 50

type activityView struct {
	Entries  []historyEntry
	Users    []account.User
	Entities []string
	ActorID  int64
	Entity   string
	Older    string // the query of the next (older) page, "" on the last page
	Filtered bool
}

// handleAdminActivity is the trail of every write on the instance, newest
// first, filtered by person and kind of item, one keyset page at a time.
func (s *Server) handleAdminActivity(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := audit.Filter{Limit: activityPageSize}
	if v, err := strconv.ParseInt(c.Query("actor"), 10, 64); err == nil && v > 0 {
		f.ActorID = v
	}
	if e := c.Query("entity"); slices.Contains(activityEntities, e) {
		f.Entity = e
	}
	if v, err := strconv.ParseInt(c.Query("before"), 10, 64); err == nil && v > 0 {
		f.Before = v
	}
	entries, err := audit.List(ctx, s.db, f)
	if err != nil {
		return err
	}
	users, err := account.List(ctx, s.db)
	if err != nil {
		return err
	}
	history, err := renderHistory(ctx, s.db, s.translator(c), entries)
	if err != nil {
		return err
	}
	v := activityView{Entries: history, Users: users, Entities: activityEntities, ActorID: f.ActorID, Entity: f.Entity,
		Filtered: f.ActorID != 0 || f.Entity != ""}
	if len(entries) == activityPageSize {
		q := "?before=" + strconv.FormatInt(entries[len(entries)-1].ID, 10)
		if f.ActorID != 0 {
			q += "&actor=" + strconv.FormatInt(f.ActorID, 10)
		}
		if f.Entity != "" {
			q += "&entity=" + f.Entity
		}
		v.Older = q
	}
	return s.render(c, fiber.StatusOK, "admin/activity", s.translator(c).T("admin.activity.title"), v)
}

// adminTargetID reads the :id of an admin route on one user; anything else is NotFound.
func adminTargetID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.NotFound()
	}
	return id, nil
}
