package web

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/project"
)

// Keys of c.Locals set by authentication and the route guard.
const (
	localUser    = "user"
	localSession = "session"
	localProject = "project"
	localAccess  = "access"
)

func (s *Server) sessionCookieName() string {
	if s.cfg.SecureCookies {
		return "__Host-rollout_session"
	}
	return "rollout_session"
}

// credential is what the request presents: a Bearer token (API clients) or
// the session cookie (browsers). An Authorization header that is not a
// Bearer token is refused.
func (s *Server) credential(c *fiber.Ctx) (account.Credential, error) {
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(secret) == "" {
			return account.Credential{}, apperr.Unauthenticated()
		}
		return account.Credential{Token: strings.TrimSpace(secret)}, nil
	}
	return account.Credential{Session: c.Cookies(s.sessionCookieName())}, nil
}

// authenticate finds the caller of a route outside a project (the guard of
// a project route finds them with the project, in one query). A request
// with a bad token is refused; a stale cookie is dropped and the request goes
// on anonymously.
func (s *Server) authenticate(c *fiber.Ctx) error {
	cred, err := s.credential(c)
	if err != nil || cred.Anonymous() {
		return err
	}
	u, err := account.Caller(c.UserContext(), s.db, cred, s.now())
	return s.signedIn(c, cred, u, err)
}

// signedIn records the outcome of reading the caller: the user in c.Locals,
// or, for a session that is no longer live, the cookie dropped (the request
// goes on anonymously). Any other error is returned.
func (s *Server) signedIn(c *fiber.Ctx, cred account.Credential, u *account.User, err error) error {
	if u != nil {
		c.Locals(localUser, u)
		if cred.Session != "" {
			c.Locals(localSession, cred.Session)
			if c.Cookies(langCookie) == "" {
				c.Locals(localLang, u.Language)
			}
		}
	}
	if cred.Session != "" && apperr.Is(err, apperr.KindUnauthenticated) {
		s.clearSessionCookie(c)
		return nil
	}
	return err
}

func (s *Server) setSessionCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{Name: s.sessionCookieName(), Value: token, Path: "/", HTTPOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode,
		MaxAge: int(account.SessionMax.Seconds())})
}

func (s *Server) clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: s.sessionCookieName(), Value: "", Path: "/", HTTPOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode, MaxAge: -1})
}

// currentUser is the signed-in caller, or nil.
func currentUser(c *fiber.Ctx) *account.User {
	u, _ := c.Locals(localUser).(*account.User)
	return u
}

// mustUser is the caller of a route whose guard required a user.
func mustUser(c *fiber.Ctx) *account.User { return currentUser(c) }

func sessionToken(c *fiber.Ctx) string {
	t, _ := c.Locals(localSession).(string)
	return t
}

// currentProject is the project of a route guarded by in(action).
func currentProject(c *fiber.Ctx) (*project.Project, project.Access) {
	p, _ := c.Locals(localProject).(*project.Project)
	a, _ := c.Locals(localAccess).(project.Access)
	return p, a
}

// signInRedirect sends a browser to the sign-in page and back afterwards.
func signInRedirect(c *fiber.Ctx) error {
	return c.Redirect("/signin?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
}
