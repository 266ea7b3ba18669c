package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rollout/internal/date"
)

// commentedItems gives the change team one item of each kind that takes
// comments, and returns their paths below /projects/CRM/.
func commentedItems(t *testing.T, ct *changeTeam) []string {
	t.Helper()
	pm := ct.pm
	today := date.Of(time.Now())
	var id struct {
		ID     int64 `json:"id"`
		Number int   `json:"number"`
	}
	r := pm.api(http.MethodPost, "/api/v1/projects/CRM/risks", map[string]any{"title": "Dirty data", "category": "data_quality",
		"probability": 3, "impact": 4, "owner_id": userID(t, ct.db, "mia@example.com")})
	expectStatus(t, r, http.StatusCreated)
	r.decode(t, &id)
	risk := fmt.Sprintf("risks/%d", id.Number)
	r = pm.api(http.MethodPost, "/api/v1/projects/CRM/goals", map[string]any{"title": "Lead conversion", "metric": "converted ÷ leads",
		"baseline": 20, "target": 30, "direction": "increase", "category": "business", "start_on": today.AddDays(-30).String(),
		"due_on": today.AddDays(300).String(), "owner_id": userID(t, ct.db, "bo@example.com")})
	expectStatus(t, r, http.StatusCreated)
	r.decode(t, &id)
	goal := fmt.Sprintf("goals/%d", id.ID)
	var gate int64
	for _, m := range ct.milestones {
		if m.IsGate {
			gate = m.ID
			break
		}
	}
	r = pm.api(http.MethodPost, fmt.Sprintf("/api/v1/projects/CRM/milestones/%d/reviews", gate), map[string]any{
		"scheduled_on": today.AddDays(3).String(), "invited": []int64{userID(t, ct.db, "sc1@example.com")}})
	expectStatus(t, r, http.StatusCreated)
	r.decode(t, &id)
	review := fmt.Sprintf("reviews/%d", id.ID)
	r = pm.api(http.MethodPost, "/api/v1/projects/CRM/changes", map[string]any{"title": "Quote approval later", "reason": "too much",
		"operations": []map[string]any{{"op": "set_tier", "number": 2, "tier": "optional"}}})
	expectStatus(t, r, http.StatusCreated)
	r.decode(t, &id)
	return []string{"requirements/1", risk, goal, fmt.Sprintf("milestones/%d", gate), review, fmt.Sprintf("changes/%d", id.Number)}
}

func countRows(t *testing.T, ct *changeTeam, table string) int {
	t.Helper()
	n, err := ct.db.NewSelect().Table(table).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// TestCommentsAreEscapedAndLinkOnlyWebAddresses posts what an attacker
// would and reads what every member's browser gets.
func TestCommentsAreEscapedAndLinkOnlyWebAddresses(t *testing.T) {
	t.Parallel()
	ct := newChangeTeam(t)
	body := "<script>alert(1)</script>\n<img src=x onerror=alert(2)> <a href=\"javascript:alert(3)\">x</a>\n" +
		"javascript:alert(4) JAVASCRIPT://%0Aalert(5) data:text/html,<b>6</b>\n" +
		"see https://example.com/a?b=1&c=2, ask @sc1 \" onmouseover=\"alert(7)"
	r := ct.mia.post("/projects/CRM/requirements/1/comments", url.Values{"body": {body}})
	expectStatus(t, r, http.StatusSeeOther)
	page := ct.viewer.get("/projects/CRM/requirements/1")
	expectStatus(t, page, http.StatusOK)
	expectContains(t, page,
		`&lt;script&gt;alert(1)&lt;/script&gt;<br>`,
		`&lt;img src=x onerror=alert(2)&gt;`,
		`&lt;a href=&#34;javascript:alert(3)&#34;&gt;x&lt;/a&gt;`,
		`javascript:alert(4)`,
		`<a href="https://example.com/a?b=1&amp;c=2" rel="noopener nofollow" target="_blank">https://example.com/a?b=1&amp;c=2</a>,`,
		`<span class="mention">@sc1</span> &#34; onmouseover=&#34;alert(7)`)
	comments := page.body[strings.Index(page.body, `id="comments"`):]
	for _, bad := range []string{"<script>alert", "<img", "onerror=alert(2)>", `href="javascript`, `href="JAVASCRIPT`,
		`href="data:`, "<b>6", `" onmouseover`} {
		if strings.Contains(comments, bad) {
			t.Errorf("the comment reaches the page unescaped: %q", bad)
		}
	}
	// The text is kept as written, and the mention is resolved from it.
	var list struct {
		Items []struct {
			Body         string   `json:"body"`
			Mentions     []int64  `json:"mentions"`
			MentionNames []string `json:"mention_names"`
			AuthorName   string   `json:"author_name"`
		} `json:"items"`
	}
	ct.viewer.api(http.MethodGet, "/api/v1/projects/CRM/requirements/1/comments", nil).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].Body != body || list.Items[0].AuthorName != "mia" ||
		len(list.Items[0].Mentions) != 1 || list.Items[0].Mentions[0] != userID(t, ct.db, "sc1@example.com") {
		t.Fatalf("comments %+v", list.Items)
	}
}

