package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"rollout/internal/account"
	"rollout/internal/apperr"
	"rollout/internal/config"
	"rollout/internal/database"
	"rollout/internal/i18n"
)

// cli is what the account commands need from the outside world. run passes
// the process's own; tests pass theirs (a password on stdin especially).
type cli struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

const (
	userUsage  = "rollout user create --email EMAIL --name NAME [--admin] [--language en|zh-CN] --password-stdin"
	tokenUsage = "rollout token create --email EMAIL --name LABEL"
)

// cmdUser manages accounts from the command line, e.g. to create the first
// administrator of an installation without a browser, or another one when the
// only administrator has lost their password.
func cmdUser(ctx context.Context, args []string, c cli) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: %s", userUsage)
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var in account.NewUser
	var passwordStdin bool
	fs.StringVar(&in.Email, "email", "", "the person's email `address`, used to sign in")
	fs.StringVar(&in.Name, "name", "", "the person's `name` as others see it")
	fs.BoolVar(&in.IsAdmin, "admin", false, "make the account an instance administrator")
	fs.StringVar(&in.Language, "language", i18n.English, "interface `language`: en or zh-CN")
	fs.BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input (required)")
	cfg, err := parseWithConfig(fs, "user create", args[1:], c)
	if err != nil {
		return err
	}
	if !passwordStdin {
		return errors.New("give the password on standard input with --password-stdin (a password in the arguments would stay in the shell history)")
	}
	in.Password, err = readPassword(c.stdin)
	if err != nil {
		return err
	}
	return withDatabase(ctx, cfg, c, func(db *database.DB) error {
		u, err := account.Create(ctx, db, 0, in)
		if err != nil {
			return sentence(err, map[string]string{"email": "--email", "name": "--name", "language": "--language"})
		}
		if u.IsAdmin {
			fmt.Fprintf(c.stdout, "Created the administrator account %s.\n", u.Email)
		} else {
			fmt.Fprintf(c.stdout, "Created the account %s.\n", u.Email)
		}
		return nil
	})
}

// cmdToken creates a personal API token for a user and prints its secret,
// alone on standard output so scripts can capture it; it is never shown again.
func cmdToken(ctx context.Context, args []string, c cli) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: %s", tokenUsage)
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var email string
	var in account.NewToken
	fs.StringVar(&email, "email", "", "email `address` of the account the token acts for")
	fs.StringVar(&in.Name, "name", "", "a `label` saying what will use the token")
	cfg, err := parseWithConfig(fs, "token create", args[1:], c)
	if err != nil {
		return err
	}
	if strings.TrimSpace(email) == "" {
		return fmt.Errorf("--email is missing: %s", tokenUsage)
	}
	return withDatabase(ctx, cfg, c, func(db *database.DB) error {
		u, err := account.ByEmail(ctx, db, email)
		if apperr.Is(err, apperr.KindNotFound) {
			return fmt.Errorf("no account has the email %s", strings.TrimSpace(email))
		}
		if err != nil {
			return sentence(err, nil)
		}
		if u.Disabled {
			return fmt.Errorf("the account %s is disabled: enable it first", u.Email)
		}
		secret, _, err := account.CreateToken(ctx, db, u.ID, in)
		if err != nil {
			return sentence(err, map[string]string{"name": "--name"})
		}
		fmt.Fprintln(c.stdout, secret)
		fmt.Fprintf(c.stderr, "Created an API token for %s. Copy it now: it is shown only this once.\n", u.Email)
		return nil
	})
}

// parseWithConfig parses the command's own flags from args and hands the rest
// (--database-url, --data-dir, --log-level …) to config.Load, so every command
// finds the database the way serve does. --help lists both sets.
func parseWithConfig(fs *flag.FlagSet, name string, args []string, c cli) (config.Config, error) {
	own, rest, help := splitFlags(fs, args)
	if help {
		_, err := config.Load(name, []string{"-help"}, c.getenv, c.stderr)
		fmt.Fprintf(c.stderr, "\nFlags of %s:\n", name)
		fs.PrintDefaults()
		return config.Config{}, err
	}
	if err := fs.Parse(own); err != nil {
		return config.Config{}, err
	}
	return config.Load(name, rest, c.getenv, c.stderr)
}

// splitFlags separates the flags fs defines (with their values) from the rest.
// Every flag of config.Load outside serve takes a value, so an unknown flag
// without "=" takes the next argument with it, unless that is a flag itself.
func splitFlags(fs *flag.FlagSet, args []string) (own, rest []string, help bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") || a == "-" {
			rest = append(rest, args[i:]...)
			break
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "h" || name == "help" {
			help = true
			continue
		}
		f := fs.Lookup(name)
		dst := &rest
		if f != nil {
			dst = &own
		}
		*dst = append(*dst, a)
		if !hasValue && !isBoolFlag(f) && i+1 < len(args) && (f != nil || !strings.HasPrefix(args[i+1], "-")) {
			i++
			*dst = append(*dst, args[i])
		}
	}
	return own, rest, help
}

func isBoolFlag(f *flag.Flag) bool {
	if f == nil {
		return false
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// readPassword reads one line; the line break is not part of the password,
// but spaces are.
func readPassword(r io.Reader) (string, error) {
	if r == nil {
		return "", errors.New("no password on standard input")
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input: pipe it in, e.g. printf '%s\\n' \"$PASSWORD\" | " + userUsage)
	}
	return line, nil
}

// withDatabase opens the database like serve does (DATABASE_URL, else the
// embedded PostgreSQL in the data folder), brings it up to date and runs fn.
func withDatabase(ctx context.Context, cfg config.Config, c cli, fn func(db *database.DB) error) error {
	log := newLogger(cfg, c.stderr)
	db, closeDB, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := migrate(ctx, db, log); err != nil {
		return err
	}
	return fn(db)
}

// sentence turns a domain error into one English sentence for the terminal,
// from the same messages the web pages show. flags names the command-line
// flag of each input field, to say which one is wrong.
func sentence(err error, flags map[string]string) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return err
	}
	if ae.Kind == apperr.KindInternal {
		if ae.Err != nil {
			return ae.Err
		}
		return err
	}
	tr := i18n.MustLoad().For(i18n.English)
	if len(ae.Fields) == 0 {
		return errors.New(lowerSentence(tr.TData(ae.Message.ID, ae.Message.Data)))
	}
	fields := make([]string, 0, len(ae.Fields))
	for f := range ae.Fields {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	parts := make([]string, 0, len(fields))
	for _, f := range fields {
		m := ae.Fields[f]
		msg := lowerSentence(tr.TData(m.ID, m.Data))
		if flag := flags[f]; flag != "" {
			msg = flag + ": " + msg
		}
		parts = append(parts, msg)
	}
	return errors.New(strings.Join(parts, "; "))
}

// lowerSentence fits a message after "rollout: ": lower-case first letter
// (unless it starts an acronym such as API), no final full stop.
func lowerSentence(s string) string {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	if next, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(next) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
