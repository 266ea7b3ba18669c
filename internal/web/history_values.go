package web

// How the history renderer writes values: fields before → after, lists,
// long texts, a change request's operations and results.

import (
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rollout/internal/audit"
	"rollout/internal/change"
	"rollout/internal/milestone"
)

// requirement links a requirement of the entry's project by its number.
func (h historyRenderer) requirement(number int) template.HTML {
	key := h.projectKey() + "-" + strconv.Itoa(number)
	if r, ok := h.names.RequirementByNumber[audit.NumberRef{ProjectID: h.item.project, Number: number}]; ok {
		return keyed(h.path("/requirements/"+strconv.Itoa(number)), key, r.Title)
	}
	return keyed("", key, "")
}

// changes lists the fields of the entry: before → after for an update, the
// values the item had for a creation or a deletion.
func (h historyRenderer) changes(skip map[string]bool) []historyChange {
	e := h.item.entry
	fields := map[string]bool{}
	for k := range h.item.before {
		fields[k] = true
	}
	for k := range h.item.after {
		fields[k] = true
	}
	order := make([]string, 0, len(fields))
	for f := range fields {
		order = append(order, f)
	}
	slices.SortFunc(order, func(a, b string) int {
		ra, oka := historyFieldRank[a]
		rb, okb := historyFieldRank[b]
		switch {
		case oka && okb:
			return ra - rb
		case oka:
			return -1
		case okb:
			return 1
		}
		return strings.Compare(a, b)
	})
	diff := len(h.item.before) > 0 && len(h.item.after) > 0
	var out []historyChange
	for _, f := range order {
		spec, known := historySpecOf(e.Entity, f)
		if skip[f] || (known && spec.kind == hHidden) {
			continue
		}
		if spec.kind == hThresholds {
			out = append(out, h.thresholds()...)
			continue
		}
		b, a := h.value(spec, h.item.before[f]), h.value(spec, h.item.after[f])
		label := h.tr.T("history.field." + f)
		switch {
		case diff && b == a:
			continue
		case diff:
			out = append(out, historyChange{Label: label, Before: b, After: a, Diff: true})
		case a != "":
			out = append(out, historyChange{Label: label, After: a})
		case b != "":
			out = append(out, historyChange{Label: label, After: b})
		}
	}
	return out
}

// thresholds lists the detector thresholds that changed.
func (h historyRenderer) thresholds() []historyChange {
	b, _ := h.item.before["thresholds"].(map[string]any)
	a, _ := h.item.after["thresholds"].(map[string]any)
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	var out []historyChange
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range keys {
			if !yield(k) {
				return
			}
		}
	}) {
		bv, av := h.value(historySpec{kind: hNumber}, b[k]), h.value(historySpec{kind: hNumber}, a[k])
		if bv != av {
			out = append(out, historyChange{Label: h.tr.T("threshold." + k), Before: bv, After: av, Diff: true})
		}
	}
	return out
}

func isEmptyValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// value renders one stored value; "" for an empty one.
func (h historyRenderer) value(spec historySpec, v any) template.HTML {
	if isEmptyValue(v) {
		return ""
	}
	f, isNum := v.(float64)
	switch spec.kind {
	case hLong:
		return h.long(fmt.Sprint(v))
	case hEnum:
		return esc(h.tr.T("enum." + spec.enum + "." + fmt.Sprint(v)))
	case hUser:
		return esc(h.person(idOf(v)))
	case hUsers:
		var names []string
		for _, id := range idsOf(v) {
			names = append(names, h.person(id))
		}
		return esc(strings.Join(names, h.tr.T("history.list_sep")))
	case hPhase:
		return esc(h.phase(idOf(v)))
	case hGoal:
		return h.goal(idOf(v), "")
	case hGoals:
		var parts []string
		for _, id := range idsOf(v) {
			parts = append(parts, string(h.goal(id, "")))
		}
		return template.HTML(strings.Join(parts, template.HTMLEscapeString(h.tr.T("history.list_sep"))))
	case hMilestone:
		return h.milestone(idOf(v), "")
	case hBudgetLine:
		return esc(h.budgetLine(idOf(v)))
	case hDate:
		return esc(fmt.Sprint(v))
	case hTime:
		if t, err := time.Parse(time.RFC3339Nano, fmt.Sprint(v)); err == nil {
			return esc(t.Local().Format("2006-01-02 15:04"))
		}
	case hNumber:
		if isNum {
			return esc(fmtNum(f))
		}
	case hMoney:
		if isNum {
			return esc(moneyIn(h.tr.Lang, f, h.currency()))
		}
	case hBool:
		if v == true {
			return esc(h.tr.T("history.yes"))
		}
		return esc(h.tr.T("history.no"))
	case hEnums:
		list, _ := v.([]any)
		names := make([]string, len(list))
		for i, x := range list {
			names[i] = h.tr.T("enum." + spec.enum + "." + fmt.Sprint(x))
		}
		return esc(strings.Join(names, h.tr.T("history.list_sep")))
	case hList:
		list, _ := v.([]any)
		return h.list(list, func(x any) template.HTML { return h.long(fmt.Sprint(x)) })
	case hOperations:
		ops := decodeAs[[]change.Operation](v)
		return h.listOf(len(ops), func(i int) template.HTML { return h.operation(ops[i]) })
	case hResults:
		rs := decodeAs[[]change.Result](v)
		return h.listOf(len(rs), func(i int) template.HTML { return h.result(rs[i]) })
	case hConditions:
		cs := decodeAs[[]historyCondition](v)
		return h.listOf(len(cs), func(i int) template.HTML {
			c := cs[i]
			out := h.long(c.Text)
			if c.OwnerID != nil {
				out += " — " + esc(h.person(*c.OwnerID))
			}
			if c.DueOn != "" {
				out += " · " + h.text("history.due", "Day", c.DueOn)
			}
			return out
		})
	case hReadiness:
		met := milestone.Readiness{}
		for k, ok := range decodeAs[map[string]bool](v) {
			met[milestone.ReadinessItem(k)] = ok
		}
		keys := met.Met()
		if len(keys) == 0 {
			return h.text("history.readiness_none")
		}
		return h.listOf(len(keys), func(i int) template.HTML { return h.text("readiness." + keys[i]) })
	case hAnswers:
		counts := map[string]int{}
		for _, a := range decodeAs[[]string](v) {
			counts[a]++
		}
		return h.text("history.answers", "Yes", strconv.Itoa(counts["yes"]), "No", strconv.Itoa(counts["no"]),
			"Unsure", strconv.Itoa(counts["unsure"]))
	}
	switch x := v.(type) {
	case string:
		return esc(x)
	case float64:
		return esc(fmtNum(x))
	case bool:
		return h.value(historySpec{kind: hBool}, x)
	}
	return esc(h.tr.T("history.complex_value"))
}

func (h historyRenderer) list(xs []any, item func(any) template.HTML) template.HTML {
	return h.listOf(len(xs), func(i int) template.HTML { return item(xs[i]) })
}

func (h historyRenderer) listOf(n int, item func(int) template.HTML) template.HTML {
	if n == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(`<ul class="mt-0 mb-0">`)
	for i := range n {
		b.WriteString("<li>")
		b.WriteString(string(item(i)))
		b.WriteString("</li>")
	}
	b.WriteString("</ul>")
	return template.HTML(b.String())
}

// historyLongText is how many characters a text shows before it folds.
const historyLongText = 140

// long shortens a long text, with a way to see all of it.
func (h historyRenderer) long(s string) template.HTML {
	if utf8.RuneCountInString(s) <= historyLongText && !strings.Contains(s, "\n") {
		return esc(s)
	}
	short := []rune(strings.SplitN(s, "\n", 2)[0])
	if len(short) > historyLongText-40 {
		short = short[:historyLongText-40]
	}
	return template.HTML(`<details class="history-long"><summary>`) + esc(strings.TrimSpace(string(short))+"…") +
		template.HTML(`</summary><div class="prose">`) + esc(s) + template.HTML(`</div></details>`)
}

