// Command rollout-load drives a running Rollout over HTTP with a bounded
// number of read requests at a stated concurrency, and prints requests per
// second and the p50 / p99 latency per endpoint and overall:
//
//	go run ./cmd/rollout-load -base http://127.0.0.1:8080 -token TOKEN -project LARGE -c 8 -n 2000
//
// It reads the pages people open most (project list, overview, dashboard,
// backlog, goals, risks, plan, change requests) and the API's lists, all as
// the token's user (the server accepts a Bearer token on pages too). It only
// talks to the base URL it is given, and refuses one that is not on this
// machine unless -remote is set: a load test is for your own server.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// endpoints are the paths read, in the order requests cycle through them;
// KEY is the project's key.
var endpoints = []string{
	"/projects",
	"/projects/KEY",
	"/projects/KEY/dashboard",
	"/projects/KEY/requirements",
	"/projects/KEY/goals",
	"/projects/KEY/risks",
	"/projects/KEY/plan",
	"/projects/KEY/changes",
	"/api/v1/projects",
	"/api/v1/projects/KEY/requirements",
	"/api/v1/projects/KEY/goals",
	"/api/v1/projects/KEY/risks",
	"/api/v1/projects/KEY/milestones",
	"/api/v1/projects/KEY/changes",
	"/api/v1/projects/KEY/activity",
}

type options struct {
	base        *url.URL
	token       string
	project     string
	concurrency int
	requests    int
	timeout     time.Duration
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rollout-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("base", "http://127.0.0.1:8080", "base `URL` of the Rollout to load")
	token := fs.String("token", getenv("ROLLOUT_TOKEN"), "personal API `token` (rollout token create); default $ROLLOUT_TOKEN")
	project := fs.String("project", "LARGE", "`key` of the project whose pages are read")
	c := fs.Int("c", 8, "requests in flight at once")
	n := fs.Int("n", 2000, "requests in all (at most 1,000,000)")
	timeout := fs.Duration("timeout", 30*time.Second, "longest one request may take")
	remote := fs.Bool("remote", false, "allow a base URL that is not on this machine")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: rollout-load [-base URL] -token TOKEN [-project KEY] [-c N] [-n N]")
		fmt.Fprintln(stderr, "\nReads Rollout's main pages and API lists and prints requests per second and latency.")
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	o, err := check(*base, *token, *project, *c, *n, *timeout, *remote)
	if err != nil {
		fmt.Fprintln(stderr, "rollout-load:", err)
		return 2
	}
	if err := load(ctx, o, stdout); err != nil {
		fmt.Fprintln(stderr, "rollout-load:", err)
		return 1
	}
	return 0
}

func check(base, token, project string, c, n int, timeout time.Duration, remote bool) (options, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return options{}, fmt.Errorf("-base %q is not a web address: write it like http://127.0.0.1:8080", base)
	}
	if !remote && !loopback(u.Hostname()) {
		return options{}, fmt.Errorf("-base %s is not on this machine: load only your own server, or add -remote if you mean it", u.Host)
	}
	if strings.TrimSpace(token) == "" {
		return options{}, errors.New("-token is missing: create one with `rollout token create --email YOU --name load` and pass it with -token or ROLLOUT_TOKEN")
	}
	if c < 1 || c > 1000 {
		return options{}, fmt.Errorf("-c %d: use from 1 to 1000 requests at once", c)
	}
	if n < 1 || n > 1_000_000 {
		return options{}, fmt.Errorf("-n %d: use from 1 to 1,000,000 requests", n)
	}
	if timeout <= 0 {
		return options{}, errors.New("-timeout must be positive")
	}
	return options{base: u, token: strings.TrimSpace(token), project: project, concurrency: c, requests: n, timeout: timeout}, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sample is one request's outcome.
type sample struct {
	endpoint int
	took     time.Duration
	failed   bool
}

func load(ctx context.Context, o options, stdout io.Writer) error {
	client := &http.Client{Timeout: o.timeout, Transport: &http.Transport{MaxIdleConnsPerHost: o.concurrency,
		MaxConnsPerHost: o.concurrency}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	paths := make([]string, 0, len(endpoints))
	for _, e := range endpoints {
		paths = append(paths, strings.ReplaceAll(e, "KEY", url.PathEscape(o.project)))
	}
	// One request to each first: it checks the token and the project, skips
	// pages this server does not have, and warms the server up.
	var live []string
	for _, p := range paths {
		status, _, err := get(ctx, client, o, p)
		switch {
		case err != nil:
			return fmt.Errorf("GET %s: %v", p, err)
		case status == http.StatusUnauthorized || status == http.StatusSeeOther:
			return fmt.Errorf("GET %s answered %d: the token is not valid here", p, status)
		case status == http.StatusNotFound && p == paths[1]:
			return fmt.Errorf("GET %s answered 404: no project %s visible to the token's user", p, o.project)
		case status == http.StatusNotFound:
			fmt.Fprintf(stdout, "skipping %s: this server does not have it\n", p)
		case status != http.StatusOK:
			return fmt.Errorf("GET %s answered %d", p, status)
		default:
			live = append(live, p)
		}
	}
	fmt.Fprintf(stdout, "Rollout load: %d requests to %s, %d at a time, project %s, over %d endpoints\n",
		o.requests, o.base, o.concurrency, o.project, len(live))

	jobs := make(chan int)
	results := make(chan sample, o.concurrency)
	var wg sync.WaitGroup
	for range o.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				e := i % len(live)
				status, took, err := get(ctx, client, o, live[e])
				results <- sample{endpoint: e, took: took, failed: err != nil || status != http.StatusOK}
			}
		}()
	}
	start := time.Now()
	go func() {
		defer close(jobs)
		for i := 0; i < o.requests; i++ {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	per := make([][]time.Duration, len(live))
	failures := make([]int, len(live))
	var all []time.Duration
	for s := range results {
		per[s.endpoint] = append(per[s.endpoint], s.took)
		all = append(all, s.took)
		if s.failed {
			failures[s.endpoint]++
		}
	}
	elapsed := time.Since(start)

	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "endpoint\trequests\terrors\treq/s\tp50 ms\tp99 ms\tmax ms\t")
	total := 0
	for i, p := range live {
		total += failures[i]
		fmt.Fprintf(w, "GET %s\t%d\t%d\t%.1f\t%s\t%s\t%s\t\n", p, len(per[i]), failures[i],
			float64(len(per[i]))/elapsed.Seconds(), ms(percentile(per[i], 50)), ms(percentile(per[i], 99)), ms(percentile(per[i], 100)))
	}
	fmt.Fprintf(w, "overall\t%d\t%d\t%.1f\t%s\t%s\t%s\t\n", len(all), total, float64(len(all))/elapsed.Seconds(),
		ms(percentile(all, 50)), ms(percentile(all, 99)), ms(percentile(all, 100)))
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d requests in %.2f s: %.1f requests/s, p50 %s ms, p99 %s ms, %d errors\n", len(all), elapsed.Seconds(),
		float64(len(all))/elapsed.Seconds(), ms(percentile(all, 50)), ms(percentile(all, 99)), total)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

// get reads one path to the end and says how long it took.
func get(ctx context.Context, client *http.Client, o options, path string) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.base.String()+path, nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+o.token)
	start := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return 0, time.Since(start), err
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, time.Since(start), err
}

// percentile is the nearest-rank percentile (100: the maximum).
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (p*len(s)+99)/100 - 1
	return s[max(0, min(i, len(s)-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }
