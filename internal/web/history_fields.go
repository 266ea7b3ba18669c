package web

// What the history renderer knows about the audit trail: how each stored
// field reads, which entities use which enum for a shared field name, and
// the fields that are bookkeeping. The labels are the messages
// history.field.<field>; every value of an enum is enum.<kind>.<code>.
// TestHistoryCoversEveryWrite fails when the code writes a field this table
// does not know.

// historyKind says how a stored value turns into words.
type historyKind int

const (
	hText       historyKind = iota // a short text, as typed
	hLong                          // a text that may be long: shortened with a way to see all
	hEnum                          // a code: enum.<enum>.<code>
	hUser                          // a user id
	hUsers                         // a list of user ids
	hPhase                         // a phase id
	hGoal                          // a goal id
	hGoals                         // a list of goal ids
	hMilestone                     // a milestone id
	hBudgetLine                    // a budget line id
	hDate                          // YYYY-MM-DD
	hTime                          // an RFC 3339 time
	hNumber                        // a number
	hMoney                         // an amount
	hBool                          // yes / no
	hList                          // a list of texts
	hOperations                    // a change request's operations
	hResults                       // what applying a change request did
	hConditions                    // a gate decision's conditions
	hAnswers                       // a pitfall's answers
	hThresholds                    // the pitfall detectors' thresholds
	hReadiness                     // a go-live readiness review's items met
	hHidden                        // bookkeeping: never shown
)

type historySpec struct {
	kind historyKind
	enum string // hEnum: the enum's name
}

