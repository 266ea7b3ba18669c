package web

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"rollout/internal/change"
	"rollout/internal/comment"
	"rollout/internal/goal"
	"rollout/internal/i18n"
	"rollout/internal/jobs"
	"rollout/internal/milestone"
	"rollout/internal/notify"
	"rollout/internal/office"
	"rollout/internal/pitfall"
	"rollout/internal/project"
	"rollout/internal/report"
	"rollout/internal/requirement"
	"rollout/internal/risk"
	"rollout/internal/weekly"
)

// closedSets maps each named schema of a closed set of values in
// openapi.yaml to the Go list it documents. The document names the Go list
// in the schema's x-go-list, so a reader of either finds the other.
var closedSets = map[string]struct {
	goList string
	values []string
}{
	"ActionStatus":       {"rollout/internal/web.actionStatus (validate tag)", oneOfTag(actionStatus{}, "Status")},
	"Approach":           {"rollout/internal/requirement.Approaches", strs(requirement.Approaches)},
	"Cadence":            {"rollout/internal/goal.Cadences", strs(goal.Cadences)},
	"ChangeOp":           {"rollout/internal/change.OpKinds", strs(change.OpKinds)},
	"ChangeStatus":       {"rollout/internal/change.Statuses", strs(change.Statuses)},
	"CommentKind":        {"rollout/internal/comment.Kinds", strs(comment.Kinds)},
	"DeliveryKind":       {"rollout/internal/office.DeliveryKinds", strs(office.DeliveryKinds)},
	"Department":         {"rollout/internal/project.Departments", strs(project.Departments)},
	"FindingSeverity":    {"rollout/internal/pitfall.Severities", strs(pitfall.Severities)},
	"GateDecision":       {"rollout/internal/milestone.Decisions", strs(milestone.Decisions)},
	"GoalCategory":       {"rollout/internal/goal.Categories", strs(goal.Categories)},
	"GoalDirection":      {"rollout/internal/goal.Input.Direction (validate tag)", oneOfTag(goal.Input{}, "Direction")},
	"GoalStatus":         {"rollout/internal/goal.Statuses", strs(goal.Statuses)},
	"HealthBand":         {"rollout/internal/report.Bands", strs(report.Bands)},
	"Language":           {"rollout/internal/i18n.Languages", i18n.Languages},
	"MilestoneStatus":    {"rollout/internal/milestone.Statuses", strs(milestone.Statuses)},
	"MilestoneType":      {"rollout/internal/milestone.Types", strs(milestone.Types)},
	"NotifyEvent":        {"rollout/internal/jobs.EventKinds", jobs.EventKinds},
	"NotifyKind":         {"rollout/internal/notify.Kinds", notify.Kinds},
	"PitfallStatus":      {"rollout/internal/pitfall.Statuses", strs(pitfall.Statuses)},
	"ReadinessItem":      {"rollout/internal/milestone.ReadinessItems", strs(milestone.ReadinessItems)},
	"RequirementKind":    {"rollout/internal/requirement.Kinds", strs(requirement.Kinds)},
	"RequirementStatus":  {"rollout/internal/requirement.Statuses", strs(requirement.Statuses)},
	"RiskCategory":       {"rollout/internal/risk.Categories", strs(risk.Categories)},
	"RiskLevel":          {"rollout/internal/risk.Levels", strs(risk.Levels)},
	"RiskStatus":         {"rollout/internal/risk.Statuses", strs(risk.Statuses)},
	"Role":               {"rollout/internal/project.Roles", strs(project.Roles)},
	"Tier":               {"rollout/internal/requirement.Tiers", strs(requirement.Tiers)},
	"WeeklyReportStatus": {"rollout/internal/weekly.Statuses", weekly.Statuses},
	"WorkKind":           {"rollout/internal/office.WorkKinds", strs(office.WorkKinds)},
}

func strs[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// oneOfTag reads the values of a field's `validate:"…oneof=a b c"` tag: the
// Go list of a set that has no list variable.
func oneOfTag(v any, field string) []string {
	f, ok := reflect.TypeOf(v).FieldByName(field)
	if !ok {
		panic("no field " + field)
	}
	for rule := range strings.SplitSeq(f.Tag.Get("validate"), ",") {
		if values, ok := strings.CutPrefix(rule, "oneof="); ok {
			return strings.Fields(values)
		}
	}
	panic(field + " has no oneof rule")
}

// TestOpenAPINamesEveryClosedSet: each named schema of a closed set lists
// exactly the values of its Go list, in the same order, so adding a value in
// Go without the document (or the other way round) fails here; and every
// schema with an x-go-list is in the table above.
func TestOpenAPINamesEveryClosedSet(t *testing.T) {
	c := loadAPIDocument(t)
	schemas := c.doc.Components.Schemas
	for name, set := range closedSets {
		ref := schemas[name]
		if ref == nil || ref.Value == nil {
			t.Errorf("components/schemas has no %s (the values of %s)", name, set.goList)
			continue
		}
		var documented []string
		for _, v := range ref.Value.Enum {
			s, ok := v.(string)
			if !ok {
				t.Errorf("%s: enum value %v is not a string", name, v)
			}
			documented = append(documented, s)
		}
		if !slices.Equal(documented, set.values) {
			t.Errorf("%s lists %v, but %s is %v", name, documented, set.goList, set.values)
		}
		if got := ref.Value.Extensions["x-go-list"]; got != set.goList {
			t.Errorf("%s: x-go-list %v, want %q", name, got, set.goList)
		}
	}
	for name, ref := range schemas {
		if _, named := ref.Value.Extensions["x-go-list"]; named {
			if _, ok := closedSets[name]; !ok {
				t.Errorf("%s has an x-go-list but TestOpenAPINamesEveryClosedSet does not compare it", name)
			}
		}
	}
}
