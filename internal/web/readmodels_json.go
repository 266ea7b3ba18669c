package web

import (
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
