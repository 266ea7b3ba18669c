package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rollout/internal/browsertest"
	"rollout/internal/date"
	"rollout/internal/demo"
)

// ui drives one browser tab through the app.
type ui struct {
	t    *testing.T
	ctx  context.Context
	do   func(steps ...chromedp.Action[chromedp.Void])
	base string
}

// demoManagerUI serves the demo project and signs its project manager in
// to a browser.
func demoManagerUI(t *testing.T) *ui {
	t.Helper()
	app, db := testApp(t)
	if _, err := demo.Load(context.Background(), db, date.Of(time.Now())); err != nil {
		t.Fatal(err)
	}
	u := newUI(t, serve(t, app))
	u.open("/signin")
	u.do(fill("#email", "pm@demo.example", "#password", demo.Password), submit(`form[action="/signin"]`, ".user-menu summary"))
	return u
}

func newUI(t *testing.T, base string) *ui {
	ctx := browsertest.New(t, 90*time.Second)
	u := &ui{t: t, ctx: ctx, base: base}
	u.do = func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			var body string
			body, _ = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			t.Fatalf("%v\npage text:\n%.1500s", err, body)
		}
	}
	return u
}

func (u *ui) open(path string) {
	u.t.Helper()
	u.do(chromedp.Navigate(u.base+path), chromedp.WaitVisible(chromedp.CSS("main")))
}

// fill types values into a form's fields, by CSS selector.
func fill(kv ...string) chromedp.Action[chromedp.Void] {
	var steps []chromedp.Action[chromedp.Void]
	for i := 0; i+1 < len(kv); i += 2 {
		steps = append(steps, chromedp.SetValue(chromedp.CSS(kv[i]), kv[i+1]))
	}
	return chromedp.Steps(steps...)
}

// submit clicks a form's submit button and waits for an element of the next
// page. The old page's body is marked first, so an element it already shows
// (a flash, say) cannot pass for the new page's.
func submit(form, waitFor string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Evaluate[chromedp.Void](`document.body.dataset.stale = "1"`),
		chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`body:not([data-stale]) `+waitFor)),
	)
}

func (u *ui) text(sel string) string {
	u.t.Helper()
	s, err := chromedp.Run(u.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		u.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (u *ui) count(sel string) int {
	u.t.Helper()
	n, err := chromedp.Run(u.ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+"`"+sel+"`"+`).length`))
	if err != nil {
		u.t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// TestBrowserFirstAdminToReadOnlyViewer: setup → sign in → a project from the CRM
// template → a second account added as viewer → that viewer sees the project
// and can change nothing.
func TestBrowserFirstAdminToReadOnlyViewer(t *testing.T) {
	app, _ := testApp(t)
	u := newUI(t, serve(t, app))

	u.open("/")
	u.do(fill("#name", "Ada Admin", "#email", "admin@example.com", "#password", testPassword),
		submit(`form[action="/setup"]`, `form[action="/projects"]`))
	// Sign out and in again, as a person would on another day.
	u.do(chromedp.Click(chromedp.CSS(".user-menu summary")),
		submit(`form[action="/signout"]`, `form[action="/signin"]`))
	u.do(fill("#email", "admin@example.com", "#password", testPassword),
		submit(`form[action="/signin"]`, ".user-menu summary"))

	u.open("/projects/new")
	u.do(fill("#key", "CRM", "#name", "Customer 360 rollout", "#sponsor", "Chen Jing", "#sponsor_department", "sales"),
		submit(`form[action="/projects"]`, "nav.tabs"))
	if h := u.text("main h1"); !strings.Contains(h, "Customer 360 rollout") {
		t.Fatalf("project page heading %q", h)
	}
	if body := u.text("main"); !strings.Contains(body, "Implementation") || !strings.Contains(body, "Operate & improve") {
		t.Fatalf("CRM template phases missing:\n%s", body)
	}

	u.open("/admin/users")
	u.do(fill("#email", "viewer@example.com", "#name", "Vic Viewer", "#password", testPassword),
		submit(`form[action="/admin/users"]`, ".flash"))
	u.open("/projects/CRM/members")
	u.do(fill(`form[action="/projects/CRM/members"] #email`, "viewer@example.com",
		`form[action="/projects/CRM/members"] #role`, "viewer",
		`form[action="/projects/CRM/members"] #department`, "vendor"),
		submit(`form[action="/projects/CRM/members"]`, ".flash-success"))
	if body := u.text("main table"); !strings.Contains(body, "Vic Viewer") {
		t.Fatalf("members:\n%s", body)
	}

	u.do(chromedp.Click(chromedp.CSS(".user-menu summary")),
		submit(`form[action="/signout"]`, `form[action="/signin"]`))
	u.do(fill("#email", "viewer@example.com", "#password", testPassword),
		submit(`form[action="/signin"]`, ".user-menu summary"))
	u.open("/projects")
	if body := u.text("main"); !strings.Contains(body, "Customer 360 rollout") || !strings.Contains(body, "Viewer") {
		t.Fatalf("the viewer's project list:\n%s", body)
	}
	for _, path := range []string{"/projects/CRM", "/projects/CRM/phases", "/projects/CRM/members", "/projects/CRM/activity"} {
		u.open(path)
		// No form that changes anything: the only forms are the header's (language, sign out) and filters.
		if n := u.count(`main form[method="post"]`); n != 0 {
			t.Fatalf("%s offers the viewer %d forms that change things", path, n)
		}
		if n := u.count(`main a[href$="/edit"]`); n != 0 {
			t.Fatalf("%s offers the viewer an edit link", path)
		}
	}
	u.open("/projects/CRM/edit")
	if h := u.text("main h1"); h != "Not allowed" {
		t.Fatalf("the viewer opening the edit page sees %q", h)
	}
}
