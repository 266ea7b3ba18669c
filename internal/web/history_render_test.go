package web

import (
	"encoding/json"
	"strings"
	"testing"

	"rollout/internal/audit"
	"rollout/internal/i18n"
)

// historyOf renders one entry against names a test makes up.
func historyOf(t *testing.T, lang string, e audit.Entry, n *audit.Names) historyEntry {
	t.Helper()
	pid := int64(1)
	e.ProjectID = &pid
	it := historyItem{entry: e, before: map[string]any{}, after: map[string]any{}, project: pid}
	_ = json.Unmarshal(e.Before, &it.before)
	_ = json.Unmarshal(e.After, &it.after)
	if n.Projects == nil {
		n.Projects = map[int64]audit.Project{}
	}
	n.Projects[1] = audit.Project{ID: 1, Key: "CRM", Name: "CRM rollout"}
	return historyRenderer{tr: i18n.MustLoad().For(lang), names: n, item: &it}.entry()
}

func joined(h historyEntry) string {
	var b strings.Builder
	for _, l := range h.Lines {
		b.WriteString(string(l) + "\n")
	}
	for _, c := range h.Changes {
		b.WriteString(c.Label + ": " + string(c.Before) + " → " + string(c.After) + "\n")
	}
	return b.String()
}

// A move in the backlog says which requirement it now stands above, never a rank.
func TestHistoryRankMove(t *testing.T) {
	n := &audit.Names{Requirements: map[int64]audit.Item{9: {ID: 9, ProjectID: 1, Number: 9, Title: "Lead form"}},
		Above: map[int64]audit.Item{70: {ID: 12, ProjectID: 1, Number: 12, Title: "Quotes"}}}
	up := historyOf(t, i18n.English, audit.Entry{ID: 70, Entity: "requirement", EntityID: "9", Action: "move",
		Before: json.RawMessage(`{"rank":3276800}`), After: json.RawMessage(`{"rank":65536}`)}, n)
	got := joined(up)
	if !strings.Contains(got, `Moved up, above <a href="/projects/CRM/requirements/12"><span class="mono">CRM-12</span></a>`) ||
		strings.Contains(got, "3276800") || strings.Contains(got, "e+06") || len(up.Changes) != 0 {
		t.Errorf("move up: %s", got)
	}
	if !strings.Contains(string(up.Subject), "CRM-9") || up.Action != "Moved" {
		t.Errorf("subject %s action %s", up.Subject, up.Action)
	}
	last := historyOf(t, i18n.Chinese, audit.Entry{ID: 71, Entity: "requirement", EntityID: "9", Action: "move",
		Before: json.RawMessage(`{"rank":65536}`), After: json.RawMessage(`{"rank":9999999}`)}, n)
	if got := joined(last); got != "移至需求池末尾\n" {
		t.Errorf("move to the bottom: %q", got)
	}
}

// A change request's operations read as sentences with the items linked.
func TestHistoryOperations(t *testing.T) {
	phase := int64(4)
	n := &audit.Names{Phases: map[int64]string{phase: "Rollout"},
		Milestones:          map[int64]audit.Item{5: {ID: 5, ProjectID: 1, Title: "Go-live"}},
		RequirementByNumber: map[audit.NumberRef]audit.Item{{ProjectID: 1, Number: 46}: {ProjectID: 1, Number: 46, Title: "Mini-program"}}}
	h := historyOf(t, i18n.English, audit.Entry{ID: 1, Entity: "change_request", EntityID: "3", Action: "update",
		Before: json.RawMessage(`{"operations":[]}`),
		After: json.RawMessage(`{"operations":[{"op":"set_phase","number":46,"phase_id":4},{"op":"set_tier","number":46,"tier":"must"},` +
			`{"op":"shift_milestone","milestone_id":5,"days":7},{"op":"remove_requirement","number":46},` +
			`{"op":"add_requirement","requirement":{"title":"WeChat leads","tier":"important"}}]}`)}, n)
	got := joined(h)
	req := `<a href="/projects/CRM/requirements/46"><span class="mono">CRM-46</span></a> Mini-program`
	for _, want := range []string{
		"Operations: ",
		"Move " + req + " to the phase Rollout",
		"Set the tier of " + req + " to Must",
		`Shift the milestone <a href="/projects/CRM/milestones/5">Go-live</a> by 7 days`,
		"Remove " + req,
		"Add the requirement “WeChat leads” (Important)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, `"op"`) || strings.Contains(got, "phase_id") {
		t.Errorf("raw operations: %s", got)
	}
	applied := historyOf(t, i18n.Chinese, audit.Entry{ID: 2, Entity: "change_request", EntityID: "3", Action: "apply",
		Before: json.RawMessage(`{"status":"approved","apply_result":null}`),
		After:  json.RawMessage(`{"status":"implemented","apply_result":[{"op":"shift_milestone","subject":"Go-live","detail":"2027-02-09","planned_on":"2027-02-09"}]}`)}, n)
	if got := joined(applied); !strings.Contains(got, "状态: 已批准 → 已实施") || !strings.Contains(got, "已将里程碑 Go-live 移到 2027-02-09") {
		t.Errorf("applied: %s", got)
	}
}

// A gate decision is one sentence with its conditions counted, then listed.
func TestHistoryDecision(t *testing.T) {
	n := &audit.Names{Users: map[int64]string{6: "Li Na", 4: "Chen Jing", 5: "Wang Wei"},
		Reviews: map[int64]audit.Item{2: {ID: 2, ProjectID: 1, Title: "Design approved", Parent: 3}}}
	h := historyOf(t, i18n.English, audit.Entry{ID: 1, Entity: "gate_review", EntityID: "2", Action: "decide",
		After: json.RawMessage(`{"decision":"go_with_conditions","attendees":[4,5],"notes":"",` +
			`"conditions":[{"text":"Name a data owner","owner_id":6,"due_on":"2026-11-16"}]}`)}, n)
	got := joined(h)
	for _, want := range []string{"Decision: Go with conditions — 1 condition\n", "Attendees:  → Chen Jing, Wang Wei",
		"Name a data owner — Li Na · due 2026-11-16"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if h.Action != "Decided" || !strings.Contains(string(h.Subject), `href="/projects/CRM/reviews/2"`) {
		t.Errorf("action %q subject %s", h.Action, h.Subject)
	}
	zh := historyOf(t, i18n.Chinese, audit.Entry{ID: 1, Entity: "gate_review", EntityID: "2", Action: "decide",
		After: json.RawMessage(`{"decision":"no_go","attendees":[4],"notes":""}`)}, n)
	if got := joined(zh); !strings.HasPrefix(got, "决定：不通过\n") {
		t.Errorf("zh: %s", got)
	}
}

// A long text folds behind a summary; every character stays reachable.
func TestHistoryLongText(t *testing.T) {
	long := strings.Repeat("Duplicates are merged by the agreed rules. ", 8)
	h := historyOf(t, i18n.English, audit.Entry{ID: 1, Entity: "risk", EntityID: "CRM-R-1", Action: "update",
		Before: json.RawMessage(`{"mitigation":""}`), After: json.RawMessage(`{"mitigation":` + strconvQuote(long) + `}`)}, &audit.Names{})
	after := string(h.Changes[0].After)
	if !strings.HasPrefix(after, `<details class="history-long"><summary>`) || !strings.Contains(after, strings.TrimSpace(long)) {
		t.Errorf("long text: %s", after)
	}
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
