package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"rollout/internal/config"
	"rollout/internal/database"
)

const (
	backupUsage  = "rollout backup FILE"
	restoreUsage = "rollout restore [--force] FILE"
)

// cmdBackup writes the whole database (DATABASE_URL, or the embedded
// PostgreSQL in the data folder) to FILE with pg_dump's custom format, which
// rollout restore (pg_restore) reads. The file appears only when the dump is
// complete.
func cmdBackup(ctx context.Context, args []string, c cli) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	cfg, file, err := parseWithFile(fs, "backup", backupUsage,
		"Writes the whole database to FILE with pg_dump (custom format); rollout restore reads it.\n"+
			"With the embedded PostgreSQL, stop rollout serve first: the data folder is in use while it runs.", args, c)
	if err != nil {
		return err
	}
	bin, err := findPGTool(cfg, "pg_dump")
	if err != nil {
		return err
	}
	db, closeDB, _, dsn, err := openDatabaseFor(ctx, cfg, newLogger(cfg, c.stderr), false)
	if err != nil {
		return err
	}
	defer closeDB()
	_ = db.Close() // pg_dump has its own connection

	abs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".*.partial")
	if err != nil {
		return fmt.Errorf("cannot write the backup next to %s: %w", file, err)
	}
	_ = tmp.Close()
	defer os.Remove(tmp.Name()) // gone once renamed
	if err := runPGTool(ctx, bin, dsn, "--format=custom", "--no-owner", "--file="+tmp.Name()); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), abs); err != nil {
		return fmt.Errorf("cannot write the backup %s: %w", file, err)
	}
	if fi, err := os.Stat(abs); err == nil {
		fmt.Fprintf(c.stdout, "Backed up %s to %s (%d bytes).\n", database.Target(dsn), file, fi.Size())
	}
	return nil
}

// cmdRestore loads a backup into the database. It refuses a database that
// already holds tables unless --force, which first drops everything in the
// public schema. The restore is one transaction: it happens whole or not at
// all. The migrations then bring an older backup up to date.
func cmdRestore(ctx context.Context, args []string, c cli) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var force bool
	fs.BoolVar(&force, "force", false, "replace whatever the database holds (everything in its public schema is dropped first)")
	cfg, file, err := parseWithFile(fs, "restore", restoreUsage,
		"Loads a backup written by rollout backup into the database, which must be empty unless --force.\n"+
			"Stop every rollout serve using the database first.", args, c)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(file); err != nil || fi.IsDir() {
		return fmt.Errorf("cannot read the backup %s: no such file", file)
	}
	bin, err := findPGTool(cfg, "pg_restore")
	if err != nil {
		return err
	}
	log := newLogger(cfg, c.stderr)
	db, closeDB, _, dsn, err := openDatabaseFor(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer closeDB()

	var tables int
	err = db.NewRaw(`SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'`).Scan(ctx, &tables)
	if err != nil {
		return fmt.Errorf("cannot look into %s: %w", database.Target(dsn), err)
	}
	if tables > 0 {
		if !force {
			return fmt.Errorf("the database %s is not empty (%d tables): restore refuses to overwrite it; restore into an empty database, or add --force to replace what it holds", database.Target(dsn), tables)
		}
		if _, err := db.ExecContext(ctx, "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public"); err != nil {
			return fmt.Errorf("--force: cannot empty %s: %w", database.Target(dsn), err)
		}
	}
	if err := runPGTool(ctx, bin, dsn, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", "--dbname="+pgEnvDB(dsn), file); err != nil {
		return err
	}
	if err := migrate(ctx, db, log); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Restored %s into %s.\n", file, database.Target(dsn))
	return nil
}

// findPGTool finds pg_dump or pg_restore: in ROLLOUT_PG_BIN, then beside
// the server that pg_config names, then in the newest
// /usr/lib/postgresql/*/bin (a newer pg_dump reads older servers, never the
// reverse), then on PATH.
func findPGTool(cfg config.Config, name string) (string, error) {
	var dirs []string
	if cfg.PGBin != "" {
		dirs = append(dirs, cfg.PGBin)
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	versioned, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(versioned, func(i, j int) bool { return pgDirVersion(versioned[i]) > pgDirVersion(versioned[j]) })
	dirs = append(dirs, versioned...)
	for _, dir := range dirs {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s not found (looked in ROLLOUT_PG_BIN, pg_config --bindir, /usr/lib/postgresql/*/bin and PATH): install the PostgreSQL client programs (e.g. the postgresql-client package) or set ROLLOUT_PG_BIN to their folder", name)
}

func pgDirVersion(dir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
	return v
}

// runPGTool runs a PostgreSQL client program against the database at dsn.
// The connection goes in PG* environment variables, never in the
// arguments, where other users of the machine could read a password.
func runPGTool(ctx context.Context, bin, dsn string, args ...string) error {
	env, err := pgEnv(dsn)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		var exit *exec.ExitError
		if msg == "" || !errors.As(err, &exit) {
			msg = err.Error()
		}
		return fmt.Errorf("%s failed: %s", filepath.Base(bin), msg)
	}
	return nil
}

// pgEnv turns a DSN as Rollout reads it (postgres://user:password@host:port/db?sslmode=…,
// with a unix socket file in host=, or unix://user:password@db/socket/file)
// into libpq's environment variables.
func pgEnv(dsn string) ([]string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("the database URL %s is not valid", database.Redact(dsn))
	}
	set := map[string]string{}
	q := u.Query()
	host, port, db := u.Hostname(), u.Port(), strings.TrimPrefix(u.Path, "/")
	if u.Scheme == "unix" {
		host, port, db = u.Path, "", u.Host
	}
	if h := q.Get("host"); h != "" {
		host = h
	}
	// pgdriver names the socket file; libpq its folder and port.
	if dir, file := filepath.Split(host); strings.HasPrefix(file, ".s.PGSQL.") {
		host, port = strings.TrimSuffix(dir, "/"), strings.TrimPrefix(file, ".s.PGSQL.")
	}
	set["PGHOST"], set["PGPORT"], set["PGDATABASE"] = host, port, db
	if u.User != nil {
		set["PGUSER"] = u.User.Username()
		if pw, ok := u.User.Password(); ok {
			set["PGPASSWORD"] = pw
		}
	}
	for param, name := range map[string]string{"user": "PGUSER", "password": "PGPASSWORD", "sslmode": "PGSSLMODE",
		"sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "application_name": "PGAPPNAME",
		"connect_timeout": "PGCONNECT_TIMEOUT"} {
		if v := q.Get(param); v != "" {
			set[name] = v
		}
	}
	var env []string
	for k, v := range set {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	sort.Strings(env)
	return env, nil
}

// pgEnvDB is the database name of dsn (pg_restore needs --dbname to
// restore into a database rather than print SQL).
func pgEnvDB(dsn string) string {
	env, _ := pgEnv(dsn)
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PGDATABASE="); ok {
			return v
		}
	}
	return ""
}
