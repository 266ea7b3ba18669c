package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// write is one attempt to create a requirement through the API.
type write struct {
	title      string
	status     int
	retryAfter string
	body       string
	at         time.Time
}

// Killing the embedded PostgreSQL (SIGKILL to the postmaster, as the
// out-of-memory killer would) under a light write load: Rollout restarts it,
// /readyz answers 200 again within 5 s without Rollout itself restarting,
// writes in the gap get 503 with Retry-After (never 500), and every write
// acknowledged before or after the kill is there.
func TestEmbeddedPostgresKilledUnderLoadHeals(t *testing.T) {
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o711)
	}
	env := map[string]string{"ROLLOUT_DATA_DIR": dir, "ROLLOUT_ADDR": "127.0.0.1:0"}
	if code, out, errOut := runOnce(t, env, "demo"); code != 0 {
		t.Fatalf("demo: %d %s %s", code, out, errOut)
	}
	code, token, errOut := runOnce(t, env, "token", "create", "--email", "pm@demo.example", "--name", "load")
	if code != 0 {
		t.Fatalf("token: %d %s", code, errOut)
	}
	token = strings.TrimSpace(token)

	s := startServe(t, env)
	t.Cleanup(s.cancel) // if the test ends early
	waitReady(t, s.url)
	client := &http.Client{Timeout: 30 * time.Second}
	api := s.url + "/api/v1/projects/DEMO/requirements"

	var (
		mu      sync.Mutex
		writes  []write
		stop    = make(chan struct{})
		writers sync.WaitGroup
	)
	post := func(title string) write {
		body, _ := json.Marshal(map[string]any{"title": title, "tier": "important", "kind": "feature",
			"approach": "configuration", "status": "proposed"})
		req, _ := http.NewRequest(http.MethodPost, api, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", "zh-CN")
		w := write{title: title, at: time.Now()}
		res, err := client.Do(req)
		if err != nil {
			w.body = err.Error()
			return w
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		w.status, w.retryAfter, w.body = res.StatusCode, res.Header.Get("Retry-After"), string(b)
		if res.StatusCode >= 300 && !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
			w.body = "not problem+json: " + w.body
		}
		return w
	}
	for g := range 3 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				w := post(fmt.Sprintf("load %d-%d", g, i))
				mu.Lock()
				writes = append(writes, w)
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	acked := func(after time.Time) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, w := range writes {
			if w.status == http.StatusCreated && w.at.After(after) {
				n++
			}
		}
		return n
	}
	waitAcked := func(after time.Time, n int) {
		deadline := time.Now().Add(time.Minute)
		for acked(after) < n {
			if time.Now().After(deadline) {
				t.Fatalf("fewer than %d writes acknowledged:\n%s", n, s.stderr.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitAcked(time.Time{}, 15)

	pid := postmasterPID(t, dir)
	killed := time.Now()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// /readyz: 200 again without restarting Rollout. Wait for the new
	// postmaster first: an orphaned backend of the old one may answer for a moment.
	deadline := killed.Add(5 * time.Second)
	var readyAfter time.Duration
	for readyAfter == 0 {
		if time.Now().After(deadline) {
			close(stop)
			writers.Wait()
			pglog, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
			t.Fatalf("/readyz not 200 within 5 s of the kill:\n%s\npostgres.log:\n%s", s.stderr.String(), pglog)
		}
		if newPID := readPID(dir); newPID != 0 && newPID != pid {
			if res, err := client.Get(s.url + "/readyz"); err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					readyAfter = time.Since(killed)
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("/readyz answered 200 %v after the kill", readyAfter.Round(time.Millisecond))
	waitAcked(killed.Add(readyAfter), 15) // writes work again
	close(stop)
	writers.Wait()
	select {
	case code := <-s.done:
		t.Fatalf("serve ended (%d): Rollout itself was restarted", code)
	default:
	}

	// Every failure was a 503 with Retry-After in problem+json; every 201 is stored.
	created, unavailable := map[string]bool{}, 0
	for _, w := range writes {
		switch {
		case w.status == http.StatusCreated:
			created[w.title] = true
		case w.status == http.StatusServiceUnavailable && w.retryAfter != "" && strings.Contains(w.body, `"status":503`) &&
			strings.Contains(w.body, "数据库"):
			unavailable++
		default:
			t.Errorf("write %q got %d (Retry-After %q): %s", w.title, w.status, w.retryAfter, w.body)
		}
	}
	if unavailable == 0 {
		t.Errorf("no write met the outage (%d writes): the test did not test it", len(writes))
	}
	stored := map[string]bool{}
	for cursor := ""; ; {
		req, _ := http.NewRequest(http.MethodGet, api+"?limit=500&cursor="+cursor, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Items []struct {
				Title string `json:"title"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("listing: %d %v", res.StatusCode, err)
		}
		for _, it := range page.Items {
			stored[it.Title] = true
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	for title := range created {
		if !stored[title] {
			t.Errorf("acknowledged write %q is missing", title)
		}
	}
	t.Logf("%d writes: %d acknowledged and stored, %d answered 503", len(writes), len(created), unavailable)
	log := s.stderr.String()
	if !strings.Contains(log, "PostgreSQL exited unexpectedly; restarting it") || !strings.Contains(log, "killed by signal 9") {
		t.Errorf("the log does not say why PostgreSQL was restarted:\n%s", log)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("exit %d:\n%s", code, s.stderr.String())
	}
}

// readPID reads the pid in postmaster.pid; 0 while there is none.
func readPID(dir string) int {
	raw, err := os.ReadFile(filepath.Join(dir, "pgdata", "postmaster.pid"))
	if err != nil {
		return 0
	}
	var pid int
	fmt.Sscan(strings.SplitN(string(raw), "\n", 2)[0], &pid)
	return pid
}

// An embedded PostgreSQL that cannot be started again (here its
// configuration file is gone) makes serve exit non-zero, after a few tries,
// so that the service manager restarts Rollout rather than leave it up
// answering 503 for ever.
func TestServeExitsWhenPostgresCannotBeRestarted(t *testing.T) {
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o711)
	}
	s := startServe(t, map[string]string{"ROLLOUT_DATA_DIR": dir, "ROLLOUT_ADDR": "127.0.0.1:0"})
	t.Cleanup(s.cancel)
	waitReady(t, s.url)
	conf := filepath.Join(dir, "pgdata", "postgresql.conf")
	if err := os.Rename(conf, conf+".away"); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(postmasterPID(t, dir), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-s.done:
		if code == 0 {
			t.Fatal("serve exited with 0")
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("serve is still running:\n%s", s.stderr.String())
	}
	if log := s.stderr.String(); !strings.Contains(log, "giving up on PostgreSQL") ||
		!strings.Contains(log, "the embedded PostgreSQL cannot be kept running") {
		t.Fatalf("the log does not say why Rollout stopped:\n%s", log)
	}
}
