package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"rollout/internal/requirement"
)

// backlogRowBytes fetches the backlog page of key and returns the rows it
// shows and the HTML bytes per row (the rows' own markup, <tr> to </tr>).
func (bb *bigBacklog) backlogRowBytes(key string) (rows, perRow int) {
	req := httptest.NewRequest(http.MethodGet, "/projects/"+key+"/requirements", nil)
	req.AddCookie(&http.Cookie{Name: "rollout_session", Value: bb.session})
	res, err := bb.app.Test(req, -1)
	if err != nil {
		bb.tb.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	all := regexp.MustCompile(`(?s)<tr id="req-\d+".*?</tr>`).FindAllString(string(body), -1)
	total := 0
	for _, r := range all {
		total += len(r)
	}
	if len(all) > 1 {
		bb.sample = all[1]
	}
	if len(all) == 0 {
		bb.tb.Fatalf("no rows: %d\n%s", res.StatusCode, body)
	}
	return len(all), total / len(all)
}

// TestBacklogRowsAreLean: a page of the backlog shows at most 50 rows, and
// each row's markup stays small (one page-wide form for the rank buttons).
func TestBacklogRowsAreLean(t *testing.T) {
	t.Parallel()
	bb := newBigBacklog(t)
	bb.seed("BIG", 300)
	rows, perRow := bb.backlogRowBytes("BIG")
	t.Logf("%d rows, %d bytes a row", rows, perRow)
	if rows > backlogPageSize || backlogPageSize > 50 {
		t.Errorf("%d rows on one page, want at most 50", rows)
	}
	// Before the rows shed their four-button forms they took 1,779 bytes
	// each on this page; at most half of that now.
	if perRow > 1779/2 {
		t.Errorf("%d bytes a row, want at most %d; a row:\n%s", perRow, 1779/2, bb.sample)
	}
}

// TestBacklogPageFormMoves: the rank buttons post the page's one form, each
// naming its row, its direction and the neighbour the reader saw; without a
// script the row moves and the reader is back on the row.
func TestBacklogPageFormMoves(t *testing.T) {
	t.Parallel()
	b := newBacklog(t, map[string]string{"viewer@example.com": "viewer"})
	for _, title := range []string{"Lead capture", "Quote approval", "Contract archive", "Duplicate check"} {
		b.add(t, title, requirement.Must)
	}
	back := "/projects/CRM/requirements?tier=must"
	for i, s := range []struct {
		m    string
		want []int
	}{
		{"4 up 3", []int{1, 2, 4, 3}},
		{"4 top", []int{4, 1, 2, 3}},
		{"1 down 2", []int{4, 2, 1, 3}},
		{"2 bottom", []int{4, 1, 3, 2}},
		{"3 up", []int{4, 3, 1, 2}}, // no neighbour: one step in the whole backlog
	} {
		r := b.admin.post("/projects/CRM/requirements/move", url.Values{"m": {s.m}, "back": {back}})
		expectStatus(t, r, http.StatusSeeOther)
		n := s.m[:1]
		if want := back + "#req-" + n; r.Header.Get("Location") != want {
			t.Fatalf("step %d: sent to %q, want %q", i, r.Header.Get("Location"), want)
		}
		if got := b.order(t); !slices.Equal(got, s.want) {
			t.Fatalf("step %d (%s): order %v, want %v", i, s.m, got, s.want)
		}
	}
	// Bad buttons: nothing moves.
	for m, status := range map[string]int{"": http.StatusUnprocessableEntity, "x up": http.StatusUnprocessableEntity,
		"99 top": http.StatusNotFound, "1 sideways": http.StatusUnprocessableEntity, "1 up 99": http.StatusUnprocessableEntity,
		"1 up 2 3": http.StatusUnprocessableEntity} {
		r := b.admin.post("/projects/CRM/requirements/move", url.Values{"m": {m}})
		expectStatus(t, r, status)
		if status == http.StatusUnprocessableEntity && !strings.Contains(r.body, "no longer in the backlog") {
			expectContains(t, r, "Say where the requirement goes")
		}
	}
	if got := b.order(t); !slices.Equal(got, []int{4, 3, 1, 2}) {
		t.Fatalf("refused moves changed the order: %v", got)
	}
	// A viewer ranks nothing and sees no rank buttons.
	viewer := signIn(t, b.app, "viewer@example.com", testPassword)
	expectStatus(t, viewer.post("/projects/CRM/requirements/move", url.Values{"m": {"1 top"}}), http.StatusForbidden)
	if page := viewer.get("/projects/CRM/requirements"); regexp.MustCompile(`id="mv"|name="m"`).MatchString(page.body) {
		t.Fatal("a viewer sees rank buttons")
	}
}
