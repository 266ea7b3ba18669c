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
	"time"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/milestone"
	"rollout/internal/office"
	"rollout/internal/pitfall"
	"rollout/internal/project"
	"rollout/internal/requirement"
)

// healthTeam is project CRM (the CRM template: five phases, the default
// milestones) run by the admin, with a steering member, a team member and a
// viewer, and a backlog whose first delivery phase (Implementation) holds
// four integrations.
type healthTeam struct {
	app                               *fiber.App
	db                                *database.DB
	projectID                         int64
	phases                            []project.Phase
	integrations                      []int // the integration requirements' numbers
	admin, steering, member, viewer   *browser
	adminID, steeringID, memberID, vw int64
}

func newHealthTeam(t *testing.T) *healthTeam {
	t.Helper()
	app, db := testApp(t)
	ht := &healthTeam{app: app, db: db}
	ht.admin = projectWithMembers(t, app, db, map[string]string{"sc@example.com": "steering", "tm@example.com": "member", "vw@example.com": "viewer"})
	ctx := context.Background()
	if err := db.NewSelect().Table("projects").Column("id").Where("key = 'CRM'").Scan(ctx, &ht.projectID); err != nil {
		t.Fatal(err)
	}
	var err error
	if ht.phases, err = project.Phases(ctx, db, ht.projectID); err != nil || len(ht.phases) != 5 {
		t.Fatalf("phases %v %v", ht.phases, err)
	}
	ht.adminID = userID(t, db, adminEmail)
	for i := range 4 {
		r, err := requirement.Create(ctx, db, ht.adminID, ht.projectID, requirement.Input{Title: fmt.Sprintf("Sync with system %d", i+1),
			Tier: requirement.Important, Kind: requirement.Integration, Approach: requirement.Configuration,
			Status: requirement.Approved, PhaseID: &ht.phases[2].ID})
		if err != nil {
			t.Fatal(err)
		}
		ht.integrations = append(ht.integrations, r.Number)
	}
	if _, err := requirement.Create(ctx, db, ht.adminID, ht.projectID, requirement.Input{Title: "Lead capture",
		Tier: requirement.Must, Kind: requirement.Feature, Approach: requirement.Configuration, Status: requirement.Approved,
		PhaseID: &ht.phases[3].ID}); err != nil {
		t.Fatal(err)
	}
	ht.steering = signIn(t, app, "sc@example.com", testPassword)
	ht.member = signIn(t, app, "tm@example.com", testPassword)
	ht.viewer = signIn(t, app, "vw@example.com", testPassword)
	ht.steeringID, ht.memberID, ht.vw = userID(t, db, "sc@example.com"), userID(t, db, "tm@example.com"), userID(t, db, "vw@example.com")
	return ht
}

// healthOf reads the score and findings through the API.
type healthAnswer struct {
	Score int `json:"score"`
	Rule  struct {
		PointsPerPitfall int `json:"points_per_pitfall"`
		CriticalCost     int `json:"critical_cost"`
	} `json:"rule"`
	Pitfalls []struct {
		Code   string `json:"code"`
		Title  string `json:"title"`
		Points int    `json:"points"`
		Status string `json:"status"`
	} `json:"pitfalls"`
	Findings []struct {
		Pitfall  string         `json:"pitfall"`
		Detector string         `json:"detector"`
		Severity string         `json:"severity"`
		Message  string         `json:"message_id"`
		Data     map[string]any `json:"data"`
		Text     string         `json:"text"`
		Links    []struct {
			Label, Path, Text, Href string
		} `json:"links"`
	} `json:"findings"`
	Trend []pitfall.Point `json:"trend"`
}

func healthOf(t *testing.T, b *browser) healthAnswer {
	t.Helper()
	r := b.api(http.MethodGet, "/api/v1/projects/CRM/health", nil)
	expectStatus(t, r, http.StatusOK)
	var h healthAnswer
	r.decode(t, &h)
	return h
}

func (h healthAnswer) has(detector string) bool {
	for _, f := range h.Findings {
		if f.Detector == detector {
			return true
		}
	}
	return false
}

// fresh copies a form, so each browser adds its own CSRF token.
func fresh(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		if k != "_csrf" {
			out[k] = append([]string(nil), vs...)
		}
	}
	return out
}

