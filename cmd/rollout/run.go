package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"rollout/internal/config"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `Rollout runs the project office of a CRM implementation.

Usage: rollout [command] [flags]

Commands:
  serve     run the web server (the default when no command is given)
  migrate   apply database migrations and exit
  demo      create the demo project (a CRM rollout with its team and data); demo --lang zh-CN writes it in Chinese; demo --size large adds LARGE
  export    write a project with its history to a JSON archive: export --key KEY FILE
  import    restore a project archive: import [--key NEWKEY] FILE
  backup    write the whole database to a file with pg_dump: backup FILE
  restore   load a backup into an empty database: restore [--force] FILE
  user      create an account: user create --email E --name N [--admin] [--language en|zh-CN] --password-stdin
  token     create an API token: token create --email E --name LABEL (prints the token once)
  version   print the version and exit

Run "rollout COMMAND --help" for the flags of a command.
`

// run is the whole program; main only calls it, so tests can start it too.
// It returns the process exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	cmd, rest := "serve", args[1:]
	if len(rest) > 0 && (rest[0] == "-h" || rest[0] == "-help" || rest[0] == "--help") {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if len(rest) > 0 && len(rest[0]) > 0 && rest[0][0] != '-' {
		cmd, rest = rest[0], rest[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = cmdServe(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		err = cmdMigrate(ctx, rest, getenv, stdout, stderr)
	case "demo":
		err = cmdDemo(ctx, rest, getenv, stdout, stderr)
	case "user":
		err = cmdUser(ctx, rest, cli{getenv: getenv, stdin: os.Stdin, stdout: stdout, stderr: stderr})
	case "token":
		err = cmdToken(ctx, rest, cli{getenv: getenv, stdout: stdout, stderr: stderr})
	case "import":
		err = cmdImport(ctx, rest, cli{getenv: getenv, stdout: stdout, stderr: stderr})
	case "export":
		err = cmdExport(ctx, rest, cli{getenv: getenv, stdout: stdout, stderr: stderr})
	case "backup":
		err = cmdBackup(ctx, rest, cli{getenv: getenv, stdout: stdout, stderr: stderr})
	case "restore":
		err = cmdRestore(ctx, rest, cli{getenv: getenv, stdout: stdout, stderr: stderr})
	case "version":
		fmt.Fprintln(stdout, "rollout", buildVersion())
	case "help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "rollout: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "rollout:", err)
		return 1
	}
	return 0
}

func buildVersion() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

func newLogger(cfg config.Config, stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
}
