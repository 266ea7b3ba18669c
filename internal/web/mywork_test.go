package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

type workAnswer struct {
	Items []struct {
		Kind       string `json:"kind"`
		ID         int64  `json:"id"`
		ProjectKey string `json:"project_key"`
		Title      string `json:"title"`
		Why        string `json:"why"`
		DueOn      any    `json:"due_on"`
		URL        string `json:"url"`
	} `json:"items"`
}

func (w workAnswer) kinds() string {
	var ks []string
	for _, it := range w.Items {
		ks = append(ks, it.Kind)
	}
	return strings.Join(ks, ",")
}

// TestMyWorkShowsVotesMentionsAndApply: a business owner submits a change
// request and mentions a steering member; the member's home page and API
// show the vote and the mention with why and where; marking the mention read
// and voting empties the list, and the project manager may then apply.
func TestMyWorkShowsVotesMentionsAndApply(t *testing.T) {
	t.Parallel()
	ct := newChangeTeam(t)
	r := ct.bo.api(http.MethodPost, "/api/v1/projects/CRM/changes", map[string]any{"title": "Quote approval later", "reason": "too much",
		"operations": []map[string]any{{"op": "set_tier", "number": 2, "tier": "optional"}}})
	expectStatus(t, r, http.StatusCreated)
	expectStatus(t, ct.bo.api(http.MethodPost, "/api/v1/projects/CRM/changes/1/submit", nil), http.StatusOK)
	expectStatus(t, ct.bo.post("/projects/CRM/changes/1/comments", url.Values{"body": {"@sc1 this one is urgent"}}), http.StatusSeeOther)

	var w workAnswer
	ct.sc1.api(http.MethodGet, "/api/v1/me/work", nil).decode(t, &w)
	if w.kinds() != "vote,mention" {
		t.Fatalf("sc1's work: %+v", w.Items)
	}
	vote, mention := w.Items[0], w.Items[1]
	if vote.URL != "/projects/CRM/changes/1" || vote.ProjectKey != "CRM" || vote.Title != "Quote approval later" ||
		vote.Why != "bo submitted this change request to the steering committee; you have not voted yet." || vote.DueOn != nil {
		t.Fatalf("vote %+v", vote)
	}
	if !strings.HasPrefix(mention.URL, "/projects/CRM/changes/1#comment-") || mention.Why != "bo mentioned you: “@sc1 this one is urgent”" {
		t.Fatalf("mention %+v", mention)
	}
	// The requester, the project manager and the viewer have nothing to do.
	for _, b := range []*browser{ct.bo, ct.pm, ct.viewer} {
		var none workAnswer
		b.api(http.MethodGet, "/api/v1/me/work", nil).decode(t, &none)
		if len(none.Items) != 0 {
			t.Fatalf("work of someone who need not act: %+v", none.Items)
		}
	}

	// The home page groups them, links them and counts them in the top bar.
	home := ct.sc1.get("/")
	expectStatus(t, home, http.StatusOK)
	expectContains(t, home, "<h1>My work", "Change requests waiting for your vote", `href="/projects/CRM/changes/1"`,
		"CRM-CR-1", "Mentions", `data-work-count`, `>2</span>`, `href="/projects">All projects</a>`, "Your projects")
	// Marking the mention read takes it away, for sc1 only.
	r = ct.sc1.post("/work/read", url.Values{"kind": {"mention"}, "id": {itoa64(mention.ID)}})
	expectStatus(t, r, http.StatusSeeOther)
	expectContains(t, ct.sc1.get("/"), "Done: the item left your list.")
	ct.sc1.api(http.MethodGet, "/api/v1/me/work", nil).decode(t, &w)
	if w.kinds() != "vote" {
		t.Fatalf("after reading: %+v", w.Items)
	}
	// Bad marks: an unknown kind, an item not on one's list.
	expectStatus(t, ct.sc1.api(http.MethodPost, "/api/v1/me/work/read", map[string]any{"kind": "nap", "id": 1}), http.StatusUnprocessableEntity)
	expectStatus(t, ct.sc2.api(http.MethodPost, "/api/v1/me/work/read", map[string]any{"kind": "mention", "id": mention.ID}), http.StatusNotFound)
	expectStatus(t, ct.sc1.api(http.MethodPost, "/api/v1/me/work/read", map[string]any{"kind": "vote", "id": 1, "extra": 1}), http.StatusUnprocessableEntity)

	// sc1 votes: the vote leaves, and the project manager may apply.
	expectStatus(t, ct.sc1.post("/projects/CRM/changes/1/vote", url.Values{"approve": {"true"}}), http.StatusSeeOther)
	ct.sc1.api(http.MethodGet, "/api/v1/me/work", nil).decode(t, &w)
	if len(w.Items) != 0 {
		t.Fatalf("after voting: %+v", w.Items)
	}
	ct.pm.api(http.MethodGet, "/api/v1/me/work", nil).decode(t, &w)
	if w.kinds() != "apply" || w.Items[0].Why != "Approved; as a project manager you may now apply it to the backlog and the plan." {
		t.Fatalf("pm's work: %+v", w.Items)
	}
	expectStatus(t, ct.pm.api(http.MethodPost, "/api/v1/me/work/read", map[string]any{"kind": "apply", "id": w.Items[0].ID}), http.StatusNoContent)
	ct.pm.api(http.MethodGet, "/api/v1/me/work", nil).decode(t, &w)
	if len(w.Items) != 0 {
		t.Fatalf("after marking done: %+v", w.Items)
	}
	// Signed out, the home page is the public one.
	expectContains(t, newBrowser(t, ct.app).get("/"), `href="/signin"`)
}

// TestMyWorkSpeaksChinese checks the page and the why in Simplified Chinese.
func TestMyWorkSpeaksChinese(t *testing.T) {
	t.Parallel()
	ct := newChangeTeam(t)
	expectStatus(t, ct.bo.post("/projects/CRM/requirements/1/comments", url.Values{"body": {"@sc1 请看"}}), http.StatusSeeOther)
	ct.sc1.post("/lang", url.Values{"lang": {"zh-CN"}, "back": {"/"}})
	expectContains(t, ct.sc1.get("/"), "<h1>我的工作", "提及", "bo 提及了您：“@sc1 请看”", "标记为已读")
}