var scorePattern = regexp.MustCompile(`<span class="stat">(\d+) `)

// pageScore reads the score the health page shows.
func pageScore(t *testing.T, r response) int {
	t.Helper()
	m := scorePattern.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no score on the page:\n%s", r.body)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func TestHealthPageAndAPIShowScoreAndFindings(t *testing.T) {
	t.Parallel()
	ht := newHealthTeam(t)

	page := ht.viewer.get("/projects/CRM/health")
	expectStatus(t, page, http.StatusOK)
	score := pageScore(t, page)
	expectContains(t, page, `aria-current="page">Health</a>`,
		"Implementation holds 4 integrations; keep phase one to 2 or fewer.",
		`href="/projects/CRM/requirements?phase=`+itoa64(ht.phases[2].ID)+`&amp;kind=integration"`,
		"The scope boundary is not written down", `href="/projects/CRM">Project settings</a>`, // a viewer cannot edit them
		"Each of the ten pitfalls is worth 10 points, 100 in all. Every critical finding takes 6 points from its pitfall and every warning 3",
		"Integrating everything at once", `<svg class="chart"`, `<svg class="gauge"`)
	if strings.Contains(page.body, `id="thresholds-form"`) || strings.Contains(page.body, "finding.") {
		t.Fatal("the viewer gets the thresholds form, or a finding shows its message ID")
	}

	h := healthOf(t, ht.viewer)
	if h.Score != score || h.Rule.PointsPerPitfall != 10 || h.Rule.CriticalCost != 6 || len(h.Pitfalls) != 10 || len(h.Trend) != 1 {
		t.Fatalf("API %+v, page score %d", h, score)
	}
	var p08 bool
	for _, f := range h.Findings {
		if f.Detector == "phase_one_integrations" {
			p08 = f.Severity == "critical" && f.Message == "finding.phase_one_integrations" && f.Data["Count"] == 4.0 &&
				f.Data["Max"] == 2.0 && f.Text == "Implementation holds 4 integrations; keep phase one to 2 or fewer." &&
				len(f.Links) == 1 && f.Links[0].Href == "/projects/CRM/requirements?phase="+itoa64(ht.phases[2].ID)+"&kind=integration"
		}
	}
	if !p08 || h.Pitfalls[7].Code != "P08" || h.Pitfalls[7].Points != 4 || h.Pitfalls[7].Title != "Integrating everything at once" {
		t.Fatalf("P08 in the API: %+v", h)
	}

	// In Chinese, the same numbers in Chinese sentences.
	ht.viewer.post("/lang", url.Values{"lang": {"zh-CN"}})
	page = ht.viewer.get("/projects/CRM/health")
	expectContains(t, page, "健康分", "“Implementation”阶段包含 4 个集成；第一期最多保留 2 个。", "范围边界尚未写明", "项目设置")
	if pageScore(t, page) != score {
		t.Fatal("the score differs between languages")
	}
	zh := healthOf(t, ht.viewer)
	found := false
	for _, f := range zh.Findings {
		found = found || (f.Detector == "phase_one_integrations" && strings.Contains(f.Text, "包含 4 个集成"))
	}
	if !found || zh.Pitfalls[7].Title == h.Pitfalls[7].Title {
		t.Fatalf("Chinese API %+v", zh)
	}

	// The checklist: the ten pitfalls in the reader's language with their findings; read-only for a viewer.
	list := ht.viewer.get("/projects/CRM/pitfalls")
	expectStatus(t, list, http.StatusOK)
	expectContains(t, list, "目录版本 "+pitfall.Get().Version, "典型表现", "正确做法", "包含 4 个集成", "指导委员会可自查的征兆", "尚未评估")
	if strings.Contains(list.body, `action="/projects/CRM/pitfalls/`) {
		t.Fatal("the viewer gets assessment forms")
	}
	list = ht.admin.get("/projects/CRM/pitfalls")
	expectContains(t, list, "Catalogue version", `id="P08"`, `href="/projects/CRM/edit">Project settings</a>`, `action="/projects/CRM/pitfalls/P08"`, `action="/projects/CRM/pitfalls/SYM"`,
		`name="answer_0" value="unsure"`, "Symptoms a steering committee can spot")

	var api struct {
		Version  string `json:"catalogue_version"`
		Items    []pitfallOut
		Symptoms pitfallOut
	}
	ht.admin.api(http.MethodGet, "/api/v1/projects/CRM/pitfalls", nil).decode(t, &api)
	if api.Version == "" || len(api.Items) != 10 || api.Items[7].Code != "P08" || len(api.Items[7].Findings) != 1 ||
		api.Items[7].Assessment.Status != pitfall.NotAssessed || api.Items[7].Assessment.Version != 0 || len(api.Symptoms.Questions) != 4 {
		t.Fatalf("checklist API %+v", api)
	}
}

