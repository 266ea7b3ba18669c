package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/config"
	"rollout/internal/database"
	"rollout/internal/database/dbtest"
)

// proxyApp is the app with the given trusted proxies (app.Test's requests
// come from 0.0.0.0) and a first admin.
func proxyApp(t *testing.T, proxies string) (*fiber.App, *database.DB) {
	t.Helper()
	trusted, err := config.ParseProxies(proxies)
	if err != nil {
		t.Fatal(err)
	}
	db := dbtest.New(t)
	app, err := New(Deps{DB: db, Config: config.Config{Addr: "127.0.0.1:0", BaseURL: "https://rollout.example.com", TrustedProxies: trusted},
		Logger: slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	signUpAdmin(t, app)
	return app, db
}

// failSignIn posts a wrong password for email with an X-Forwarded-For.
func failSignIn(b *browser, email, forwarded string) response {
	form := url.Values{"email": {email}, "password": {"wrong password"}, "_csrf": {b.csrf()}}
	req := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", forwarded)
	return b.do(req)
}

// throttledAddresses are the client addresses the sign-in throttle counted.
func throttledAddresses(t *testing.T, db *database.DB) []string {
	t.Helper()
	var keys []string
	if err := db.NewSelect().Table("signin_failures").Column("key").Where("key LIKE 'ip:%'").Order("key").
		Scan(context.Background(), &keys); err != nil {
		t.Fatal(err)
	}
	return keys
}

// Without a trusted proxy in front, X-Forwarded-For is whatever the client
// wrote: rotating it does not escape the per-address throttle.
func TestRotatingForwardedForDoesNotEscapeTheThrottle(t *testing.T) {
	t.Parallel()
	app, db := proxyApp(t, "10.0.0.0/8")
	b := newBrowser(t, app)
	var last response
	for i := range 22 { // 20 free failures, a 21st that locks, a 22nd refused
		last = failSignIn(b, fmt.Sprintf("guess%d@example.com", i), fmt.Sprintf("198.51.100.%d", i+1))
	}
	expectStatus(t, last, http.StatusTooManyRequests)
	if keys := throttledAddresses(t, db); len(keys) != 1 || keys[0] != "ip:0.0.0.0" {
		t.Fatalf("throttled addresses %q", keys)
	}
}

// Behind a trusted proxy the client is the right-most address of
// X-Forwarded-For that is not a trusted proxy itself; what the client put
// left of it is not believed.
func TestTrustedProxyNamesTheClient(t *testing.T) {
	t.Parallel()
	app, db := proxyApp(t, "0.0.0.0/32, 10.0.0.0/8")
	b := newBrowser(t, app)
	expectStatus(t, failSignIn(b, "a@example.com", "203.0.113.9, 198.51.100.7, 10.1.2.3"), http.StatusUnauthorized)
	if keys := throttledAddresses(t, db); len(keys) != 1 || keys[0] != "ip:198.51.100.7" {
		t.Fatalf("throttled addresses %q", keys)
	}
	// Rotating what lies left of it changes nothing.
	var last response
	for i := range 21 {
		last = failSignIn(b, fmt.Sprintf("guess%d@example.com", i), fmt.Sprintf("192.0.2.%d, 198.51.100.7", i+1))
	}
	expectStatus(t, last, http.StatusTooManyRequests)
	if keys := throttledAddresses(t, db); len(keys) != 1 {
		t.Fatalf("throttled addresses %q", keys)
	}
}

func TestClientAddr(t *testing.T) {
	trusted, err := config.ParseProxies("10.0.0.0/8, 192.168.0.1, ::1")
	if err != nil {
		t.Fatal(err)
	}
	proxy, stranger := netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("203.0.113.1")
	for _, c := range []struct {
		peer      netip.Addr
		forwarded []string
		want      string
	}{
		{stranger, []string{"198.51.100.1"}, "203.0.113.1"},                               // not from a proxy
		{proxy, nil, "10.0.0.5"},                                                          // a proxy's own request
		{proxy, []string{"1.1.1.1, 198.51.100.1"}, "198.51.100.1"},                        // the right-most
		{proxy, []string{"198.51.100.1, 192.168.0.1, 10.9.9.9"}, "198.51.100.1"},          // through a chain of proxies
		{proxy, []string{"1.1.1.1", "198.51.100.1"}, "198.51.100.1"},                      // two headers: the last counts
		{proxy, []string{"198.51.100.1", "10.0.0.7"}, "198.51.100.1"},                     // across headers
		{proxy, []string{"10.0.0.8, 10.0.0.7"}, "10.0.0.8"},                               // only proxies: the farthest
		{proxy, []string{"1.1.1.1, not-an-address, 10.0.0.7"}, "10.0.0.7"},                // garbage stops the walk
		{proxy, []string{"[2001:db8::1]:4711, [::ffff:198.51.100.2]:80"}, "198.51.100.2"}, // ports, mapped addresses
		{proxy, []string{"2001:db8::1,"}, "2001:db8::1"},                                  // an empty entry
		{netip.MustParseAddr("::1"), []string{"2001:db8::2"}, "2001:db8::2"},              // IPv6 proxy
	} {
		var fwd [][]byte
		for _, f := range c.forwarded {
			fwd = append(fwd, []byte(f))
		}
		if got := clientAddr(c.peer, fwd, trusted).String(); got != c.want {
			t.Errorf("%s %q: %s, want %s", c.peer, c.forwarded, got, c.want)
		}
	}
}
