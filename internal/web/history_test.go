package web

import (
	"rollout/internal/jobs"
	"rollout/internal/notify"
	"rollout/internal/office"

	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"rollout/internal/account"
	"rollout/internal/adoption"
	"rollout/internal/archive"
	"rollout/internal/audit"
	"rollout/internal/budget"
	"rollout/internal/comment"
	"rollout/internal/database"
	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/demo"
	"rollout/internal/goal"
	"rollout/internal/i18n"
	"rollout/internal/milestone"
	"rollout/internal/pitfall"
	"rollout/internal/project"
	"rollout/internal/requirement"
	"rollout/internal/risk"
	"rollout/internal/weekly"
)

// historyWrites loads the demo project and adds the writes it does not make,
// so that the trail holds every entity and action the code can write.
func historyWrites(t *testing.T, db *database.DB) (pm *account.User, p *project.Project) {
	t.Helper()
	ctx := context.Background()
	today := date.Of(time.Now())
	if _, err := demo.Load(ctx, db, today); err != nil {
		t.Fatal(err)
	}
	ok := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	pm, err := account.ByEmail(ctx, db, "pm@demo.example")
	ok(err)
	var pid int64
	ok(db.NewSelect().Table("projects").Column("id").Where("key = ?", demo.Key).Scan(ctx, &pid))
	p, err = project.ByID(ctx, db, pid)
	ok(err)
	caller, err := project.CallerFor(ctx, db, pid, pm.ID)
	ok(err)
	// Backlog order.
	ok(requirement.Move(ctx, db, caller, pid, 5, requirement.Target{Before: 2}))
	ok(requirement.Move(ctx, db, caller, pid, 3, requirement.Target{Bottom: true}))
	// Phases.
	ph, err := project.AddPhase(ctx, db, pm.ID, pid, project.PhaseInput{Name: "Hypercare"})
	ok(err)
	ph, err = project.UpdatePhase(ctx, db, pm.ID, pid, ph.ID, project.PhaseInput{Name: "Hypercare and support",
		PlannedStartOn: today, PlannedEndOn: today.AddDays(30), Version: ph.Version})
	ok(err)
	ok(project.MovePhase(ctx, db, pm.ID, pid, ph.ID, -1))
	ok(project.DeletePhase(ctx, db, pm.ID, pid, ph.ID))
	// People.
	u, err := account.Create(ctx, db, pm.ID, account.NewUser{Email: "wang.wei@example.com", Name: "Wang Wei", Password: testPassword})
	ok(err)
	m, err := project.AddMember(ctx, db, pm.ID, pid, project.MemberInput{Email: u.Email, Role: project.RoleViewer, Department: project.DeptSales})
	ok(err)
	_, err = project.UpdateMember(ctx, db, pm.ID, pid, u.ID, project.MemberInput{Email: u.Email, Role: project.RoleMember,
		Department: project.DeptService, Version: m.Version})
	ok(err)
	ok(project.RemoveMember(ctx, db, pm.ID, pid, u.ID))
	_, err = account.UpdateProfile(ctx, db, u.ID, account.Profile{Name: "Wang Wei (Service)", Language: "zh-CN", Version: u.Version})
	ok(err)
	ok(account.ChangePassword(ctx, db, u.ID, testPassword, testPassword+" again", ""))
	_, err = account.ResetPassword(ctx, db, pm.ID, u.ID)
	ok(err)
	_, err = account.SetDisabled(ctx, db, pm.ID, u.ID, true)
	ok(err)
	_, tok, err := account.CreateToken(ctx, db, pm.ID, account.NewToken{Name: "Reporting script"})
	ok(err)
	ok(account.RevokeToken(ctx, db, pm.ID, tok.ID, time.Now()))
	ok(project.SetCreationRestricted(ctx, db, pm.ID, true))
	// Notifications: a bot added and removed, e-mail preferences, a failed delivery retried.
	hook, err := notify.CreateWebhook(ctx, db, caller, pid, notify.WebhookInput{Kind: notify.KindDingTalk,
		URL: "https://oapi.dingtalk.com/robot/send?access_token=abc", Secret: "SECx", Events: []string{jobs.GateReviewDecided}})
	ok(err)
	ok(notify.DeleteWebhook(ctx, db, caller, pid, hook.ID))
	ok(notify.SetPrefs(ctx, db, pm.ID, []string{jobs.Mention}, true))
	var delivery int64
	ok(db.NewRaw(`INSERT INTO deliveries (key, project_id, event, channel, target, status, attempts, last_error, message)
	    VALUES ('history', ?, 'mention', 'email', 'pm@example.com', 'failed', 8, 'connection refused', '{}') RETURNING id`, pid).Scan(ctx, &delivery))
	ok(notify.RetryDelivery(ctx, db, pm.ID, delivery))
	// The weekly report: built, built again, its summary edited, sent; its schedule set.
	rep, err := office.BuildWeeklyReport(ctx, db, caller, pid, time.Now())
	ok(err)
	_, err = office.BuildWeeklyReport(ctx, db, caller, pid, time.Now())
	ok(err)
	rep, err = weekly.UpdateSummary(ctx, db, caller, pid, rep.ID, weekly.SummaryInput{Summary: "A calm week.", Version: rep.Version + 1})
	ok(err)
	_, err = office.SendWeeklyReport(ctx, db, caller, pid, rep.ID, weekly.SendInput{Roles: []string{"steering", "project_manager"}}, time.Now())
	ok(err)
	_, err = weekly.SaveSettings(ctx, db, caller, pid, weekly.SettingsInput{AutoSend: true, Weekday: 5, Hour: 17, Roles: []string{"steering"}, Version: 1})
	ok(err)
	// Goals.
	gs, err := goal.List(ctx, db, pid, today)
	ok(err)
	g := gs[0].Goal
	in := goal.InputOf(&g)
	in.Notes = strings.Repeat("Measured from the CRM's weekly report. ", 10)
	_, err = goal.Update(ctx, db, pm.ID, pid, g.ID, in)
	ok(err)
	v := 19.5
	ms, err := goal.AddMeasurement(ctx, db, caller, pid, g.ID, goal.MeasurementInput{Value: &v, MeasuredOn: today}, goal.Manual, today)
	ok(err)
	ok(goal.DeleteMeasurement(ctx, db, pm.ID, pid, g.ID, ms.ID))
	ok(goal.Delete(ctx, db, pm.ID, pid, gs[len(gs)-1].ID))
	// Adoption figures: a week recorded, then sent again with new figures.
	lic, act := int64(40), int64(30)
	week := []adoption.Input{{Week: adoption.WeekName(today), Department: "sales", Role: "Sales rep", LicensedUsers: &lic, ActiveUsers: &act}}
	_, err = adoption.Record(ctx, db, caller, pid, week, adoption.API, today)
	ok(err)
	filled, act2 := 87.5, int64(34)
	week[0].ActiveUsers, week[0].RequiredFilled = &act2, &filled
	_, err = adoption.Record(ctx, db, caller, pid, week, adoption.Import, today)
	ok(err)
	// Risks.
	r, err := risk.Get(ctx, db, pid, 2)
	ok(err)
	rin := risk.InputOf(r)
	rin.Probability, rin.Status = 2, "closed"
	_, err = risk.Update(ctx, db, caller, pid, 2, rin, today)
	ok(err)
	ok(risk.Delete(ctx, db, pm.ID, pid, 3))
	// Plan.
	mi, err := milestone.Create(ctx, db, pm.ID, pid, milestone.Input{Name: "Hypercare ends", PlannedOn: today.AddDays(90),
		Deliverables: []string{"Support hand-over signed"}}, today)
	ok(err)
	_, err = milestone.AddDeliverable(ctx, db, pm.ID, pid, mi.ID, "Lessons learned written up")
	ok(err)
	ok(milestone.Delete(ctx, db, pm.ID, pid, mi.ID))
	// Comments: written with a mention, edited, and one deleted.
	ct, err := comment.FindTarget(ctx, db, pid, p.Key, comment.Requirement, 1)
	ok(err)
	cm, err := comment.Create(ctx, db, caller, pid, ct, comment.Input{Body: "@Chen Jing please check", Mentions: []int64{pm.ID}})
	ok(err)
	_, err = comment.Update(ctx, db, caller, pid, cm.ID, comment.Input{Body: "Please check the criteria", Version: cm.Version})
	ok(err)
	cm, err = comment.Create(ctx, db, caller, pid, ct, comment.Input{Body: "A second thought"})
	ok(err)
	ok(comment.Delete(ctx, db, caller, pid, cm.ID, cm.Version))
	// Pitfalls and settings.
	_, err = pitfall.Assess(ctx, db, pm.ID, pid, "P01", pitfall.Input{Status: "at_risk", Answers: []string{"yes", "no", "unsure"},
		Notes: "Two goals still lack a baseline.", OwnerID: &pm.ID, NextReviewOn: today.AddDays(14)})
	ok(err)
	th := pitfall.DefaultThresholds()
	th.MinBacklog++
	ok(pitfall.SetThresholds(ctx, db, pm.ID, pid, th))
	// Budget.
	ls, err := budget.Lines(ctx, db, pid)
	ok(err)
	_, err = budget.UpdateLine(ctx, db, pm.ID, pid, ls[0].ID, budget.LineInput{Category: ls[0].Category, Planned: ls[0].Planned + 1000,
		Currency: ls[0].Currency, Version: ls[0].Version})
	ok(err)
	// The project itself: edit, archive, restore, a copy through an archive, deleted.
	pin := project.InputOf(p)
	pin.Sponsor = "Chen Jing (VP Sales and Service)"
	_, err = project.Update(ctx, db, pm.ID, pid, pin)
	ok(err)
	_, err = project.SetArchived(ctx, db, pm.ID, pid, true)
	ok(err)
	_, err = project.SetArchived(ctx, db, pm.ID, pid, false)
	ok(err)
	a, err := archive.Export(ctx, db, pid)
	ok(err)
	_, err = archive.Import(ctx, db, a, archive.ImportOptions{Key: "COPY", ActorID: pm.ID})
	ok(err)
	gone, err := project.Create(ctx, db, pm.ID, project.Input{Key: "GONE", Name: "Pilot that never started", Template: "crm",
		StartOn: today, TargetOn: today.AddDays(100)}, "en")
	ok(err)
	ok(project.Delete(ctx, db, pm.ID, gone.ID, "GONE"))
	p, err = project.ByID(ctx, db, pid)
	ok(err)
	return pm, p
}

