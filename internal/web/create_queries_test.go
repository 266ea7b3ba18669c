package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// TestRequirementCreateTakesTwoQueries pins the round trips of a create
// through the API that names no phase, owner or goal: the guard's query and
// the one statement that takes the number and rank, inserts the row and its
// audit entry (no BEGIN, no COMMIT, no reference check, no read back). The
// answer is what a point read of the new item shows.
func TestRequirementCreateTakesTwoQueries(t *testing.T) {
	t.Parallel()
	bb := newBigBacklog(t)
	bb.seed("CRM", 3)
	call := func(method, path, body string) (int, map[string]any) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+bb.token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := bb.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		var v map[string]any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
		}
		return res.StatusCode, v
	}
	create := func(string) int {
		status, v := call(http.MethodPost, "/api/v1/projects/CRM/requirements",
			`{"title":"Lead capture","tier":"must","kind":"feature","approach":"configuration","acceptance_criteria":["Given a form"]}`)
		if status != http.StatusCreated {
			t.Fatalf("create: %d %v", status, v)
		}
		return status
	}
	if n := bb.count(create, ""); n != 2 {
		t.Errorf("a create took %d queries, want 2", n)
	}
	_, created := call(http.MethodPost, "/api/v1/projects/CRM/requirements", `{"title":"Quote approval","tier":"important","kind":"process","approach":"configuration"}`)
	if created["key"] != "CRM-6" || created["number"] != 6.0 || created["status"] != "proposed" {
		t.Fatalf("created %v", created)
	}
	status, read := call(http.MethodGet, "/api/v1/projects/CRM/requirements/6", "")
	if status != http.StatusOK || !reflect.DeepEqual(created, read) {
		t.Errorf("the create answered\n%v\nthe point read shows\n%v", created, read)
	}
}
