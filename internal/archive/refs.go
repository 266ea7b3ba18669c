package archive

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// kind is a kind of item with an id space of its own in the archive.
type kind string

const (
	kindProject      kind = "project"
	kindPhase        kind = "phase"
	kindGoal         kind = "goal"
	kindMeasurement  kind = "measurement"
	kindRequirement  kind = "requirement"
	kindRisk         kind = "risk"
	kindRiskReview   kind = "risk_review"
	kindMilestone    kind = "milestone"
	kindDeliverable  kind = "deliverable"
	kindGateReview   kind = "gate_review"
	kindReviewAction kind = "review_action"
	kindBaseline     kind = "baseline"
	kindChange       kind = "change_request"
	kindBudgetLine   kind = "budget_line"
	kindSpend        kind = "spend"
	kindComment      kind = "comment"
	kindAdoption     kind = "adoption_figure"
	kindWeeklyReport kind = "weekly_report"
	kindUser         kind = "user" // people: emails in the archive, never numbers
)

// kinds lists every item kind with the table whose id sequence it uses.
var kinds = []struct {
	kind  kind
	table string
}{
	{kindProject, "projects"}, {kindPhase, "phases"}, {kindGoal, "goals"}, {kindMeasurement, "measurements"},
	{kindRequirement, "requirements"}, {kindRisk, "risks"}, {kindRiskReview, "risk_reviews"},
	{kindMilestone, "milestones"}, {kindDeliverable, "deliverables"}, {kindGateReview, "gate_reviews"},
	{kindReviewAction, "review_actions"}, {kindChange, "change_requests"}, {kindBudgetLine, "budget_lines"},
	{kindSpend, "spend_entries"}, {kindBaseline, "plan_baselines"}, {kindComment, "comments"},
	{kindAdoption, "adoption_figures"}, {kindWeeklyReport, "weekly_reports"},
}

// entityKinds says what an audit entry's entity_id is, by entity: the id of
// an item of that kind. Entities not listed keep their entity_id as written
// (risk keys, pitfall codes, setting names); "member" entries carry a user
// id, and "weekly_settings" entries the project's own id (see
// weeklySettingsEntity).
var entityKinds = map[string]kind{
	"project": kindProject, "phase": kindPhase, "goal": kindGoal, "measurement": kindMeasurement,
	"requirement": kindRequirement, "risk": kindRisk, "risk_review": kindRiskReview, "milestone": kindMilestone,
	"deliverable": kindDeliverable, "gate_review": kindGateReview, "review_action": kindReviewAction,
	"change_request": kindChange, "change_vote": kindChange, "budget_line": kindBudgetLine, "spend": kindSpend,
	"baseline": kindBaseline, "member": kindUser, "comment": kindComment,
	"adoption_figure": kindAdoption, "weekly_report": kindWeeklyReport,
}

// weeklySettingsEntity is the trail's name for a project's weekly report
// schedule; its entity_id is the project's database id, which an archive
// writes as the project's archive id, 1.
const weeklySettingsEntity = "weekly_settings"

// entityIDIsID reports whether an entity's entity_id column holds a database
// id (the others hold keys: projects and risks are logged by key).
func entityIDIsID(entity string) bool {
	k, ok := entityKinds[entity]
	return ok && k != kindProject && entity != "risk"
}

// fieldKinds maps the JSON field names the domain packages use for
// references to the kind they reference. The audit trail's before/after
// values and change requests' operations are walked with it.
var fieldKinds = map[string]kind{
	"owner_id": kindUser, "entered_by": kindUser, "reviewer_id": kindUser, "requested_by": kindUser,
	"decided_by": kindUser, "done_by": kindUser, "applied_by": kindUser, "voter_id": kindUser,
	"user_id": kindUser, "actor_id": kindUser, "invited": kindUser, "attendees": kindUser, "taken_by": kindUser,
	"phase_id": kindPhase, "current_phase_id": kindPhase,
	"goal_id": kindGoal, "goal_ids": kindGoal,
	"milestone_id": kindMilestone, "risk_id": kindRisk, "review_id": kindGateReview,
	"line_id": kindBudgetLine, "requirement_id": kindRequirement, "change_id": kindChange,
	"project_id": kindProject, "baseline_id": kindBaseline,
	"author_id": kindUser, "mentions": kindUser, "built_by": kindUser, "sent_by": kindUser,
}

// mapper translates references one way: database ids to archive ids and
// emails (export), or back (import).
type mapper interface {
	// item maps a reference to an item of kind k; v is a json.Number.
	item(k kind, v json.Number) (any, error)
	// user maps a reference to a person: a json.Number on export, an email on import.
	user(v any) (any, error)
}