// operation says what one operation of a change request does.
func (h historyRenderer) operation(op change.Operation) template.HTML {
	switch op.Op {
	case change.OpAddRequirement:
		title, tier := "", ""
		if op.Requirement != nil {
			title, tier = op.Requirement.Title, h.tr.T("enum.tier."+string(op.Requirement.Tier))
		}
		return h.text("history.op.add_requirement", "Title", title, "Tier", tier)
	case change.OpRemoveRequirement:
		return h.text("history.op.remove_requirement", "Item", h.requirement(op.Number))
	case change.OpSetTier:
		return h.text("history.op.set_tier", "Item", h.requirement(op.Number), "Tier", h.tr.T("enum.tier."+string(op.Tier)))
	case change.OpSetPhase:
		phase := h.tr.T("history.no_phase")
		if op.PhaseID != nil {
			phase = h.phase(*op.PhaseID)
		}
		return h.text("history.op.set_phase", "Item", h.requirement(op.Number), "Phase", phase)
	case change.OpShiftMilestone:
		return h.text("history.op.shift_milestone", "Milestone", h.milestone(op.MilestoneID, ""), "Days", strconv.Itoa(op.Days))
	}
	return esc(h.tr.T("history.complex_value"))
}

// result says what applying one operation did.
func (h historyRenderer) result(r change.Result) template.HTML {
	switch r.Op {
	case change.OpAddRequirement:
		return h.text("history.result.add_requirement", "Item", h.requirement(r.Number))
	case change.OpRemoveRequirement:
		return h.text("history.result.remove_requirement", "Item", h.requirement(r.Number))
	case change.OpSetTier:
		return h.text("history.result.set_tier", "Item", h.requirement(r.Number), "Tier", h.tr.T("enum.tier."+string(r.Tier)))
	case change.OpSetPhase:
		return h.text("history.result.set_phase", "Item", h.requirement(r.Number))
	case change.OpShiftMilestone:
		return h.text("history.result.shift_milestone", "Milestone", r.Subject, "Day", r.PlannedOn.String())
	}
	return esc(h.tr.T("history.complex_value"))
}

// moved says where a requirement went in the backlog.
func (h historyRenderer) moved() template.HTML {
	up := idOf(h.item.after["rank"]) < idOf(h.item.before["rank"])
	above, ok := h.names.Above[h.item.entry.ID]
	if !ok {
		return h.text("history.moved_to_bottom")
	}
	k := h.names.Projects[above.ProjectID].Key + "-" + strconv.Itoa(above.Number)
	item := keyed(h.pathIn(above.ProjectID, "/requirements/"+strconv.Itoa(above.Number)), k, "")
	if up {
		return h.text("history.moved_up_above", "Item", item)
	}
	return h.text("history.moved_down_above", "Item", item)
}

// decision is "Decision: go with conditions — 1 condition".
func (h historyRenderer) decision() template.HTML {
	d := h.tr.T("enum.decision." + fmt.Sprint(h.item.after["decision"]))
	switch n := len(decodeAs[[]historyCondition](h.item.after["conditions"])); n {
	case 0:
		return h.text("history.decision", "Decision", d)
	case 1:
		return h.text("history.decision_one", "Decision", d)
	default:
		return h.text("history.decision_many", "Decision", d, "Count", strconv.Itoa(n))
	}
}

func (h historyRenderer) person(id int64) string {
	if name, ok := h.names.Users[id]; ok {
		return name
	}
	return h.tr.T("history.unknown_person")
}

func (h historyRenderer) phase(id int64) string {
	if name, ok := h.names.Phases[id]; ok {
		return name
	}
	return h.tr.T("history.deleted_phase")
}

// currency is the currency of the amounts of the entry being rendered: its
// own (a budget line), or its budget line's (a spend entry); "" unknown.
func (h historyRenderer) currency() string {
	if h.item == nil {
		return ""
	}
	for _, rec := range []map[string]any{h.item.after, h.item.before} {
		if c, ok := rec["currency"].(string); ok && c != "" {
			return c
		}
	}
	for _, rec := range []map[string]any{h.item.after, h.item.before} {
		if id := idOf(rec["line_id"]); id != 0 {
			return h.names.BudgetLines[id].Currency
		}
	}
	return ""
}

func (h historyRenderer) budgetLine(id int64) string {
	if l, ok := h.names.BudgetLines[id]; ok {
		return l.Title
	}
	return h.tr.T("history.deleted_budget_line")
}
