package web

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// testIssuer is an OpenID Connect provider started inside the test: it
// serves discovery, its JSON Web Key Set, an authorization endpoint that
// hands out a code at once (the person "signed in"), and a token endpoint
// that checks the client and the PKCE verifier and answers a real ID token
// signed with an RSA key made for the test. The fields after mu say what the
// next token will hold; the zero values make a good token.
type testIssuer struct {
	t            *testing.T
	srv          *httptest.Server
	key          *rsa.PrivateKey // published in the key set
	clientID     string
	clientSecret string

	mu       sync.Mutex
	codes    map[string]issuedCode
	claims   map[string]any  // sub, email, email_verified, name…
	signKey  *rsa.PrivateKey // nil: key
	audience string          // "": clientID
	expires  time.Duration   // 0: an hour from now; negative: already expired
	nonce    *string         // nil: the nonce of the authorization request
}

type issuedCode struct {
	challenge, nonce, redirect string
}

func newTestIssuer(t *testing.T) *testIssuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &testIssuer{t: t, key: key, clientID: "rollout", clientSecret: "client-secret", codes: map[string]issuedCode{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", is.discovery)
	mux.HandleFunc("GET /jwks", is.jwks)
	mux.HandleFunc("GET /authorize", is.authorize)
	mux.HandleFunc("POST /token", is.token)
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

// next sets what the next ID token says; the other knobs go back to a
// good token.
func (is *testIssuer) next(claims map[string]any) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.claims, is.signKey, is.audience, is.expires, is.nonce = claims, nil, "", 0, nil
}

func (is *testIssuer) set(f func(is *testIssuer)) {
	is.mu.Lock()
	defer is.mu.Unlock()
	f(is)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (is *testIssuer) discovery(w http.ResponseWriter, _ *http.Request) {
	u := is.srv.URL
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer": u, "authorization_endpoint": u + "/authorize", "token_endpoint": u + "/token",
		"jwks_uri": u + "/jwks", "response_types_supported": []string{"code"},
		"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported": []string{"S256"},
	})
}

func (is *testIssuer) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &is.key.PublicKey, KeyID: "k1", Algorithm: string(jose.RS256), Use: "sig"}}})
}

// authorize checks the request Rollout sends the browser with and answers
// the redirect back with a code, as a provider does once the person has
// signed in.
func (is *testIssuer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("response_type") != "code" || q.Get("client_id") != is.clientID || q.Get("state") == "" ||
		q.Get("nonce") == "" || q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256" {
		http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
		return
	}
	code := rand.Text()
	is.mu.Lock()
	is.codes[code] = issuedCode{challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), redirect: q.Get("redirect_uri")}
	is.mu.Unlock()
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	bq := back.Query()
	bq.Set("code", code)
	bq.Set("state", q.Get("state"))
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// token exchanges a code once, for the client that asked for it, with the
// verifier whose S256 challenge came with the authorization request.
func (is *testIssuer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != is.clientID || secret != is.clientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	code, found := is.codes[r.PostForm.Get("code")]
	delete(is.codes, r.PostForm.Get("code"))
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if !found || r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("redirect_uri") != code.redirect ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != code.challenge {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	now := time.Now()
	claims := map[string]any{"iss": is.srv.URL, "aud": is.clientID, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"nonce": code.nonce}
	for k, v := range is.claims {
		claims[k] = v
	}
	if is.audience != "" {
		claims["aud"] = is.audience
	}
	if is.expires < 0 {
		claims["iat"], claims["exp"] = now.Add(2*is.expires).Unix(), now.Add(is.expires).Unix()
	}
	if is.nonce != nil {
		claims["nonce"] = *is.nonce
	}
	key := is.key
	if is.signKey != nil {
		key = is.signKey
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": rand.Text(), "token_type": "Bearer", "expires_in": 3600,
		"id_token": is.sign(key, claims)})
}

func (is *testIssuer) sign(key *rsa.PrivateKey, claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		is.t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		is.t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		is.t.Fatal(err)
	}
	return raw
}

// providerClient follows no redirect: the test carries the browser from
// one site to the other itself.
var providerClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// oidcSignIn runs a whole company sign-in in b: Rollout's start, the
// provider's authorization, and the callback back in Rollout, whose answer
// it returns with the callback's path (to replay it).
func (b *browser) oidcSignIn(next string) (response, string) {
	b.t.Helper()
	form := url.Values{}
	if next != "" {
		form.Set("next", next)
	}
	r := b.post("/auth/oidc/start", form)
	if r.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("start: status %d; body:\n%s", r.StatusCode, r.body)
	}
	res, err := providerClient.Get(r.Header.Get("Location"))
	if err != nil {
		b.t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusFound {
		b.t.Fatalf("authorize: status %d", res.StatusCode)
	}
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		b.t.Fatal(err)
	}
	callback := back.Path + "?" + back.RawQuery
	return b.get(callback), callback
}