// TestNonMembersCanNeitherReadNorPostComments tries every kind of item as a
// signed-in user who is not in the project (404, as for anything of a
// project one cannot see) and as a viewer (reads, may not write: 403).
func TestNonMembersCanNeitherReadNorPostComments(t *testing.T) {
	t.Parallel()
	ct := newChangeTeam(t)
	items := commentedItems(t, ct)
	createUser(t, ct.db, "eve@example.com", "Eve", false)
	eve := signIn(t, ct.app, "eve@example.com", testPassword)
	for _, item := range items {
		expectStatus(t, ct.mia.post("/projects/CRM/"+item+"/comments", url.Values{"body": {"Secret note on " + item}}), http.StatusSeeOther)
	}
	written := countRows(t, ct, "comments")
	if written != len(items) {
		t.Fatalf("%d comments written for %d items", written, len(items))
	}
	for _, item := range items {
		for _, r := range []response{
			eve.get("/projects/CRM/" + item),
			eve.api(http.MethodGet, "/api/v1/projects/CRM/"+item+"/comments", nil),
			eve.api(http.MethodPost, "/api/v1/projects/CRM/"+item+"/comments", map[string]any{"body": "hi"}),
			eve.post("/projects/CRM/"+item+"/comments", url.Values{"body": {"hi"}}),
		} {
			expectStatus(t, r, http.StatusNotFound)
			if strings.Contains(r.body, "Secret note") {
				t.Fatalf("%s: a non-member reads the comments", item)
			}
		}
		// The viewer reads them but has no form, and a post is refused.
		page := ct.viewer.get("/projects/CRM/" + item)
		expectContains(t, page, "Secret note on "+item)
		if strings.Contains(page.body, `class="form comment-form`) {
			t.Errorf("%s: a viewer is offered the comment form", item)
		}
		expectStatus(t, ct.viewer.post("/projects/CRM/"+item+"/comments", url.Values{"body": {"hi"}}), http.StatusForbidden)
		expectStatus(t, ct.viewer.api(http.MethodPost, "/api/v1/projects/CRM/"+item+"/comments", map[string]any{"body": "hi"}), http.StatusForbidden)
		// A member sees the form with the members to complete.
		expectContains(t, ct.bob.get("/projects/CRM/"+item), `class="form comment-form`, `data-mentions="[{&#34;id&#34;:`)
	}
	var id int64
	if err := ct.db.NewSelect().Table("comments").Column("id").OrderExpr("id").Limit(1).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, eve.api(http.MethodPatch, fmt.Sprintf("/api/v1/projects/CRM/comments/%d", id), map[string]any{"body": "x", "version": 1}), http.StatusNotFound)
	expectStatus(t, eve.api(http.MethodDelete, fmt.Sprintf("/api/v1/projects/CRM/comments/%d?version=1", id), nil), http.StatusNotFound)
	if n := countRows(t, ct, "comments"); n != written {
		t.Fatalf("%d comments after the refusals, want %d", n, written)
	}
}

