package web

import (
	"bufio"
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/archive"
)

// handleProjectExport downloads the whole project with its history as one
// JSON archive (rollout import reads it back): KEY-YYYY-MM-DD.rollout.json.
func (s *Server) handleProjectExport(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+p.Key+"-"+s.today().String()+`.rollout.json"`)
	return s.sendArchive(c)
}

// apiProjectExport answers the archive itself.
func (s *Server) apiProjectExport(c *fiber.Ctx) error { return s.sendArchive(c) }

func (s *Server) sendArchive(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	a, err := archive.Export(c.UserContext(), s.db, p.ID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	// Written as it is encoded: a large project's archive is never held twice.
	c.Response().SetBodyStreamWriter(func(w *bufio.Writer) {
		if err := json.NewEncoder(w).Encode(a); err != nil {
			s.log.Warn("writing a project archive", "project", p.Key, "error", err.Error())
		}
	})
	return nil
}