func TestAssessingChangesTheScoreAndIsForManagersAndSteering(t *testing.T) {
	t.Parallel()
	ht := newHealthTeam(t)
	before := healthOf(t, ht.admin)
	count := func() int64 {
		n, err := ht.db.NewSelect().Table("pitfall_assessments").Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	form := url.Values{"status": {"fallen_in"}, "answer_0": {"no"}, "answer_2": {"unsure"}, "notes": {"Two custom modules already"},
		"owner_id": {itoa64(ht.steeringID)}, "next_review_on": {date.Of(time.Now()).AddDays(14).String()}, "version": {"0"}}

	// A member and a viewer may not, by form or API; nothing is written.
	expectStatus(t, ht.member.post("/projects/CRM/pitfalls/P06", fresh(form)), http.StatusForbidden)
	expectStatus(t, ht.viewer.post("/projects/CRM/pitfalls/P06", fresh(form)), http.StatusForbidden)
	expectStatus(t, ht.member.api(http.MethodPut, "/api/v1/projects/CRM/pitfalls/P06", map[string]any{"status": "clear", "version": 0}), http.StatusForbidden)
	expectStatus(t, ht.viewer.api(http.MethodPut, "/api/v1/projects/CRM/pitfalls/P06", map[string]any{"status": "clear", "version": 0}), http.StatusForbidden)
	if n := count(); n != 0 {
		t.Fatalf("%d assessments written by refused callers", n)
	}

	// The steering committee assesses P06 as fallen in: its 10 points go.
	r := ht.steering.post("/projects/CRM/pitfalls/P06", fresh(form))
	expectStatus(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/projects/CRM/pitfalls#P06" {
		t.Fatalf("went to %s", loc)
	}
	after := healthOf(t, ht.admin)
	if after.Score != before.Score-10 || after.Pitfalls[5].Status != "fallen_in" || after.Pitfalls[5].Points != 0 {
		t.Fatalf("score %d → %d, P06 %+v", before.Score, after.Score, after.Pitfalls[5])
	}
	list := ht.viewer.get("/projects/CRM/pitfalls")
	expectContains(t, list, "Fallen in", "Two custom modules already", "<dd>sc</dd>", "not answered")

	// A stale version is refused with the conflict message, and nothing is written.
	form.Set("status", "clear")
	form.Set("notes", "All fine now")
	r = ht.admin.post("/projects/CRM/pitfalls/P06", fresh(form))
	expectStatus(t, r, http.StatusConflict)
	expectContains(t, r, "Someone else changed this item after you opened it", "All fine now")
	r = ht.admin.api(http.MethodPut, "/api/v1/projects/CRM/pitfalls/P06", map[string]any{"status": "clear", "version": 0})
	expectStatus(t, r, http.StatusConflict)
	// The API needs the version; a bad status or an unknown pitfall are refused.
	expectStatus(t, ht.admin.api(http.MethodPut, "/api/v1/projects/CRM/pitfalls/P06", map[string]any{"status": "clear"}), http.StatusUnprocessableEntity)
	expectStatus(t, ht.admin.api(http.MethodPut, "/api/v1/projects/CRM/pitfalls/P06", map[string]any{"status": "maybe", "version": 1}), http.StatusUnprocessableEntity)
	expectStatus(t, ht.admin.api(http.MethodPut, "/api/v1/projects/CRM/pitfalls/P99", map[string]any{"status": "clear", "version": 0}), http.StatusNotFound)
	expectStatus(t, ht.admin.post("/projects/CRM/pitfalls/P06", url.Values{"status": {"maybe"}, "version": {"1"}}), http.StatusUnprocessableEntity)
	as, err := pitfall.Assessments(context.Background(), ht.db, ht.projectID)
	if err != nil || len(as) != 1 || as["P06"].Status != pitfall.FallenIn || as["P06"].Version != 1 || as["P06"].Notes != "Two custom modules already" {
		t.Fatalf("after refusals: %+v %v", as, err)
	}

	// The project manager assesses through the API with the version read: at risk caps P06 at 5.
	r = ht.admin.api(http.MethodPut, "/api/v1/projects/CRM/pitfalls/P06", map[string]any{"status": "at_risk", "answers": []string{"yes", "", "no"},
		"owner_id": ht.adminID, "next_review_on": date.Of(time.Now()).AddDays(7).String(), "version": 1})
	expectStatus(t, r, http.StatusOK)
	var a struct {
		Code string `json:"code"`
		assessmentOut
	}
	r.decode(t, &a)
	if a.Code != "P06" || a.Status != pitfall.AtRisk || a.Version != 2 || a.OwnerName != "Ada Admin" || len(a.Answers) != 3 {
		t.Fatalf("assessment %+v", a)
	}
	if h := healthOf(t, ht.admin); h.Score != before.Score-5 {
		t.Fatalf("at risk: score %d, want %d", h.Score, before.Score-5)
	}
	// The symptom self-check is assessed the same way and scores nothing.
	r = ht.admin.post("/projects/CRM/pitfalls/SYM", url.Values{"status": {"at_risk"}, "answer_0": {"yes"}, "version": {"0"}})
	expectStatus(t, r, http.StatusSeeOther)
	if h := healthOf(t, ht.admin); h.Score != before.Score-5 {
		t.Fatalf("symptoms changed the score to %d", h.Score)
	}
	// Every assessment is in the project's activity.
	expectContains(t, ht.admin.get("/projects/CRM/activity?entity=pitfall"), "Pitfall assessment",
		html.EscapeString(pitfallTitle("P06", "en")), html.EscapeString(pitfallTitle("SYM", "en")))
}

func TestThresholdsChangeWhichFindingsAppear(t *testing.T) {
	t.Parallel()
	ht := newHealthTeam(t)
	// A goal, so the backlog's share serving none is judged.
	expectStatus(t, ht.admin.post("/projects/CRM/goals", goalForm(ht.adminID)), http.StatusSeeOther)
	if !healthOf(t, ht.admin).has("phase_one_integrations") {
		t.Fatal("no integration finding to start with")
	}
	page := ht.steering.get("/projects/CRM/health")
	expectContains(t, page, `id="thresholds-form"`, `name="phase_one_integrations" value="2"`, `name="no_goal_share" value="20"`)
	values := url.Values{}
	for _, f := range thresholdFields {
		d := pitfall.DefaultThresholds()
		values.Set(f.name, f.show(&d))
	}

	// Refusals: a word, a share out of range; a member; nothing changes.
	bad := url.Values{}
	for k, v := range values {
		bad[k] = v
	}
	bad.Set("phase_one_integrations", "four")
	r := ht.steering.post("/projects/CRM/health/thresholds", fresh(bad))
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "Enter a whole number.", `value="four"`)
	bad.Set("phase_one_integrations", "4")
	bad.Set("customization_share", "130")
	r = ht.steering.post("/projects/CRM/health/thresholds", fresh(bad))
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "A threshold is out of range")
	values.Set("phase_one_integrations", "4")
	expectStatus(t, ht.member.post("/projects/CRM/health/thresholds", fresh(values)), http.StatusForbidden)
	if !healthOf(t, ht.admin).has("phase_one_integrations") {
		t.Fatal("a refused change took effect")
	}

	// Four integrations allowed in phase one: the finding goes, the score rises.
	before := healthOf(t, ht.admin).Score
	r = ht.steering.post("/projects/CRM/health/thresholds", fresh(values))
	expectStatus(t, r, http.StatusSeeOther)
	after := healthOf(t, ht.admin)
	if after.has("phase_one_integrations") || after.Score != before+6 {
		t.Fatalf("after raising the threshold: score %d → %d, findings %+v", before, after.Score, after.Findings)
	}
	expectContains(t, ht.viewer.get("/projects/CRM/health"), "<td class=\"nowrap\">4</td>")
	// A share: none of the 5 requirements serves a goal, more than the 20 % allowed,
	// until the project allows them all.
	expectContains(t, ht.admin.get("/projects/CRM/health"), "5 of 5 requirements (100 %) serve no goal; keep it to 20 % or less.")
	values.Set("no_goal_share", "100")
	expectStatus(t, ht.admin.post("/projects/CRM/health/thresholds", fresh(values)), http.StatusSeeOther)
	if healthOf(t, ht.admin).has("requirements_without_goal") {
		t.Fatal("requirements_without_goal at 100 %")
	}
	// Back to the defaults: both findings return.
	expectStatus(t, ht.admin.post("/projects/CRM/health/thresholds", url.Values{"reset": {"1"}}), http.StatusSeeOther)
	if h := healthOf(t, ht.admin); !h.has("phase_one_integrations") || !h.has("requirements_without_goal") || h.Score != before {
		t.Fatalf("after reset: score %d, %+v", h.Score, h.Findings)
	}
}

