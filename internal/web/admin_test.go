package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"rollout/internal/account"
	"rollout/internal/project"
)

// countUsers counts the rows of the users table.
func countUsers(t *testing.T, b *browser) int {
	t.Helper()
	return strings.Count(b.get("/admin/users").body, `<td class="wrap">`) / 2
}

func TestAdminPagesAreForAdminsOnly(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	signUpAdmin(t, app)
	createUser(t, db, "bob@example.com", "Bob", false)
	bob := signIn(t, app, "bob@example.com", testPassword)

	expectStatus(t, bob.get("/admin/users"), http.StatusForbidden)
	expectStatus(t, bob.get("/admin/activity"), http.StatusForbidden)
	r := bob.post("/admin/users", url.Values{"email": {"eve@example.com"}, "name": {"Eve"}, "password": {testPassword}, "is_admin": {"true"}})
	expectStatus(t, r, http.StatusForbidden)
	expectStatus(t, bob.post("/admin/settings", url.Values{"admins_only": {"true"}}), http.StatusForbidden)
	if _, err := account.ByEmail(context.Background(), db, "eve@example.com"); err == nil {
		t.Fatal("a non-admin created a user")
	}
	// No administration link for them either.
	if strings.Contains(bob.get("/account").body, `href="/admin/users"`) {
		t.Fatal("a non-admin sees the administration link")
	}

	r = newBrowser(t, app).get("/admin/users")
	expectStatus(t, r, http.StatusSeeOther)
	if !strings.HasPrefix(r.location(), "/signin?next=") {
		t.Fatalf("anonymous redirect to %q", r.location())
	}
}

func TestAdminCreatesUser(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)

	r := admin.get("/admin/users")
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "<h1>Users</h1>", `<nav class="tabs"`, adminEmail, "Ada Admin", "(you)", `name="is_admin"`)

	r = admin.post("/admin/users", url.Values{"email": {"carol@example.com"}, "name": {"Carol"},
		"password": {"carol's passphrase"}, "language": {"zh-CN"}, "is_admin": {"true"}})
	expectStatus(t, r, http.StatusSeeOther)
	r = admin.get("/admin/users")
	expectContains(t, r, "The user is created.", "carol@example.com", "Carol")
	carol, err := account.ByEmail(context.Background(), db, "carol@example.com")
	if err != nil || !carol.IsAdmin || carol.Language != "zh-CN" {
		t.Fatalf("carol %+v %v", carol, err)
	}
	// Carol signs in with the password she was given.
	expectContains(t, signIn(t, app, "carol@example.com", "carol's passphrase").get("/admin/users"), `lang="zh-CN"`, "用户")

	// Without the checkbox, a plain user.
	expectStatus(t, admin.post("/admin/users", url.Values{"email": {"dan@example.com"}, "name": {"Dan"},
		"password": {testPassword}}), http.StatusSeeOther)
	if dan, err := account.ByEmail(context.Background(), db, "dan@example.com"); err != nil || dan.IsAdmin || dan.Language != "en" {
		t.Fatalf("dan %+v %v", dan, err)
	}
}

