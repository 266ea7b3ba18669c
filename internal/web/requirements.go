package web

import "github.com/gofiber/fiber/v2"

// Stubs, replaced by the backlog pages.
func (s *Server) handleRequirements(c *fiber.Ctx) error      { return fiber.ErrNotImplemented }
func (s *Server) handleRequirementNew(c *fiber.Ctx) error    { return fiber.ErrNotImplemented }
func (s *Server) handleRequirementCreate(c *fiber.Ctx) error { return fiber.ErrNotImplemented }
func (s *Server) handleRequirementBulk(c *fiber.Ctx) error   { return fiber.ErrNotImplemented }
func (s *Server) handleRequirement(c *fiber.Ctx) error       { return fiber.ErrNotImplemented }
func (s *Server) handleRequirementEdit(c *fiber.Ctx) error   { return fiber.ErrNotImplemented }
func (s *Server) handleRequirementUpdate(c *fiber.Ctx) error { return fiber.ErrNotImplemented }
func (s *Server) handleRequirementMove(c *fiber.Ctx) error   { return fiber.ErrNotImplemented }
func (s *Server) handleRequirementDelete(c *fiber.Ctx) error { return fiber.ErrNotImplemented }