func TestHealthKeepsOneSnapshotADay(t *testing.T) {
	t.Parallel()
	ht := newHealthTeam(t)
	// The server keeps the day's score (hourly, several instances alike):
	// running it twice keeps one row.
	for range 2 {
		if n, err := office.SnapshotHealth(context.Background(), ht.db, date.Of(time.Now())); err != nil || n != 1 {
			t.Fatalf("%d projects scored (%v)", n, err)
		}
	}
	var rows []struct {
		Day   date.Date `bun:"day"`
		Score int       `bun:"score"`
	}
	if err := ht.db.NewSelect().Table("health_snapshots").Column("day", "score").Where("project_id = ?", ht.projectID).Scan(context.Background(), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Day != date.Of(time.Now()) || rows[0].Score != healthOf(t, ht.viewer).Score {
		t.Fatalf("snapshots %+v", rows)
	}
	// Earlier days come back in the trend, the chart and its table.
	if err := pitfall.Snapshot(context.Background(), ht.db, ht.projectID, date.Of(time.Now()).AddDays(-3), &pitfall.Health{Score: 41}); err != nil {
		t.Fatal(err)
	}
	page := ht.viewer.get("/projects/CRM/health")
	expectContains(t, page, "<td class=\"num\">41</td>", " · 41</title>")
	if h := healthOf(t, ht.viewer); len(h.Trend) != 2 || h.Trend[0].Score != 41 {
		t.Fatalf("trend %+v", h.Trend)
	}
}

func TestProjectHomeShowsHealthCard(t *testing.T) {
	t.Parallel()
	ht := newHealthTeam(t)
	score := healthOf(t, ht.viewer).Score
	home := ht.viewer.get("/projects/CRM")
	expectStatus(t, home, http.StatusOK)
	expectContains(t, home, `id="health-card"`, `href="/projects/CRM/health"`, fmt.Sprintf(`class="score-value">%d</text>`, score),
		// the most serious findings come first
		"Implementation holds 4 integrations; keep phase one to 2 or fewer.", "more on the health page")
	if n := strings.Count(home.body, `<li class="finding `); n != 3 {
		t.Fatalf("%d findings on the home page, want the top 3", n)
	}
}

func TestGatePackHasHealthSection(t *testing.T) {
	t.Parallel()
	ht := newHealthTeam(t)
	ctx := context.Background()
	ms, err := milestone.List(ctx, ht.db, ht.projectID, date.Of(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	var gate int64
	for _, m := range ms {
		if m.IsGate && gate == 0 {
			gate = m.ID
		}
	}
	rv, err := milestone.Schedule(ctx, ht.db, ht.adminID, ht.projectID, gate, milestone.ScheduleInput{ScheduledOn: date.Of(time.Now())})
	if err != nil {
		t.Fatal(err)
	}
	score := healthOf(t, ht.viewer).Score
	page := ht.viewer.get(fmt.Sprintf("/projects/CRM/reviews/%d", rv.ID))
	expectStatus(t, page, http.StatusOK)
	expectContains(t, page, `id="pack-health"`, fmt.Sprintf("Project health: %d of 100", score), "Integrating everything at once",
		"Implementation holds 4 integrations; keep phase one to 2 or fewer.")
	ht.viewer.post("/lang", url.Values{"lang": {"zh-CN"}})
	expectContains(t, ht.viewer.get(fmt.Sprintf("/projects/CRM/reviews/%d", rv.ID)), "项目健康度", "“Implementation”阶段包含 4 个集成")
}
