package frontend

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// findChromium returns the browser to drive, or skips the test; with
// ROLLOUT_E2E=1 (CI) a missing browser fails instead.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("ROLLOUT_E2E") == "1" {
		t.Fatal("no chromium found and ROLLOUT_E2E=1: install the Debian package chromium")
	}
	t.Skip("no chromium found: install the Debian package chromium to run browser tests")
	return ""
}

// A page like the app's: the built app.js from Dist under a CSP that allows
// no inline script or style, with each enhancement to try.
const testPage = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>app.js</title><link rel="stylesheet" href="%s"><script src="%s" defer></script></head><body>
<div class="flash flash-success"><p>Saved.</p><button type="button" id="dismiss" class="flash-close" data-dismiss aria-label="Close">×</button></div>
<form method="post" action="/done" data-confirm="Delete it?"><input type="hidden" name="what" value="delete"><button id="delete" class="btn btn-danger">Delete</button></form>
<form method="post" action="/done"><select name="lang" id="lang" data-autosubmit><option value="en">English</option><option value="zh">简体中文</option></select>
<button id="go" class="btn js-hide">Go</button></form>
<div class="progress" data-value="42"><span id="bar" class="p-40"></span></div>
</body></html>`

func TestAppJSInBrowser(t *testing.T) {
	browser := findChromium(t)

	var mu sync.Mutex
	var posts []string // "name=value" of each form post, in order
	mux := http.NewServeMux()
	mux.Handle("/static/", http.StripPrefix("/static/", http.FileServerFS(Files())))
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, testPage, Asset("app.css"), Asset("app.js"))
	})
	mux.HandleFunc("POST /done", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		posts = append(posts, r.PostForm.Encode())
		mu.Unlock()
		fmt.Fprint(w, `<!doctype html><p id="done">done</p>`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	postsSoFar := func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(posts, " ")
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelBrowser := chromedp.NewContext(ctx)
	t.Cleanup(cancelBrowser)

	// Answer confirm() dialogs as told by accept, remembering the question.
	// The page waits for the answer, and so does the click that opened the
	// dialog, so another goroutine answers.
	var accept atomic.Bool
	var asked atomic.Value
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			asked.Store(ev.Message)
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog,
				page.HandleJavaScriptDialogParams{Accept: accept.Load()})
		}
	}()

	eval := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitReady(chromedp.ID("bar")),
	); err != nil {
		t.Fatal(err)
	}
	if got := eval(`document.documentElement.className`); got != "js" {
		t.Errorf("<html> class = %q, want js", got)
	}
	if got := eval(`getComputedStyle(document.getElementById("go")).display`); got != "none" {
		t.Errorf("the language form's Go button shows (display %q); .js .js-hide should hide it", got)
	}
	if got := eval(`document.getElementById("bar").style.width`); got != "42%" {
		t.Errorf("progress bar width = %q, want 42%% from data-value", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("dismiss"))); err != nil {
		t.Fatal(err)
	}
	if got := eval(`String(document.querySelectorAll(".flash").length)`); got != "0" {
		t.Errorf("%s flash(es) left after clicking data-dismiss, want 0", got)
	}

	// Declining the confirmation sends nothing.
	accept.Store(false)
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("delete")),
		chromedp.Sleep(300*time.Millisecond),
	); err != nil {
		t.Fatal(err)
	}
	if got, _ := asked.Load().(string); got != "Delete it?" {
		t.Errorf("confirm asked %q, want the form's data-confirm %q", got, "Delete it?")
	}
	if got := postsSoFar(); got != "" {
		t.Fatalf("declined confirmation still posted: %s", got)
	}

	// Accepting it submits the form.
	accept.Store(true)
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("delete")),
		chromedp.WaitVisible(chromedp.ID("done")),
	); err != nil {
		t.Fatal(err)
	}
	if got := postsSoFar(); got != "what=delete" {
		t.Fatalf("posts after accepting = %q, want what=delete", got)
	}

	// Choosing a language submits its form without a click on Go.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitReady(chromedp.ID("lang")),
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("lang"); s.value = "zh";
			s.dispatchEvent(new Event("change", {bubbles: true})); })()`),
		chromedp.WaitVisible(chromedp.ID("done")),
	); err != nil {
		t.Fatal(err)
	}
	if got := postsSoFar(); got != "what=delete lang=zh" {
		t.Fatalf("posts after choosing a language = %q, want what=delete lang=zh", got)
	}
}
