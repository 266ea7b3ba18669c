package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"rollout/internal/date"
	"rollout/internal/milestone"
	"rollout/internal/office"
	"rollout/internal/project"
)

// planAPIProject is project CRM from the CRM template, run by the signed-up
// admin, with a viewer.
func planAPIProject(t *testing.T) (*importProject, *browser) {
	t.Helper()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	expectStatus(t, admin.post("/projects", url.Values{"key": {"CRM"}, "name": {"CRM rollout"}, "template": {"crm"}}), http.StatusSeeOther)
	p := &importProject{app: app, db: db, admin: admin, id: projectID(t, db, "CRM")}
	createUser(t, db, "vic@example.com", "Vic Viewer", false)
	if _, err := project.AddMember(context.Background(), db, userID(t, db, adminEmail), p.id,
		project.MemberInput{Email: "vic@example.com", Role: project.RoleViewer, Department: project.DeptVendor}); err != nil {
		t.Fatal(err)
	}
	return p, signIn(t, app, "vic@example.com", testPassword)
}

type phaseList struct {
	Items []project.Phase `json:"items"`
}

func TestPhasesThroughTheAPI(t *testing.T) {
	t.Parallel()
	p, vic := planAPIProject(t)
	b := p.admin
	var before phaseList
	b.api(http.MethodGet, "/api/v1/projects/CRM/phases", nil).decode(t, &before)

	r := b.api(http.MethodPost, "/api/v1/projects/CRM/phases", map[string]any{"name": "Hypercare", "planned_start_on": "2026-09-01", "planned_end_on": "2026-10-31"})
	expectStatus(t, r, http.StatusCreated)
	var ph project.Phase
	r.decode(t, &ph)
	if ph.Position != len(before.Items)+1 || ph.Version != 1 {
		t.Fatalf("%+v", ph)
	}
	path := "/api/v1/projects/CRM/phases/" + itoa64(ph.ID)
	// Bad input: 422, and nothing written.
	r = b.api(http.MethodPost, "/api/v1/projects/CRM/phases", map[string]any{"name": " ", "planned_start_on": "2026-09-01"})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	r = b.api(http.MethodPatch, path, map[string]any{"planned_end_on": "2026-08-01", "version": 1})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, `"planned_end_on"`)
	// An edit names its version; an edit of a version read before is a 409.
	expectStatus(t, b.api(http.MethodPatch, path, map[string]any{"name": "Hypercare and support"}), http.StatusUnprocessableEntity)
	r = b.api(http.MethodPatch, path, map[string]any{"name": "Hypercare and support", "version": 1})
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, `"name":"Hypercare and support"`, `"planned_start_on":"2026-09-01"`, `"version":2`)
	expectStatus(t, b.api(http.MethodPatch, path, map[string]any{"name": "Again", "version": 1}), http.StatusConflict)
	// Moves.
	expectStatus(t, b.api(http.MethodPost, path+"/move", map[string]any{"by": 2}), http.StatusUnprocessableEntity)
	r = b.api(http.MethodPost, path+"/move", map[string]any{"by": -1})
	expectStatus(t, r, http.StatusOK)
	var after phaseList
	r.decode(t, &after)
	if n := len(after.Items); after.Items[n-2].ID != ph.ID {
		t.Fatalf("not moved: %+v", after.Items)
	}
	// Viewers read, never write.
	expectStatus(t, vic.api(http.MethodGet, "/api/v1/projects/CRM/phases", nil), http.StatusOK)
	expectStatus(t, vic.api(http.MethodPost, "/api/v1/projects/CRM/phases", map[string]any{"name": "X"}), http.StatusForbidden)
	expectStatus(t, vic.api(http.MethodDelete, path, nil), http.StatusForbidden)
	expectStatus(t, b.api(http.MethodDelete, path, nil), http.StatusNoContent)
	expectStatus(t, b.api(http.MethodDelete, path, nil), http.StatusNotFound)
}