// remapJSON rewrites the references inside a JSON value. idKind names what a
// top-level "id" field is (empty: leave it).
func remapJSON(m mapper, raw json.RawMessage, idKind kind) (json.RawMessage, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return raw, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if obj, ok := v.(map[string]any); ok && idKind != "" {
		if n, ok := obj["id"].(json.Number); ok {
			mapped, err := m.item(idKind, n)
			if err != nil {
				return nil, err
			}
			obj["id"] = mapped
		}
	}
	v, err := remapValue(m, v)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// remapValue walks a decoded JSON value, keys in sorted order so that ids
// given to deleted items come out the same every time.
func remapValue(m mapper, v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, key := range keys {
			var err error
			if k, ok := fieldKinds[key]; ok {
				x[key], err = remapField(m, k, x[key])
			} else {
				x[key], err = remapValue(m, x[key])
			}
			if err != nil {
				return nil, err
			}
		}
	case []any:
		for i := range x {
			var err error
			if x[i], err = remapValue(m, x[i]); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

// remapField maps a reference field: one value or a list of them.
func remapField(m mapper, k kind, v any) (any, error) {
	if list, ok := v.([]any); ok {
		for i := range list {
			var err error
			if list[i], err = remapScalar(m, k, list[i]); err != nil {
				return nil, err
			}
		}
		return list, nil
	}
	return remapScalar(m, k, v)
}

func remapScalar(m mapper, k kind, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if k == kindUser {
		return m.user(v)
	}
	n, ok := v.(json.Number)
	if !ok {
		return v, nil // not a reference after all (a name, a nested object)
	}
	return m.item(k, n)
}

// remapVersions maps the keys of a change request's approved versions
// ("milestone:ID", "requirement:NUMBER"); requirement numbers stay.
func remapVersions(m mapper, in map[string]int) (map[string]int, error) {
	if in == nil {
		return nil, nil
	}
	out := make(map[string]int, len(in))
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		v := in[key]
		name, id, ok := strings.Cut(key, ":")
		if ok && name == "milestone" {
			mapped, err := m.item(kindMilestone, json.Number(id))
			if err != nil {
				return nil, err
			}
			if mapped == nil {
				continue
			}
			key = name + ":" + fmt.Sprint(mapped)
		}
		out[key] = v
	}
	return out, nil
}

// parseID reads a database or archive id.
func parseID(n json.Number) (int64, error) {
	id, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%q is not an id", string(n))
	}
	return id, nil
}

// weeklyLinks are the references inside a weekly report's frozen content
// (weekly.Content), which its pages link to: each list's field and the kind
// of item it names. The order is fixed, so that ids given to deleted items
// come out the same every time.
var weeklyLinks = []struct {
	list, field string
	kind        kind
}{
	{"done", "id", kindMilestone}, {"slipping", "id", kindMilestone},
	{"decisions", "review_id", kindGateReview}, {"decisions", "milestone_id", kindMilestone},
	{"goals", "id", kindGoal},
}

// decodeFrozen reads a frozen JSON document (a pack, a weekly report's
// content) with its numbers exact; nil for none.
func decodeFrozen(raw json.RawMessage) (map[string]any, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]any
	err := dec.Decode(&doc)
	return doc, err
}

// withoutRevision drops the project revision a health snapshot was kept at
// (office.SnapshotHealth): it counted the changes of the project where it
// came from, and if the imported project's own counter happened to reach the
// same number, the portfolio would take a snapshot of the other installation
// for today's current score.
func withoutRevision(raw json.RawMessage) json.RawMessage {
	doc, err := decodeFrozen(raw)
	if err != nil || doc == nil {
		return raw // not an object: nothing to drop
	}
	if _, ok := doc["revision"]; !ok {
		return raw
	}
	delete(doc, "revision")
	out, err := json.Marshal(doc)
	if err != nil {
		return raw
	}
	return out
}

// remapWeeklyContent maps the links of a weekly report's content and leaves
// the rest as it was frozen: names, dates, numbers, risk and change keys
// (which read as they did when the report went out). The generic walk of
// remapJSON does not fit: its field names mean other things here
// (decided_by is a name) and the ids sit in nested lines.
func remapWeeklyContent(m mapper, raw json.RawMessage) (json.RawMessage, error) {
	doc, err := decodeFrozen(raw)
	if err != nil || doc == nil {
		return raw, err
	}
	for _, link := range weeklyLinks {
		lines, _ := doc[link.list].([]any)
		for _, line := range lines {
			obj, ok := line.(map[string]any)
			if !ok {
				continue
			}
			n, ok := obj[link.field].(json.Number)
			if !ok {
				continue
			}
			mapped, err := m.item(link.kind, n)
			if err != nil {
				return nil, err
			}
			obj[link.field] = mapped
		}
	}
	return json.Marshal(doc)
}
