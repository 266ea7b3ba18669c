package web

import (
	"github.com/gofiber/fiber/v2"

	"rollout/internal/account"
	"rollout/internal/apperr"
)

// handleHome shows the first-run form while no user exists, the welcome page
// to visitors, and sends signed-in users to their projects.
func (s *Server) handleHome(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return s.handleMyWork(c)
	}
	hasUsers, err := account.HasUsers(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	tr := s.translator(c)
	if !hasUsers {
		return s.render(c, fiber.StatusOK, "account/setup", tr.T("setup.title"), setupView{})
	}
	return s.render(c, fiber.StatusOK, "home/index", tr.T("nav.home"), nil)
}

type setupView struct {
	In   account.NewUser
	Form form
}

// handleSetup creates the first instance admin and signs them in. Once any
// user exists the form is gone and a late submission is refused.
func (s *Server) handleSetup(c *fiber.Ctx) error {
	var in account.NewUser
	if err := c.BodyParser(&in); err != nil {
		return apperr.InvalidField("email", "error.bad_request")
	}
	in.Language = lang(c)
	_, err := account.CreateFirstAdmin(c.UserContext(), s.db, in)
	if err != nil {
		if apperr.Is(err, apperr.KindConflict) {
			return s.redirectWith(c, "/signin", "info", "flash.setup_done")
		}
		f, err := s.formErrors(c, err)
		if err != nil {
			return err
		}
		in.Password = ""
		return s.render(c, fiber.StatusUnprocessableEntity, "account/setup", s.translator(c).T("setup.title"), setupView{In: in, Form: f})
	}
	return s.signIn(c, in.Email, c.FormValue("password"), "/projects/new")
}

type signInView struct {
	Email string
	Next  string
	Form  form
	// OIDCButton is "Sign in with …" when company sign-in is on, else "".
	OIDCButton string
	OIDCOnly   bool // local passwords are for the first administrator only
}

// signInView is the sign-in page's data, with the company sign-in button
// when it is configured.
func (s *Server) signInView(c *fiber.Ctx, email, next string, f form) signInView {
	v := signInView{Email: email, Next: next, Form: f}
	if o := s.cfg.OIDC; o.Enabled() {
		tr := s.translator(c)
		v.OIDCButton, v.OIDCOnly = tr.T("oidc.signin_company"), o.Only
		if o.Name != "" {
			v.OIDCButton = tr.T("oidc.signin_with", "Name", o.Name)
		}
	}
	return v
}

func (s *Server) handleSignInPage(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Redirect(localPath(c.Query("next")), fiber.StatusSeeOther)
	}
	return s.render(c, fiber.StatusOK, "account/signin", s.translator(c).T("signin.title"),
		s.signInView(c, "", localPath(c.Query("next")), form{}))
}

func (s *Server) handleSignIn(c *fiber.Ctx) error {
	next := c.FormValue("next")
	if next == "" {
		next = "/"
	}
	return s.signIn(c, c.FormValue("email"), c.FormValue("password"), localPath(next))
}

// signIn checks the credentials, starts a fresh session (the old session id,
// if any, is dropped: no session fixation) and goes on to next.
func (s *Server) signIn(c *fiber.Ctx, email, password, next string) error {
	old := c.Cookies(s.sessionCookieName())
	rule := account.PasswordsForAll
	if s.cfg.OIDC.Enabled() && s.cfg.OIDC.Only {
		rule = account.PasswordsForFirstAdmin
	}
	_, token, err := account.SignInPassword(c.UserContext(), s.db, rule, email, password, s.clientIP(c), old, s.now())
	if err != nil {
		kind := apperr.KindOf(err)
		if kind != apperr.KindUnauthenticated && kind != apperr.KindTooManyRequests {
			return err
		}
		ae := err.(*apperr.Error)
		status := fiber.StatusUnauthorized
		if kind == apperr.KindTooManyRequests {
			status = fiber.StatusTooManyRequests
		}
		tr := s.translator(c)
		return s.render(c, status, "account/signin", tr.T("signin.title"),
			s.signInView(c, email, next, form{Summary: tr.TData(ae.Message.ID, ae.Message.Data)}))
	}
	s.setSessionCookie(c, token)
	return c.Redirect(next, fiber.StatusSeeOther)
}

func (s *Server) handleSignOut(c *fiber.Ctx) error {
	if t := sessionToken(c); t != "" {
		if err := account.EndSession(c.UserContext(), s.db, t); err != nil {
			return err
		}
	}
	s.clearSessionCookie(c)
	return s.redirectWith(c, "/signin", "info", "flash.signed_out")
}