func TestDeliverablesAndActionsThroughTheAPI(t *testing.T) {
	t.Parallel()
	p, vic := planAPIProject(t)
	b := p.admin
	r := b.api(http.MethodPost, "/api/v1/projects/CRM/milestones", map[string]any{"name": "Design signed off", "planned_on": "2026-09-01",
		"is_gate": true, "deliverables": []string{"Process map"}})
	expectStatus(t, r, http.StatusCreated)
	var m struct{ ID int64 }
	r.decode(t, &m)
	path := "/api/v1/projects/CRM/milestones/" + itoa64(m.ID) + "/deliverables"
	r = b.api(http.MethodPost, path, map[string]any{"title": "Data dictionary"})
	expectStatus(t, r, http.StatusCreated)
	var d milestone.Deliverable
	r.decode(t, &d)
	expectStatus(t, b.api(http.MethodPost, path, map[string]any{"title": ""}), http.StatusUnprocessableEntity)
	expectStatus(t, b.api(http.MethodPost, path, map[string]any{"title": "x", "owner": 1}), http.StatusUnprocessableEntity)
	r = b.api(http.MethodGet, path, nil)
	expectContains(t, r, "Process map", "Data dictionary")
	// Tick and untick.
	r = b.api(http.MethodPatch, path+"/"+itoa64(d.ID), map[string]any{"done": true})
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, `"done":true`, `"done_by_name":"Ada Admin"`)
	expectStatus(t, b.api(http.MethodPatch, path+"/"+itoa64(d.ID), map[string]any{"done": "yes"}), http.StatusUnprocessableEntity)
	expectStatus(t, b.api(http.MethodPatch, path+"/"+itoa64(d.ID), map[string]any{}), http.StatusUnprocessableEntity)
	r = b.api(http.MethodPatch, path+"/"+itoa64(d.ID), map[string]any{"done": false})
	expectContains(t, r, `"done":false`)
	expectStatus(t, vic.api(http.MethodGet, path, nil), http.StatusOK)
	expectStatus(t, vic.api(http.MethodPatch, path+"/"+itoa64(d.ID), map[string]any{"done": true}), http.StatusForbidden)
	expectStatus(t, vic.api(http.MethodPost, path, map[string]any{"title": "x"}), http.StatusForbidden)

	// A decided gate's conditions are its action items.
	ctx, pm := context.Background(), userID(t, p.db, adminEmail)
	rv, err := milestone.Schedule(ctx, p.db, pm, p.id, m.ID, milestone.ScheduleInput{ScheduledOn: date.New(2026, 8, 20), Invited: []int64{pm}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := office.DecideReview(ctx, p.db, pm, p.id, rv.ID, milestone.DecisionInput{Decision: milestone.GoWithConditions, Attendees: []int64{pm},
		Conditions: []milestone.ActionInput{{Text: "Sign the cutover plan", OwnerID: &pm, DueOn: date.New(2026, 9, 1)}}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	apath := "/api/v1/projects/CRM/reviews/" + itoa64(rv.ID) + "/actions"
	r = b.api(http.MethodGet, apath, nil)
	expectStatus(t, r, http.StatusOK)
	var as struct{ Items []milestone.Action }
	r.decode(t, &as)
	if len(as.Items) != 1 || as.Items[0].Status != "open" {
		t.Fatalf("%+v", as)
	}
	one := apath + "/" + itoa64(as.Items[0].ID)
	expectStatus(t, vic.api(http.MethodPatch, one, map[string]any{"status": "done"}), http.StatusForbidden)
	expectStatus(t, b.api(http.MethodPatch, one, map[string]any{"status": "finished"}), http.StatusUnprocessableEntity)
	r = b.api(http.MethodPatch, one, map[string]any{"status": "done"})
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, `"status":"done"`)
	expectStatus(t, b.api(http.MethodPatch, apath+"/999999", map[string]any{"status": "done"}), http.StatusNotFound)
}

func TestThresholdsThroughTheAPI(t *testing.T) {
	t.Parallel()
	p, vic := planAPIProject(t)
	b := p.admin
	path := "/api/v1/projects/CRM/pitfalls/thresholds"
	r := b.api(http.MethodGet, path, nil)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, `"thresholds":{`, `"defaults":{`, `"usage_days":30`)
	r = b.api(http.MethodPut, path, map[string]any{"usage_days": 14, "customization_share": 0.25})
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, `"usage_days":14`, `"customization_share":0.25`, `"risk_score":15`)
	for _, bad := range []map[string]any{{"risk_score": 40}, {"usage_days": "two weeks"}, {"bogus": 1}} {
		expectStatus(t, b.api(http.MethodPut, path, bad), http.StatusUnprocessableEntity)
	}
	expectContains(t, vic.api(http.MethodGet, path, nil), `"usage_days":14`)
	expectStatus(t, vic.api(http.MethodPut, path, map[string]any{"usage_days": 7}), http.StatusForbidden)
	// The health page reads the same thresholds.
	expectContains(t, b.get("/projects/CRM/health"), `name="usage_days" value="14"`)
}
