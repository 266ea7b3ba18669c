package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"rollout/internal/account"
	"rollout/internal/database"
	"rollout/internal/database/dbtest"
)

// runCmd runs an account command with its own standard input, the way run
// would, and returns its error and output.
func runCmd(t *testing.T, cmd func(context.Context, []string, cli) error, env map[string]string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := cmd(ctx, args, cli{getenv: envOf(env), stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut})
	return out.String(), errOut.String(), err
}

func openTestDB(t *testing.T, dsn string) *database.DB {
	t.Helper()
	db, err := database.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestUserAndTokenCreate(t *testing.T) {
	dsn := dbtest.DSN(t)
	env := map[string]string{"DATABASE_URL": dsn}

	out, _, err := runCmd(t, cmdUser, env, "a long pass phrase \n",
		"create", "--email", "Alice@example.com", "--name", "Alice", "--admin", "--language=zh-CN", "--password-stdin")
	if err != nil || out != "Created the administrator account Alice@example.com.\n" {
		t.Fatalf("user create: %v %q", err, out)
	}
	db := openTestDB(t, dsn)
	ctx := context.Background()
	u, err := account.ByEmail(ctx, db, "alice@example.com")
	if err != nil || !u.IsAdmin || u.Name != "Alice" || u.Language != "zh-CN" {
		t.Fatalf("stored %+v %v", u, err)
	}
	// The line break is not part of the password; the trailing space is.
	if _, _, err := account.SignIn(ctx, db, "alice@example.com", "a long pass phrase ", "192.0.2.1", "", time.Now()); err != nil {
		t.Fatalf("sign in with the piped password: %v", err)
	}

	// The database can also be named with the flag, anywhere among the command's own.
	out, _, err = runCmd(t, cmdUser, nil, "bob's pass phrase\r\n",
		"create", "--database-url", dsn, "--email=bob@example.com", "--password-stdin", "--name", "Bob")
	if err != nil || out != "Created the account bob@example.com.\n" {
		t.Fatalf("user create with --database-url: %v %q", err, out)
	}
	if _, _, err := account.SignIn(ctx, db, "bob@example.com", "bob's pass phrase", "192.0.2.1", "", time.Now()); err != nil {
		t.Fatalf("bob signs in: %v", err)
	}

	// A token through the whole program: the secret alone on stdout.
	code, out, errOut := runOnce(t, env, "token", "create", "--email", "ALICE@example.com", "--name", "nightly export")
	if code != 0 || !strings.Contains(errOut, "shown only this once") {
		t.Fatalf("token create: %d %q %q", code, out, errOut)
	}
	secret := strings.TrimSuffix(out, "\n")
	if !strings.HasPrefix(secret, "rlt_") || strings.ContainsAny(secret, " \n") {
		t.Fatalf("stdout %q", out)
	}
	if tu, err := account.TokenUser(ctx, db, secret, time.Now()); err != nil || tu.ID != u.ID {
		t.Fatalf("the printed token: %v %v", tu, err)
	}
	ts, _ := account.ListTokens(ctx, db, u.ID)
	if len(ts) != 1 || ts[0].Name != "nightly export" {
		t.Fatalf("tokens %+v", ts)
	}
}

func TestUserCreateRefusals(t *testing.T) {
	dsn := dbtest.DSN(t)
	env := map[string]string{"DATABASE_URL": dsn}
	create := func(stdin string, args ...string) error {
		t.Helper()
		out, _, err := runCmd(t, cmdUser, env, stdin, append([]string{"create"}, args...)...)
		if err != nil && out != "" {
			t.Fatalf("printed %q and failed", out)
		}
		return err
	}
	if err := create("first pass phrase\n", "--email", "alice@example.com", "--name", "Alice", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"another pass phrase\n", []string{"--email", "ALICE@example.com", "--name", "Alice 2", "--password-stdin"},
			"--email: an account with this email already exists"},
		{"short\n", []string{"--email", "bob@example.com", "--name", "Bob", "--password-stdin"},
			"the password needs at least 10 characters"},
		{strings.Repeat("x", 73) + "\n", []string{"--email", "bob@example.com", "--name", "Bob", "--password-stdin"},
			"the password may have at most 72 bytes"},
		{"good pass phrase\n", []string{"--email", "not-an-email", "--name", "Bob", "--password-stdin"},
			"--email: enter an email address such as name@example.com"},
		{"good pass phrase\n", []string{"--email", "bob@example.com", "--password-stdin"},
			"--name: this field is required"},
		{"good pass phrase\n", []string{"--email", "bob@example.com", "--name", "Bob", "--language", "fr", "--password-stdin"},
			"--language: choose one of: en, zh-CN"},
		{"good pass phrase\n", []string{"--email", "bob@example.com", "--name", "Bob"},
			"--password-stdin"},
		{"", []string{"--email", "bob@example.com", "--name", "Bob", "--password-stdin"},
			"no password on standard input"},
		{"\n", []string{"--email", "bob@example.com", "--name", "Bob", "--password-stdin"},
			"no password on standard input"},
	} {
		err := create(c.stdin, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
	db := openTestDB(t, dsn)
	if n, _ := db.NewSelect().Table("users").Count(context.Background()); n != 1 {
		t.Fatalf("%d users after refusals", n)
	}
}

func TestTokenCreateRefusals(t *testing.T) {
	dsn := dbtest.DSN(t)
	env := map[string]string{"DATABASE_URL": dsn}
	if _, _, err := runCmd(t, cmdUser, env, "first pass phrase\n", "create", "--email", "alice@example.com", "--name", "Alice", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"token", "create", "--email", "nobody@example.com", "--name", "x"}, "no account has the email nobody@example.com"},
		{[]string{"token", "create", "--email", "alice@example.com"}, "--name: this field is required"},
		{[]string{"token", "create", "--name", "x"}, "--email is missing"},
		{[]string{"token"}, "usage: rollout token create"},
	} {
		code, out, errOut := runOnce(t, env, c.args...)
		if code != 1 || out != "" || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: %d %q %q, want one line with %q", c.args, code, out, errOut, c.want)
		}
	}
	db := openTestDB(t, dsn)
	if n, _ := db.NewSelect().Table("api_tokens").Count(context.Background()); n != 0 {
		t.Fatalf("%d tokens after refusals", n)
	}
}

func TestUserAndTokenHelp(t *testing.T) {
	code, _, errOut := runOnce(t, nil, "user", "create", "--help")
	if code != 0 || !strings.Contains(errOut, "-password-stdin") || !strings.Contains(errOut, "-database-url") {
		t.Fatalf("user create --help: %d %q", code, errOut)
	}
	code, _, errOut = runOnce(t, nil, "token", "create", "-h")
	if code != 0 || !strings.Contains(errOut, "-email") || !strings.Contains(errOut, "-data-dir") {
		t.Fatalf("token create -h: %d %q", code, errOut)
	}
	code, _, errOut = runOnce(t, nil, "user", "delete")
	if code != 1 || !strings.Contains(errOut, "usage: rollout user create") {
		t.Fatalf("user delete: %d %q", code, errOut)
	}
	code, out, _ := runOnce(t, nil, "--help")
	if code != 0 || !strings.Contains(out, "user create") || !strings.Contains(out, "token create") {
		t.Fatalf("help: %d %q", code, out)
	}
	// Unknown flags are refused by name.
	code, _, errOut = runOnce(t, nil, "user", "create", "--frobnicate", "x", "--password-stdin")
	if code != 1 || !strings.Contains(errOut, "frobnicate") {
		t.Fatalf("unknown flag: %d %q", code, errOut)
	}
}
