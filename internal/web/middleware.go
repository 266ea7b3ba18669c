package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/valyala/fasthttp"

	"rollout/frontend"
	"rollout/internal/apperr"
	"rollout/internal/i18n"
	"rollout/internal/validate"
)

// contentSecurityPolicy allows our own scripts and styles only: no inline script.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; " +
	"base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func (s *Server) useMiddleware(app *fiber.App) {
	// Recover first, so a panic anywhere below becomes a logged 500.
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		s.log.Error("panic", "request_id", requestID(c), "panic", e)
	}}))
	app.Use(requestid.New())
	if s.metrics != nil {
		app.Use(s.metrics.Middleware()) // outside accessLog: it counts the status sent
	}
	app.Use(s.accessLog)
	hsts := 0
	if s.cfg.SecureCookies {
		hsts = 31536000
	}
	app.Use(helmet.New(helmet.Config{
		ContentSecurityPolicy:     contentSecurityPolicy,
		ReferrerPolicy:            "same-origin",
		HSTSMaxAge:                hsts,
		CrossOriginEmbedderPolicy: "unsafe-none", // xlsx downloads and plain links must keep working
	}))
	// Pages and API answers are compressed as they are sent; static files
	// never are: the build compressed them once (serveStatic). The fastest
	// level: it costs a third of the default's CPU for answers a few percent
	// larger, and the CPU is what limits how many views a server answers.
	app.Use(compress.New(compress.Config{Level: compress.LevelBestSpeed,
		Next: func(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), frontend.StaticPrefix) }}))
	app.Use("/static", serveStatic(s.static))
	app.Use(s.deadline)
	app.Use(s.language)
	app.Use(cleanRequest)
	app.Use(s.csrf)
}

// cleanRequest refuses a request whose address, query parameters or form
// fields hold invalid UTF-8 or control characters other than tab and line
// breaks (validate.CleanText): PostgreSQL refuses a NUL in text, so such a
// value would otherwise end in a 500 wherever it reached a query. A query
// parameter or form field is a 422 naming it; a path is a 404. JSON bodies
// are checked by their decoder (validate.JSON), and uploaded files by the
// import that reads them.
func cleanRequest(c *fiber.Ctx) error {
	if !validate.CleanText(c.Path()) {
		return apperr.NotFound()
	}
	bad := dirtyArg(c.Context().QueryArgs(), "query")
	ct := string(c.Request().Header.ContentType())
	switch {
	case bad != "":
	case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
		bad = dirtyArg(c.Context().PostArgs(), "form")
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		if form, err := c.MultipartForm(); err == nil {
			for k, vs := range form.Value {
				for _, v := range vs {
					if bad == "" && !(validate.CleanText(k) && validate.CleanText(v)) {
						bad = k
						if !validate.CleanText(k) {
							bad = "form"
						}
					}
				}
			}
		}
	}
	if bad != "" {
		return apperr.InvalidField(bad, "validation.text")
	}
	return c.Next()
}

// dirtyArg names the first argument whose name or value is not clean text
// (fallback when the name itself is the problem); "" when all are clean.
func dirtyArg(args *fasthttp.Args, fallback string) string {
	bad := ""
	args.VisitAll(func(k, v []byte) {
		switch {
		case bad != "":
		case !validate.CleanText(string(k)):
			bad = fallback
		case !validate.CleanText(string(v)):
			bad = string(k) // string() copies
		}
	})
	return bad
}

// accessLog writes one structured line per request. It runs the error handler
// itself so that the logged status is the one the client got.
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	if err := c.Next(); err != nil {
		if herr := s.handleError(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.log.Log(c.UserContext(), level, "request",
		"method", c.Method(), "path", c.Path(), "status", status,
		"duration_ms", float64(time.Since(start).Microseconds())/1000,
		"bytes", len(c.Response().Body()), "request_id", requestID(c), "ip", s.clientIP(c))
	return nil
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(requestid.ConfigDefault.ContextKey).(string)
	return id
}

// deadline gives every request a context with a time limit; handlers pass
// c.UserContext() to the database so a stuck query cannot hold a connection
// forever. A request that fails once its time is up answers 503 with
// Retry-After (error.timeout), not 500: whatever broke, the deadline broke it.
func (s *Server) deadline(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	err := c.Next()
	if err != nil && ctx.Err() != nil && apperr.KindOf(err) == apperr.KindInternal {
		return apperr.Unavailable("error.timeout", err)
	}
	return err
}

const langCookie = "rollout_lang"

// language picks the interface language: the user's choice (cookie), then the
// browser's Accept-Language, then English.
func (s *Server) language(c *fiber.Ctx) error {
	c.Locals(localLang, i18n.Match(c.Cookies(langCookie), c.Get(fiber.HeaderAcceptLanguage)))
	return c.Next()
}

// Keys of c.Locals.
const (
	localLang = "lang"
	localCSRF = "csrf"
)

func lang(c *fiber.Ctx) string {
	l, _ := c.Locals(localLang).(string)
	if l == "" {
		return i18n.English
	}
	return l
}

func (s *Server) translator(c *fiber.Ctx) *i18n.Translator { return s.i18n.For(lang(c)) }

// csrf protects every state-changing request made with cookies. It uses the
// double-submit pattern: a random token in an HttpOnly cookie that every form
// repeats in _csrf (or scripts in the X-CSRF-Token header). It needs no server
// state, so tokens survive restarts. Requests with a Bearer token carry no
// cookie credentials and are exempt.
func (s *Server) csrf(c *fiber.Ctx) error {
	name := s.csrfCookieName()
	token := c.Cookies(name)
	if !validCSRFToken(token) {
		token = newToken(32)
		c.Cookie(&fiber.Cookie{Name: name, Value: token, Path: "/", HTTPOnly: true,
			Secure: s.cfg.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode})
	}
	c.Locals(localCSRF, token)
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if strings.HasPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ") {
		return c.Next()
	}
	sent := c.Get("X-CSRF-Token")
	if sent == "" {
		sent = c.FormValue("_csrf")
	}
	if sent == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
		return &apperr.Error{Kind: apperr.KindForbidden, Message: apperr.Msg("error.csrf")}
	}
	return c.Next()
}

func (s *Server) csrfCookieName() string {
	if s.cfg.SecureCookies {
		return "__Host-rollout_csrf" // the prefix forbids a subdomain from planting it
	}
	return "rollout_csrf"
}

func csrfToken(c *fiber.Ctx) string {
	t, _ := c.Locals(localCSRF).(string)
	return t
}

func validCSRFToken(t string) bool {
	if len(t) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(t)
	return err == nil
}

// newToken returns n random bytes, URL-safe base64 encoded.
func newToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
