package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"rollout/internal/account"
	"rollout/internal/config"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/demo"
	"rollout/internal/pglocal"
	"rollout/internal/web"
)

// queryCounter counts the queries Rollout runs; only the benchmark's own copy
// of the database handle carries it.
type queryCounter struct{ n atomic.Int64 }

func (c *queryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}
func (c *queryCounter) AfterQuery(context.Context, *bun.QueryEvent) { c.n.Add(1) }

// rig is everything one benchmark run starts: the database server, Rollout and
// the hello world on loopback ports, and where pgbench connects.
type rig struct {
	pg       *pglocal.Server
	db       *bun.DB
	queries  *queryCounter
	rollout  string // host:port
	hello    string // host:port
	token    string // an API token of the demo's project manager
	pgbench  string // path of the pgbench binary
	pgSocket string // folder of the server's socket
	pgPort   string
	pgUser   string
	closers  []func()
}

func (r *rig) close() {
	for i := len(r.closers) - 1; i >= 0; i-- {
		r.closers[i]()
	}
}

// pgbenchDB is the scratch database pgbench initialises.
const pgbenchDB = "pgbench"

// setUp starts the database, builds the projects and starts both web servers;
// close undoes it all, also after an error.
func setUp(ctx context.Context, o options, progress io.Writer) (r *rig, err error) {
	r = &rig{}
	defer func() {
		if err != nil {
			r.close()
		}
	}()
	bin := o.pgBin
	if bin == "" {
		if bin, err = pglocal.BinDir(); err != nil {
			return r, err
		}
	}
	r.pgbench = filepath.Join(bin, "pgbench")
	if _, err := os.Stat(r.pgbench); err != nil {
		return r, fmt.Errorf("pgbench is not in %s (it comes with the PostgreSQL server package): %w", bin, err)
	}
	step := func(what string) func() {
		fmt.Fprintf(progress, "%s… ", what)
		start := time.Now()
		return func() { fmt.Fprintf(progress, "%.1f s\n", time.Since(start).Seconds()) }
	}

	done := step("starting a throwaway PostgreSQL")
	r.pg, err = pglocal.Start(ctx, pglocal.Options{BinDir: bin,
		Logger: slog.New(slog.NewTextHandler(progress, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return r, err
	}
	r.closers = append(r.closers, func() { _ = r.pg.Stop() })
	if err := createDatabases(ctx, r.pg.DSN("postgres"), "rollout", pgbenchDB); err != nil {
		return r, err
	}
	u, err := url.Parse(r.pg.DSN(pgbenchDB))
	if err != nil {
		return r, err
	}
	socket := u.Query().Get("host") // the socket file: folder/.s.PGSQL.port
	r.pgSocket, r.pgPort, r.pgUser = filepath.Dir(socket), strings.TrimPrefix(filepath.Ext(socket), "."), r.pg.Superuser()
	done()

	done = step("migrating and building DEMO")
	db, err := database.Open(ctx, r.pg.DSN("rollout"))
	if err != nil {
		return r, err
	}
	r.closers = append(r.closers, func() { _ = db.Close() })
	if _, err := database.Migrate(ctx, db); err != nil {
		return r, err
	}
	today := date.Of(time.Now())
	if _, err := demo.Load(ctx, db, today); err != nil {
		return r, fmt.Errorf("building DEMO: %w", err)
	}
	done()
	if o.large {
		done = step(fmt.Sprintf("building LARGE (%d requirements, %d risks)", demo.LargeRequirements, demo.LargeRisks))
		if _, err := demo.LoadLarge(ctx, db, today); err != nil {
			return r, fmt.Errorf("building LARGE: %w", err)
		}
		// Fresh statistics, as autovacuum would have them on a real server.
		if _, err := db.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
			return r, err
		}
		done()
	}
	pm, err := account.ByEmail(ctx, db, demo.People[0].Email)
	if err != nil {
		return r, err
	}
	if r.token, _, err = account.CreateToken(ctx, db, pm.ID, account.NewToken{Name: "rollout-bench"}); err != nil {
		return r, err
	}

	done = step(fmt.Sprintf("initialising pgbench at scale %d", o.scale))
	if _, err := r.runPgbench(ctx, "-i", "-q", "-s", fmt.Sprint(o.scale)); err != nil {
		return r, err
	}
	done()

	// Rollout reads through a copy of the handle that counts its queries.
	r.queries = &queryCounter{}
	r.db = db.WithQueryHook(r.queries)
	app, err := web.New(web.Deps{DB: r.db, Config: config.Config{Addr: "127.0.0.1:0"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return r, err
	}
	if r.rollout, err = serve(app, r); err != nil {
		return r, err
	}
	hello := fiber.New(fiber.Config{DisableStartupMessage: true})
	hello.Get("/", func(c *fiber.Ctx) error { return c.SendString("Hello, World!") })
	if r.hello, err = serve(hello, r); err != nil {
		return r, err
	}
	return r, nil
}

// serve starts app on a free loopback port and returns its address.
func serve(app *fiber.App, r *rig) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go func() { _ = app.Listener(ln) }()
	r.closers = append(r.closers, func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	return ln.Addr().String(), nil
}

func createDatabases(ctx context.Context, adminDSN string, names ...string) error {
	admin, err := database.Open(ctx, adminDSN)
	if err != nil {
		return err
	}
	defer admin.Close()
	for _, name := range names {
		if _, err := admin.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
			return fmt.Errorf("creating database %s: %w", name, err)
		}
	}
	return nil
}

// numbers returns up to n numbers of live requirements of project key, read
// through the API, for the point reads.
func numbers(r *rig, o options, key string, n int) ([]int, error) {
	c := newClient(r.rollout, o)
	status, body, err := c.do("GET", "/api/v1/projects/"+key+"/requirements?limit="+fmt.Sprint(n), nil, r.token, "")
	if err != nil {
		return nil, err
	}
	if status != fiber.StatusOK {
		return nil, fmt.Errorf("listing %s's requirements: status %d", key, status)
	}
	var list struct {
		Items []struct {
			Number int `json:"number"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("listing %s's requirements: %w", key, err)
	}
	var ns []int
	for _, it := range list.Items {
		ns = append(ns, it.Number)
	}
	if len(ns) == 0 {
		return nil, fmt.Errorf("project %s has no requirements to read", key)
	}
	return ns, nil
}
