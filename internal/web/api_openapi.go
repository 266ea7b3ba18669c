package web

import (
	"github.com/gofiber/fiber/v2"

	"rollout/internal/web/openapi"
)

// apiOpenAPI answers the OpenAPI 3.1 description of this API. It needs no
// sign-in: the document says what the API is, not what any project holds.
func (s *Server) apiOpenAPI(c *fiber.Ctx) error {
	doc, err := openapi.JSON()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	c.Type("json")
	return c.Send(doc)
}
