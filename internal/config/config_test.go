package config

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	c, err := Load("serve", nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != DefaultAddr || c.DataDir != DefaultDataDir || c.DatabaseURL != "" ||
		c.LogLevel != slog.LevelInfo || c.SecureCookies || c.RequestTimeout != 15*time.Second {
		t.Fatalf("defaults %+v", c)
	}
}

func TestEnvironmentAndFlags(t *testing.T) {
	c, err := Load("serve", []string{"--addr", "0.0.0.0:9000"}, env(map[string]string{
		"ROLLOUT_ADDR":      "127.0.0.1:7000",
		"DATABASE_URL":      "postgres://u:p@db:5432/rollout?sslmode=disable",
		"ROLLOUT_LOG_LEVEL": "debug",
		"ROLLOUT_BASE_URL":  "https://rollout.example.com/",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:9000" {
		t.Errorf("flag should win over env: %s", c.Addr)
	}
	if c.LogLevel != slog.LevelDebug || !c.SecureCookies || c.BaseURL != "https://rollout.example.com" {
		t.Errorf("config %+v", c)
	}
	if c.Demo || c.DemoLang != "en" {
		t.Errorf("the demo is off, in English, unless asked: %+v", c)
	}
	if c, err = Load("serve", []string{"--demo", "--lang", "zh-CN"}, env(nil), io.Discard); err != nil || !c.Demo || c.DemoLang != "zh-CN" {
		t.Errorf("serve --demo --lang zh-CN: %+v %v", c, err)
	}
	c, err = Load("serve", nil, env(map[string]string{"ROLLOUT_BASE_URL": "https://x.example", "ROLLOUT_SECURE_COOKIES": "false"}), io.Discard)
	if err != nil || c.SecureCookies {
		t.Errorf("secure cookies switch off: %+v %v", c, err)
	}
}

// Trusted proxies are addresses and ranges, separated by commas; an address
// is a range of one, and the flag wins over the environment.
func TestTrustedProxies(t *testing.T) {
	c, err := Load("serve", nil, env(map[string]string{"ROLLOUT_TRUSTED_PROXIES": " 10.1.2.3/8, 192.168.1.10 ,,::1, ::ffff:172.16.0.0/108"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.168.1.10/32", "::1/128", "172.16.0.0/12"}
	if len(c.TrustedProxies) != len(want) {
		t.Fatalf("proxies %v", c.TrustedProxies)
	}
	for i, p := range c.TrustedProxies {
		if p.String() != want[i] {
			t.Errorf("proxy %d: %s, want %s", i, p, want[i])
		}
	}
	c, err = Load("serve", []string{"--trusted-proxies", "127.0.0.1"}, env(map[string]string{"ROLLOUT_TRUSTED_PROXIES": "10.0.0.0/8"}), io.Discard)
	if err != nil || len(c.TrustedProxies) != 1 || c.TrustedProxies[0].String() != "127.0.0.1/32" {
		t.Fatalf("flag: %v %v", c.TrustedProxies, err)
	}
	if c, err := Load("serve", nil, env(nil), io.Discard); err != nil || c.TrustedProxies != nil {
		t.Fatalf("default: %v %v", c.TrustedProxies, err)
	}
}

// Each bad value ends with one sentence that says what to do.
func TestBadValuesSayWhatToDo(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"address", map[string]string{"ROLLOUT_ADDR": "localhost"}, nil, "is not host:port"},
		{"port", map[string]string{"ROLLOUT_ADDR": "127.0.0.1:99999"}, nil, "no valid port"},
		{"database url scheme", map[string]string{"DATABASE_URL": "mysql://u:secret@h/db"}, nil, "is not a PostgreSQL URL"},
		{"database url garbage", map[string]string{"DATABASE_URL": "::not a url"}, nil, "is not a PostgreSQL URL"},
		{"database name", map[string]string{"DATABASE_URL": "postgres://u:secret@h:5432"}, nil, "names no database"},
		{"log level", map[string]string{"ROLLOUT_LOG_LEVEL": "loud"}, nil, "is not a log level"},
		{"base url", map[string]string{"ROLLOUT_BASE_URL": "rollout.example.com"}, nil, "is not a web address"},
		{"secure cookies", map[string]string{"ROLLOUT_SECURE_COOKIES": "maybe"}, nil, "is not true or false"},
		{"timeout", map[string]string{"ROLLOUT_REQUEST_TIMEOUT": "soon"}, nil, "is not a duration"},
		{"data dir", map[string]string{"ROLLOUT_DATA_DIR": " "}, []string{"--data-dir", ""}, "data folder is empty"},
		{"proxy address", map[string]string{"ROLLOUT_TRUSTED_PROXIES": "10.0.0.1,proxy.local"}, nil, `"proxy.local" is not an IP address`},
		{"proxy range", nil, []string{"--trusted-proxies", "10.0.0.0/33"}, `"10.0.0.0/33" is not a CIDR range`},
		{"proxy zone", map[string]string{"ROLLOUT_TRUSTED_PROXIES": "fe80::1%eth0"}, nil, "is not an IP address"},
		{"stray argument", nil, []string{"extra"}, "unexpected argument"},
		{"unknown flag", nil, []string{"--colour"}, "flag provided but not defined"},
		{"demo language", nil, []string{"--demo", "--lang", "fr"}, `--lang "fr" is not a language of the demo`},
		{"metrics address", map[string]string{"ROLLOUT_METRICS_ADDR": "9090"}, nil, `ROLLOUT_METRICS_ADDR "9090" is not host:port`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load("serve", c.args, env(c.env), io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Fatalf("the error repeats the password: %v", err)
			}
		})
	}
}
