// Package config reads Rollout's settings from command-line flags and ROLLOUT_*
// environment variables into one typed Config. Flags win over the environment,
// the environment over defaults. There are no package-level globals: callers pass
// getenv so tests can set any environment they like.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is everything the server needs to start.
type Config struct {
	Addr           string     // listen address, host:port
	DatabaseURL    string     // empty: start the embedded PostgreSQL
	DataDir        string     // where the embedded PostgreSQL keeps its data
	PGBin          string     // folder of initdb and postgres; empty finds them
	LogLevel       slog.Level // debug, info, warn, error
	BaseURL        string     // public URL, e.g. https://rollout.example.com
	SecureCookies  bool       // cookies only over HTTPS; on by default when BaseURL is https
	RequestTimeout time.Duration
	Demo           bool   // load the demo project at start
	DemoLang       string // the demo project's language: en or zh-CN
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed; a single address is a range of one.
	TrustedProxies []netip.Prefix
	// SMTPURL is the mail server notifications go through:
	// smtp://user:password@host:587 (STARTTLS when offered), smtps://…:465
	// (TLS), smtp+plain://host:25 (never TLS). Empty: no e-mail is sent.
	SMTPURL  string
	MailFrom string // the sender, e.g. "Rollout <rollout@example.com>"
	OIDC     OIDC   // company sign-in (oidc.go)
	// MetricsAddr is where /metrics is served (host:port), apart from the
	// site; empty: no metrics (serve only).
	MetricsAddr string
}

// Defaults.
const (
	DefaultAddr    = "127.0.0.1:8080"
	DefaultDataDir = "./rollout-data"
)

// ErrHelp is returned when the user asked for --help; the usage was already printed.
var ErrHelp = flag.ErrHelp

