// Package metrics exposes what Rollout does in the Prometheus text format,
// on a listen address of its own (ROLLOUT_METRICS_ADDR) so that it is never
// public by accident:
//
//   - rollout_http_requests_total{method,route,status} and
//     rollout_http_request_duration_seconds{method,route}: per route pattern
//     as the route table names it (/projects/:key/risks), never the address
//     asked for, so a project key or a number never makes a new series;
//   - go_sql_* {db_name="app"|"jobs"}: the connection pools of the web
//     server (bun) and of River's workers (collectors.NewDBStatsCollector);
//   - rollout_jobs{queue,kind,state}: River's jobs by state, counted when
//     Prometheus scrapes (queue depth: available, scheduled, retryable;
//     failures: retryable and discarded);
//   - rollout_notification_deliveries_total{channel,outcome}: notifications
//     sent, failed for good, or to be retried, per channel (email, wecom,
//     dingtalk, feishu, generic);
//   - the Go runtime's and the process's own (go_*, process_*).
//
// Each Metrics has its own registry, so tests and several servers in one
// process never collide.
package metrics

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds Rollout's collectors and the registry that serves them.
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	durations  *prometheus.HistogramVec
	deliveries *prometheus.CounterVec
}

// New makes the collectors of the web server and the process.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rollout_http_requests_total",
		Help: "HTTP requests answered, by method, route pattern and status code.",
	}, []string{"method", "route", "status"})
	m.durations = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rollout_http_request_duration_seconds",
		Help:    "Time taken to answer HTTP requests, by method and route pattern.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route"})
	m.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rollout_notification_deliveries_total",
		Help: "Notification delivery attempts, by channel and outcome (sent, retry, failed).",
	}, []string{"channel", "outcome"})
	m.reg.MustRegister(m.requests, m.durations, m.deliveries,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is where further collectors go (and what tests gather).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Unmatched is the route label of a request no route answered (a 404).
const Unmatched = "unmatched"

// Middleware counts and times every request under the route pattern that
// answered it. Install it outside the handler that turns errors into
// answers (the access log does), so the status counted is the one sent.
func (m *Metrics) Middleware() fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		// c.Route() is the last route that ran: the handler's, or, when no
		// route matched, the last middleware's (app.Use on "/", or a prefix
		// such as /static, which names itself). Labels are thus always
		// patterns of the route table, never what the client asked for.
		route := c.Route().Path
		if route == "/" && c.Path() != "/" {
			route = Unmatched
		}
		method := c.Method()
		status := c.Response().StatusCode()
		if err != nil {
			status = fiber.StatusInternalServerError
			var fe *fiber.Error
			if errors.As(err, &fe) {
				status = fe.Code
			}
		}
		m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
		m.durations.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
		return err
	}
}

// Delivery outcomes.
const (
	Sent   = "sent"
	Retry  = "retry"
	Failed = "failed"
)

// Delivered counts one delivery attempt on channel: Sent, Retry (it failed
// and will be tried again) or Failed (it failed for good).
func (m *Metrics) Delivered(channel, outcome string) {
	m.deliveries.WithLabelValues(channel, outcome).Inc()
}

// WatchPool reports the connections of a database/sql pool as go_sql_*
// with db_name=name.
func (m *Metrics) WatchPool(name string, db *sql.DB) {
	m.reg.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// WatchJobs reports River's jobs by queue, kind and state as rollout_jobs,
// counted with one query on db each time Prometheus scrapes.
func (m *Metrics) WatchJobs(db *sql.DB) {
	m.reg.MustRegister(&jobCollector{db: db})
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError, // a slow job count must not hide the rest
	}))
	return mux
}

// Serve answers GET /metrics on ln until ctx ends.
func (m *Metrics) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: m.Handler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(shut)
		case <-done:
		}
	}()
	err := srv.Serve(ln)
	close(done)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// jobCollector counts river_job rows by queue, kind and state at scrape
// time. River deletes finished jobs after a day, so the table stays small;
// the query is the same whatever the load, and bounded by a timeout.
type jobCollector struct{ db *sql.DB }

var jobsDesc = prometheus.NewDesc("rollout_jobs",
	"River jobs by queue, kind and state (available, scheduled, running, retryable, completed, cancelled, discarded), counted at scrape time.",
	[]string{"queue", "kind", "state"}, nil)

var jobsUp = prometheus.NewDesc("rollout_jobs_count_up",
	"1 when the last count of River's jobs succeeded, 0 when the database did not answer.", nil, nil)

func (j *jobCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobsDesc
	ch <- jobsUp
}

func (j *jobCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	rows, err := j.db.QueryContext(ctx, `SELECT queue, kind, state::text, count(*) FROM river_job GROUP BY 1, 2, 3`)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(jobsUp, prometheus.GaugeValue, 0)
		return
	}
	defer rows.Close()
	ok := 1.0
	for rows.Next() {
		var queue, kind, state string
		var n int64
		if err := rows.Scan(&queue, &kind, &state, &n); err != nil {
			ok = 0
			break
		}
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), queue, kind, state)
	}
	if rows.Err() != nil {
		ok = 0
	}
	ch <- prometheus.MustNewConstMetric(jobsUp, prometheus.GaugeValue, ok)
}
