package web

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"rollout/internal/date"
	"rollout/internal/milestone"
	"rollout/internal/office"
	"rollout/internal/risk"
	"rollout/internal/web/chart"
)

// heatCell is one drawn cell of a heat map with risks in it.
type heatCell struct {
	href, level, fill, count string
}

var heatCellRE = regexp.MustCompile(`<a href="([^"]*)" aria-label="[^"]*" data-p="(\d)" data-i="(\d)" data-level="(\w+)"><title>[^<]*</title><rect [^>]*fill="(#[0-9a-f]+)"[^>]*/><text [^>]*>(\d+)</text></a>`)

// heatCells reads the cells of the first heat map of a page, by "p×i".
func heatCells(t *testing.T, r response) map[string]heatCell {
	t.Helper()
	start := strings.Index(r.body, `<svg class="heatmap"`)
	if start < 0 {
		t.Fatal("no heat map on the page")
	}
	svg := r.body[start:]
	svg = svg[:strings.Index(svg, "</svg>")]
	cells := map[string]heatCell{}
	for _, m := range heatCellRE.FindAllStringSubmatch(svg, -1) {
		cells[m[2]+"×"+m[3]] = heatCell{href: html.UnescapeString(m[1]), level: m[4], fill: m[5], count: m[6]}
	}
	return cells
}

// The dashboard used to colour its heat map by how many risks sat in a cell
// (4 × 4 with one risk pale, 3 × 4 with three risks red) while the register
// coloured by level. The register, the dashboard and the gate pack now draw
// one heat map: a cell's colour is its level, its label the count, and it
// links to the register filtered to it.
func TestOneHeatMapOnTheRegisterTheDashboardAndThePack(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	admin := projectWithMembers(t, app, db, nil)
	me := userID(t, db, adminEmail)
	addRisk(t, db, me, "Vendor capacity", 4, 4)
	for _, title := range []string{"ERP feed late", "Lead form late", "Mail sync late"} {
		addRisk(t, db, me, title, 3, 4)
	}
	for _, title := range []string{"Naming rules", "Duplicate rules", "Field owners"} {
		addRisk(t, db, me, title, 2, 3)
	}
	ctx, today := context.Background(), date.Of(time.Now())
	pid := projectID(t, db, "CRM")
	gate, err := milestone.Create(ctx, db, me, pid, milestone.Input{Name: "Design approved", PlannedOn: today.AddDays(10), IsGate: true}, today)
	if err != nil {
		t.Fatal(err)
	}
	review, err := office.ScheduleReview(ctx, db, me, pid, gate.ID, milestone.ScheduleInput{ScheduledOn: today, Invited: []int64{me}})
	if err != nil {
		t.Fatal(err)
	}
	high, _ := chart.LevelColors(risk.High)
	medium, _ := chart.LevelColors(risk.Medium)
	pages := map[string]string{
		"register":     "/projects/CRM/risks",
		"dashboard":    "/projects/CRM/dashboard",
		"pending pack": "/projects/CRM/reviews/" + itoa64(review.ID),
	}
	check := func(name, path string) {
		page := admin.get(path)
		expectStatus(t, page, http.StatusOK)
		cells := heatCells(t, page)
		// 4 × 4 = 16 and 3 × 4 = 12 are both high, whatever their counts;
		// 2 × 3 = 6 is medium though it holds as many risks as 3 × 4.
		for key, want := range map[string]heatCell{"4×4": {level: "high", fill: high, count: "1"},
			"3×4": {level: "high", fill: high, count: "3"}, "2×3": {level: "medium", fill: medium, count: "3"}} {
			got := cells[key]
			if got.level != want.level || got.fill != want.fill || got.count != want.count {
				t.Errorf("%s: cell %s is %+v, want %+v", name, key, got, want)
			}
		}
		if len(cells) != 3 {
			t.Errorf("%s: %d cells with risks, want 3", name, len(cells))
		}
		// The cell opens the register filtered to it.
		href := cells["3×4"].href
		if !strings.HasPrefix(href, "/projects/CRM/risks?") || !strings.Contains(href, "p=3") || !strings.Contains(href, "i=4") {
			t.Fatalf("%s: cell 3×4 links to %q", name, href)
		}
		list := admin.get(strings.TrimSuffix(href, "#risk-list"))
		expectStatus(t, list, http.StatusOK)
		expectContains(t, list, "ERP feed late", "Lead form late", "Mail sync late")
		if strings.Contains(list.body, "Vendor capacity") || strings.Contains(list.body, "Naming rules") {
			t.Errorf("%s: the register filtered by %q lists risks of other cells", name, href)
		}
	}
	for name, path := range pages {
		check(name, path)
	}

	// A decided pack keeps its heat map as the ratings stood at the decision.
	if _, err := office.DecideReview(ctx, db, me, pid, review.ID, milestone.DecisionInput{Decision: milestone.Go, Attendees: []int64{me}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	addRisk(t, db, me, "Late risk", 4, 4)
	check("decided pack", pages["pending pack"])
	expectContains(t, admin.get(pages["pending pack"]), `id="pack-as-of"`, "Figures as they stood on", "Heat map of the risks in this pack")

	// The pack's workbook has the same map: counts, then each cell's level.
	x, err := excelize.OpenReader(strings.NewReader(admin.get("/projects/CRM/reviews/latest.xlsx").body))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows("Risk heat map")
	if err != nil || len(rows) != 13 {
		t.Fatalf("heat sheet %q %v", rows, err)
	}
	// Row 2 is probability 4, row 3 probability 3; rows 9 and 10 their levels.
	if rows[2][4] != "1" || rows[3][4] != "3" || rows[9][4] != "High" || rows[10][4] != "High" || rows[11][3] != "Medium" {
		t.Errorf("heat sheet %q", rows)
	}
}