func TestCommentsAPIWithMentionsEditAndDelete(t *testing.T) {
	t.Parallel()
	ct := newChangeTeam(t)
	sc1, eve := userID(t, ct.db, "sc1@example.com"), createUser(t, ct.db, "eve@example.com", "Eve", false)
	path := "/api/v1/projects/CRM/changes/"
	items := commentedItems(t, ct)
	path += strings.TrimPrefix(items[5], "changes/") + "/comments"

	// Bad input: a mention of someone outside the project, an unknown field, no text.
	r := ct.bo.api(http.MethodPost, path, map[string]any{"body": "Eve?", "mentions": []int64{eve.ID}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "Only members of the project can be mentioned.")
	expectStatus(t, ct.bo.api(http.MethodPost, path, map[string]any{"body": "x", "mention": []int64{sc1}}), http.StatusUnprocessableEntity)
	expectStatus(t, ct.bo.api(http.MethodPost, path, map[string]any{"body": "  "}), http.StatusUnprocessableEntity)
	if n := countRows(t, ct, "comments"); n != 0 {
		t.Fatalf("%d comments written by bad requests", n)
	}

	r = ct.bo.api(http.MethodPost, path, map[string]any{"body": "@sc1 please vote", "mentions": []int64{sc1}})
	expectStatus(t, r, http.StatusCreated)
	var c struct {
		ID           int64    `json:"id"`
		Version      int      `json:"version"`
		MentionNames []string `json:"mention_names"`
		Body         string   `json:"body"`
	}
	r.decode(t, &c)
	if c.Version != 1 || len(c.MentionNames) != 1 || c.MentionNames[0] != "sc1" {
		t.Fatalf("created %+v", c)
	}
	one := fmt.Sprintf("/api/v1/projects/CRM/comments/%d", c.ID)
	// Only the author edits; a stale version changes nothing.
	expectStatus(t, ct.pm.api(http.MethodPatch, one, map[string]any{"body": "mine", "version": 1}), http.StatusForbidden)
	r = ct.bo.api(http.MethodPatch, one, map[string]any{"body": "@sc1 please vote today", "version": 1})
	expectStatus(t, r, http.StatusOK)
	r.decode(t, &c)
	if c.Version != 2 || c.Body != "@sc1 please vote today" || len(c.MentionNames) != 1 {
		t.Fatalf("edited %+v", c)
	}
	expectStatus(t, ct.bo.api(http.MethodPatch, one, map[string]any{"body": "late", "version": 1}), http.StatusConflict)
	expectStatus(t, ct.bo.api(http.MethodDelete, one, nil), http.StatusUnprocessableEntity)
	expectStatus(t, ct.bo.api(http.MethodDelete, one+"?version=1", nil), http.StatusConflict)
	expectStatus(t, ct.bo.api(http.MethodDelete, one+"?version=2", nil), http.StatusNoContent)
	var list list[map[string]any]
	ct.bo.api(http.MethodGet, path, nil).decode(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("after the delete: %v", list.Items)
	}
	// The activity keeps every version of the words.
	act := ct.pm.get("/projects/CRM/activity")
	expectContains(t, act, "@sc1 please vote today")
}

// TestFormCommentsResolveMentionsAndEdit uses the page forms: the @names in
// the text become mentions, and the author edits and deletes.
func TestFormCommentsResolveMentionsAndEdit(t *testing.T) {
	t.Parallel()
	ct := newChangeTeam(t)
	expectStatus(t, ct.bo.post("/projects/CRM/requirements/1/comments", url.Values{"body": {"@sc1 and @Mia, and not @nobody"}}), http.StatusSeeOther)
	r := ct.bo.post("/projects/CRM/requirements/1/comments", url.Values{"body": {""}})
	expectStatus(t, r, http.StatusSeeOther)
	expectContains(t, ct.bo.get(r.location()), "The comment was not saved")
	var mentioned []string
	if err := ct.db.NewSelect().Table("comment_mentions").Join("JOIN users AS u ON u.id = comment_mentions.user_id").
		Column("u.name").OrderExpr("u.name").Scan(context.Background(), &mentioned); err != nil {
		t.Fatal(err)
	}
	if strings.Join(mentioned, ",") != "mia,sc1" {
		t.Fatalf("mentioned %v", mentioned)
	}
	var id int64
	if err := ct.db.NewSelect().Table("comments").Column("id").Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	edit := fmt.Sprintf("/projects/CRM/comments/%d/edit", id)
	expectStatus(t, ct.mia.post(edit, url.Values{"body": {"hijack"}, "version": {"1"}}), http.StatusForbidden)
	expectStatus(t, ct.bo.post(edit, url.Values{"body": {"@sc1 only"}, "version": {"1"}}), http.StatusSeeOther)
	page := ct.bo.get("/projects/CRM/requirements/1")
	expectContains(t, page, `<span class="mention">@sc1</span> only`, "edited")
	r = ct.bo.post(fmt.Sprintf("/projects/CRM/comments/%d/delete", id), url.Values{"version": {"1"}})
	expectContains(t, ct.bo.get(r.location()), "Someone changed this comment")
	r = ct.bo.post(fmt.Sprintf("/projects/CRM/comments/%d/delete", id), url.Values{"version": {"2"}})
	expectStatus(t, r, http.StatusSeeOther)
	if n := countRows(t, ct, "comments"); n != 0 {
		t.Fatalf("%d comments after the delete", n)
	}
}
