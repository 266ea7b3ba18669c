package main

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"
)

// instruction is one line of a Dockerfile, its continuations joined.
type instruction struct{ cmd, args string }

// dockerStages reads a Dockerfile into its stages' instructions.
func dockerStages(t *testing.T, path string) [][]instruction {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var stages [][]instruction
	var cur strings.Builder
	flush := func() {
		line := strings.TrimSpace(cur.String())
		cur.Reset()
		if line == "" {
			return
		}
		cmd, args, _ := strings.Cut(line, " ")
		in := instruction{strings.ToUpper(cmd), strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			t.Fatalf("%s: %s before the first FROM", path, in.cmd)
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
	}
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			continue
		}
		if body, more := strings.CutSuffix(line, `\`); more {
			cur.WriteString(body + " ")
			continue
		}
		cur.WriteString(line)
		flush()
	}
	flush()
	return stages
}

// The image runs the static binary from the documented path as a user
// without privileges, and holds no PostgreSQL server.
func TestDockerfile(t *testing.T) {
	stages := dockerStages(t, "../../Dockerfile")
	if len(stages) < 2 {
		t.Fatalf("want a multi-stage build, got %d stage(s)", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]
	buildName := ""
	if f := strings.Fields(build[0].args); len(f) == 3 && strings.EqualFold(f[1], "AS") {
		buildName = f[2]
	}
	static := false
	for _, in := range build {
		if in.cmd == "RUN" && strings.Contains(in.args, "CGO_ENABLED=0") && strings.Contains(in.args, "go build") &&
			strings.Contains(in.args, "./cmd/rollout") {
			static = true
		}
	}
	if !static {
		t.Error("the build stage does not build ./cmd/rollout with CGO_ENABLED=0 (a static binary)")
	}

	user, copied, entry := "", false, false
	for _, in := range final {
		switch in.cmd {
		case "USER":
			user = in.args
		case "COPY":
			if strings.Contains(in.args, "--from="+buildName) && strings.HasSuffix(in.args, " /usr/local/bin/rollout") && buildName != "" {
				copied = true
			}
		case "ENTRYPOINT":
			entry = strings.Contains(in.args, `"/usr/local/bin/rollout"`)
		case "RUN":
			if regexp.MustCompile(`postgresql\d*(\s|$)|postgresql\d*-server`).MatchString(in.args) {
				t.Errorf("the image installs a PostgreSQL server (%s): it must take DATABASE_URL", in.args)
			}
		}
	}
	name, _, _ := strings.Cut(user, ":")
	if name == "" || name == "root" || name == "0" {
		t.Errorf("the final stage runs as %q: set USER to an account without privileges", user)
	}
	if !copied {
		t.Errorf("the final stage does not copy the binary from the %q stage to /usr/local/bin/rollout", buildName)
	}
	if !entry {
		t.Error("the entry point is not /usr/local/bin/rollout")
	}
}

// unitFile reads a systemd unit into section → key → values.
func unitFile(t *testing.T, path string) map[string]map[string][]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string][]string{}
	section := ""
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			out[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s: not a setting: %q", path, line)
			}
			out[section][strings.TrimSpace(k)] = append(out[section][strings.TrimSpace(k)], strings.TrimSpace(v))
		}
	}
	return out
}

// The systemd unit runs the binary without privileges, with the system
// read-only but for the data folder.
func TestSystemdUnitIsHardened(t *testing.T) {
	u := unitFile(t, "../../deploy/rollout.service")
	svc := u["Service"]
	if svc == nil || u["Install"] == nil {
		t.Fatal("the unit has no [Service] or [Install] section")
	}
	last := func(k string) string {
		if vs := svc[k]; len(vs) > 0 {
			return vs[len(vs)-1]
		}
		return ""
	}
	if !strings.HasPrefix(last("ExecStart"), "/usr/local/bin/rollout serve") {
		t.Errorf("ExecStart=%q", last("ExecStart"))
	}
	if user := last("User"); (user == "" || user == "root" || user == "0") && last("DynamicUser") != "yes" {
		t.Errorf("the service runs as root: set User= or DynamicUser=yes")
	}
	for k, want := range map[string]string{
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes", "ProtectHome": "yes",
		"PrivateDevices": "yes", "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
		"ProtectControlGroups": "yes", "RestrictSUIDSGID": "yes", "CapabilityBoundingSet": "",
	} {
		if vs, ok := svc[k]; !ok || last(k) != want {
			t.Errorf("%s=%q, want %q (set: %v)", k, last(k), want, ok && len(vs) > 0)
		}
	}
	dataDir := ""
	for _, e := range svc["Environment"] {
		if v, ok := strings.CutPrefix(e, "ROLLOUT_DATA_DIR="); ok {
			dataDir = v
		}
	}
	if dataDir == "" || !strings.Contains(" "+last("ReadWritePaths")+" ", " "+dataDir+" ") {
		t.Errorf("ReadWritePaths=%q does not hold the data folder %q", last("ReadWritePaths"), dataDir)
	}
}

// compose.yaml: PostgreSQL 15, two instances, Caddy sharing requests between them.
func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile("../../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	caddy, err := os.ReadFile("../../deploy/Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	compose := string(raw)
	for _, want := range []string{"image: postgres:15", "\n  rollout-a:", "\n  rollout-b:", "image: caddy:", "DATABASE_URL: postgres://", "./deploy/Caddyfile:/etc/caddy/Caddyfile"} {
		if !strings.Contains(compose, want) {
			t.Errorf("compose.yaml lacks %q", want)
		}
	}
	if !regexp.MustCompile(`reverse_proxy\s+rollout-a:8080\s+rollout-b:8080`).Match(caddy) {
		t.Error("the Caddyfile does not share requests between rollout-a and rollout-b")
	}
}
