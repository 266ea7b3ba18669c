package web

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestBrowserWeeklyReportScreenshots has the demo's project manager build
// this week's report from the empty list, then opens the report and its
// print view at desktop (1366 px) and phone (390 px) width in English and
// Chinese, checks that each section is there and that nothing runs wider
// than the screen, and saves a screenshot of each and an A4 PDF of the
// print view (with a PNG of its pages when pdftoppm is installed) to
// ROLLOUT_SCREENSHOTS, to be looked at.
func TestBrowserWeeklyReportScreenshots(t *testing.T) {
	u := demoManagerUI(t)
	dir := screenshotDir(t)
	save := func(name string, data []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	u.open("/projects/DEMO/reports")
	u.do(chromedp.EmulateViewport(1366, 900))
	save("weekly-list-empty-en-1366.png", must1(t, chromedp.FullScreenshot(100), u.ctx))
	u.do(submit(`form[action="/projects/DEMO/reports"]`, "#w-slip"))
	report := must1(t, chromedp.Evaluate[string](`location.pathname`), u.ctx)
	u.do(fill("#summary", "The readiness review is held.\n\nThe second mock migration is forecast two weeks late: the extract scripts need a dry run first."),
		submit(`form[action$="/summary"]`, "#w-summary"))

	for _, lang := range []string{"en", "zh-CN"} {
		u.open(report)
		u.do(chooseLanguage(lang))
		for _, width := range []int64{1366, 390} {
			u.do(chromedp.EmulateViewport(width, 900))
			for _, p := range []struct{ name, path string }{{"report", report}, {"print", report + "/print"}, {"list", "/projects/DEMO/reports"}} {
				u.open(p.path)
				name := fmt.Sprintf("weekly-%s-%s-%d", p.name, lang, width)
				if p.name != "list" {
					if n := u.count(".weekly-section"); n < 6 {
						t.Errorf("%s: %d sections", name, n)
					}
				}
				// Nothing but a table's own scroller runs past the screen.
				wide := must1(t, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`), u.ctx)
				if wide > 0 {
					t.Errorf("%s: the page is %d px wider than the screen", name, wide)
				}
				save(name+".png", must1(t, chromedp.FullScreenshot(100), u.ctx))
				if p.name == "print" && width == 1366 {
					pdf := must1(t, printA4(), u.ctx)
					save(name+".pdf", pdf)
					if _, err := exec.LookPath("pdftoppm"); err == nil && os.Getenv("ROLLOUT_SCREENSHOTS") != "" {
						out := filepath.Join(dir, name+"-page")
						if b, err := exec.Command("pdftoppm", "-png", "-r", "60", filepath.Join(dir, name+".pdf"), out).CombinedOutput(); err != nil {
							t.Logf("pdftoppm: %v %s", err, b)
						}
					}
				}
			}
		}
	}
}

// printA4 prints the page as the browser's print dialog would, on the page
// size the print stylesheet asks for (A4).
func printA4() chromedp.Action[[]byte] {
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		yes := true
		r, err := cdp.Call(ctx, t, cdppage.PrintToPDF, cdppage.PrintToPDFParams{PreferCSSPageSize: &yes})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	}
}

// must1 runs an action in the browser and returns its value; an error fails the test.
func must1[T any](t *testing.T, a chromedp.Action[T], ctx context.Context) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