// Load parses args (without the program and subcommand names) for the serve and
// migrate commands. Usage and errors are written to out.
func Load(name string, args []string, getenv func(string) string, out io.Writer) (Config, error) {
	env := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	var c Config
	var level, secure, timeout, proxies string
	fs.StringVar(&c.Addr, "addr", env("ROLLOUT_ADDR", DefaultAddr), "listen address `host:port` (ROLLOUT_ADDR)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("DATABASE_URL", ""), "PostgreSQL `URL`; empty starts the embedded PostgreSQL (DATABASE_URL)")
	fs.StringVar(&c.DataDir, "data-dir", env("ROLLOUT_DATA_DIR", DefaultDataDir), "`folder` of the embedded PostgreSQL's data (ROLLOUT_DATA_DIR)")
	fs.StringVar(&c.PGBin, "pg-bin", env("ROLLOUT_PG_BIN", ""), "`folder` of the PostgreSQL server binaries; default: pg_config --bindir, else the newest /usr/lib/postgresql/*/bin (ROLLOUT_PG_BIN)")
	fs.StringVar(&level, "log-level", env("ROLLOUT_LOG_LEVEL", "info"), "log `level`: debug, info, warn or error (ROLLOUT_LOG_LEVEL)")
	fs.StringVar(&c.BaseURL, "base-url", env("ROLLOUT_BASE_URL", ""), "public `URL` of the site, e.g. https://rollout.example.com (ROLLOUT_BASE_URL)")
	fs.StringVar(&secure, "secure-cookies", env("ROLLOUT_SECURE_COOKIES", ""), "send cookies only over HTTPS: true or false; default true when the base URL is https (ROLLOUT_SECURE_COOKIES)")
	fs.StringVar(&timeout, "request-timeout", env("ROLLOUT_REQUEST_TIMEOUT", "15s"), "longest a request may take, e.g. 15s (ROLLOUT_REQUEST_TIMEOUT)")
	fs.StringVar(&proxies, "trusted-proxies", env("ROLLOUT_TRUSTED_PROXIES", ""), "comma-separated `addresses or CIDR ranges` of the reverse proxies whose X-Forwarded-For names the client, e.g. 10.0.0.0/8,192.168.1.10; empty: none (ROLLOUT_TRUSTED_PROXIES)")
	fs.StringVar(&c.SMTPURL, "smtp-url", env("ROLLOUT_SMTP_URL", ""), "mail server `URL` for notifications: smtp://user:password@host:587, smtps://host:465 or smtp+plain://host:25; empty: no e-mail (ROLLOUT_SMTP_URL)")
	fs.StringVar(&c.MailFrom, "mail-from", env("ROLLOUT_MAIL_FROM", ""), "sender `address` of notification e-mail, e.g. \"Rollout <rollout@example.com>\" (ROLLOUT_MAIL_FROM)")
	if name == "serve" {
		fs.BoolVar(&c.Demo, "demo", false, "create the demo project at start if it does not exist yet")
		fs.StringVar(&c.DemoLang, "lang", "en", "`language` of the demo project --demo creates: en or zh-CN")
		fs.StringVar(&c.MetricsAddr, "metrics-addr", env("ROLLOUT_METRICS_ADDR", ""), "listen address `host:port` of the Prometheus metrics (/metrics), apart from the site; empty: off (ROLLOUT_METRICS_ADDR)")
	}
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: rollout %s [flags]\n\nFlags:\n", name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q: see rollout %s --help", fs.Arg(0), name)
	}
	if name == "serve" && c.DemoLang != "en" && c.DemoLang != "zh-CN" {
		return c, fmt.Errorf("--lang %q is not a language of the demo: use en or zh-CN", c.DemoLang)
	}
	var err error
	if c.LogLevel, err = parseLevel(level); err != nil {
		return c, err
	}
	if err := checkAddr(c.Addr); err != nil {
		return c, err
	}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || port == "" {
			return c, fmt.Errorf("ROLLOUT_METRICS_ADDR %q is not host:port: write it like 127.0.0.1:9090", c.MetricsAddr)
		}
	}
	if c.DatabaseURL != "" {
		if err := checkDatabaseURL(c.DatabaseURL); err != nil {
			return c, err
		}
	}
	if strings.TrimSpace(c.DataDir) == "" {
		return c, errors.New("the data folder is empty: set ROLLOUT_DATA_DIR to a folder Rollout may write to")
	}
	https := false
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, fmt.Errorf("ROLLOUT_BASE_URL %q is not a web address: write it like https://rollout.example.com", c.BaseURL)
		}
		https = u.Scheme == "https"
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	}
	c.SecureCookies = https
	if secure != "" {
		b, err := strconv.ParseBool(secure)
		if err != nil {
			return c, fmt.Errorf("ROLLOUT_SECURE_COOKIES %q is not true or false", secure)
		}
		c.SecureCookies = b
	}
	d, err := time.ParseDuration(timeout)
	if err != nil || d <= 0 {
		return c, fmt.Errorf("ROLLOUT_REQUEST_TIMEOUT %q is not a duration: write it like 15s or 1m", timeout)
	}
	c.RequestTimeout = d
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps" && u.Scheme != "smtp+plain") || u.Hostname() == "" {
			// Never echo the URL: it may hold a password.
			return c, errors.New("ROLLOUT_SMTP_URL is not a mail server URL: write it like smtp://user:password@mail.example.com:587")
		}
		if c.MailFrom == "" {
			return c, errors.New("ROLLOUT_MAIL_FROM is empty: set the sender of notification e-mail, e.g. \"Rollout <rollout@example.com>\"")
		}
		if _, err := mail.ParseAddress(c.MailFrom); err != nil {
			return c, fmt.Errorf("ROLLOUT_MAIL_FROM %q is not an e-mail address", c.MailFrom)
		}
	}
	if c.TrustedProxies, err = ParseProxies(proxies); err != nil {
		return c, err
	}
	if c.OIDC, err = loadOIDC(env, c.BaseURL); err != nil {
		return c, err
	}
	return c, nil
}

// ParseProxies reads ROLLOUT_TRUSTED_PROXIES: addresses (IPv4 or IPv6) and
// CIDR ranges, separated by commas; an address is a range of one.
func ParseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if strings.Contains(item, "/") {
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return nil, fmt.Errorf("ROLLOUT_TRUSTED_PROXIES: %q is not a CIDR range: write it like 10.0.0.0/8 or fd00::/8", item)
			}
			if p.Addr().Is4In6() {
				p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("ROLLOUT_TRUSTED_PROXIES: %q is not an IP address: write addresses like 192.168.1.10 or ::1, and ranges like 10.0.0.0/8", item)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("ROLLOUT_LOG_LEVEL %q is not a log level: use debug, info, warn or error", s)
	}
	return l, nil
}

func checkAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("ROLLOUT_ADDR %q is not host:port: write it like 127.0.0.1:8080", addr)
	}
	_ = host
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("ROLLOUT_ADDR %q has no valid port: use a number from 1 to 65535", addr)
	}
	return nil
}

func checkDatabaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// Never echo the URL: it may hold a password.
		return errors.New("DATABASE_URL is not a PostgreSQL URL: write it like postgres://user:password@host:5432/rollout?sslmode=disable")
	}
	if strings.TrimPrefix(u.Path, "/") == "" {
		return errors.New("DATABASE_URL names no database: add its name after the host, e.g. postgres://user@host:5432/rollout")
	}
	return nil
}
