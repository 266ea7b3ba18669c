package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"rollout/internal/archive"
	"rollout/internal/config"
	"rollout/internal/database"
)

const (
	importUsage = "rollout import [--key NEWKEY] FILE"
	exportUsage = "rollout export --key KEY FILE"
)

// cmdImport restores a project archive (from rollout export or the project's
// Export button) into this installation's database.
func cmdImport(ctx context.Context, args []string, c cli) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var key string
	fs.StringVar(&key, "key", "", "`key` of the new project; default: the archive's own")
	cfg, file, err := parseWithFile(fs, "import", importUsage,
		"Imports a whole project, with its history, from an archive written by rollout export.\n"+
			"People are matched by email; anyone this installation does not know gets a disabled account.",
		args, c)
	if err != nil {
		return err
	}
	a, err := readArchive(file)
	if err != nil {
		return err
	}
	return withDatabase(ctx, cfg, c, func(db *database.DB) error {
		res, err := archive.Import(ctx, db, a, archive.ImportOptions{Key: key})
		if err != nil {
			return sentence(err, map[string]string{"key": "--key"})
		}
		n := res.Counts
		fmt.Fprintf(c.stdout, "Imported project %s (%d requirements, %d goals with %d measurements, %d risks, %d milestones, %d change requests, %d audit entries).\n",
			res.Key, n.Requirements, n.Goals, n.Measurements, n.Risks, n.Milestones, n.ChangeRequests, n.AuditEntries)
		if res.WeeklyPaused {
			fmt.Fprintf(c.stdout, "The weekly report of %s does not send by itself: it is a copy under another key, and its original may still send the same report. A project manager turns \"Send by itself\" on again on the project's Weekly reports page.\n", res.Key)
		}
		if len(res.CreatedUsers) > 0 {
			fmt.Fprintf(c.stdout, "Created %d disabled accounts for people this installation did not know (an administrator enables them): %s\n",
				len(res.CreatedUsers), strings.Join(res.CreatedUsers, ", "))
		}
		return nil
	})
}

// cmdExport writes one project, with its history, to an archive file.
func cmdExport(ctx context.Context, args []string, c cli) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var key string
	fs.StringVar(&key, "key", "", "`key` of the project to export (required)")
	cfg, file, err := parseWithFile(fs, "export", exportUsage,
		"Writes a whole project, with its history, to a JSON archive that rollout import reads.", args, c)
	if err != nil {
		return err
	}
	key = strings.ToUpper(strings.TrimSpace(key))
	if key == "" {
		return fmt.Errorf("--key is missing: %s", exportUsage)
	}
	return withDatabase(ctx, cfg, c, func(db *database.DB) error {
		var id int64
		err := db.NewSelect().Table("projects").Column("id").Where("key = ?", key).Scan(ctx, &id)
		if err != nil {
			return fmt.Errorf("no project has the key %s", key)
		}
		a, err := archive.Export(ctx, db, id)
		if err != nil {
			return sentence(err, nil)
		}
		if err := writeArchive(file, a); err != nil {
			return err
		}
		n := a.Count()
		fmt.Fprintf(c.stdout, "Exported project %s to %s (%d requirements, %d risks, %d audit entries).\n",
			key, file, n.Requirements, n.Risks, n.AuditEntries)
		return nil
	})
}

func readArchive(file string) (*archive.Archive, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v", file, pathless(err))
	}
	defer f.Close()
	var a archive.Archive
	if err := json.NewDecoder(bufio.NewReader(f)).Decode(&a); err != nil {
		return nil, fmt.Errorf("%s is not a Rollout project archive: %v", file, err)
	}
	if a.FormatVersion == 0 {
		return nil, fmt.Errorf("%s is not a Rollout project archive: it has no format_version", file)
	}
	return &a, nil
}

func writeArchive(file string, a *archive.Archive) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s already exists: choose another file name or remove it first", file)
	}
	if err != nil {
		return fmt.Errorf("cannot write %s: %v", file, pathless(err))
	}
	w := bufio.NewWriter(f)
	err = json.NewEncoder(w).Encode(a)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(file)
		return fmt.Errorf("cannot write %s: %v", file, pathless(err))
	}
	return nil
}

// pathless drops the file name a *PathError repeats.
func pathless(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// parseWithFile parses a command that takes its own flags, the database
// flags of config.Load, and one file name anywhere among them.
func parseWithFile(fs *flag.FlagSet, name, usage, about string, args []string, c cli) (config.Config, string, error) {
	var flags, files []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			files = append(files, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			files = append(files, a)
			continue
		}
		flags = append(flags, a)
		fname, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if fname == "h" || fname == "help" {
			fmt.Fprintf(c.stderr, "Usage: %s\n\n%s\n\n", usage, about)
			if _, err := parseWithConfig(fs, name, []string{"-help"}, c); err != nil {
				return config.Config{}, "", err
			}
			return config.Config{}, "", flag.ErrHelp
		}
		if f := fs.Lookup(fname); !hasValue && !isBoolFlag(f) && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			i++
			flags = append(flags, args[i])
		}
	}
	if len(files) != 1 {
		return config.Config{}, "", fmt.Errorf("give exactly one file: %s", usage)
	}
	cfg, err := parseWithConfig(fs, name, flags, c)
	return cfg, files[0], err
}
