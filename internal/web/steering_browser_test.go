package web

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserSteeringPagesScreenshots opens what a steering committee reads
// of the demo project — the dashboard (health with both parts, the one heat
// map), the plan against its baseline and the readable activity — at desktop
// and phone width in both languages, checks that each shows its substance,
// and saves a screenshot of each (to ROLLOUT_SCREENSHOTS, to be looked at).
func TestBrowserSteeringPagesScreenshots(t *testing.T) {
	u := demoManagerUI(t)
	dir := screenshotDir(t)
	pages := []struct{ name, path, shows string }{
		{"dashboard", "/projects/DEMO/dashboard", `document.querySelectorAll("figure.heat-inherent td a, figure.heat-inherent a").length`},
		{"plan", "/projects/DEMO/plan", `document.querySelectorAll("svg.plan-chart").length`},
		{"activity", "/projects/DEMO/activity", `document.querySelectorAll(".history-change, .history-line").length`},
	}
	for _, lang := range []string{"en", "zh-CN"} {
		u.open("/projects/DEMO/dashboard")
		u.do(chooseLanguage(lang))
		for _, width := range []int64{1366, 390} {
			u.do(chromedp.EmulateViewport(width, 900))
			for _, p := range pages {
				u.open(p.path)
				name := fmt.Sprintf("steering-%s-%s-%d", p.name, lang, width)
				n, err := chromedp.Run(u.ctx, chromedp.Evaluate[int](p.shows))
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if n == 0 {
					t.Errorf("%s: the page shows none of what it is for (%s)", name, p.shows)
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
