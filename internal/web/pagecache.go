package web

import (
	"bytes"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/readcache"
)

// Pages rendered once per state of the project. The aggregate pages (the
// overview, dashboard, health, risk register and backlog) are the same for
// one reader until the project changes, and rendering their templates is most
// of what a view costs, so their body (the
// page without the frame: top bar, flashes, the My work count) is kept in
// s.pages under the project's revision and day (readKey), like the read
// models, and named by everything else the body depends on: the page, the
// reader and their role, the language and the address with its query. A
// reader's view is therefore never served to anyone else, and a write by
// any instance moves the revision on.
//
// The body's forms carry the reader's CSRF token; the kept copy carries
// s.csrfMark instead, a random string replaced by the token when served.

// pageBudget bounds what the rendered pages kept by one process take.
const pageBudget = 64 << 20

// keptPage is a page body as rendered, with what the frame needs of it.
type keptPage struct {
	title   string
	scripts []string
	body    []byte // with csrfMark in place of the token
}

func (p keptPage) CacheSize() int { return len(p.body) + len(p.title) }

const localPageName = "page-cache-name"

// pageName names a page body for one reader: the kinds of page are few,
// and the reader, role, language and address say the rest.
func pageName(c *fiber.Ctx, kind string) string {
	_, acc := currentProject(c)
	return fmt.Sprintf("page:%s:%d:%s:%t:%t:%s:%s", kind, mustUser(c).ID, acc.Role, acc.IsAdmin, acc.IsMember, lang(c), c.OriginalURL())
}

// servedKept answers a GET from the kept body of this page when there is
// one (true); otherwise it marks the request so that render keeps the body
// it is about to render (false).
func (s *Server) servedKept(c *fiber.Ctx, kind string) (bool, error) {
	if c.Method() != fiber.MethodGet {
		return false, nil
	}
	name := pageName(c, kind)
	if p, ok := readcache.Find[keptPage](s.pages, s.readKey(c), name); ok {
		return true, s.frame(c, fiber.StatusOK, page{Title: p.title, Scripts: p.scripts}, s.withToken(c, p.body))
	}
	c.Locals(localPageName, name)
	return false, nil
}

// keepBody files a body render has just made for a request servedKept
// marked, with csrfMark in place of the token (render keeps only plain 200s).
func (s *Server) keepBody(c *fiber.Ctx, p page, body []byte) {
	if name, ok := c.Locals(localPageName).(string); ok {
		readcache.Put(s.pages, s.readKey(c), name, keptPage{title: p.Title, scripts: p.Scripts, body: body})
	}
}

// withToken returns a kept body with the reader's CSRF token in its forms.
func (s *Server) withToken(c *fiber.Ctx, body []byte) []byte {
	if !bytes.Contains(body, s.csrfMark) {
		return body
	}
	return bytes.ReplaceAll(body, s.csrfMark, []byte(csrfToken(c)))
}
