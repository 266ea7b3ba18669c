package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"rollout/internal/date"
)

// A bad number typed into a goal's quick entry on the goals list ("abc",
// "20,6") comes back on the goals list, not on an error page: the field
// keeps what was typed and the message stands next to it, in the goal's row.
// On the goal's own page the same holds. Nothing is written.
func TestBadMeasurementKeepsTypedValueOnItsPage(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := projectWithMembers(t, app, db, nil)
	me := userID(t, db, "admin@example.com")
	r := admin.post("/projects/CRM/goals", goalForm(me))
	expectStatus(t, r, http.StatusSeeOther)
	goalPath := r.location()
	id := goalPath[len("/projects/CRM/goals/"):]
	today := date.Of(time.Now()).String()

	for _, typed := range []string{"abc", "20,6"} {
		r := admin.post(goalPath+"/measurements", url.Values{"value": {typed}, "measured_on": {today}, "back": {"list"}})
		expectStatus(t, r, http.StatusUnprocessableEntity)
		// The goals list, with the typed value in the row's field and the message after it.
		expectContains(t, r, `<h1`, "Raise lead conversion", `action="/projects/CRM/goals/`+id+`/measurements"`)
		row := regexp.MustCompile(`(?s)<input id="qv-` + id + `"[^>]*value="` + regexp.QuoteMeta(typed) + `"[^>]*aria-invalid="true"[^>]*>.*?<p class="field-error" id="qe-` + id + `" role="alert">“` + regexp.QuoteMeta(typed) + `” is not a number`)
		if !row.MatchString(r.body) {
			t.Fatalf("%q: the list does not show the typed value with its message in the row:\n%s", typed, r.body)
		}
		if strings.Contains(r.body, "Back to the home page") {
			t.Fatalf("%q: an error page", typed)
		}

		// From the goal's own page: the same, there.
		r = admin.post(goalPath+"/measurements", url.Values{"value": {typed}, "measured_on": {today}})
		expectStatus(t, r, http.StatusUnprocessableEntity)
		expectContains(t, r, `id="value" name="value" inputmode="decimal" value="`+typed+`"`, "“"+typed+"” is not a number")
	}
	// In Chinese the message is Chinese.
	admin.lang = "zh-CN"
	r = admin.post(goalPath+"/measurements", url.Values{"value": {"abc"}, "measured_on": {today}, "back": {"list"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, `value="abc"`, `id="qe-`+id+`"`)
	if n, _ := db.NewSelect().Table("measurements").Count(context.Background()); n != 0 {
		t.Fatalf("%d measurements written", n)
	}
	// A good value typed the same way is recorded and goes back to the list.
	r = admin.post(goalPath+"/measurements", url.Values{"value": {"20.6"}, "measured_on": {today}, "back": {"list"}})
	expectStatus(t, r, http.StatusSeeOther)
}
