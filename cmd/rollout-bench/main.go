// Command rollout-bench measures how Rollout's busiest pages and API calls
// hold up on a large project, with one command and nothing set up beforehand:
//
//	go run ./cmd/rollout-bench -rounds 3 -duration 5s
//
// It starts a throwaway PostgreSQL (internal/pglocal) in a temporary folder,
// builds the demo project DEMO (46 requirements) and the large project LARGE
// (5,000 requirements, 500 risks, a year of history), serves Rollout and a
// Fiber hello world on loopback ports of this process, and initialises a
// small pgbench database on the same PostgreSQL. Then it measures, in
// interleaved rounds (DEMO and LARGE one after the other, the order swapped
// every time, the hello world and pgbench once a round), requests per second
// at a fixed number of concurrent clients and the queries each request runs
// (counted by a bun query hook inside this process). It prints the medians,
// the ratios LARGE ÷ DEMO, the share of the hello world's rate, creates as a
// share of pgbench TPC-B and a point read as a share of pgbench select-only,
// and how they compare with the targets of issue 16. It reports and exits 0
// whatever the numbers; it exits non-zero only when it could not measure.
//
// It stops by itself after -rounds rounds and removes everything it made.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the command's flags, checked.
type options struct {
	rounds         int
	duration       time.Duration
	clients        int
	scale          int    // pgbench scale factor
	large          bool   // false measures DEMO only (a quick check of the benchmark itself)
	pgBin          string // folder of the PostgreSQL binaries; empty finds it
	acceptEncoding string // sent with every request, as a browser or Go client would
	only           string // a regular expression: measure only the targets whose names match
	cpuProfile     string // a file for the CPU profile of the measuring rounds ("" for none)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rollout-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.IntVar(&o.rounds, "rounds", 3, "interleaved `rounds` (the table shows their medians)")
	fs.DurationVar(&o.duration, "duration", 3*time.Second, "how long each target is measured in each round")
	fs.IntVar(&o.clients, "c", 8, "concurrent `clients` (and pgbench clients)")
	fs.IntVar(&o.scale, "scale", 8, "pgbench scale `factor` (100,000 accounts each; at least -c avoids lock contention on branches)")
	fs.BoolVar(&o.large, "large", true, "build and measure LARGE; false measures DEMO only, to check the benchmark quickly")
	fs.StringVar(&o.pgBin, "pg-bin", os.Getenv("ROLLOUT_PG_BIN"), "`folder` of the PostgreSQL binaries (postgres, initdb, pgbench); default: found like `rollout serve` does")
	fs.StringVar(&o.only, "only", "", "measure only the targets whose names match this `regexp` (e.g. 'backlog|create'); the verdicts then cover those alone")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write the CPU profile of the measuring rounds (Rollout, the hello world and the client; not PostgreSQL) to `file`, for go tool pprof")
	fs.StringVar(&o.acceptEncoding, "accept-encoding", "gzip", "Accept-Encoding `header` of every request (Go's HTTP client sends gzip; empty sends none)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: rollout-bench [-rounds N] [-duration D] [-c N] [-scale N] [-large=false] [-only REGEXP]")
		fmt.Fprintln(stderr, "\nBuilds DEMO and LARGE on a throwaway PostgreSQL and prints requests per second,")
		fmt.Fprintln(stderr, "queries per request and ratios against a hello world and pgbench, measured in")
		fmt.Fprintln(stderr, "interleaved rounds. Everything runs on this machine and is removed at the end.")
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := o.check(); err != nil {
		fmt.Fprintln(stderr, "rollout-bench:", err)
		return 2
	}
	if err := bench(ctx, o, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "rollout-bench:", err)
		return 1
	}
	return 0
}

func (o options) check() error {
	switch {
	case o.rounds < 1 || o.rounds > 20:
		return fmt.Errorf("-rounds %d: use from 1 to 20", o.rounds)
	case o.duration < 100*time.Millisecond || o.duration > time.Minute:
		return fmt.Errorf("-duration %s: use from 100ms to 1m", o.duration)
	case o.clients < 1 || o.clients > 64:
		return fmt.Errorf("-c %d: use from 1 to 64 clients", o.clients)
	case o.scale < 1 || o.scale > 100:
		return fmt.Errorf("-scale %d: use from 1 to 100", o.scale)
	}
	return nil
}
