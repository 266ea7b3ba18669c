package web

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// shot saves a full-page screenshot of the current page at a width, into
// ROLLOUT_SCREENSHOTS (a folder) or the test's temporary folder.
func (u *ui) shot(name string, width int64) {
	u.t.Helper()
	dir := os.Getenv("ROLLOUT_SCREENSHOTS")
	if dir == "" {
		dir = u.t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		u.t.Fatal(err)
	}
	u.do(chromedp.EmulateViewport(width, 900))
	png, err := chromedp.Run(u.ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		u.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		u.t.Fatal(err)
	}
	u.do(chromedp.EmulateViewport(1280, 900))
}

func (u *ui) signIn(email string) {
	u.t.Helper()
	u.open("/signin")
	u.do(fill("#email", email, "#password", testPassword), submit(`form[action="/signin"]`, ".user-menu summary"))
}

func (u *ui) signOut() {
	u.t.Helper()
	u.do(chromedp.Click(chromedp.CSS(".user-menu summary")), submit(`form[action="/signout"]`, `form[action="/signin"]`))
}

// TestBrowserMentionVoteApply: the business owner drafts and submits a change
// request and mentions the sponsor in a comment, picking the name from the
// @-completion; the sponsor signs in to My work, sees the vote and the
// mention, opens the request and approves it; the project manager's My work
// then offers to apply it. Screenshots of My work at 1366 and 390 px, in
// English and Chinese.
func TestBrowserMentionVoteApply(t *testing.T) {
	app, db := testApp(t)
	base := serve(t, app)
	u := newUI(t, base)
	// The team, set up through the API as an administrator would.
	admin := signUpAdmin(t, app)
	expectStatus(t, admin.post("/projects", url.Values{"key": {"CRM"}, "name": {"Customer 360 rollout"}, "template": {"crm"}}), http.StatusSeeOther)
	for email, who := range map[string][2]string{"li.na@example.com": {"Li Na", "business_owner"},
		"chen.jing@example.com": {"Chen Jing", "steering"}, "zhao.yun@example.com": {"Zhao Yun", "steering"}} {
		createUser(t, db, email, who[0], false)
		expectStatus(t, admin.post("/projects/CRM/members", url.Values{"email": {email}, "role": {who[1]}, "department": {"sales"}}), http.StatusSeeOther)
	}
	expectStatus(t, admin.api(http.MethodPost, "/api/v1/projects/CRM/requirements", map[string]any{"title": "Partner portal",
		"tier": "must", "kind": "feature", "approach": "customization"}), http.StatusCreated)

	// Li Na drafts the request, adds its operation and submits it.
	u.signIn("li.na@example.com")
	u.open("/projects/CRM/changes/new")
	u.do(fill("#title", "Partner portal waits for phase 2", "#reason", "Phase 1 is too full"),
		submit("form.change-form", "#submit-form"))
	u.do(chromedp.Click(chromedp.CSS(`details:has(#op-tier) > summary`)), chromedp.WaitVisible(chromedp.CSS("#tier-tier")),
		chromedp.SetValue(chromedp.CSS("#tier-tier"), "optional"), submit("#op-tier", "#submit-form"))
	u.do(submit("#submit-form", ".flash-success"))
	// She mentions the sponsor, picking the name from the completion list.
	u.do(chromedp.SendKeys(chromedp.CSS("#comment-body"), "Please decide this week @Che"),
		chromedp.WaitVisible(chromedp.CSS(".mention-list li")))
	if got := u.text(".mention-list li"); got != "Chen Jing" {
		t.Fatalf("completion offers %q", got)
	}
	u.do(chromedp.Click(chromedp.CSS(".mention-list li")), chromedp.SendKeys(chromedp.CSS("#comment-body"), "thanks"))
	value, err := chromedp.Run(u.ctx, chromedp.Value(chromedp.CSS("#comment-body")))
	if err != nil || value != "Please decide this week @Chen Jing thanks" {
		t.Fatalf("comment box holds %q (%v)", value, err)
	}
	u.do(submit("form.comment-form", ".comment .mention"))
	u.do(chromedp.ScrollIntoView(chromedp.CSS("#comments")))
	u.shot("comments-en-390", 390)
	u.signOut()

	// The sponsor lands on My work: the vote and the mention wait there.
	u.signIn("chen.jing@example.com")
	if body := u.text("main"); !strings.Contains(body, "Change requests waiting for your vote") ||
		!strings.Contains(body, "Partner portal waits for phase 2") || !strings.Contains(body, "Li Na mentioned you") {
		t.Fatalf("the sponsor's My work:\n%s", body)
	}
	if n := u.text(".nav [data-work-count]"); n != "2" {
		t.Fatalf("top bar count %q", n)
	}
	u.shot("mywork-en-1366", 1366)
	u.shot("mywork-en-390", 390)
	u.do(chooseLanguage("zh-CN"))
	u.shot("mywork-zh-1366", 1366)
	u.shot("mywork-zh-390", 390)
	u.do(chooseLanguage("en"))

	// She opens the request from My work and approves it.
	u.do(chromedp.Click(chromedp.CSS("#work-vote a.work-title")), chromedp.WaitVisible(chromedp.CSS("#vote-form")))
	u.do(chromedp.Click(chromedp.CSS(`#vote-form button[value="true"]`)), chromedp.WaitVisible(chromedp.CSS(".flash-success")))
	u.open("/")
	if body := u.text("main"); strings.Contains(body, "waiting for your vote") {
		t.Fatalf("the vote is still on My work:\n%s", body)
	}
	u.signOut()

	// The project manager's My work now offers to apply it.
	u.signIn("admin@example.com")
	if body := u.text("#work-apply"); !strings.Contains(body, "Partner portal waits for phase 2") {
		t.Fatalf("the project manager's My work:\n%s", body)
	}
	u.shot("mywork-pm-en-1366", 1366)
}
