package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rollout/internal/browsertest"
	"rollout/internal/date"
	"rollout/internal/demo"
)

// layoutCheck runs in the page and lists what a reader would find broken:
// the page scrolling sideways; a table wider than its box where the table
// does not scroll on purpose (a .table-wrap scrolls on purpose only on a
// phone, and then its first column stays in view); a table cell whose
// content overflows the cell; a chart whose category labels are not all
// drawn (ECharts draws one text element per shown label: each category must
// have one, whole or shortened with "…"); the current project tab scrolled
// out of view.
const layoutCheck = `(() => {
  const out = [];
  const de = document.documentElement, phone = window.innerWidth <= 720;
  const name = (el) => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).trim().split(/\s+/).join(".") : "") +
    ' "' + (el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 40) + '"';
  if (de.scrollWidth > window.innerWidth) {
    // Name the outermost element that sticks out (outside any scrolling box).
    const scrolls = (el) => { for (let p = el.parentElement; p; p = p.parentElement) { const o = getComputedStyle(p).overflowX; if (o === "auto" || o === "scroll" || o === "hidden") return true; } return false; };
    const out1 = [...document.body.querySelectorAll("*")].find(el => el.getBoundingClientRect().right > window.innerWidth + 1 && !scrolls(el));
    out.push("the page scrolls sideways: " + de.scrollWidth + " px in " + window.innerWidth + (out1 ? ", past the edge: " + name(out1) : ""));
  }
  for (const w of document.querySelectorAll(".table-wrap")) {
    if (w.getBoundingClientRect().width === 0 || !w.checkVisibility()) continue;
    if (w.scrollWidth <= w.clientWidth + 1) continue;
    if (!phone) { out.push("a table is " + (w.scrollWidth - w.clientWidth) + " px wider than its box: " + name(w.querySelector("thead tr") || w)); continue; }
    const first = w.querySelector("tbody tr > :first-child");
    if (first && getComputedStyle(first).position !== "sticky") out.push("a table scrolls without its first column held: " + name(w.querySelector("thead tr") || w));
  }
  for (const c of document.querySelectorAll("td, th")) {
    if (c.getBoundingClientRect().width === 0 || !c.checkVisibility()) continue;
    if (c.scrollWidth > c.clientWidth + 1) out.push("cell content overflows by " + (c.scrollWidth - c.clientWidth) + " px: " + name(c));
  }
  for (const row of document.querySelectorAll(".tabs")) {
    const cur = row.querySelector('[aria-current="page"]');
    if (!cur) continue;
    const r = cur.getBoundingClientRect(), b = row.getBoundingClientRect();
    if (r.left < b.left - 1 || r.right > b.right + 1) out.push("the current tab is out of view: " + name(cur));
  }
  for (const el of document.querySelectorAll("[data-chart]")) {
    let spec; try { spec = JSON.parse(el.dataset.chart); } catch (e) { continue; }
    if (spec.type !== "bar" && spec.type !== "line") continue;
    const labels = spec.labels || [];
    if (labels.length === 0 || labels.length > 14) continue;
    if (el.dataset.drawn !== "1") { out.push("chart not drawn: " + spec.title); continue; }
    // A wrapped label is drawn as one text element per line.
    const texts = [...el.querySelectorAll("svg text")].map(t => t.textContent.replace(/\s+/g, "")), all = texts.join("");
    const shown = (l) => { l = l.replace(/\s+/g, ""); return all.includes(l) || texts.some(t => t.endsWith("…") && t.length > 1 && l.startsWith(t.slice(0, -1))); };
    const hidden = labels.filter(l => !shown(l));
    if (hidden.length) out.push("chart " + JSON.stringify(spec.title) + " hides " + hidden.length + " of " + labels.length + " labels: " + hidden.slice(0, 3).join(", "));
  }
  return out;
})()`

// TestBrowserDemoPagesFit signs in as the demo's project manager and visits
// every page of the demo project at 1366 and 390 px in English and Chinese,
// each language with the demo written in it (`rollout demo --lang`): each
// page must fit its screen (layoutCheck), and its screenshot is saved
// into ROLLOUT_SCREENSHOTS (or a temporary folder) to be looked at, with
// the first screen of the dashboard, the backlog and the plan in English
// (readme-*.png) that the README shows from docs/.
func TestBrowserDemoPagesFit(t *testing.T) {
	ctx := browsertest.New(t, 10*time.Minute)
	dir := screenshotDir(t)
	for _, lang := range []string{"en", "zh-CN"} {
		app, db := testApp(t)
		if _, err := demo.LoadIn(context.Background(), db, date.Today(), lang); err != nil {
			t.Fatal(err)
		}
		demoPagesFit(t, ctx, serve(t, app), lang, dir)
	}
}

