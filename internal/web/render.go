package web

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/i18n"
	"rollout/templates"
)

// renderer keeps one parsed template set per language, so templates can say
// {{t "key"}} with no per-request cloning: the t function is bound at parse time.
//
// The engine only loads the templates. We execute them ourselves: the page
// first, then layouts/base with the page as .Content. The engine's own layout
// call ({{embed}}) prints a failing page's error into the HTML with status 200
// and serialises every render on one lock; executing directly makes a template
// error a logged 500 and lets renders run in parallel.
type renderer struct {
	engines map[string]*html.Engine
}

func newRenderer(bundle *i18n.Bundle) (*renderer, error) {
	r := &renderer{engines: map[string]*html.Engine{}}
	for _, lang := range i18n.Languages {
		e := html.NewFileSystem(http.FS(templates.FS), ".html")
		e.AddFuncMap(templateFuncs(bundle.For(lang)))
		if err := e.Load(); err != nil {
			return nil, err
		}
		r.engines[lang] = e
	}
	return r, nil
}

// page is what every template receives: the frame's needs plus the page's Data.
type page struct {
	Title   string
	Lang    string
	Path    string // the path, for marking the current navigation link
	Back    string // path and query, for returning here after the language switch
	CSRF    string
	User    *account.User
	Flashes []flash
	Scripts []string // extra bundles this page needs (charts, drag and drop)
	Work    int      // how many items wait on the signed-in user's My work (the top bar)
	Data    any
	Content template.HTML // the rendered page, for the layout
}

type flash struct {
	Kind string // success, error, warn, info
	Text string
}

// render writes a page inside the base layout.
func (s *Server) render(c *fiber.Ctx, status int, name, title string, data any, scripts ...string) error {
	p := page{Title: title, Scripts: scripts, Data: data}
	p.fill(c)
	keep := c.Locals(localPageName) != nil && status == fiber.StatusOK
	if keep {
		p.CSRF = string(s.csrfMark) // the kept copy serves every later view (pagecache.go)
	}
	var body bytes.Buffer
	if err := s.renderer.engines[p.Lang].Templates.ExecuteTemplate(&body, name, p); err != nil {
		return err
	}
	out := body.Bytes()
	if keep {
		s.keepBody(c, p, out)
		out = s.withToken(c, out)
		p.CSRF = csrfToken(c)
	}
	return s.frame(c, status, p, out)
}

// fill sets what the frame and the page need of the request.
func (p *page) fill(c *fiber.Ctx) {
	p.Lang, p.Path, p.Back, p.CSRF, p.User = lang(c), c.Path(), c.OriginalURL(), csrfToken(c), currentUser(c)
	if c.Method() != fiber.MethodGet {
		p.Back = c.Path()
	}
}

// frame writes body (a rendered page, already escaped by html/template)
// inside the base layout: the top bar, the flashes and the My work count are
// the reader's own and never kept.
func (s *Server) frame(c *fiber.Ctx, status int, p page, body []byte) error {
	if p.Lang == "" {
		p.fill(c)
	}
	p.Flashes = s.takeFlash(c)
	if v, ok := p.Data.(myWorkView); ok {
		p.Work = v.Total // My work itself has just counted
	} else if p.User != nil {
		p.Work = s.workCount(c, p.User.ID)
	}
	p.Content = template.HTML(body)
	var buf bytes.Buffer
	if err := s.renderer.engines[p.Lang].Templates.ExecuteTemplate(&buf, "layouts/base", p); err != nil {
		return err
	}
	c.Status(status)
	c.Type("html", "utf-8")
	return c.Send(buf.Bytes())
}

const flashCookie = "rollout_flash"

// setFlash shows a message on the next page. Only a message ID travels in the
// cookie, never user data, so nothing can be injected through it.
func (s *Server) setFlash(c *fiber.Ctx, kind, msgID string) {
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: kind + ":" + msgID, Path: "/", HTTPOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode})
}

func (s *Server) takeFlash(c *fiber.Ctx) []flash {
	v := c.Cookies(flashCookie)
	if v == "" {
		return nil
	}
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HTTPOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode})
	kind, id, ok := strings.Cut(v, ":")
	if !ok || !strings.HasPrefix(id, "flash.") {
		return nil
	}
	switch kind {
	case "success", "error", "warn", "info":
	default:
		return nil
	}
	return []flash{{Kind: kind, Text: s.translator(c).T(id)}}
}

// redirectWith sets a flash message and sends the browser on (303, so a
// reload does not post the form again).
func (s *Server) redirectWith(c *fiber.Ctx, to, kind, msgID string) error {
	if msgID != "" {
		s.setFlash(c, kind, msgID)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// form is what a template needs to show a form again after bad input.
type form struct {
	Errors  map[string]string // field → message in the user's language
	Summary string
}

// Error returns the message for one field, or "".
func (f form) Error(field string) string { return f.Errors[field] }

// formErrors turns an Invalid or Conflict error into a form to show again; any
// other error is returned for the error handler.
func (s *Server) formErrors(c *fiber.Ctx, err error) (form, error) {
	var ae *apperr.Error
	if !errors.As(err, &ae) || (ae.Kind != apperr.KindInvalid && ae.Kind != apperr.KindConflict) {
		return form{}, err
	}
	tr := s.translator(c)
	f := form{Errors: map[string]string{}, Summary: tr.TData(ae.Message.ID, ae.Message.Data)}
	for field, m := range ae.Fields {
		f.Errors[field] = tr.TData(m.ID, m.Data)
	}
	return f, nil
}

// formStatus is the status of a page shown again with errors.
func formStatus(err error) int {
	if apperr.Is(err, apperr.KindConflict) {
		return fiber.StatusConflict
	}
	return fiber.StatusUnprocessableEntity
}
