package web

import (
	"rollout/internal/jobs"
	"rollout/internal/notify"

	"strconv"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/i18n"
)

// accountView is the account page: the profile form, the password form and
// the API tokens. Each form has its own errors, so a mistake in one shows
// beside that form only.
type accountView struct {
	Profile      account.Profile
	ProfileForm  form
	PasswordForm form
	TokenName    string
	TokenForm    form
	Tokens       []account.Token
	Languages    []languageOption
	Notify       *notify.Prefs // which events by e-mail, at once or as a daily digest
	Events       []string
}

type languageOption struct{ Code, Label string }

// languageOptions are the languages a person may choose, each named in itself.
var languageOptions = []languageOption{{i18n.English, "English"}, {i18n.Chinese, "简体中文"}}

func (s *Server) handleAccount(c *fiber.Ctx) error {
	u := mustUser(c)
	return s.renderAccount(c, fiber.StatusOK, accountView{Profile: profileOf(u)})
}

func profileOf(u *account.User) account.Profile {
	return account.Profile{Name: u.Name, Language: u.Language, Version: u.Version}
}

// renderAccount shows the account page with v's forms and the caller's tokens.
func (s *Server) renderAccount(c *fiber.Ctx, status int, v accountView) error {
	ts, err := account.ListTokens(c.UserContext(), s.db, mustUser(c).ID)
	if err != nil {
		return err
	}
	v.Tokens, v.Languages = ts, languageOptions
	if v.Notify, err = notify.PrefsOf(c.UserContext(), s.db, mustUser(c).ID); err != nil {
		return err
	}
	v.Events = jobs.EventKinds
	return s.render(c, status, "account/account", s.translator(c).T("me.title"), v)
}

// handleProfileUpdate saves the caller's name and language. The language
// becomes the interface language at once (the same cookie as the switch in
// the header), so the next page already speaks it.
func (s *Server) handleProfileUpdate(c *fiber.Ctx) error {
	u := mustUser(c)
	var p account.Profile
	if err := c.BodyParser(&p); err != nil {
		return fiber.ErrBadRequest
	}
	saved, err := account.UpdateProfile(c.UserContext(), s.db, u.ID, p)
	if err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		if apperr.Is(err, apperr.KindConflict) {
			// Show what is stored now; the message asks to apply the change again.
			fresh, ferr := account.ByID(c.UserContext(), s.db, u.ID)
			if ferr != nil {
				return ferr
			}
			p = profileOf(fresh)
		}
		return s.renderAccount(c, formStatus(err), accountView{Profile: p, ProfileForm: f})
	}
	s.setLanguageCookie(c, saved.Language)
	return s.redirectWith(c, "/account", "success", "flash.profile_saved")
}

// setLanguageCookie remembers the interface language, like the header's switch.
func (s *Server) setLanguageCookie(c *fiber.Ctx, l string) {
	if !i18n.Supported(l) {
		l = i18n.English
	}
	c.Cookie(&fiber.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
		HTTPOnly: true, Secure: s.cfg.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode})
}

// handlePasswordChange replaces the caller's password. Every other session of
// the account ends; this browser stays signed in.
func (s *Server) handlePasswordChange(c *fiber.Ctx) error {
	u := mustUser(c)
	err := account.ChangePassword(c.UserContext(), s.db, u.ID,
		c.FormValue("current_password"), c.FormValue("new_password"), sessionToken(c))
	if err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderAccount(c, formStatus(err), accountView{Profile: profileOf(u), PasswordForm: f})
	}
	return s.redirectWith(c, "/account", "success", "flash.password_changed")
}

// tokenCreatedView shows a new token's secret, the only time it is visible.
type tokenCreatedView struct {
	Token  *account.Token
	Secret string
}

func (s *Server) handleTokenCreate(c *fiber.Ctx) error {
	u := mustUser(c)
	var in account.NewToken
	if err := c.BodyParser(&in); err != nil {
		return fiber.ErrBadRequest
	}
	secret, tok, err := account.CreateToken(c.UserContext(), s.db, u.ID, in)
	if err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		return s.renderAccount(c, formStatus(err), accountView{Profile: profileOf(u), TokenName: in.Name, TokenForm: f})
	}
	noStore(c)
	return s.render(c, fiber.StatusCreated, "account/token_created", s.translator(c).T("me.token_created.title"),
		tokenCreatedView{Token: tok, Secret: secret})
}

// handleTokenRevoke ends one of the caller's own tokens; anybody else's token
// is NotFound, exactly like one that does not exist.
func (s *Server) handleTokenRevoke(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return apperr.NotFound()
	}
	if err := account.RevokeToken(c.UserContext(), s.db, mustUser(c).ID, id, s.now()); err != nil {
		return err
	}
	return s.redirectWith(c, "/account", "success", "flash.token_revoked")
}

// meJSON is the caller as the API shows it: never the password hash.
type meJSON struct {
	ID       int64  `json:"id"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Language string `json:"language"`
	IsAdmin  bool   `json:"is_admin"`
}

func (s *Server) apiMe(c *fiber.Ctx) error {
	u := mustUser(c)
	return c.JSON(meJSON{ID: u.ID, Email: u.Email, Name: u.Name, Language: u.Language, IsAdmin: u.IsAdmin})
}

// noStore keeps a page with a secret on it out of every cache and the
// browser's history snapshots.
func noStore(c *fiber.Ctx) {
	c.Set(fiber.HeaderCacheControl, "no-store")
}
