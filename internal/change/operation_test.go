package change

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"rollout/internal/date"
	"rollout/internal/project/projecttest"
	"rollout/internal/requirement"
)

func TestTargetText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text string
		want Target
	}{{"requirement:42", RequirementTarget(42)}, {"milestone:7", MilestoneTarget(7)}} {
		got, err := ParseTarget(tc.text)
		if err != nil || got != tc.want || got.String() != tc.text {
			t.Errorf("%q: %+v %v", tc.text, got, err)
		}
	}
	for _, bad := range []string{"", "requirement", "requirement:", "requirement:x", "requirement:0", "risk:3",
		"milestone:-1", "requirement:99999999999"} {
		if _, err := ParseTarget(bad); err == nil {
			t.Errorf("%q was read", bad)
		}
	}
	// As map keys (the approval snapshot) targets are the strings stored rows have always held.
	b, err := json.Marshal(map[Target]int{RequirementTarget(2): 3, MilestoneTarget(9): 1})
	if err != nil || string(b) != `{"milestone:9":1,"requirement:2":3}` {
		t.Fatalf("%s %v", b, err)
	}
	var back map[Target]int
	if err := json.Unmarshal(b, &back); err != nil || back[RequirementTarget(2)] != 3 || back[MilestoneTarget(9)] != 1 {
		t.Fatalf("%v %v", back, err)
	}
}

// TestResultReadsOlderStoredRows: results stored before the typed fields
// existed (op, subject, detail) are read with those fields filled.
func TestResultReadsOlderStoredRows(t *testing.T) {
	t.Parallel()
	stored := `[{"op":"add_requirement","subject":"CRM-1004","detail":"WeChat leads"},
		{"op":"remove_requirement","subject":"CRM-3"},
		{"op":"set_tier","subject":"CRM-2","detail":"important"},
		{"op":"set_phase","subject":"CRM-1"},
		{"op":"shift_milestone","subject":"Go-live","detail":"2026-09-14"}]`
	var got []Result
	if err := json.Unmarshal([]byte(stored), &got); err != nil {
		t.Fatal(err)
	}
	want := []Result{
		{Op: OpAddRequirement, Subject: "CRM-1004", Detail: "WeChat leads", Number: 1004},
		{Op: OpRemoveRequirement, Subject: "CRM-3", Number: 3},
		{Op: OpSetTier, Subject: "CRM-2", Detail: "important", Number: 2, Tier: requirement.Important},
		{Op: OpSetPhase, Subject: "CRM-1", Number: 1},
		{Op: OpShiftMilestone, Subject: "Go-live", Detail: "2026-09-14", PlannedOn: date.New(2026, 9, 14)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	// A milestone whose name ends in a number is not taken for a requirement.
	var m Result
	if err := json.Unmarshal([]byte(`{"op":"shift_milestone","subject":"Wave-2","detail":"2026-09-14"}`), &m); err != nil || m.Number != 0 {
		t.Fatalf("%+v %v", m, err)
	}
}

func TestOperationInput(t *testing.T) {
	t.Parallel()
	add := OperationInput{Op: "add_requirement", Title: "WeChat leads", Tier: "must", Kind: "integration",
		Approach: "configuration", PhaseID: 0, Estimate: 2.5}.Operation()
	if add.Op != OpAddRequirement || add.Requirement == nil || add.Requirement.PhaseID != nil ||
		*add.Requirement.EstimateDays != 2.5 || add.Requirement.Status != requirement.Approved {
		t.Fatalf("add %+v", add)
	}
	phase := OperationInput{Op: "set_phase", Number: 1001, PhaseID: 5, Days: 9}.Operation()
	if phase.Number != 1001 || *phase.PhaseID != 5 || phase.Days != 0 {
		t.Fatalf("set_phase %+v", phase)
	}
	if target, ok := phase.Target(); !ok || target != RequirementTarget(1001) {
		t.Fatalf("target %+v", target)
	}
	shift := OperationInput{Op: "shift_milestone", MilestoneID: 7, Days: -3, Number: 4}.Operation()
	if target, ok := shift.Target(); !ok || target != MilestoneTarget(7) || shift.Number != 0 {
		t.Fatalf("shift %+v", shift)
	}
	if _, ok := add.Target(); ok {
		t.Fatal("adding a requirement changes no existing item")
	}
}

// TestLabelsAndStoredSnapshot: Labels names exactly the items asked for
// (a deleted one is absent), and the approval snapshot is stored in the
// shape rows have always had.
func TestLabelsAndStoredSnapshot(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r := f.draft(t, f.pm.ID)
	if err := requirement.Delete(ctx, f.db, f.pm.ID, f.project.ID, 3); err != nil {
		t.Fatal(err)
	}
	targets := Targets(r.Operations)
	if !slices.Equal(targets, []Target{RequirementTarget(3), RequirementTarget(2), RequirementTarget(1), MilestoneTarget(f.milestoneID)}) {
		t.Fatalf("targets %v", targets)
	}
	labels, err := Labels(ctx, f.db, f.project.ID, targets)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := labels[RequirementTarget(3)]; ok || labels[RequirementTarget(2)].Title != "Quote approval" ||
		labels[MilestoneTarget(f.milestoneID)].PlannedOn.IsZero() || len(labels) != 3 {
		t.Fatalf("labels %+v", labels)
	}

	// Approve a request on items that exist, and read the stored snapshot as text.
	r2, err := Create(ctx, f.db, f.pm.ID, f.project.ID, Input{Title: "Lower quote approval", Operations: []Operation{
		{Op: OpSetTier, Number: 2, Tier: requirement.Important}, {Op: OpShiftMilestone, MilestoneID: f.milestoneID, Days: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Submit(ctx, f.db, projecttest.Caller(t, f.db, f.project.ID, f.pm.ID), f.project.ID, r2.Number, f.now); err != nil {
		t.Fatal(err)
	}
	if _, err := Cast(ctx, f.db, f.sc1.ID, f.project.ID, r2.Number, VoteInput{Approve: yes()}, f.now); err != nil {
		t.Fatal(err)
	}
	var raw string
	if err := f.db.NewSelect().Table("change_requests").ColumnExpr("approved_versions::text").
		Where("id = ?", r2.ID).Scan(ctx, &raw); err != nil {
		t.Fatal(err)
	}
	var stored map[string]int
	if err := json.Unmarshal([]byte(raw), &stored); err != nil || len(stored) != 2 || stored["requirement:2"] == 0 ||
		stored[MilestoneTarget(f.milestoneID).String()] == 0 {
		t.Fatalf("stored snapshot %s %v", raw, err)
	}
}
