package main

import (
	"context"
	"fmt"
	"math"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// client sends requests to one server over at most as many connections as
// there are benchmark clients. fasthttp's client costs far less CPU than
// net/http's, so the client takes less of the machine from the server (it
// matters most for the hello world).
type client struct {
	hc       *fasthttp.HostClient
	encoding string
}

func newClient(addr string, o options) *client {
	return &client{hc: &fasthttp.HostClient{Addr: addr, MaxConns: o.clients, ReadBufferSize: 64 << 10,
		ReadTimeout: 60 * time.Second, WriteTimeout: 60 * time.Second, MaxIdemponentCallAttempts: 1}, encoding: o.acceptEncoding}
}

// do sends one request and returns its status and a copy of its body.
func (c *client) do(method, path string, body []byte, token, encoding string) (int, []byte, error) {
	req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(res)
	c.prepare(req, method, path, body, token, encoding)
	if err := c.hc.Do(req, res); err != nil {
		return 0, nil, err
	}
	return res.StatusCode(), slices.Clone(res.Body()), nil
}

func (c *client) prepare(req *fasthttp.Request, method, path string, body []byte, token, encoding string) {
	req.Reset()
	req.Header.SetMethod(method)
	req.SetRequestURI("http://" + c.hc.Addr + path)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	if body != nil {
		req.Header.SetContentType("application/json")
		req.SetBody(body)
	}
}

// load is what one measurement sends: the same request again and again, or
// a path from paths in turn.
type load struct {
	method string
	paths  []string
	body   []byte
	want   int // the status every answer must have
	token  string
}

// sample is one measurement.
type sample struct {
	ok, failed int
	secs       float64
	queries    int64 // -1: not counted
	p99        time.Duration
}

func (s sample) rate() float64 {
	if s.secs <= 0 {
		return 0
	}
	return float64(s.ok) / s.secs
}

func (s sample) perRequest() float64 {
	if s.queries < 0 || s.ok+s.failed == 0 {
		return math.NaN()
	}
	return float64(s.queries) / float64(s.ok+s.failed)
}

// measure runs o.clients clients that send l for o.duration as fast as
// answers come back, after one warm-up request each that must succeed.
// counter, if not nil, counts the server's queries during the measurement.
func measure(ctx context.Context, c *client, l load, o options, counter *queryCounter) (sample, error) {
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
		}
	}
	// Warm-up: one request per client, which also checks the answer.
	for i := range o.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := l.paths[i%len(l.paths)]
			status, body, err := c.do(l.method, path, l.body, l.token, "")
			if err == nil && status != l.want {
				err = fmt.Errorf("%s %s answered %d, not %d: %.300s", l.method, path, status, l.want, body)
			}
			if err != nil {
				fail(err)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return sample{}, firstErr
	}

	s := sample{queries: -1}
	var lat []time.Duration
	if counter != nil {
		counter.n.Store(0)
	}
	start := time.Now()
	deadline := start.Add(o.duration)
	for w := range o.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(res)
			var mine []time.Duration
			ok, failed := 0, 0
			for i := w; ctx.Err() == nil; i += o.clients {
				t0 := time.Now()
				if !t0.Before(deadline) {
					break
				}
				c.prepare(req, l.method, l.paths[i%len(l.paths)], l.body, l.token, c.encoding)
				err := c.hc.Do(req, res)
				mine = append(mine, time.Since(t0))
				if err != nil || res.StatusCode() != l.want {
					failed++
					continue
				}
				ok++
			}
			mu.Lock()
			s.ok += ok
			s.failed += failed
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	s.secs = time.Since(start).Seconds()
	if counter != nil {
		s.queries = counter.n.Load()
	}
	s.p99 = percentile(lat, 99)
	return s, ctx.Err()
}

// percentile is the nearest-rank percentile.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := (p*len(ds)+99)/100 - 1
	return ds[max(0, min(i, len(ds)-1))]
}

// runPgbench runs pgbench against the scratch database and returns its output.
func (r *rig) runPgbench(ctx context.Context, args ...string) (string, error) {
	args = append(args, "-h", r.pgSocket, "-p", r.pgPort, "-U", r.pgUser, pgbenchDB)
	out, err := exec.CommandContext(ctx, r.pgbench, args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("pgbench %v: %v\n%s", args, err, out)
	}
	return string(out), nil
}

// pgbenchRate runs pgbench's TPC-B-like script (selectOnly false) or its
// select-only script at o.clients clients for o.duration (whole seconds, at
// least one) and returns its transactions per second.
func (r *rig) pgbenchRate(ctx context.Context, o options, selectOnly bool) (float64, error) {
	secs := max(1, int(math.Round(o.duration.Seconds())))
	args := []string{"-n", "-c", strconv.Itoa(o.clients), "-j", strconv.Itoa(min(o.clients, runtime.NumCPU())), "-T", strconv.Itoa(secs)}
	if selectOnly {
		args = append(args, "-S")
	}
	out, err := r.runPgbench(ctx, args...)
	if err != nil {
		return 0, err
	}
	return parseTPS(out)
}

// tpsLine matches pgbench's result line: "tps = 4219.1 (without initial
// connection time)" since PostgreSQL 14, "(excluding connections
// establishing)" before.
var tpsLine = regexp.MustCompile(`(?m)^tps = ([0-9]+(?:\.[0-9]+)?) \((?:without initial connection time|excluding connections establishing)\)`)

func parseTPS(out string) (float64, error) {
	m := tpsLine.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no tps line in pgbench's output:\n%s", out)
	}
	return strconv.ParseFloat(m[1], 64)
}