// writtenEntities lists the entities and literal actions the code records,
// read from the source itself, so a new kind of write cannot slip past.
func writtenEntities(t *testing.T) (entities, actions []string) {
	t.Helper()
	entityRe := regexp.MustCompile(`Entity: *"([a-z_]+)"`)
	actionRe := regexp.MustCompile(`Action: *"([a-z_]+)"`)
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range entityRe.FindAllSubmatch(src, -1) {
			entities = append(entities, string(m[1]))
		}
		for _, m := range actionRe.FindAllSubmatch(src, -1) {
			actions = append(actions, string(m[1]))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(entities)
	slices.Sort(actions)
	return slices.Compact(entities), slices.Compact(actions)
}

// Every entity, action and field the code writes has words in both
// languages, and the pages that show the trail show no stored internals.
func TestHistoryCoversEveryWrite(t *testing.T) {
	t.Parallel()
	app, db := testApp(t)
	ctx := context.Background()
	pm, p := historyWrites(t, db)
	var entries []audit.Entry
	if err := db.NewSelect().Model(&entries).Order("id").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	seenEntity, seenAction := map[string]bool{}, map[string]bool{}
	bundle := i18n.MustLoad()
	labelled := func(id string) {
		t.Helper()
		for _, lang := range i18n.Languages {
			if bundle.For(lang).T(id) == id {
				t.Errorf("no %s text for %s", lang, id)
			}
		}
	}
	checked := map[string]bool{}
	once := func(id string) {
		if !checked[id] {
			checked[id] = true
			labelled(id)
		}
	}
	for _, e := range entries {
		seenEntity[e.Entity], seenAction[e.Action] = true, true
		once("enum.entity." + e.Entity)
		once("enum.action." + e.Action)
		for _, raw := range []json.RawMessage{e.Before, e.After} {
			fields := map[string]any{}
			_ = json.Unmarshal(raw, &fields)
			for f, v := range fields {
				spec, ok := historySpecOf(e.Entity, f)
				if !ok {
					t.Errorf("%s %s writes the field %s, which the history does not know", e.Entity, e.Action, f)
					continue
				}
				if spec.kind == hHidden {
					continue
				}
				once("history.field." + f)
				if s, isText := v.(string); spec.kind == hEnum && isText && s != "" {
					once("enum." + spec.enum + "." + s)
				}
			}
		}
		if e.Entity == "setting" {
			once("history.setting." + e.EntityID)
		}
	}
	entities, actions := writtenEntities(t)
	for _, e := range entities {
		if !seenEntity[e] {
			t.Errorf("the code writes %q entries, the test never made one", e)
		}
	}
	for _, a := range append(actions, audit.Create, audit.Update, audit.Delete, audit.Archive, audit.Restore) {
		if !seenAction[a] {
			t.Errorf("the code writes %q entries, the test never made one", a)
		}
	}
	for _, e := range projectEntities {
		once("enum.entity." + e)
	}

	// Names cost one query per kind of id, whatever the number of entries.
	counter := dbtest.CountQueries(db)
	var queries []int64
	for _, n := range []int{10, 500} {
		counter.Reset()
		if _, err := renderHistory(ctx, db, bundle.For(i18n.English), entries[len(entries)-n:]); err != nil {
			t.Fatal(err)
		}
		queries = append(queries, counter.Count())
	}
	if queries[1] > 16 || queries[0] > queries[1] {
		t.Errorf("queries to name 10 and 500 entries: %v", queries)
	}

	b := newBrowser(t, app)
	_, session, err := account.SignIn(ctx, db, pm.Email, demo.Password, "127.0.0.1", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b.cookies["rollout_session"] = session
	internals := []*regexp.Regexp{
		regexp.MustCompile(`[a-z]_id\b`), regexp.MustCompile(`_(at|on|by)\b`),
		regexp.MustCompile(`\{"|\[\{|\[[0-9"]|":`),
		regexp.MustCompile(`\b(enum|audit|history|threshold)\.[a-z_]+`),
		regexp.MustCompile(`[0-9]e[+-][0-9]`),
		regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:`),
		regexp.MustCompile(`(^|[^&])#\d`),
	}
	labelRe := regexp.MustCompile(`<strong class="history-field">([^<]*)</strong>`)
	for _, lang := range i18n.Languages {
		b.cookies[langCookie] = lang
		for _, start := range []string{"/projects/" + p.Key + "/activity", "/admin/activity"} {
			pages, path := 0, start
			for path != "" {
				r := b.get(path)
				expectStatus(t, r, 200)
				table := historyTable(t, r.body)
				for _, re := range internals {
					if m := re.FindString(table); m != "" {
						i := strings.Index(table, m)
						t.Errorf("%s %s shows %q: …%s…", lang, path, m, table[max(0, i-200):min(len(table), i+200)])
					}
				}
				if lang == i18n.Chinese {
					for _, m := range labelRe.FindAllStringSubmatch(table, -1) {
						if strings.ContainsAny(m[1], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
							t.Errorf("%s: English label %q on the Chinese page", path, m[1])
						}
					}
				}
				pages++
				path = nextPage(r.body)
			}
			if pages < 2 {
				t.Errorf("%s: %d pages of activity", start, pages)
			}
		}
	}

	// Every item's page shows its own trail through the same renderer.
	b.cookies[langCookie] = i18n.English
	var goalID, milestoneID int64
	if err := db.NewSelect().Table("goals").ColumnExpr("min(id)").Where("project_id = ?", p.ID).Scan(ctx, &goalID); err != nil {
		t.Fatal(err)
	}
	if err := db.NewSelect().Table("milestones").ColumnExpr("min(id)").Where("project_id = ?", p.ID).Scan(ctx, &milestoneID); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/requirements/42":                   "<del>Optional</del> → Important",
		"/risks/2":                           "<del>Mitigating</del> → Closed",
		"/goals/" + itoa64(goalID):           "Created",
		"/milestones/" + itoa64(milestoneID): "Created",
		"/changes/4":                         "Moved the milestone User acceptance to",
	} {
		r := b.get("/projects/" + p.Key + path)
		expectStatus(t, r, 200)
		table := historyTable(t, r.body)
		if !strings.Contains(table, want) {
			t.Errorf("%s: no %q in its history:\n%s", path, want, table)
		}
		for _, re := range internals {
			if m := re.FindString(table); m != "" {
				t.Errorf("%s shows %q", path, m)
			}
		}
	}
}

// historyTable is the part of a page that shows the trail.
func historyTable(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `<table class="data compact history">`)
	if i < 0 {
		t.Fatalf("no history on the page:\n%s", body)
	}
	j := strings.Index(body[i:], "</table>")
	return body[i : i+j]
}

var nextPageRe = regexp.MustCompile(`<nav class="pagination"[^>]*>\s*<a href="([^"]+)"`)

func nextPage(body string) string {
	m := nextPageRe.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}
