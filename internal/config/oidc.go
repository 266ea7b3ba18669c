package config

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
)

// OIDC is company sign-in through an OpenID Connect provider (Keycloak,
// Entra ID, Authing, Okta…). It is off while Issuer is empty.
type OIDC struct {
	Issuer       string // the provider's issuer URL, exactly as its discovery document names it
	ClientID     string
	ClientSecret string // empty for a public client (PKCE only)
	// RedirectURL is where the provider sends the browser back; register it
	// at the provider. Default: the base URL + /auth/oidc/callback.
	RedirectURL string
	Name        string // shown as "Sign in with <Name>"; empty: "company account" in the reader's language
	AllowSignup bool   // create an account on a first sign-in with an unknown verified e-mail
	// Only refuses local passwords, except the first administrator's (the way
	// in when the provider is down or misconfigured).
	Only bool
}

// Enabled says whether company sign-in is configured.
func (o OIDC) Enabled() bool { return o.Issuer != "" }

// OIDCCallbackPath is the route the provider redirects back to.
const OIDCCallbackPath = "/auth/oidc/callback"

// loadOIDC reads the ROLLOUT_OIDC_* environment. baseURL (already checked)
// gives the default redirect URL.
func loadOIDC(env func(key, def string) string, baseURL string) (OIDC, error) {
	o := OIDC{
		// As typed: go-oidc compares it with the discovery document's issuer.
		Issuer:       env("ROLLOUT_OIDC_ISSUER", ""),
		ClientID:     env("ROLLOUT_OIDC_CLIENT_ID", ""),
		ClientSecret: env("ROLLOUT_OIDC_CLIENT_SECRET", ""),
		RedirectURL:  env("ROLLOUT_OIDC_REDIRECT_URL", ""),
		Name:         env("ROLLOUT_OIDC_NAME", ""),
	}
	for key, dst := range map[string]*bool{"ROLLOUT_OIDC_ALLOW_SIGNUP": &o.AllowSignup, "ROLLOUT_OIDC_ONLY": &o.Only} {
		if v := env(key, ""); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return o, fmt.Errorf("%s %q is not true or false", key, v)
			}
			*dst = b
		}
	}
	if o.Issuer == "" {
		if o.ClientID != "" || o.Only || o.AllowSignup {
			return o, errors.New("ROLLOUT_OIDC_ISSUER is empty: set the provider's issuer URL, e.g. https://sso.example.com/realms/staff, or unset the other ROLLOUT_OIDC_* settings")
		}
		return o, nil
	}
	if !webAddress(o.Issuer) {
		return o, fmt.Errorf("ROLLOUT_OIDC_ISSUER %q is not a web address: write it like https://sso.example.com/realms/staff", o.Issuer)
	}
	if o.ClientID == "" {
		return o, errors.New("ROLLOUT_OIDC_CLIENT_ID is empty: set the client id registered for Rollout at the provider")
	}
	if o.RedirectURL == "" {
		if baseURL == "" {
			return o, errors.New("ROLLOUT_OIDC_REDIRECT_URL is empty and so is ROLLOUT_BASE_URL: set one of them, e.g. ROLLOUT_BASE_URL=https://rollout.example.com")
		}
		o.RedirectURL = baseURL + OIDCCallbackPath
	}
	if !webAddress(o.RedirectURL) {
		return o, fmt.Errorf("ROLLOUT_OIDC_REDIRECT_URL %q is not a web address: write it like https://rollout.example.com%s", o.RedirectURL, OIDCCallbackPath)
	}
	return o, nil
}

func webAddress(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
