package web

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserDashboardChartsDrawn opens the dashboard of a seeded project in
// Chromium and finds every chart drawn by ECharts as SVG.
func TestBrowserDashboardChartsDrawn(t *testing.T) {
	d := newDashProject(t)
	u := newUI(t, serve(t, d.app))
	u.open("/signin")
	u.do(fill("#email", adminEmail, "#password", testPassword), submit(`form[action="/signin"]`, ".user-menu summary"))
	u.open("/projects/CRM/dashboard")
	u.do(chromedp.WaitVisible(chromedp.CSS(`#health [data-drawn="1"]`)))
	if err := chromedp.Do(u.ctx, chromedp.Poll[chromedp.Void](`document.querySelectorAll('[data-chart]').length > 0 &&
		document.querySelectorAll('[data-chart]:not([data-drawn="1"])').length === 0`)); err != nil {
		t.Fatal(err)
	}
	charts := u.count(`[data-chart]`)
	drawn := u.count(`[data-chart][data-drawn="1"]`)
	svgs := u.count(`[data-chart][data-drawn="1"] svg`)
	if charts != 10 || drawn != charts || svgs < charts {
		t.Fatalf("%d charts, %d drawn, %d with an svg", charts, drawn, svgs)
	}
	// Each chart drew something: the bars their rectangles; the heat map is
	// drawn on the server, the register's own.
	for _, sel := range []string{"#risks svg.heatmap rect", "#phases [data-chart] svg path", "#health [data-chart] svg text"} {
		if n := u.count(sel); n == 0 {
			t.Errorf("%s: nothing drawn", sel)
		}
	}
	// The tables open for reading.
	u.do(chromedp.Click(chromedp.CSS(`#risks details.chart-table summary`)), chromedp.WaitVisible(chromedp.CSS(`#risks details.chart-table table`)))
	u.open("/projects/CRM/budget")
	if err := chromedp.Do(u.ctx, chromedp.Poll[chromedp.Void](`document.querySelectorAll('[data-chart]').length === 2 &&
		document.querySelectorAll('[data-chart][data-drawn="1"] svg').length === 2`)); err != nil {
		t.Fatalf("budget charts: %v", err)
	}
}
