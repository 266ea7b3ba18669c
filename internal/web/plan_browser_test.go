package web

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rollout/internal/date"
)

// screenshotDir is where browser tests save their screenshots: the folder
// ROLLOUT_SCREENSHOTS names (kept, to be looked at), else a temporary one.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ROLLOUT_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBrowserPlanTimelineIsReadable loads the plan of a 10-month and of a
// 3-year project at desktop (1366 px) and phone (390 px) width in both
// languages, saves a screenshot of each, and checks in the browser that no
// two axis labels of the timeline overlap, that the drawing fits the screen
// and that its labels are shown at a readable size.
func TestBrowserPlanTimelineIsReadable(t *testing.T) {
	app, db := testApp(t)
	admin := planProject(t, app, db, nil)
	today := date.Of(time.Now())
	expectStatus(t, admin.post("/projects", url.Values{"key": {"LONG"}, "name": {"Three-year rollout"}, "template": {"blank"}}), http.StatusSeeOther)
	add := func(key, name string, planned, forecast, actual int, gate bool) {
		t.Helper()
		v := url.Values{"name": {name}, "planned_on": {today.AddDays(planned).String()}}
		if forecast != 0 {
			v.Set("forecast_on", today.AddDays(forecast).String())
		}
		if actual != 0 {
			v.Set("actual_on", today.AddDays(actual).String())
		}
		if gate {
			v.Set("is_gate", "true")
		}
		expectStatus(t, admin.post("/projects/"+key+"/milestones", v), http.StatusSeeOther)
	}
	// Ten months: four months behind, six ahead.
	add("CRM", "Goals signed off", -120, 0, -118, false)
	add("CRM", "Vendor chosen", -80, 0, -70, false)
	add("CRM", "Solution design approved", -20, 0, 0, true)
	add("CRM", "First mock migration", 20, 34, 0, false)
	add("CRM", "User acceptance", 90, 0, 0, true)
	add("CRM", "Go-live", 150, 0, 0, true)
	add("CRM", "90-day value review", 180, 0, 0, true)
	expectStatus(t, admin.post("/projects/CRM/baselines", url.Values{"label": {"Signed plan"}}), http.StatusSeeOther)
	// Three years, with Chinese names.
	add("LONG", "目标签署", -400, 0, -395, false)
	add("LONG", "确定供应商", -250, 0, -240, false)
	add("LONG", "方案设计通过", -60, -30, 0, true)
	add("LONG", "第一次模拟迁移", 60, 75, 0, false)
	add("LONG", "上线", 400, 0, 0, true)
	add("LONG", "上线 90 天价值复盘", 700, 0, 0, true)

	u := newUI(t, serve(t, app))
	u.open("/signin")
	u.do(fill("#email", adminEmail, "#password", testPassword), submit(`form[action="/signin"]`, ".user-menu summary"))
	dir := screenshotDir(t)
	for _, lang := range []string{"en", "zh-CN"} {
		u.open("/projects/CRM/plan")
		u.do(chooseLanguage(lang))
		for _, width := range []int64{1366, 390} {
			u.do(chromedp.EmulateViewport(width, 900))
			for _, key := range []string{"CRM", "LONG"} {
				u.open("/projects/" + key + "/plan")
				name := fmt.Sprintf("plan-%s-%s-%d", key, lang, width)
				check := func(expr string) int {
					t.Helper()
					n, err := chromedp.Run(u.ctx, chromedp.Evaluate[int](expr))
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					return n
				}
				visible := `[...document.querySelectorAll("svg.plan-chart text.plan-tick")].map(e => e.getBoundingClientRect()).filter(r => r.width > 0)`
				if n := check(visible + `.length`); n < 3 {
					t.Errorf("%s: %d axis labels shown", name, n)
				}
				if n := check(`(() => { const b = ` + visible + `; let n = 0;
					for (let i = 0; i < b.length; i++) for (let j = i + 1; j < b.length; j++)
						if (b[i].left < b[j].right && b[j].left < b[i].right && b[i].top < b[j].bottom && b[j].top < b[i].bottom) n++;
					return n })()`); n != 0 {
					t.Errorf("%s: %d pairs of axis labels overlap", name, n)
				}
				if n := check(`[...document.querySelectorAll("svg.plan-chart")].filter(s => s.getBoundingClientRect().width > 0).length`); n != 1 {
					t.Errorf("%s: %d drawings of the timeline shown, want 1", name, n)
				}
				if n := check(`Math.round([...document.querySelectorAll("svg.plan-chart")].map(s => s.getBoundingClientRect()).filter(r => r.width > 0)[0].right)`); n > int(width) {
					t.Errorf("%s: the timeline ends at %d px, past the screen", name, n)
				}
				if n := check(`Math.round(Math.min(...` + visible + `.map(r => r.height)) * 10)`); n < 100 {
					t.Errorf("%s: axis labels only %.1f px high", name, float64(n)/10)
				}
				png, err := chromedp.Run(u.ctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}