// historyFieldOrder lists every field the trail can hold, in the order a
// reader wants them, with how it reads when no entity says otherwise.
var historyFieldOrder = []struct {
	name string
	spec historySpec
}{
	{"name", historySpec{kind: hText}},
	{"title", historySpec{kind: hText}},
	{"text", historySpec{kind: hLong}},
	{"email", historySpec{kind: hText}},
	{"company_signin", historySpec{kind: hText}}, // the provider's issuer, once an account is linked
	{"decision", historySpec{hEnum, "decision"}},
	{"approve", historySpec{kind: hBool}},
	{"status", historySpec{kind: hText}},
	{"tier", historySpec{hEnum, "tier"}},
	{"category", historySpec{kind: hText}},
	{"kind", historySpec{hEnum, "requirement_kind"}},
	{"approach", historySpec{hEnum, "approach"}},
	{"role", historySpec{hEnum, "role"}},
	{"department", historySpec{hEnum, "department"}},
	{"phase_id", historySpec{kind: hPhase}},
	{"current_phase_id", historySpec{kind: hPhase}},
	{"milestone_id", historySpec{kind: hMilestone}},
	{"goal_id", historySpec{kind: hGoal}},
	{"line_id", historySpec{kind: hBudgetLine}},
	{"owner_id", historySpec{kind: hUser}},
	{"user_id", historySpec{kind: hUser}},
	{"requested_by", historySpec{kind: hUser}},
	{"reviewer_id", historySpec{kind: hUser}},
	{"voter_id", historySpec{kind: hUser}},
	{"entered_by", historySpec{kind: hUser}},
	{"done_by", historySpec{kind: hUser}},
	{"decided_by", historySpec{kind: hUser}},
	{"applied_by", historySpec{kind: hUser}},
	{"sponsor", historySpec{kind: hText}},
	{"sponsor_department", historySpec{hEnum, "department"}},
	{"metric", historySpec{kind: hText}},
	{"unit", historySpec{kind: hText}},
	{"direction", historySpec{hEnum, "direction"}},
	{"baseline", historySpec{kind: hNumber}},
	{"target", historySpec{kind: hNumber}},
	{"value", historySpec{kind: hNumber}},
	{"source", historySpec{hEnum, "measurement_source"}},
	{"probability", historySpec{kind: hNumber}},
	{"impact", historySpec{kind: hNumber}},
	{"score", historySpec{kind: hNumber}},
	{"level", historySpec{hEnum, "risk_level"}},
	{"initial_probability", historySpec{kind: hNumber}},
	{"initial_impact", historySpec{kind: hNumber}},
	{"residual_probability", historySpec{kind: hNumber}},
	{"residual_impact", historySpec{kind: hNumber}},
	{"estimate_days", historySpec{kind: hNumber}},
	{"planned", historySpec{kind: hMoney}},
	{"actual", historySpec{kind: hMoney}},
	{"amount", historySpec{kind: hMoney}},
	{"currency", historySpec{kind: hText}},
	{"approvals_needed", historySpec{kind: hNumber}},
	{"rejection_rule", historySpec{hEnum, "change_rule"}},
	{"admins_only", historySpec{kind: hBool}},
	{"is_admin", historySpec{kind: hBool}},
	{"disabled", historySpec{kind: hBool}},
	{"language", historySpec{hEnum, "language"}},
	{"password", historySpec{hEnum, "password_change"}},
	{"is_gate", historySpec{kind: hBool}},
	{"done", historySpec{kind: hBool}},
	{"archived", historySpec{kind: hBool}},
	{"start_on", historySpec{kind: hDate}},
	{"target_on", historySpec{kind: hDate}},
	{"due_on", historySpec{kind: hDate}},
	{"planned_start_on", historySpec{kind: hDate}},
	{"planned_end_on", historySpec{kind: hDate}},
	{"planned_on", historySpec{kind: hDate}},
	{"forecast_on", historySpec{kind: hDate}},
	{"actual_on", historySpec{kind: hDate}},
	{"identified_on", historySpec{kind: hDate}},
	{"next_review_on", historySpec{kind: hDate}},
	{"reviewed_on", historySpec{kind: hDate}},
	{"measured_on", historySpec{kind: hDate}},
	{"scheduled_on", historySpec{kind: hDate}},
	{"spent_on", historySpec{kind: hDate}},
	{"invited", historySpec{kind: hUsers}},
	{"attendees", historySpec{kind: hUsers}},
	{"goal_ids", historySpec{kind: hGoals}},
	{"user_story", historySpec{kind: hLong}},
	{"acceptance_criteria", historySpec{kind: hList}},
	{"deliverables", historySpec{kind: hList}},
	{"description", historySpec{kind: hLong}},
	{"reason", historySpec{kind: hLong}},
	{"expected_effect", historySpec{kind: hLong}},
	{"scope_in", historySpec{kind: hLong}},
	{"scope_out", historySpec{kind: hLong}},
	{"mitigation", historySpec{kind: hLong}},
	{"contingency", historySpec{kind: hLong}},
	{"trigger", historySpec{kind: hLong}},
	{"operations", historySpec{kind: hOperations}},
	{"url", historySpec{kind: hText}},
	{"secret", historySpec{kind: hBool}},
	{"events", historySpec{kind: hList}},
	{"digest", historySpec{kind: hBool}},
	{"error", historySpec{kind: hLong}},
	{"apply_result", historySpec{kind: hResults}},
	{"conditions", historySpec{kind: hConditions}},
	{"answers", historySpec{kind: hAnswers}},
	{"thresholds", historySpec{kind: hThresholds}},
	{"body", historySpec{kind: hLong}},
	{"mentions", historySpec{kind: hUsers}},
	{"author_id", historySpec{kind: hUser}},
	{"cadence", historySpec{hEnum, "goal_cadence"}},
	{"type", historySpec{hEnum, "milestone_type"}},
	{"readiness", historySpec{kind: hReadiness}},
	{"wave", historySpec{kind: hNumber}},
	{"notes", historySpec{kind: hLong}},
	{"note", historySpec{kind: hLong}},
	{"comment", historySpec{kind: hLong}},
	{"submitted_at", historySpec{kind: hTime}},
	{"decided_at", historySpec{kind: hTime}},
	{"applied_at", historySpec{kind: hTime}},
	{"voted_at", historySpec{kind: hTime}},
	{"done_at", historySpec{kind: hTime}},
	{"last_used_at", historySpec{kind: hTime}},
	{"revoked_at", historySpec{kind: hTime}},
	{"exported_at", historySpec{kind: hTime}},
	{"label", historySpec{kind: hText}},
	{"week_on", historySpec{kind: hDate}},
	{"licensed_users", historySpec{kind: hNumber}},
	{"active_users", historySpec{kind: hNumber}},
	{"leads_created", historySpec{kind: hNumber}},
	{"opportunities_created", historySpec{kind: hNumber}},
	{"followups_created", historySpec{kind: hNumber}},
	{"required_filled", historySpec{kind: hNumber}},
	{"milestone_count", historySpec{kind: hNumber}},
	{"taken_at", historySpec{kind: hTime}},
	{"taken_by", historySpec{kind: hHidden}},  // the person who made the entry
	{"review_id", historySpec{kind: hHidden}}, // the entry's source says "at a gate decision"
	{"format_version", historySpec{kind: hNumber}},
	{"audit_entries", historySpec{kind: hNumber}},
	// Bookkeeping and what the heading of the entry already says.
	{"id", historySpec{kind: hHidden}},
	{"key", historySpec{kind: hHidden}},
	{"number", historySpec{kind: hHidden}},
	{"code", historySpec{kind: hHidden}},
	{"rank", historySpec{kind: hHidden}},
	{"position", historySpec{kind: hHidden}},
	{"prefix", historySpec{kind: hHidden}},
	{"risk_id", historySpec{kind: hHidden}},
	{"owner_name", historySpec{kind: hHidden}},
	{"voter_name", historySpec{kind: hHidden}},
	{"reviewer_name", historySpec{kind: hHidden}},
	{"milestone_name", historySpec{kind: hHidden}},
	{"decided_by_name", historySpec{kind: hHidden}},
	{"done_by_name", historySpec{kind: hHidden}},
}

