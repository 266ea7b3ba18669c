package web

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/i18n"
)

func (s *Server) handleHealthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

func (s *Server) handleReadyz(c *fiber.Ctx) error {
	if err := s.ping(c.UserContext()); err != nil {
		s.log.Warn("database not ready", "error", err.Error())
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "database unreachable"})
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

// handleLanguage stores the chosen language in a cookie and returns to the page.
func (s *Server) handleLanguage(c *fiber.Ctx) error {
	l := c.FormValue("lang")
	if !i18n.Supported(l) {
		l = i18n.English
	}
	c.Cookie(&fiber.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
		HTTPOnly: true, Secure: s.cfg.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode})
	return c.Redirect(localPath(c.FormValue("back")), fiber.StatusSeeOther)
}

// localPath keeps redirects on this site: anything that is not a plain local
// path (a full URL, //host, /\host) becomes the home page.
func localPath(p string) string {
	u, err := url.Parse(p)
	if err != nil || p == "" || u.IsAbs() || u.Host != "" || !strings.HasPrefix(p, "/") ||
		strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	return p
}
