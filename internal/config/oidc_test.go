package config

import (
	"io"
	"strings"
	"testing"
)

func TestCompanySignInSettings(t *testing.T) {
	c, err := Load("serve", nil, env(map[string]string{
		"ROLLOUT_BASE_URL":           "https://rollout.example.com",
		"ROLLOUT_OIDC_ISSUER":        "https://sso.example.com/realms/staff",
		"ROLLOUT_OIDC_CLIENT_ID":     "rollout",
		"ROLLOUT_OIDC_CLIENT_SECRET": "s3cret",
		"ROLLOUT_OIDC_ALLOW_SIGNUP":  "true",
		"ROLLOUT_OIDC_ONLY":          "1",
		"ROLLOUT_OIDC_NAME":          "Keycloak",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := OIDC{Issuer: "https://sso.example.com/realms/staff", ClientID: "rollout", ClientSecret: "s3cret",
		RedirectURL: "https://rollout.example.com/auth/oidc/callback", Name: "Keycloak", AllowSignup: true, Only: true}
	if c.OIDC != want || !c.OIDC.Enabled() {
		t.Errorf("got %+v", c.OIDC)
	}

	if c, err := Load("serve", nil, env(nil), io.Discard); err != nil || c.OIDC.Enabled() {
		t.Errorf("off by default: %+v %v", c.OIDC, err)
	}

	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"ROLLOUT_OIDC_CLIENT_ID": "rollout"}, "ROLLOUT_OIDC_ISSUER is empty"},
		{map[string]string{"ROLLOUT_OIDC_ISSUER": "sso.example.com", "ROLLOUT_OIDC_CLIENT_ID": "rollout"}, "is not a web address"},
		{map[string]string{"ROLLOUT_OIDC_ISSUER": "https://sso.example.com"}, "ROLLOUT_OIDC_CLIENT_ID is empty"},
		{map[string]string{"ROLLOUT_OIDC_ISSUER": "https://sso.example.com", "ROLLOUT_OIDC_CLIENT_ID": "rollout"},
			"ROLLOUT_OIDC_REDIRECT_URL is empty and so is ROLLOUT_BASE_URL"},
		{map[string]string{"ROLLOUT_OIDC_ISSUER": "https://sso.example.com", "ROLLOUT_OIDC_CLIENT_ID": "rollout",
			"ROLLOUT_OIDC_REDIRECT_URL": "https://rollout.example.com/auth/oidc/callback", "ROLLOUT_OIDC_ONLY": "maybe"},
			`ROLLOUT_OIDC_ONLY "maybe" is not true or false`},
	} {
		_, err := Load("serve", nil, env(tc.env), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.env, err, tc.want)
		}
	}
}