// historyEntitySpecs is where an entity reads a shared field name its own way.
var historyEntitySpecs = map[string]map[string]historySpec{
	"requirement":    {"status": {hEnum, "requirement_status"}},
	"risk":           {"status": {hEnum, "risk_status"}, "category": {hEnum, "risk_category"}},
	"goal":           {"category": {hEnum, "goal_category"}},
	"milestone":      {"status": {hEnum, "milestone_status"}},
	"change_request": {"status": {hEnum, "change_status"}},
	"review_action":  {"status": {hEnum, "action_status"}},
	"pitfall":        {"status": {hEnum, "pitfall_status"}},
	"baseline":       {"source": {hEnum, "baseline_source"}},
	// Adoption figures name a CRM role as typed, not a member's role.
	"adoption_figure": {"role": {kind: hText}},
	"webhook":         {"kind": {hEnum, "webhook_kind"}},
	"delivery":        {"status": {hEnum, "delivery_status"}},
	// A member's entry repeats the person's account; the heading names them.
	"member": {"user_id": {kind: hHidden}, "name": {kind: hHidden}, "email": {kind: hHidden}, "disabled": {kind: hHidden}},
	// A token's owner is the person who made the entry.
	"api_token": {"user_id": {kind: hHidden}},
}

var historyDefaultSpecs = func() map[string]historySpec {
	m := make(map[string]historySpec, len(historyFieldOrder))
	for _, f := range historyFieldOrder {
		m[f.name] = f.spec
	}
	return m
}()

var historyFieldRank = func() map[string]int {
	m := make(map[string]int, len(historyFieldOrder))
	for i, f := range historyFieldOrder {
		m[f.name] = i
	}
	return m
}()

// historySpecOf says how an entity's field reads; false for a field the
// table does not know (shown by its label id, and a failing test).
func historySpecOf(entity, field string) (historySpec, bool) {
	if s, ok := historyEntitySpecs[entity][field]; ok {
		return s, true
	}
	s, ok := historyDefaultSpecs[field]
	return s, ok
}
