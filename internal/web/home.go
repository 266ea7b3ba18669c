package web

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

func (s *Server) handleHealthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

func (s *Server) handleReadyz(c *fiber.Ctx) error {
	if err := s.ping(c.UserContext()); err != nil {
		s.log.Warn("database not ready", "error", err.Error())
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(retryAfter))
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "database unreachable"})
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

// handleLanguage stores the chosen language in a cookie and returns to the page.
func (s *Server) handleLanguage(c *fiber.Ctx) error {
	s.setLanguageCookie(c, c.FormValue("lang"))
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