func TestAdminCreateUserRefusesBadInput(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	before := countUsers(t, admin)

	r := admin.post("/admin/users", url.Values{"email": {"not an email"}, "name": {"Eve"}, "password": {"eve's secret passphrase"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "Enter an email address such as name@example.com.", `value="not an email"`, `value="Eve"`, `aria-invalid="true"`)
	if strings.Contains(r.body, "eve&#39;s secret passphrase") || strings.Contains(r.body, "eve's secret passphrase") {
		t.Fatal("the page sends the password back")
	}

	r = admin.post("/admin/users", url.Values{"email": {"ADMIN@example.com"}, "name": {"Copy"}, "password": {testPassword}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "An account with this email already exists.")

	r = admin.post("/admin/users", url.Values{"email": {"eve@example.com"}, "name": {"Eve"}, "password": {"too short"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "The password needs at least 10 characters.")

	if after := countUsers(t, admin); after != before {
		t.Fatalf("%d users before, %d after refused forms", before, after)
	}
	if n, _ := db.NewSelect().Table("users").Count(context.Background()); n != 1 {
		t.Fatalf("%d users in the database", n)
	}
}

func TestAdminDisablesAndEnablesUser(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	bob := createUser(t, db, "bob@example.com", "Bob", false)
	bobsBrowser := signIn(t, app, "bob@example.com", testPassword)
	expectStatus(t, bobsBrowser.get("/account"), http.StatusOK)

	r := admin.get("/admin/users")
	disable := fmt.Sprintf(`action="/admin/users/%d/disable"`, bob.ID)
	expectContains(t, r, disable, `data-confirm="Disable the account of Bob?`)

	expectStatus(t, admin.post(fmt.Sprintf("/admin/users/%d/disable", bob.ID), nil), http.StatusSeeOther)
	r = admin.get("/admin/users")
	expectContains(t, r, "The account is disabled", "Disabled", fmt.Sprintf(`action="/admin/users/%d/enable"`, bob.ID))

	// Bob's session is gone and he cannot sign in again.
	expectStatus(t, bobsBrowser.get("/account"), http.StatusSeeOther)
	r = newBrowser(t, app).post("/signin", url.Values{"email": {"bob@example.com"}, "password": {testPassword}})
	expectStatus(t, r, http.StatusUnauthorized)
	expectContains(t, r, "This account is disabled.")

	// Nobody disables themselves; the page says why.
	me, _ := account.ByEmail(context.Background(), db, adminEmail)
	r = admin.post(fmt.Sprintf("/admin/users/%d/disable", me.ID), nil)
	expectStatus(t, r, http.StatusConflict)
	expectContains(t, r, "You cannot disable your own account.", "<h1>Users</h1>")
	expectStatus(t, admin.get("/account"), http.StatusOK)
	// Nor are they offered to, or to reset their own password (that is on My account).
	if strings.Contains(r.body, fmt.Sprintf(`action="/admin/users/%d/disable"`, me.ID)) ||
		strings.Contains(r.body, fmt.Sprintf(`action="/admin/users/%d/reset-password"`, me.ID)) {
		t.Fatal("the page offers to disable oneself or reset one's own password")
	}

	expectStatus(t, admin.post(fmt.Sprintf("/admin/users/%d/enable", bob.ID), nil), http.StatusSeeOther)
	expectContains(t, admin.get("/admin/users"), "The account is enabled again.")
	signIn(t, app, "bob@example.com", testPassword)

	expectStatus(t, admin.post("/admin/users/999999/disable", nil), http.StatusNotFound)
	expectStatus(t, admin.post("/admin/users/bob/disable", nil), http.StatusNotFound)
}

var tempPassword = regexp.MustCompile(`id="temp-password" class="mono" value="([^"]+)"`)

func TestAdminResetsPassword(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	bob := createUser(t, db, "bob@example.com", "Bob", false)
	bobsBrowser := signIn(t, app, "bob@example.com", testPassword)

	r := admin.post(fmt.Sprintf("/admin/users/%d/reset-password", bob.ID), nil)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "<h1>Temporary password</h1>", "bob@example.com", "shown only this once")
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("Cache-Control %q", cc)
	}
	m := tempPassword.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no password on the page:\n%s", r.body)
	}
	temp := html.UnescapeString(m[1])

	expectStatus(t, bobsBrowser.get("/account"), http.StatusSeeOther)
	expectStatus(t, newBrowser(t, app).post("/signin", url.Values{"email": {"bob@example.com"}, "password": {testPassword}}),
		http.StatusUnauthorized)
	signIn(t, app, "bob@example.com", temp)

	expectStatus(t, admin.post("/admin/users/999999/reset-password", nil), http.StatusNotFound)
}

func TestAdminSettingRestrictsProjectCreation(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	checkbox := regexp.MustCompile(`<input id="admins_only"[^>]*>`)
	box := func() string { return checkbox.FindString(admin.get("/admin/users").body) }
	if b := box(); b == "" || strings.Contains(b, "checked") {
		t.Fatalf("initial checkbox %q", b)
	}

	expectStatus(t, admin.post("/admin/settings", url.Values{"admins_only": {"true"}}), http.StatusSeeOther)
	if on, err := project.CreationRestricted(context.Background(), db); err != nil || !on {
		t.Fatalf("restricted %v %v", on, err)
	}
	if b := box(); !strings.Contains(b, "checked") {
		t.Fatalf("checkbox after turning on %q", b)
	}
	// An unticked checkbox sends nothing: the setting goes off.
	expectStatus(t, admin.post("/admin/settings", nil), http.StatusSeeOther)
	if on, _ := project.CreationRestricted(context.Background(), db); on {
		t.Fatal("the setting stayed on")
	}
	expectContains(t, admin.get("/admin/activity?entity=setting"), "Setting", "Who may create projects", "Only administrators create projects")
}

// activityRows counts the trail's rows of one kind of item on a page.
func activityRows(r response, entity string) int {
	return strings.Count(r.body, `<span class="muted">`+entity+`</span> `)
}

func TestAdminActivity(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	me, _ := account.ByEmail(context.Background(), db, adminEmail)
	expectStatus(t, admin.post("/admin/users", url.Values{"email": {"bob@example.com"}, "name": {"Bob"},
		"password": {testPassword}}), http.StatusSeeOther)
	bob, _ := account.ByEmail(context.Background(), db, "bob@example.com")
	expectStatus(t, admin.post(fmt.Sprintf("/admin/users/%d/disable", bob.ID), nil), http.StatusSeeOther)
	createTokenThroughPage(t, admin, "nightly export")

	r := admin.get("/admin/activity")
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "<h1>Activity</h1>", `aria-current="page">Activity</a>`,
		"Created", "Changed", "bob@example.com", "nightly export", "System", "Ada Admin",
		`<strong class="history-field">Disabled</strong>: <del>No</del> → Yes`)
	// The first admin was created by the setup form, by nobody yet.
	if activityRows(r, "User") != 3 || activityRows(r, "API token") != 1 {
		t.Fatalf("rows: %d users, %d tokens\n%s", activityRows(r, "User"), activityRows(r, "API token"), r.body)
	}
	if strings.Contains(r.body, "Older entries") {
		t.Fatal("a short trail offers older entries")
	}
	// Fields that were empty on both sides are left out.
	if strings.Contains(r.body, "last_used_at") {
		t.Fatal("the trail lists an empty field")
	}

	// Filter by kind of item.
	r = admin.get("/admin/activity?entity=api_token")
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, `<option value="api_token" selected>API token</option>`)
	if activityRows(r, "User") != 0 || activityRows(r, "API token") != 1 {
		t.Fatalf("token filter: %d users, %d tokens", activityRows(r, "User"), activityRows(r, "API token"))
	}
	// Filter by person: Bob did nothing, the admin did three things.
	r = admin.get(fmt.Sprintf("/admin/activity?actor=%d", bob.ID))
	expectContains(t, r, "No entries match these filters.")
	r = admin.get(fmt.Sprintf("/admin/activity?actor=%d", me.ID))
	expectContains(t, r, fmt.Sprintf(`<option value="%d" selected>`, me.ID))
	if activityRows(r, "User") != 2 || activityRows(r, "API token") != 1 || strings.Contains(r.body, ">System<") {
		t.Fatalf("actor filter:\n%s", r.body)
	}
	// Nonsense filters are ignored, not errors.
	expectStatus(t, admin.get("/admin/activity?entity=nonsense&actor=abc&before=-3"), http.StatusOK)
}

