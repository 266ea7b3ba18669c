// Package web is the only package that speaks HTTP. It builds the Fiber app:
// middleware, the route table (routes.go), one handler file per domain, the
// renderer for HTML pages and the JSON API under /api/v1, and the one error
// handler that turns apperr kinds into pages or problem+json answers.
package web

import (
	"context"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/config"
	"rollout/internal/database"
	"rollout/internal/i18n"
)

// Deps is what the web layer needs from the outside world.
type Deps struct {
	DB     *database.DB
	Config config.Config
	Logger *slog.Logger
	I18n   *i18n.Bundle
	// Now tells the time; tests may fix it.
	Now func() time.Time
}

// Server holds the dependencies shared by every handler.
type Server struct {
	db       *database.DB
	cfg      config.Config
	log      *slog.Logger
	i18n     *i18n.Bundle
	now      func() time.Time
	renderer *renderer
}

// New builds the Fiber app with every route registered.
func New(d Deps) (*fiber.App, error) {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.I18n == nil {
		b, err := i18n.Load()
		if err != nil {
			return nil, err
		}
		d.I18n = b
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Config.RequestTimeout <= 0 {
		d.Config.RequestTimeout = 15 * time.Second
	}
	s := &Server{db: d.DB, cfg: d.Config, log: d.Logger, i18n: d.I18n, now: d.Now}
	r, err := newRenderer(d.I18n)
	if err != nil {
		return nil, err
	}
	s.renderer = r

	app := fiber.New(fiber.Config{
		AppName:               "Rollout",
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		BodyLimit:             20 << 20, // spreadsheets up to 20 MiB
		// Behind a reverse proxy the client address comes from X-Forwarded-For.
		ProxyHeader: proxyHeader(d.Config),
	})
	s.useMiddleware(app)
	s.register(app)
	return app, nil
}

func proxyHeader(c config.Config) string {
	if c.BaseURL != "" {
		return fiber.HeaderXForwardedFor
	}
	return ""
}

// ping checks that the database answers, for /readyz.
func (s *Server) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return s.db.PingContext(ctx)
}
