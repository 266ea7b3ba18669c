package notify_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/demo"
	"rollout/internal/jobs"
	"rollout/internal/notify"
	"rollout/internal/office"
	"rollout/internal/project"
	"rollout/internal/weekly"
)

// The demo's weekly report, sent by its project manager to the steering
// committee, reaches each of its two members by e-mail (text and HTML, each
// in their language, with the report's sections and a link back) and the
// project's WeCom bot that takes weekly reports, once each; a bot that takes
// other events gets nothing.
func TestWeeklyReportReachesTheChosenRoleAndTheBots(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, dsn := dbtest.NewWithDSN(t)
	now := time.Now().UTC()
	if _, err := demo.Load(ctx, db, date.Of(now)); err != nil {
		t.Fatal(err)
	}
	// The demo's own notifications (votes requested, reviews scheduled) are
	// not this test's.
	if _, err := db.ExecContext(ctx, "DELETE FROM river_job"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "UPDATE users SET language = 'zh-CN' WHERE email = 'cfo@demo.example'"); err != nil {
		t.Fatal(err)
	}
	var pid, pmID int64
	must(t, db.NewSelect().Table("projects").Column("id").Where("key = ?", demo.Key).Scan(ctx, &pid))
	must(t, db.NewSelect().Table("users").Column("id").Where("email = 'pm@demo.example'").Scan(ctx, &pmID))
	pm, err := project.CallerFor(ctx, db, pid, pmID)
	must(t, err)
	bots := newHook(t, 0)
	for _, h := range []notify.WebhookInput{
		{Kind: notify.KindWeCom, URL: bots.srv.URL + "/wecom?key=k1", Events: []string{jobs.WeeklyReport}},
		{Kind: notify.KindGeneric, URL: bots.srv.URL + "/generic", Events: []string{jobs.VoteRequested}},
	} {
		_, err := notify.CreateWebhook(ctx, db, pm, pid, h)
		must(t, err)
	}

	rep, err := office.BuildWeeklyReport(ctx, db, pm, pid, now)
	must(t, err)
	rep, err = weekly.UpdateSummary(ctx, db, pm, pid, rep.ID, weekly.SummaryInput{Summary: "Mock migration two is the week's worry.", Version: rep.Version})
	must(t, err)
	_, err = office.SendWeeklyReport(ctx, db, pm, pid, rep.ID, weekly.SendInput{Roles: []string{"steering"}}, now)
	must(t, err)

	f := &fixture{t: t, db: db, dsn: dsn, box: newMailbox(t), now: now}
	f.start(f.config())
	// (The sweep that runs at start may tell the demo's risk owners of
	// overdue reviews meanwhile: only the report's deliveries count here.)
	reportSent := func() int {
		return f.count("SELECT count(*) FROM deliveries WHERE event = 'weekly_report' AND status = 'sent'")
	}
	f.waitFor("two mails and a WeCom message", func() bool { return reportSent() == 3 })
	time.Sleep(200 * time.Millisecond) // nothing else arrives
	if n := f.count("SELECT count(*) FROM deliveries WHERE event = 'weekly_report'"); n != 3 {
		t.Fatalf("%d deliveries of the report", n)
	}

	var mails []received
	for _, m := range f.box.all() {
		if strings.HasPrefix(m.Subject, "[DEMO] Weekly report") || strings.HasPrefix(m.Subject, "[DEMO] 周报") {
			mails = append(mails, m)
		}
	}
	slices.SortFunc(mails, func(a, b received) int { return strings.Compare(a.To, b.To) })
	if len(mails) != 2 || mails[0].To != "cfo@demo.example" || mails[1].To != "sponsor@demo.example" {
		t.Fatalf("mails to %+v", mails)
	}
	week := rep.WeekStart.String() + " – " + rep.WeekEnd().String()
	link := "https://rollout.example.com/projects/DEMO/reports/" + strconv.FormatInt(rep.ID, 10)
	zh, en := mails[0], mails[1]
	if en.Subject != "[DEMO] Weekly report, "+week {
		t.Errorf("English subject %q", en.Subject)
	}
	if zh.Subject != "[DEMO] 周报："+rep.WeekStart.String()+" 至 "+rep.WeekEnd().String() {
		t.Errorf("Chinese subject %q", zh.Subject)
	}
	for _, part := range []string{"Mock migration two is the week's worry.", "Health ", "Milestones slipping",
		"Second mock migration: forecast", "Top risks", "Goals against their targets", link} {
		if !strings.Contains(en.Text, part) || !strings.Contains(en.HTML, strings.ReplaceAll(part, "'", "&#39;")) {
			t.Errorf("the English mail lacks %q:\n%s", part, en.Text)
		}
	}
	if !strings.Contains(en.HTML, "<h2") || !strings.Contains(en.HTML, "<li>") {
		t.Errorf("the HTML mail has no sections:\n%s", en.HTML)
	}
	for _, part := range []string{"延误的里程碑", "最高风险", "目标与目标值", link} {
		if !strings.Contains(zh.Text, part) {
			t.Errorf("the Chinese mail lacks %q:\n%s", part, zh.Text)
		}
	}

	if got := bots.received("/generic"); len(got) != 0 {
		t.Errorf("a webhook that takes other events got %d posts", len(got))
	}
	posts := bots.received("/wecom")
	if len(posts) != 1 || posts[0].Query != "key=k1" {
		t.Fatalf("WeCom posts %+v", posts)
	}
	var body struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Content string `json:"content"`
		} `json:"markdown"`
	}
	must(t, json.Unmarshal(posts[0].Body, &body))
	if body.MsgType != "markdown" || len(body.Markdown.Content) > 4096 {
		t.Fatalf("WeCom body %s", posts[0].Body)
	}
	for _, part := range []string{"### Weekly report, " + week, "**Milestones slipping**", "- Second mock migration", "(" + link + ")"} {
		if !strings.Contains(body.Markdown.Content, part) {
			t.Errorf("the WeCom message lacks %q:\n%s", part, body.Markdown.Content)
		}
	}
}
