package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rollout/internal/database"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/office"
	"rollout/internal/project"
)

// emptyDatabase creates a database with nothing in it on the test server
// and returns its DSN; it is dropped when the test ends.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	admin, dsn := dbtest.NewWithDSN(t)
	name := "empty_" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_"))
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`)
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func count(t *testing.T, dsn, query string) int {
	t.Helper()
	db, err := database.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.NewRaw(query).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A backup restored into an empty database holds the same data; a database
// that holds something is refused unless --force, which replaces it.
func TestBackupAndRestoreRoundTrip(t *testing.T) {
	dsn := dbtest.DSN(t)
	env := map[string]string{"DATABASE_URL": dsn}
	if code, out, errOut := runOnce(t, env, "demo"); code != 0 {
		t.Fatalf("demo: %d %q %q", code, out, errOut)
	}
	const reqs = `SELECT count(*) FROM requirements r JOIN projects p ON p.id = r.project_id WHERE p.key = 'DEMO'`
	const audits = `SELECT count(*) FROM audit_entries`
	wantReqs, wantAudits := count(t, dsn, reqs), count(t, dsn, audits)
	if wantReqs == 0 {
		t.Fatal("the demo has no requirements")
	}

	file := filepath.Join(t.TempDir(), "rollout.dump")
	code, out, errOut := runOnce(t, env, "backup", file)
	if code != 0 || !strings.HasPrefix(out, "Backed up ") || !strings.Contains(out, file) {
		t.Fatalf("backup: %d %q %q", code, out, errOut)
	}
	if fi, err := os.Stat(file); err != nil || fi.Size() == 0 {
		t.Fatalf("no backup file: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*partial")); len(left) > 0 {
		t.Fatalf("a partial file was left behind: %v", left)
	}

	fresh := emptyDatabase(t)
	code, out, errOut = runOnce(t, map[string]string{"DATABASE_URL": fresh}, "restore", file)
	if code != 0 || !strings.HasPrefix(out, "Restored "+file+" into ") {
		t.Fatalf("restore: %d %q %q", code, out, errOut)
	}
	if got := count(t, fresh, reqs); got != wantReqs {
		t.Fatalf("restored %d requirements, want %d", got, wantReqs)
	}
	if got := count(t, fresh, audits); got != wantAudits {
		t.Fatalf("restored %d audit entries, want %d", got, wantAudits)
	}
	// The restored database serves: the sign-in page of a server on it.
	s := startServe(t, map[string]string{"DATABASE_URL": fresh, "ROLLOUT_ADDR": "127.0.0.1:0"})
	waitReady(t, s.url)
	if code := s.stop(t); code != 0 {
		t.Fatalf("serve on the restored database: %d\n%s", code, s.stderr.String())
	}

	// Again into the same database: it is not empty any more, and stays as it is.
	code, _, errOut = runOnce(t, map[string]string{"DATABASE_URL": fresh}, "restore", file)
	if code != 1 || !strings.Contains(errOut, "is not empty") || !strings.Contains(errOut, "--force") {
		t.Fatalf("restore into a non-empty database: %d %q", code, errOut)
	}
	if got := count(t, fresh, reqs); got != wantReqs {
		t.Fatalf("a refused restore changed the data: %d requirements", got)
	}

	// --force replaces what the database holds: a project made after the backup is gone.
	addProject(t, dsn, "LATER")
	before := count(t, dsn, `SELECT count(*) FROM projects`)
	code, out, errOut = runOnce(t, env, "restore", "--force", file)
	if code != 0 || !strings.HasPrefix(out, "Restored ") {
		t.Fatalf("restore --force: %d %q %q", code, out, errOut)
	}
	if after := count(t, dsn, `SELECT count(*) FROM projects`); after != before-1 || count(t, dsn, reqs) != wantReqs {
		t.Fatalf("restore --force: %d projects (before %d)", after, before)
	}

	// Mistakes end with one sentence.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"restore", filepath.Join(t.TempDir(), "missing.dump")}, "cannot read the backup"},
		{[]string{"backup"}, "give exactly one file: rollout backup FILE"},
		{[]string{"restore"}, "give exactly one file: rollout restore [--force] FILE"},
	} {
		code, _, errOut := runOnce(t, env, c.args...)
		if code != 1 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: %d %q, want %q", c.args, code, errOut, c.want)
		}
	}
}

func TestPGEnvFromDSN(t *testing.T) {
	for dsn, want := range map[string]string{
		"postgres://rollout@/db1?host=/tmp/x/run/.s.PGSQL.5432&sslmode=disable": "PGDATABASE=db1 PGHOST=/tmp/x/run PGPORT=5432 PGSSLMODE=disable PGUSER=rollout",
		"postgres://u:p%40ss@db.example.com:6432/rollout?sslmode=require":       "PGDATABASE=rollout PGHOST=db.example.com PGPASSWORD=p@ss PGPORT=6432 PGSSLMODE=require PGUSER=u",
		"unix://u:pw@rollout/var/run/postgresql/.s.PGSQL.5433":                  "PGDATABASE=rollout PGHOST=/var/run/postgresql PGPASSWORD=pw PGPORT=5433 PGUSER=u",
	} {
		env, err := pgEnv(dsn)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(env, " "); got != want {
			t.Errorf("%s:\n got %s\nwant %s", dsn, got, want)
		}
	}
}

// addProject creates a project through the same workflow as the pages.
func addProject(t *testing.T, dsn, key string) {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var admin int64
	if err := db.NewRaw("SELECT min(id) FROM users").Scan(ctx, &admin); err != nil {
		t.Fatal(err)
	}
	if _, err := office.CreateProject(ctx, db, admin, project.Input{Key: key, Name: "Later " + key, Template: "blank"}, "en", date.Today()); err != nil {
		t.Fatal(err)
	}
}
