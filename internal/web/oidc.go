package web

// Company sign-in through an OpenID Connect provider (config.OIDC): the
// authorization code flow with PKCE. /auth/oidc/start records the sign-in
// (state, nonce, code verifier) in the database, puts the state in a short
// cookie of this browser and sends the browser to the provider;
// /auth/oidc/callback takes the sign-in back exactly once, exchanges the code
// with the verifier, verifies the ID token (signature, issuer, audience,
// expiry, nonce) and lets account.SignInOIDC choose the account and open the
// session. Every refusal shows the sign-in page with the reason.

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/oauth2"

	"rollout/internal/account"
	"rollout/internal/apperr"
)

// oidcClient holds the provider, discovered on first use: an instance
// starts, and password sign-in works, while the provider is away.
type oidcClient struct {
	mu       sync.Mutex
	provider *oidc.Provider
	http     *http.Client
}

func newOIDCClient() *oidcClient {
	return &oidcClient{http: &http.Client{Timeout: 10 * time.Second}}
}

// oidcProvider returns the discovered provider; a failed discovery is
// tried again by the next sign-in.
func (s *Server) oidcProvider(ctx context.Context) (*oidc.Provider, error) {
	s.oidc.mu.Lock()
	defer s.oidc.mu.Unlock()
	if s.oidc.provider != nil {
		return s.oidc.provider, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, s.oidc.http), s.cfg.OIDC.Issuer)
	if err != nil {
		return nil, err
	}
	s.oidc.provider = p
	return p, nil
}

func (s *Server) oauth2Config(p *oidc.Provider) *oauth2.Config {
	o := s.cfg.OIDC
	return &oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, RedirectURL: o.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "profile", "email"}}
}

func (s *Server) oidcCookieName() string {
	if s.cfg.SecureCookies {
		return "__Host-rollout_oidc"
	}
	return "rollout_oidc"
}

// setOIDCCookie binds the sign-in to this browser: a callback URL carried
// to another browser (a forced sign-in into someone else's account) finds
// no matching cookie there. Lax: the provider's redirect back is a
// top-level GET, which carries it.
func (s *Server) setOIDCCookie(c *fiber.Ctx, state string, maxAge int) {
	c.Cookie(&fiber.Cookie{Name: s.oidcCookieName(), Value: state, Path: "/", HTTPOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode, MaxAge: maxAge})
}

// handleOIDCStart sends the browser to the provider.
func (s *Server) handleOIDCStart(c *fiber.Ctx) error {
	if !s.cfg.OIDC.Enabled() {
		return apperr.NotFound()
	}
	next := localPath(c.FormValue("next"))
	if len(next) > 2000 {
		next = "/"
	}
	ctx := c.UserContext()
	p, err := s.oidcProvider(ctx)
	if err != nil {
		s.log.Warn("company sign-in: provider discovery failed", "issuer", s.cfg.OIDC.Issuer, "err", err)
		return s.oidcRefused(c, fiber.StatusServiceUnavailable, next, "oidc.unavailable")
	}
	verifier := oauth2.GenerateVerifier()
	state, nonce, err := account.StartOIDCLogin(ctx, s.db, verifier, next, s.clientIP(c), s.now())
	if ae := (*apperr.Error)(nil); errors.As(err, &ae) && ae.Kind == apperr.KindTooManyRequests {
		return s.oidcRefusedWith(c, fiber.StatusTooManyRequests, next, ae.Message)
	}
	if err != nil {
		return err
	}
	s.setOIDCCookie(c, state, int(account.OIDCLoginTTL.Seconds()))
	return c.Redirect(s.oauth2Config(p).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)),
		fiber.StatusSeeOther)
}