// demoPagesFit checks and saves every page of the demo served at base in lang.
func demoPagesFit(t *testing.T, ctx context.Context, base, lang, dir string) {
	u := &ui{t: t, ctx: ctx, base: base}
	u.do = func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	u.do(chromedp.EmulateViewport(1366, 900))
	u.open("/signin")
	u.do(fill("#email", "pm@demo.example", "#password", demo.Password), submit(`form[action="/signin"]`, ".user-menu summary"))

	// The detail pages: the first link of each kind on the list pages.
	pages := [][2]string{
		{"overview", "/projects/DEMO"}, {"dashboard", "/projects/DEMO/dashboard"},
		{"backlog", "/projects/DEMO/requirements"}, {"requirement", ""},
		{"goals", "/projects/DEMO/goals"}, {"goal", ""},
		{"risks", "/projects/DEMO/risks"}, {"risk", ""},
		{"plan", "/projects/DEMO/plan"}, {"milestone", ""}, {"review", ""},
		{"changes", "/projects/DEMO/changes"}, {"change", ""},
		{"health", "/projects/DEMO/health"}, {"pitfalls", "/projects/DEMO/pitfalls"},
		{"budget", "/projects/DEMO/budget"}, {"activity", "/projects/DEMO/activity"},
		{"members", "/projects/DEMO/members"}, {"phases", "/projects/DEMO/phases"},
		{"mywork", "/"}, {"portfolio", "/portfolio"},
	}
	detail := map[string]*regexp.Regexp{
		"requirement": regexp.MustCompile(`^/projects/DEMO/requirements/\d+$`),
		"goal":        regexp.MustCompile(`^/projects/DEMO/goals/\d+$`),
		"risk":        regexp.MustCompile(`^/projects/DEMO/risks/\d+$`),
		"milestone":   regexp.MustCompile(`^/projects/DEMO/milestones/\d+$`),
		"review":      regexp.MustCompile(`^/projects/DEMO/reviews/\d+$`),
		"change":      regexp.MustCompile(`^/projects/DEMO/changes/\d+$`),
	}
	links := func() []string {
		hrefs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("main a[href]")].map(a => a.getAttribute("href"))`))
		if err != nil {
			t.Fatal(err)
		}
		return hrefs
	}
	find := func(kind string, from ...string) string {
		for _, p := range from {
			u.open(p)
			for _, h := range links() {
				if detail[kind].MatchString(h) {
					return h
				}
			}
		}
		t.Fatalf("no link to a %s on %v", kind, from)
		return ""
	}
	for i, p := range pages {
		switch p[0] {
		case "requirement":
			pages[i][1] = find(p[0], "/projects/DEMO/requirements")
		case "goal":
			pages[i][1] = find(p[0], "/projects/DEMO/goals")
		case "risk":
			pages[i][1] = find(p[0], "/projects/DEMO/risks")
		case "milestone":
			pages[i][1] = find(p[0], "/projects/DEMO/plan")
		case "change":
			pages[i][1] = find(p[0], "/projects/DEMO/changes")
		}
	}
	for i, p := range pages {
		if p[0] == "review" {
			pages[i][1] = find("review", "/projects/DEMO/plan", pages[9][1], "/projects/DEMO")
		}
	}

	drawn := `[...document.querySelectorAll("[data-chart]")].every(e => e.dataset.drawn === "1" || !JSON.parse(e.dataset.chart).type)`
	u.open("/")
	if s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); s != lang {
		u.do(chooseLanguage(lang))
	}
	for _, width := range []int64{1366, 390} {
		u.do(chromedp.EmulateViewport(width, 900))
		for _, p := range pages {
			name := fmt.Sprintf("%s-%s-%d", p[0], lang, width)
			u.open(p[1])
			for i := 0; i < 50; i++ {
				if ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](drawn)); ok {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](layoutCheck))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(problems) > 0 {
				if len(problems) > 6 {
					problems = append(problems[:6], fmt.Sprintf("… and %d more", len(problems)-6))
				}
				t.Errorf("%s (%s):\n  %s", name, p[1], strings.Join(problems, "\n  "))
			}
			// The README's screenshots: the first screen of three pages, in English.
			if lang == "en" && width == 1366 && (p[0] == "dashboard" || p[0] == "backlog" || p[0] == "plan") {
				png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatalf("screenshot %s: %v", name, err)
				}
				if err := os.WriteFile(filepath.Join(dir, "readme-"+p[0]+".png"), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot %s: %v", name, err)
			}
			if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
