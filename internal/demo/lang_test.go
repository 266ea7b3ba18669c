package demo

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/i18n"
)

// shape is what must not differ between the demo's languages: counts,
// states, tiers, ratings and dates, one line per fact.
var shape = []string{
	`SELECT count(*) FROM projects`,
	`SELECT count(*) FROM members`,
	`SELECT count(*) FROM phases`,
	`SELECT direction || ' ' || category || ' ' || due_on FROM goals ORDER BY id`,
	`SELECT count(*) || ' ' || round(sum(value)::numeric, 1) FROM measurements`,
	`SELECT number || ' ' || tier || ' ' || status || ' ' || kind || ' ' || coalesce(phase_id::text, '-') || ' ' || coalesce(estimate_days::text, '-') FROM requirements ORDER BY number`,
	`SELECT number || ' ' || status || ' ' || category || ' ' || probability || ' ' || impact || ' ' || coalesce(next_review_on::text, '-') FROM risks ORDER BY number`,
	`SELECT count(*) FROM risk_reviews`,
	`SELECT planned_on || ' ' || coalesce(forecast_on::text, '-') || ' ' || coalesce(actual_on::text, '-') || ' ' || is_gate FROM milestones ORDER BY planned_on`,
	`SELECT count(*) || ' ' || count(*) FILTER (WHERE done) FROM deliverables`,
	`SELECT coalesce(decision, '-') || ' ' || scheduled_on FROM gate_reviews ORDER BY scheduled_on`,
	`SELECT status || ' ' || due_on FROM review_actions ORDER BY id`,
	`SELECT number || ' ' || status || ' ' || created_at::date FROM change_requests ORDER BY number`,
	`SELECT planned || ' ' || currency FROM budget_lines ORDER BY id`,
	`SELECT spent_on || ' ' || amount FROM spend_entries ORDER BY spent_on, amount`,
	`SELECT day || ' ' || score FROM health_snapshots ORDER BY day`,
	`SELECT entity || ' ' || action || ' ' || count(*) FROM audit_entries GROUP BY entity, action ORDER BY entity, action`,
}

func describe(t *testing.T, db bun.IDB) []string {
	t.Helper()
	var out []string
	for _, q := range shape {
		var rows []string
		if err := db.NewRaw(q).Scan(context.Background(), &rows); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out = append(out, fmt.Sprintf("%s → %v", q, rows))
	}
	return out
}

// The Chinese demo is the English one in Chinese: the same counts, states
// and dates; every name, title and text a Chinese CRM team would write, with
// the glossary's terms and punctuation; its people read the pages in Chinese.
func TestChineseDemoIsTheEnglishDemoInChinese(t *testing.T) {
	ctx := context.Background()
	today := date.Today()
	en, zh := dbtest.New(t), dbtest.New(t)
	if res, err := Load(ctx, en, today); err != nil || !res.Created {
		t.Fatalf("English demo: %+v %v", res, err)
	}
	res, err := LoadIn(ctx, zh, today, i18n.Chinese)
	if err != nil || !res.Created || res.People[0].Name != "张敏" {
		t.Fatalf("Chinese demo: %+v %v", res, err)
	}
	want, got := describe(t, en), describe(t, zh)
	for i := range want {
		if want[i] != got[i] {
			t.Errorf("the Chinese demo differs:\n en %s\n zh %s", want[i], got[i])
		}
	}

	g, err := i18n.LoadGlossary()
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{
		"users":        `SELECT name FROM users`,
		"project":      `SELECT concat_ws(' | ', name, description, sponsor, scope_in, scope_out) FROM projects`,
		"phases":       `SELECT name FROM phases`,
		"goals":        `SELECT concat_ws(' | ', title, metric, unit) FROM goals`,
		"requirements": `SELECT concat_ws(' | ', title, user_story) FROM requirements`,
		"criteria":     `SELECT unnest(acceptance_criteria) FROM requirements`,
		"risks":        `SELECT concat_ws(' | ', title, description, mitigation, contingency, trigger) FROM risks`,
		"risk reviews": `SELECT note FROM risk_reviews`,
		"milestones":   `SELECT name FROM milestones`,
		"deliverables": `SELECT title FROM deliverables`,
		"decisions":    `SELECT notes FROM gate_reviews WHERE decision IS NOT NULL`,
		"conditions":   `SELECT text FROM review_actions`,
		"budget":       `SELECT category FROM budget_lines`,
		"spend":        `SELECT note FROM spend_entries`,
		"changes":      `SELECT concat_ws(' | ', title, reason, description, expected_effect) FROM change_requests`,
		"votes":        `SELECT comment FROM change_votes WHERE comment <> ''`,
	}
	for what, q := range texts {
		var rows []string
		if err := zh.NewRaw(q).Scan(ctx, &rows); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if len(rows) == 0 {
			t.Errorf("%s: none", what)
		}
		for _, s := range rows {
			if !i18n.HasHan(s) {
				t.Errorf("%s: %q is not Chinese", what, s)
			}
			for _, p := range g.Check("", s) {
				t.Errorf("%s: %s", what, p)
			}
		}
	}
	var langs []string
	if err := zh.NewRaw(`SELECT DISTINCT language FROM users`).Scan(ctx, &langs); err != nil || strings.Join(langs, ",") != i18n.Chinese {
		t.Errorf("the Chinese demo's people read %v (%v)", langs, err)
	}
	if _, err := LoadIn(ctx, zh, today, "fr"); err == nil {
		t.Error("a demo in French loaded")
	}
}
