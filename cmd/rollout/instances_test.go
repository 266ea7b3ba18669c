package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"rollout/internal/account"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/office"
	"rollout/internal/project"
	"rollout/internal/requirement"
)

// instance is a `rollout serve` process of its own (this test binary run
// again as the program, see TestMain).
type instance struct {
	name, url, metrics string
	out                *syncBuffer
}

var metricsAt = regexp.MustCompile(`Metrics are served at (http://\S+)`)

func startInstance(t *testing.T, name string, env ...string) *instance {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{"ROLLOUT_TEST_AS_SERVE=1", "ROLLOUT_ADDR=127.0.0.1:0"}, env...)...)
	in := &instance{name: name, out: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = in.out, in.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if m := runningAt.FindStringSubmatch(in.out.String()); m != nil {
			in.url = m[1]
			if m := metricsAt.FindStringSubmatch(in.out.String()); m != nil {
				in.metrics = m[1]
			}
			waitReady(t, in.url)
			return in
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("instance %s did not start:\n%s", name, in.out.String())
	return nil
}

// browser is a client that keeps no cookie jar: the test says which
// cookies each request carries, and follows no redirect.
var browser = &http.Client{
	Timeout:       20 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

const csrfTok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ" // 43 characters, as the server makes them

func signIn(t *testing.T, in *instance, email, password string) (int, string) {
	t.Helper()
	form := url.Values{"email": {email}, "password": {password}, "_csrf": {csrfTok}}
	req, _ := http.NewRequest(http.MethodPost, in.url+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "rollout_csrf", Value: csrfTok})
	res, err := browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	for _, c := range res.Cookies() {
		if c.Name == "rollout_session" && c.Value != "" {
			return res.StatusCode, c.Value
		}
	}
	return res.StatusCode, ""
}

func getPage(t *testing.T, in *instance, path, session string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, in.url+path, nil)
	if session != "" {
		req.AddCookie(&http.Cookie{Name: "rollout_session", Value: session})
	}
	res, err := browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func apiCall(in *instance, token, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, in.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := browser.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return res.StatusCode, raw, err
}

// backlog is the requirement numbers in rank order, as the API lists them.
func backlog(t *testing.T, in *instance, token, key string) []int {
	t.Helper()
	code, raw, err := apiCall(in, token, http.MethodGet, "/api/v1/projects/"+key+"/requirements?limit=500", nil)
	if err != nil || code != http.StatusOK {
		t.Fatalf("%s: list: %d %v %s", in.name, code, err, raw)
	}
	var l struct {
		Items []struct {
			Number int `json:"number"`
		} `json:"items"`
	}
	if err := json.Unmarshal(raw, &l); err != nil {
		t.Fatal(err)
	}
	out := make([]int, len(l.Items))
	for i, it := range l.Items {
		out[i] = it.Number
	}
	return out
}

// Two Rollout processes on one database behave as one site: a session from
// one is valid on the other, the sign-in throttle counts failures through
// both, ranks moved through both at once stay a total order, the periodic
// sweep is enqueued once (by River's elected leader), and each serves its
// metrics per route pattern.
func TestTwoInstancesOnOneDatabase(t *testing.T) {
	db, dsn := dbtest.NewWithDSN(t)
	ctx := context.Background()
	const password = "correct horse battery"
	admin, err := account.Create(ctx, db, 0, account.NewUser{Email: "ada@example.com", Name: "Ada", Password: password, IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := account.Create(ctx, db, admin.ID, account.NewUser{Email: "pat@example.com", Name: "Pat", Password: password}); err != nil {
		t.Fatal(err)
	}
	p, err := office.CreateProject(ctx, db, admin.ID, project.Input{Key: "TWIN", Name: "Twin rollout", Template: "blank"}, "en", date.Today())
	if err != nil {
		t.Fatal(err)
	}
	const n = 12
	for i := 1; i <= n; i++ {
		if _, err := requirement.Create(ctx, db, admin.ID, p.ID, requirement.Input{Title: fmt.Sprintf("Requirement %d", i),
			Tier: "must", Kind: "feature", Approach: "configuration", Status: "proposed"}); err != nil {
			t.Fatal(err)
		}
	}
	token, _, err := account.CreateToken(ctx, db, admin.ID, account.NewToken{Name: "twin test"})
	if err != nil {
		t.Fatal(err)
	}

	a := startInstance(t, "A", "DATABASE_URL="+dsn, "ROLLOUT_METRICS_ADDR=127.0.0.1:0")
	b := startInstance(t, "B", "DATABASE_URL="+dsn)
	if a.metrics == "" || b.metrics != "" {
		t.Fatalf("metrics: A at %q (want an address), B at %q (want none)", a.metrics, b.metrics)
	}
	both := []*instance{a, b}

	t.Run("a session from one is valid on the other", func(t *testing.T) {
		code, session := signIn(t, a, "ada@example.com", password)
		if code != http.StatusSeeOther || session == "" {
			t.Fatalf("sign-in through A: %d, session %q", code, session)
		}
		for _, in := range both {
			code, body := getPage(t, in, "/projects/TWIN/risks", session)
			if code != http.StatusOK || !strings.Contains(body, "Twin rollout") {
				t.Fatalf("%s with A's session: %d", in.name, code)
			}
		}
		// Signed out through B, the session is gone on A too.
		form := url.Values{"_csrf": {csrfTok}}
		req, _ := http.NewRequest(http.MethodPost, b.url+"/signout", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: "rollout_csrf", Value: csrfTok})
		req.AddCookie(&http.Cookie{Name: "rollout_session", Value: session})
		res, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if code, _ := getPage(t, a, "/projects/TWIN/risks", session); code == http.StatusOK {
			t.Fatalf("A still accepts a session signed out through B")
		}
	})

	t.Run("the sign-in throttle is shared", func(t *testing.T) {
		// Four failures are free per account; the fifth locks it. Through
		// A and B in turn, neither sees more than three of them.
		for i := 0; i < 5; i++ {
			in := both[i%2]
			if code, _ := signIn(t, in, "pat@example.com", "wrong password"); code != http.StatusUnauthorized {
				t.Fatalf("failure %d through %s: %d, want 401", i+1, in.name, code)
			}
		}
		for _, in := range both {
			if code, session := signIn(t, in, "pat@example.com", password); code != http.StatusTooManyRequests || session != "" {
				t.Fatalf("the right password through %s after five failures: %d, want 429", in.name, code)
			}
		}
	})

	t.Run("ranks moved through both stay a total order", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for w := 0; w < 6; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 21))
				for i := 0; i < 8; i++ {
					in := both[(w+i)%2]
					num := 1 + rng.IntN(n)
					var to map[string]any
					switch other := 1 + rng.IntN(n); rng.IntN(4) {
					case 0:
						to = map[string]any{"top": true}
					case 1:
						to = map[string]any{"bottom": true}
					case 2:
						to = map[string]any{"before": other}
					default:
						to = map[string]any{"after": other}
					}
					code, raw, err := apiCall(in, token, http.MethodPost, fmt.Sprintf("/api/v1/projects/TWIN/requirements/%d/move", num), to)
					if err != nil || code != http.StatusOK {
						errs <- fmt.Errorf("move %d %v through %s: %d %v %s", num, to, in.name, code, err, raw)
						return
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		// Every requirement once, each rank its own.
		var ranks []int64
		if err := db.NewSelect().Table("requirements").Column("rank").Where("project_id = ?", p.ID).Order("rank").Scan(ctx, &ranks); err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(ranks); i++ {
			if ranks[i] == ranks[i-1] {
				t.Fatalf("two requirements share rank %d: %v", ranks[i], ranks)
			}
		}
		order := backlog(t, a, token, "TWIN")
		seen := map[int]bool{}
		for _, num := range order {
			seen[num] = true
		}
		if len(order) != n || len(seen) != n || len(ranks) != n {
			t.Fatalf("the backlog lost or doubled requirements: %v", order)
		}
		if other := backlog(t, b, token, "TWIN"); fmt.Sprint(other) != fmt.Sprint(order) {
			t.Fatalf("A lists %v, B lists %v", order, other)
		}
		// One after the other, each move is seen at once by the other instance.
		first, second := order[n-1], order[n-2]
		for _, step := range []struct {
			in  *instance
			num int
		}{{a, first}, {b, second}} {
			if code, raw, err := apiCall(step.in, token, http.MethodPost, fmt.Sprintf("/api/v1/projects/TWIN/requirements/%d/move", step.num), map[string]any{"top": true}); err != nil || code != http.StatusOK {
				t.Fatalf("move to the top through %s: %d %v %s", step.in.name, code, err, raw)
			}
		}
		for _, in := range both {
			if got := backlog(t, in, token, "TWIN"); got[0] != second || got[1] != first {
				t.Fatalf("%s lists %v, want %d then %d on top", in.name, got, second, first)
			}
		}
	})

	t.Run("the periodic sweep is enqueued once", func(t *testing.T) {
		deadline := time.Now().Add(30 * time.Second)
		var sweeps, done int
		for time.Now().Before(deadline) {
			if err := db.NewRaw(`SELECT count(*), count(*) FILTER (WHERE state = 'completed') FROM river_job WHERE kind = 'notify_sweep'`).Scan(ctx, &sweeps, &done); err != nil {
				t.Fatal(err)
			}
			if done > 0 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if done == 0 {
			t.Fatalf("no sweep ran within 30 s (%d enqueued)\nA:\n%s\nB:\n%s", sweeps, a.out.String(), b.out.String())
		}
		time.Sleep(2 * time.Second) // the other instance had every chance to enqueue its own
		var leaders int
		if err := db.NewRaw(`SELECT count(*) FROM river_job WHERE kind = 'notify_sweep'`).Scan(ctx, &sweeps); err != nil {
			t.Fatal(err)
		}
		if err := db.NewRaw(`SELECT count(*) FROM river_leader`).Scan(ctx, &leaders); err != nil {
			t.Fatal(err)
		}
		if sweeps != 1 || leaders != 1 {
			t.Fatalf("%d sweeps and %d leaders, want one of each", sweeps, leaders)
		}
	})

	t.Run("metrics per route pattern on their own address", func(t *testing.T) {
		scrape := func() string {
			res, err := http.Get(a.metrics)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			raw, _ := io.ReadAll(res.Body)
			return string(raw)
		}
		const risks = `rollout_http_requests_total{method="GET",route="/projects/:key/risks",status="`
		before := scrape()
		for i := 0; i < 3; i++ {
			getPage(t, a, "/projects/TWIN/risks", "")
		}
		after := scrape()
		if countOf(after, risks) < countOf(before, risks)+3 {
			t.Fatalf("the count of /projects/:key/risks did not move by 3:\nbefore %v\nafter %v", countOf(before, risks), countOf(after, risks))
		}
		for _, want := range []string{
			`route="/api/v1/projects/:key/requirements/:number/move"`,
			`route="/signin",status="401"`,
			`rollout_http_request_duration_seconds_bucket{method="GET",route="/projects/:key/risks"`,
			`go_sql_open_connections{db_name="app"}`,
			`go_sql_open_connections{db_name="jobs"}`,
			`rollout_jobs{kind="notify_sweep",queue="notify",state="completed"} 1`,
		} {
			if !strings.Contains(after, want) {
				t.Errorf("the metrics lack %s", want)
			}
		}
		if strings.Contains(after, "TWIN") {
			t.Error("a project key made its way into the metrics")
		}
		// The site itself does not serve them.
		if code, _ := getPage(t, a, "/metrics", ""); code == http.StatusOK {
			t.Error("the site serves /metrics")
		}
	})
}

// countOf sums the values of the series whose line starts with prefix.
func countOf(text, prefix string) float64 {
	var sum float64
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, prefix) {
			var v float64
			fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v)
			sum += v
		}
	}
	return sum
}
