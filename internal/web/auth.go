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

// authenticate finds the caller: a Bearer token (API clients) or the session
// cookie (browsers). A request with a bad token is refused; a stale cookie is
// dropped and the request goes on anonymously.
func (s *Server) authenticate(c *fiber.Ctx) error {
	ctx, now := c.UserContext(), s.now()
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return apperr.Unauthenticated()
		}
		u, err := account.TokenUser(ctx, s.db, strings.TrimSpace(secret), now)
		if err != nil {
			return err
		}
		c.Locals(localUser, u)
		return c.Next()
	}
	if token := c.Cookies(s.sessionCookieName()); token != "" {
		u, err := account.SessionUser(ctx, s.db, token, now)
		switch {
		case err == nil:
			c.Locals(localUser, u)
			c.Locals(localSession, token)
			if c.Cookies(langCookie) == "" {
				c.Locals(localLang, u.Language)
			}
		case apperr.Is(err, apperr.KindUnauthenticated):
			s.clearSessionCookie(c)
		default:
			return err
		}
	}
	return c.Next()
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
