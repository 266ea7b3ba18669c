// Package web is the only package that speaks HTTP. It builds the Fiber app:
// middleware, the route table (routes.go), one handler file per domain, the
// renderer for HTML pages and the JSON API under /api/v1, and the one error
// handler that turns apperr kinds into pages or problem+json answers.
package web

import (
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"rollout/frontend"
	"rollout/internal/config"
	"rollout/internal/database"
	"rollout/internal/i18n"
	"rollout/internal/metrics"
	"rollout/internal/readcache"
)

// Deps is what the web layer needs from the outside world.
type Deps struct {
	DB     *database.DB
	Config config.Config
	Logger *slog.Logger
	I18n   *i18n.Bundle
	// Now tells the time; tests may fix it.
	Now func() time.Time
	// Cache holds the read models of the aggregate pages (readmodels.go);
	// nil: a cache of readcache.MaxProjects projects.
	Cache *readcache.Cache
	// Pages holds rendered page bodies (pagecache.go); nil: a cache of
	// readcache.MaxProjects projects and pageBudget bytes.
	Pages *readcache.Cache
	// Metrics counts and times requests per route pattern; nil: none.
	Metrics *metrics.Metrics
}

// Server holds the dependencies shared by every handler.
type Server struct {
	db       *database.DB
	cfg      config.Config
	log      *slog.Logger
	i18n     *i18n.Bundle
	now      func() time.Time
	renderer *renderer
	static   map[string]*staticFile // the built frontend, by file name
	cache    *readcache.Cache
	pages    *readcache.Cache
	csrfMark []byte      // stands for the reader's CSRF token in kept pages
	oidc     *oidcClient // company sign-in (oidc.go)
	metrics  *metrics.Metrics
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
	if d.Cache == nil {
		d.Cache = readcache.New(0)
	}
	if d.Pages == nil {
		d.Pages = readcache.NewBudget(0, pageBudget)
	}
	s := &Server{db: d.DB, cfg: d.Config, log: d.Logger, i18n: d.I18n, now: d.Now, cache: d.Cache,
		pages: d.Pages, csrfMark: []byte(newToken(32)), metrics: d.Metrics, oidc: newOIDCClient()}
	r, err := newRenderer(d.I18n)
	if err != nil {
		return nil, err
	}
	s.renderer = r
	if s.static, err = loadStatic(frontend.Files()); err != nil {
		return nil, err
	}

	app := fiber.New(fiber.Config{
		AppName:               "Rollout",
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		BodyLimit:             20 << 20, // spreadsheets up to 20 MiB
		// No ProxyHeader: c.IP() is the peer; clientIP reads X-Forwarded-For
		// from trusted proxies only.
	})
	s.useMiddleware(app)
	s.register(app)
	return app, nil
}

// clientIP is the address of whoever sent the request, for the sign-in
// throttle and the access log: the peer's, unless the peer is one of the
// trusted proxies (ROLLOUT_TRUSTED_PROXIES); then the right-most address
// of X-Forwarded-For that is not itself a trusted proxy. Each proxy appends
// the address it got the request from, so whatever lies left of that one
// may have been written by the client and is not believed.
func (s *Server) clientIP(c *fiber.Ctx) string {
	peer, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	return clientAddr(peer.Unmap(), c.Request().Header.PeekAll(fiber.HeaderXForwardedFor), s.cfg.TrustedProxies).String()
}

// clientAddr is clientIP on its parts: forwarded are the X-Forwarded-For
// headers in the order received. An entry that is not an address ends the
// walk at the last address seen, which a trusted proxy vouched for.
func clientAddr(peer netip.Addr, forwarded [][]byte, trusted []netip.Prefix) netip.Addr {
	if !trustedProxy(peer, trusted) {
		return peer
	}
	client := peer
	for i := len(forwarded) - 1; i >= 0; i-- {
		hops := strings.Split(string(forwarded[i]), ",")
		for j := len(hops) - 1; j >= 0; j-- {
			hop := strings.TrimSpace(hops[j])
			if hop == "" {
				continue
			}
			a, ok := hopAddr(hop)
			if !ok {
				return client
			}
			client = a
			if !trustedProxy(a, trusted) {
				return a
			}
		}
	}
	return client
}

// hopAddr reads one entry of X-Forwarded-For: an address, with a port or
// not.
func hopAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.WithZone("").Unmap(), true
}

func trustedProxy(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ping checks that the database answers, for /readyz.
func (s *Server) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return s.db.PingContext(ctx)
}
