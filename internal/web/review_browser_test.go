package web

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rollout/internal/date"
)

// TestBrowserGateReviewToPDF: the project manager schedules a gate review, a
// steering member records go with conditions, and the review page printed to
// A4 PDF carries the decision.
func TestBrowserGateReviewToPDF(t *testing.T) {
	app, db := testApp(t)
	admin := planProject(t, app, db, map[string]string{"sc@example.com": "steering"})
	today := date.Of(time.Now())
	gate := newMilestone(t, admin, "name", "Solution design approved", "planned_on", today.AddDays(5).String(), "is_gate", "true",
		"deliverables", "Process map")
	pdftotext := lookPDFToText(t)

	u := newUI(t, serve(t, app))
	signInUI := func(email string) {
		u.open("/signin")
		u.do(fill("#email", email, "#password", testPassword), submit(`form[action="/signin"]`, ".user-menu summary"))
	}
	signInUI(adminEmail)
	u.open(gate)
	u.do(fill("#scheduled_on", today.AddDays(5).String()), submit(`form[action$="/reviews"]`, ".pack"))
	if h := u.text("main .page-header h2"); !strings.Contains(h, "Solution design approved") || !strings.Contains(h, "Pending") {
		t.Fatalf("review heading %q", h)
	}
	var reviewURL string
	reviewURL, err := chromedp.Run(u.ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		t.Fatal(err)
	}
	u.do(chromedp.Click(chromedp.CSS(".user-menu summary")), submit(`form[action="/signout"]`, `form[action="/signin"]`))

	signInUI("sc@example.com")
	u.open(reviewURL)
	// The invited member is ticked as attendee by default.
	if n := u.count(`input[name="attendees"]:checked`); n != 1 {
		t.Fatalf("%d attendees ticked", n)
	}
	u.do(fill("#decision-select", "go_with_conditions", "#decision-notes", "Design approved; data ownership to follow.",
		"#condition_text_0", "Name a data owner for each sales region", "#condition_owner_0", itoa64(userID(t, db, "sc@example.com")),
		"#condition_due_0", today.AddDays(14).String()),
		submit(`form.decision-form`, ".flash-success"))
	if v := u.text(".decision-verdict"); v != "Go with conditions" {
		t.Fatalf("decision shown %q", v)
	}
	// The condition is an action item its owner may mark done (on screen only).
	if n := u.count(".actions-table tbody tr button"); n != 1 {
		t.Fatalf("%d action items with a button", n)
	}

	pdf, err := chromedp.Run(u.ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(pdf), "%PDF") {
		t.Fatalf("not a PDF: %.20q", pdf)
	}
	file := filepath.Join(t.TempDir(), "review.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-layout", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := regexp.MustCompile(`\s+`).ReplaceAllString(string(out), " ")
	for _, want := range []string{"Gate review: Solution design approved", "Go with conditions", "Name a data owner for each sales region",
		"Design approved; data ownership to follow.", "Process map"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, text)
		}
	}
	// Forms and navigation stay off paper.
	for _, unwanted := range []string{"Mark done", "Sign out", "Print"} {
		if strings.Contains(text, unwanted) {
			t.Errorf("the PDF shows %q:\n%s", unwanted, text)
		}
	}
}

// lookPDFToText finds poppler's pdftotext: skipped without it, a failure
// under ROLLOUT_E2E=1 (CI installs poppler-utils).
func lookPDFToText(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("pdftotext")
	if err == nil {
		return path
	}
	if os.Getenv("ROLLOUT_E2E") == "1" {
		t.Fatal("no pdftotext found and ROLLOUT_E2E=1: install the Debian package poppler-utils")
	}
	t.Skip("no pdftotext found: install the Debian package poppler-utils to check printed packs")
	return ""
}
