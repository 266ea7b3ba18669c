package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"rollout/internal/date"
	"rollout/internal/demo"
	"rollout/internal/i18n"
)

// pageText is what a reader of a page sees: its text, the text of inline
// elements run together as they are drawn, one piece per block; and the
// titles, labels and placeholders; scripts, styles and chart specs left out.
func pageText(t *testing.T, body string) []string {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(body))
	var out []string
	var run strings.Builder
	skip := 0
	flush := func() {
		if s := strings.TrimSpace(run.String()); s != "" {
			out = append(out, s)
		}
		run.Reset()
	}
	block := map[string]bool{"p": true, "div": true, "li": true, "td": true, "th": true, "tr": true, "h1": true, "h2": true,
		"h3": true, "section": true, "option": true, "label": true, "dt": true, "dd": true, "br": true, "caption": true,
		"summary": true, "button": true, "legend": true, "figcaption": true, "nav": true, "header": true, "footer": true}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			flush()
			return out
		case html.TextToken:
			if skip == 0 {
				run.WriteString(html.UnescapeString(string(z.Text())))
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, attr := z.TagName()
			tag := string(name)
			if tag == "script" || tag == "style" || tag == "template" {
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken {
					skip--
				}
			}
			if block[tag] {
				flush()
			}
			for attr && tt != html.EndTagToken {
				var k, v []byte
				k, v, attr = z.TagAttr()
				switch string(k) {
				case "title", "aria-label", "placeholder", "alt":
					out = append(out, string(v))
				}
			}
		}
	}
}

// Every page of the Chinese demo, read in Chinese, reads as Chinese: what
// the page shows follows the glossary (full-width punctuation next to
// Chinese, one term per concept), whether the words come from the message
// files, the pitfall catalogue, the demo's data or Go code that puts them
// together (histories, lists of names, figures with their brackets).
func TestChinesePagesFollowTheGlossary(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	if _, err := demo.LoadIn(context.Background(), db, date.Today(), i18n.Chinese); err != nil {
		t.Fatal(err)
	}
	g, err := i18n.LoadGlossary()
	if err != nil {
		t.Fatal(err)
	}
	pm := signIn(t, app, "pm@demo.example", demo.Password)
	expectStatus(t, pm.post("/lang", url.Values{"lang": {i18n.Chinese}, "back": {"/"}}), http.StatusSeeOther)

	pages := []string{"/", "/portfolio", "/projects", "/account", "/projects/DEMO", "/projects/DEMO/dashboard",
		"/projects/DEMO/requirements", "/projects/DEMO/goals", "/projects/DEMO/risks", "/projects/DEMO/plan",
		"/projects/DEMO/changes", "/projects/DEMO/health", "/projects/DEMO/pitfalls", "/projects/DEMO/budget",
		"/projects/DEMO/activity", "/projects/DEMO/members", "/projects/DEMO/phases"}
	// This week's report, its page and its print found on the list.
	expectStatus(t, pm.post("/projects/DEMO/reports", nil), http.StatusSeeOther)
	pages = append(pages, "/projects/DEMO/reports")
	// Two of each kind of detail page, found on the pages above.
	detail := regexp.MustCompile(`href="(/projects/DEMO/(?:requirements|goals|risks|milestones|reviews|changes|reports)/\d+(?:/print)?)"`)
	seen := map[string]bool{}
	perKind := map[string]int{}
	for _, p := range pages {
		seen[p] = true
	}
	for _, p := range append([]string{}, pages...) {
		r := pm.get(p)
		expectStatus(t, r, http.StatusOK)
		for _, m := range detail.FindAllStringSubmatch(r.body, -1) {
			kind := strings.Split(m[1], "/")[3]
			if !seen[m[1]] && perKind[kind] < 2 {
				seen[m[1]] = true
				perKind[kind]++
				pages = append(pages, m[1])
			}
		}
	}
	if len(perKind) < 7 {
		t.Fatalf("detail pages found: %v", perKind)
	}
	problems := map[string][]string{}
	for _, p := range pages {
		r := pm.get(p)
		expectStatus(t, r, http.StatusOK)
		for _, s := range pageText(t, r.body) {
			for _, pr := range g.Check("", s) {
				problems[pr] = append(problems[pr], p)
			}
			// Goal units are the common ones, written in Chinese (天, 小时).
			if regexp.MustCompile(`\d (days?|h|hours?)\b`).MatchString(s) {
				problems["an English unit: "+s] = append(problems["an English unit: "+s], p)
			}
			if spaceAfterStop.MatchString(s) {
				problems["a space after 。: "+s] = append(problems["a space after 。: "+s], p)
			}
		}
	}
	var keys []string
	for k := range problems {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ps := problems[k]
		if len(ps) > 3 {
			ps = append(ps[:3], "…")
		}
		t.Errorf("%s (on %s)", k, strings.Join(ps, ", "))
	}
}

// spaceAfterStop finds a space between a full stop (or another full-width
// sentence mark) and the next sentence: Chinese runs sentences together.
var spaceAfterStop = regexp.MustCompile(`[。！？；] +\S`)
