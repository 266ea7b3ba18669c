package web

import (
	"bytes"
	"html/template"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/readcache"
)

// API answers encoded once per state of the project: the aggregate API
// calls (dashboard, health, a page of the risk register) answer the same
// bytes until the next write, so they are encoded with the read model and
// kept with it in the read cache (package readcache), under name, which
// must name everything else the answer depends on (the caller's language,
// the filter, the page). What a view costs then does not grow with what the
// answer lists.

// sendCachedJSON answers the JSON of what build returns, encoding it only
// when the cache holds no answer for this state of the project and name.
func (s *Server) sendCachedJSON(c *fiber.Ctx, name string, build func() (any, error)) error {
	encode := c.App().Config().JSONEncoder
	body, err := readcache.Get(s.cache, s.readKey(c), "json:"+name, func() ([]byte, error) {
		v, err := build()
		if err != nil {
			return nil, err
		}
		return encode(v)
	})
	if err != nil {
		return err
	}
	c.Response().SetBodyRaw(body) // shared: never written to
	c.Response().Header.SetContentType(fiber.MIMEApplicationJSON)
	return nil
}

// fragment is the HTML of template tmpl executed for each of items in the
// caller's language, rendered once per state of the project under name
// (which, with the language, names everything the items depend on): a list
// whose rows are the same for every reader is not rendered again on every
// view. The rows' markup stays in its template.
func fragment[T any](s *Server, c *fiber.Ctx, name, tmpl string, items func() []T) (template.HTML, error) {
	lang := lang(c)
	return readcache.Get(s.cache, s.readKey(c), "html:"+lang+":"+name, func() (template.HTML, error) {
		set := s.renderer.engines[lang].Templates
		var b bytes.Buffer
		for _, it := range items() {
			if err := set.ExecuteTemplate(&b, tmpl, it); err != nil {
				return "", err
			}
		}
		return template.HTML(b.String()), nil // escaped by html/template
	})
}
