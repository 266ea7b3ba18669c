package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/jobs"
	"rollout/internal/notify"
	"rollout/internal/project"
)

// webhooksView is a project's notification settings: its bots and webhooks
// (secrets never shown, only whether one is set) and the form to add one.
type webhooksView struct {
	Project *project.Project
	Hooks   []notify.Webhook
	Kinds   []string
	Events  []string
	Input   notify.WebhookInput
	Form    form
	Tested  string // the outcome of "send a test message"
	Failed  bool
}

func (s *Server) renderWebhooks(c *fiber.Ctx, status int, v webhooksView) error {
	p, _ := currentProject(c)
	hs, err := notify.Webhooks(c.UserContext(), s.db, p.ID)
	if err != nil {
		return err
	}
	v.Project, v.Hooks, v.Kinds, v.Events = p, hs, notify.Kinds, jobs.EventKinds
	return s.render(c, status, "projects/webhooks", s.translator(c).T("notify.settings.title"), v)
}

// handleWebhooks is the project's notification settings page (project managers).
func (s *Server) handleWebhooks(c *fiber.Ctx) error {
	return s.renderWebhooks(c, fiber.StatusOK, webhooksView{Input: notify.WebhookInput{Kind: notify.KindWeCom}})
}

// handleWebhookCreate adds a bot or webhook from the settings page.
func (s *Server) handleWebhookCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var in notify.WebhookInput
	if err := bindForm(c, &in); err != nil {
		return err
	}
	if _, err := notify.CreateWebhook(c.UserContext(), s.db, callerOf(c), p.ID, in); err != nil {
		f, ferr := s.formErrors(c, err)
		if ferr != nil {
			return ferr
		}
		in.Secret = "" // never echoed back
		return s.renderWebhooks(c, formStatus(err), webhooksView{Input: in, Form: f})
	}
	return s.redirectWith(c, projectPath(p, "/webhooks"), "success", "notify.settings.added")
}

// handleWebhookDelete removes a bot or webhook.
func (s *Server) handleWebhookDelete(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := notify.DeleteWebhook(c.UserContext(), s.db, callerOf(c), p.ID, id); err != nil {
		return err
	}
	return s.redirectWith(c, projectPath(p, "/webhooks"), "success", "notify.settings.deleted")
}

// handleWebhookTest sends a test message now and shows whether it went.
func (s *Server) handleWebhookTest(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	h, err := notify.GetWebhook(c.UserContext(), s.db, p.ID, id)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 10*time.Second)
	defer cancel()
	t := s.translator(c)
	v := webhooksView{Input: notify.WebhookInput{Kind: notify.KindWeCom}, Tested: t.T("notify.settings.test_sent")}
	if err := notify.SendTestTo(ctx, s.notifyConfig(), h, p.Key, p.Name); err != nil {
		s.log.Warn("a test message was not delivered", "webhook", h.ID, "error", err.Error())
		v.Tested, v.Failed = t.T("notify.settings.test_failed", "Error", err.Error()), true
	}
	return s.renderWebhooks(c, fiber.StatusOK, v)
}

func (s *Server) notifyConfig() notify.Config {
	return notify.Config{BaseURL: s.cfg.BaseURL, I18n: s.i18n, Logger: s.log,
		Mailer: notify.Mailer{URL: s.cfg.SMTPURL, From: s.cfg.MailFrom}}
}

// apiWebhooks lists the project's webhooks: GET /api/v1/projects/{key}/webhooks.
func (s *Server) apiWebhooks(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	hs, err := notify.Webhooks(c.UserContext(), s.db, p.ID)
	if err != nil {
		return err
	}
	return c.JSON(listOf(hs, ""))
}

// apiWebhookCreate adds one: {"kind", "url", "secret", "events"}; the
// answer never holds the secret.
func (s *Server) apiWebhookCreate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	var in notify.WebhookInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	h, err := notify.CreateWebhook(c.UserContext(), s.db, callerOf(c), p.ID, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(h)
}

// apiWebhookDelete removes one: DELETE /api/v1/projects/{key}/webhooks/{id}.
func (s *Server) apiWebhookDelete(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := notify.DeleteWebhook(c.UserContext(), s.db, callerOf(c), p.ID, id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// deliveriesView is the admin page of failed deliveries.
type deliveriesView struct{ Deliveries []notify.Delivery }

// handleAdminDeliveries lists deliveries that failed or are being retried
// after an error, with the error and a retry button.
func (s *Server) handleAdminDeliveries(c *fiber.Ctx) error {
	ds, err := notify.FailedDeliveries(c.UserContext(), s.db, 200)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "admin/deliveries", s.translator(c).T("notify.admin.title"), deliveriesView{ds})
}

// handleAdminDeliveryRetry sends a failed delivery again (audited).
func (s *Server) handleAdminDeliveryRetry(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := notify.RetryDelivery(c.UserContext(), s.db, mustUser(c).ID, id); err != nil {
		return err
	}
	return s.redirectWith(c, "/admin/deliveries", "success", "notify.admin.retried")
}

// notifyPrefsInput is the account page's e-mail preferences form.
type notifyPrefsInput struct {
	Events []string `form:"events" validate:"max=20,dive,max=40"`
	Digest bool     `form:"digest"`
}

// handleNotifyPrefs saves which events reach the caller by e-mail, and how.
func (s *Server) handleNotifyPrefs(c *fiber.Ctx) error {
	var in notifyPrefsInput
	if err := bindForm(c, &in); err != nil {
		return err
	}
	if err := notify.SetPrefs(c.UserContext(), s.db, mustUser(c).ID, in.Events, in.Digest); err != nil {
		return err
	}
	return s.redirectWith(c, "/account#notifications", "success", "notify.prefs.saved")
}