// handleOIDCCallback finishes a sign-in the provider sends back.
func (s *Server) handleOIDCCallback(c *fiber.Ctx) error {
	if !s.cfg.OIDC.Enabled() {
		return apperr.NotFound()
	}
	ctx := c.UserContext()
	state, cookie := c.Query("state"), c.Cookies(s.oidcCookieName())
	s.setOIDCCookie(c, "", -1)
	if state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(cookie)) != 1 {
		return s.oidcRefused(c, fiber.StatusUnauthorized, "/", "oidc.state_invalid")
	}
	// Taken before anything else, so neither a refusal by the provider nor a
	// bad token leaves a state that could be tried again.
	login, err := account.TakeOIDCLogin(ctx, s.db, state, s.now())
	if err != nil {
		return s.oidcFailed(c, "/", err)
	}
	if e := c.Query("error"); e != "" {
		s.log.Info("company sign-in: the provider refused", "error", e, "description", c.Query("error_description"))
		return s.oidcRefused(c, fiber.StatusUnauthorized, login.NextPath, "oidc.provider_refused")
	}
	p, err := s.oidcProvider(ctx)
	if err != nil {
		s.log.Warn("company sign-in: provider discovery failed", "issuer", s.cfg.OIDC.Issuer, "err", err)
		return s.oidcRefused(c, fiber.StatusServiceUnavailable, login.NextPath, "oidc.unavailable")
	}
	id, err := s.oidcIdentity(oidc.ClientContext(ctx, s.oidc.http), p, login, c.Query("code"))
	if err != nil {
		s.log.Warn("company sign-in refused", "err", err)
		return s.oidcRefused(c, fiber.StatusUnauthorized, login.NextPath, "oidc.token_invalid")
	}
	_, token, err := account.SignInOIDC(ctx, s.db, id, account.OIDCSignIn{AllowSignup: s.cfg.OIDC.AllowSignup,
		Language: lang(c), OldToken: c.Cookies(s.sessionCookieName())}, s.now())
	if err != nil {
		return s.oidcFailed(c, login.NextPath, err)
	}
	s.setSessionCookie(c, token)
	return c.Redirect(login.NextPath, fiber.StatusSeeOther)
}

// oidcClaims are the ID token's claims Rollout reads besides the standard
// ones go-oidc checks.
type oidcClaims struct {
	Email             string `json:"email"`
	EmailVerified     any    `json:"email_verified"` // a boolean; some providers send "true"
	DomainVerified    any    `json:"xms_edov"`       // Entra ID: the e-mail's domain is the tenant's
	Name              string `json:"name"`
	PreferredUsername string `json:"preferred_username"`
}

// oidcIdentity exchanges the code (with the PKCE verifier) and verifies the
// ID token: signature by the provider's keys, issuer, audience = our client
// id, expiry, and the nonce of this sign-in.
func (s *Server) oidcIdentity(ctx context.Context, p *oidc.Provider, login *account.OIDCLogin, code string) (account.Identity, error) {
	var id account.Identity
	if code == "" {
		return id, errString("no code in the callback")
	}
	tok, err := s.oauth2Config(p).Exchange(ctx, code, oauth2.VerifierOption(login.Verifier))
	if err != nil {
		return id, err
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return id, errString("the token answer has no id_token")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: s.cfg.OIDC.ClientID, Now: s.now}).Verify(ctx, raw)
	if err != nil {
		return id, err
	}
	if !login.NonceMatches(idt.Nonce) {
		return id, errString("the ID token's nonce is not this sign-in's")
	}
	var cl oidcClaims
	if err := idt.Claims(&cl); err != nil {
		return id, err
	}
	verified := claimTrue(cl.EmailVerified)
	if cl.EmailVerified == nil {
		// Entra ID never sends email_verified; its optional claim xms_edov
		// says the tenant owns the e-mail's domain.
		verified = claimTrue(cl.DomainVerified)
	}
	name := cl.Name
	if name == "" {
		name = cl.PreferredUsername
	}
	return account.Identity{Issuer: idt.Issuer, Subject: idt.Subject, Email: cl.Email, EmailVerified: verified,
		Name: name}, nil
}

func claimTrue(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}

type errString string

func (e errString) Error() string { return string(e) }

// oidcFailed shows a refusal decided by the account rules; other errors go
// to the error handler.
func (s *Server) oidcFailed(c *fiber.Ctx, next string, err error) error {
	ae, ok := err.(*apperr.Error)
	if !ok || ae.Kind != apperr.KindUnauthenticated {
		return err
	}
	tr := s.translator(c)
	return s.render(c, fiber.StatusUnauthorized, "account/signin", tr.T("signin.title"),
		s.signInView(c, "", next, form{Summary: tr.TData(ae.Message.ID, ae.Message.Data)}))
}

// oidcRefused shows the sign-in page with the message id.
func (s *Server) oidcRefused(c *fiber.Ctx, status int, next, msgID string) error {
	return s.oidcRefusedWith(c, status, next, apperr.Msg(msgID))
}

// oidcRefusedWith shows the sign-in page again with the message m.
func (s *Server) oidcRefusedWith(c *fiber.Ctx, status int, next string, m apperr.Message) error {
	tr := s.translator(c)
	return s.render(c, status, "account/signin", tr.T("signin.title"),
		s.signInView(c, "", next, form{Summary: tr.TData(m.ID, m.Data)}))
}
