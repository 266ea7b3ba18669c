package metrics_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/database/dbtest"
	"rollout/internal/jobs"
	"rollout/internal/metrics"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func scrape(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, body)
	}
	return string(body)
}

func mustContain(t *testing.T, text string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(text, l) {
			t.Errorf("the metrics lack %q", l)
		}
	}
}

// Requests are counted per route pattern, never per address asked for.
func TestRequestsAreCountedPerRoutePattern(t *testing.T) {
	m := metrics.New()
	app := fiber.New()
	app.Use(m.Middleware())
	app.Get("/projects/:key/risks", func(c *fiber.Ctx) error { return c.SendString("risks") })
	app.Get("/boom", func(c *fiber.Ctx) error { return fiber.ErrTeapot })
	for _, path := range []string{"/projects/ABC/risks", "/projects/XYZ/risks", "/nowhere/at/all", "/boom"} {
		res, err := app.Test(httptest.NewRequest(http.MethodGet, path, nil))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	text := scrape(t, srv.URL+"/metrics")
	mustContain(t, text,
		`rollout_http_requests_total{method="GET",route="/projects/:key/risks",status="200"} 2`,
		`rollout_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`rollout_http_requests_total{method="GET",route="/boom",status="418"} 1`,
		`rollout_http_request_duration_seconds_count{method="GET",route="/projects/:key/risks"} 2`,
		"go_goroutines", "process_")
	for _, leak := range []string{"ABC", "XYZ", "/nowhere"} {
		if strings.Contains(text, leak) {
			t.Errorf("the metrics name the address asked for (%s):\n%s", leak, text)
		}
	}
}

// Jobs are counted by state when Prometheus scrapes; pools and deliveries show.
func TestJobsPoolsAndDeliveries(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	if err := jobs.Publish(ctx, db, jobs.Event{Event: jobs.Mention, ProjectID: 1, EntityID: 1},
		jobs.Event{Event: jobs.Mention, ProjectID: 1, EntityID: 2}); err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	m.WatchPool("app", db.DB)
	m.WatchJobs(db.DB)
	m.Delivered("wecom", metrics.Sent)
	m.Delivered("wecom", metrics.Retry)
	m.Delivered("email", metrics.Failed)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- m.Serve(serveCtx, ln) }()
	text := scrape(t, "http://"+ln.Addr().String()+"/metrics")
	mustContain(t, text,
		`rollout_jobs{kind="notify_event",queue="notify",state="available"} 2`,
		`rollout_jobs_count_up 1`,
		`go_sql_open_connections{db_name="app"}`,
		`go_sql_max_open_connections{db_name="app"}`,
		`rollout_notification_deliveries_total{channel="wecom",outcome="sent"} 1`,
		`rollout_notification_deliveries_total{channel="wecom",outcome="retry"} 1`,
		`rollout_notification_deliveries_total{channel="email",outcome="failed"} 1`)

	// A second job moves the count at the next scrape.
	if err := jobs.Publish(ctx, db, jobs.Event{Event: jobs.Mention, ProjectID: 1, EntityID: 3}); err != nil {
		t.Fatal(err)
	}
	mustContain(t, scrape(t, "http://"+ln.Addr().String()+"/metrics"),
		`rollout_jobs{kind="notify_event",queue="notify",state="available"} 3`)

	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the metrics listener did not stop")
	}
}