func TestAdminActivityPagesOlderEntries(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := signUpAdmin(t, app)
	me, _ := account.ByEmail(context.Background(), db, adminEmail)
	for i := range activityPageSize + 5 {
		if _, _, err := account.CreateToken(context.Background(), db, me.ID, account.NewToken{Name: "token " + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	r := admin.get("/admin/activity?entity=api_token")
	if n := activityRows(r, "API token"); n != activityPageSize {
		t.Fatalf("first page has %d rows", n)
	}
	// Newest first.
	if strings.Index(r.body, "token 54") > strings.Index(r.body, "token 53") || strings.Contains(r.body, "token 4<") {
		t.Fatal("the first page is not the newest entries")
	}
	older := regexp.MustCompile(`href="(/admin/activity\?before=\d+&amp;entity=api_token)" rel="next"`).FindStringSubmatch(r.body)
	if older == nil {
		t.Fatalf("no link to older entries:\n%s", r.body)
	}
	r = admin.get(html.UnescapeString(older[1]))
	expectStatus(t, r, http.StatusOK)
	if n := activityRows(r, "API token"); n != 5 {
		t.Fatalf("second page has %d rows", n)
	}
	expectContains(t, r, "token 0", "token 4")
	if strings.Contains(r.body, "Older entries") {
		t.Fatal("the last page offers older entries")
	}
}
