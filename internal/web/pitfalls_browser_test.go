package web

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserFixingAFindingRaisesTheScore: the health page says the first
// delivery phase holds 4 integrations; the project manager moves two of them
// to a later phase through the requirement form; the finding is gone and the
// score is higher.
func TestBrowserFixingAFindingRaisesTheScore(t *testing.T) {
	ht := newHealthTeam(t)
	u := newUI(t, serve(t, ht.app))
	u.open("/signin")
	u.do(fill("#email", adminEmail, "#password", testPassword), submit(`form[action="/signin"]`, ".user-menu summary"))

	score := func() int {
		t.Helper()
		s, err := chromedp.Run(u.ctx, chromedp.Evaluate[string](`document.querySelector("#health-score .score-value").textContent`))
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			t.Fatalf("score %q", s)
		}
		return n
	}
	const finding = "Implementation holds 4 integrations; keep phase one to 2 or fewer."
	u.open("/projects/CRM/health")
	before := score()
	if !strings.Contains(u.text("#findings"), finding) {
		t.Fatalf("findings:\n%s", u.text("#findings"))
	}
	// Follow the finding's link to the items behind it, then move two of them on.
	rollout := itoa64(ht.phases[3].ID)
	for _, n := range ht.integrations[:2] {
		u.open(fmt.Sprintf("/projects/CRM/requirements/%d/edit", n))
		u.do(fill("#phase_id", rollout), submit(fmt.Sprintf(`form[action="/projects/CRM/requirements/%d/edit"]`, n), ".flash-success"))
	}
	u.open("/projects/CRM/health")
	after := score()
	text := u.text("#findings")
	if strings.Contains(text, "integrations") {
		t.Fatalf("the finding is still there:\n%s", text)
	}
	if after != before+6 {
		t.Fatalf("score %d → %d, want +6", before, after)
	}
	if n := u.count("#trend tbody tr"); n != 1 {
		t.Fatalf("%d days in the trend table", n)
	}
}
