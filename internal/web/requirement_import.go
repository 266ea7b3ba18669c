package web

import "github.com/gofiber/fiber/v2"

// Stubs, replaced by the import and export of requirements.
func (s *Server) handleRequirementExportXLSX(c *fiber.Ctx) error { return fiber.ErrNotImplemented }
func (s *Server) handleRequirementExportCSV(c *fiber.Ctx) error  { return fiber.ErrNotImplemented }
func (s *Server) handleRequirementImportPage(c *fiber.Ctx) error { return fiber.ErrNotImplemented }
func (s *Server) handleRequirementImport(c *fiber.Ctx) error     { return fiber.ErrNotImplemented }
