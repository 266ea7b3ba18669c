package milestone

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/requirement"
	"rollout/internal/risk"
)

// Pack is what the steering committee reads before a gate: a list of
// sections assembled from the project as it stood at BuiltAt (AsOf is that
// day). Each section kind has its own field; change requests and pitfall
// findings add their sections through SectionBuilders passed to BuildPack.
type Pack struct {
	BuiltAt   time.Time     `json:"built_at"`
	AsOf      date.Date     `json:"as_of"`
	Milestone MilestoneLine `json:"milestone"`
	Sections  []Section     `json:"sections"`
}

// Section kinds.
const (
	SectionDeliverables = "deliverables"
	SectionGoals        = "goals"
	SectionRisks        = "risks"
	SectionRequirements = "requirements"
)

// Section is one part of the pack; only the field of its Kind is set.
type Section struct {
	Kind         string            `json:"kind"`
	Deliverables []Deliverable     `json:"deliverables,omitempty"`
	Goals        []GoalLine        `json:"goals,omitempty"`
	Risks        []RiskLine        `json:"risks,omitempty"`
	Requirements *RequirementTable `json:"requirements,omitempty"`
	Changes      []ChangeLine      `json:"changes,omitempty"`
	Health       *HealthLine       `json:"health,omitempty"`
	// Extra carries the data of sections added by other packages, as JSON.
	Extra json.RawMessage `json:"extra,omitempty"`
}

// MilestoneLine is the gate under review.
type MilestoneLine struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	PhaseName  string    `json:"phase_name"`
	PlannedOn  date.Date `json:"planned_on"`
	ForecastOn date.Date `json:"forecast_on"`
	Status     Status    `json:"status"`
	Slip       int       `json:"slip_days"`
}

// GoalLine is a goal as the pack shows it.
type GoalLine struct {
	ID        int64       `json:"id"`
	Title     string      `json:"title"`
	Unit      string      `json:"unit"`
	Baseline  float64     `json:"baseline"`
	Target    float64     `json:"target"`
	Current   float64     `json:"current"`
	Progress  float64     `json:"progress"`
	Status    goal.Status `json:"status"`
	OwnerName string      `json:"owner_name"`
	DueOn     date.Date   `json:"due_on"`
}

// RiskLine is an open risk as the pack shows it, with the change of its score
// since the last gate decision (New when it was not in that pack). Packs
// frozen before the heat map came have no probability and impact (0).
type RiskLine struct {
	ID          int64         `json:"id"`
	Key         string        `json:"key"`
	Title       string        `json:"title"`
	Category    risk.Category `json:"category"`
	Probability int           `json:"probability,omitempty"`
	Impact      int           `json:"impact,omitempty"`
	Score       int           `json:"score"`
	Level       risk.Severity `json:"level"`
	Status      risk.Status   `json:"status"`
	OwnerName   string        `json:"owner_name"`
	Change      int           `json:"change"`
	New         bool          `json:"new"`
	Overdue     bool          `json:"overdue"`
}

// RequirementTable is the phase's backlog by tier and status.
type RequirementTable struct {
	PhaseName string                                          `json:"phase_name"`
	Counts    map[requirement.Tier]map[requirement.Status]int `json:"counts"`
	Total     int                                             `json:"total"`
	Must      []RequirementLine                               `json:"must"`
}

// RequirementLine is one must item of the phase.
type RequirementLine struct {
	Key    string             `json:"key"`
	Title  string             `json:"title"`
	Status requirement.Status `json:"status"`
}

// SectionChanges is the change requests' section (built by package change).
const SectionChanges = "changes"

// ChangeLine is a change request pending or decided since the last gate.
type ChangeLine struct {
	Key          string     `json:"key"`
	Title        string     `json:"title"`
	Status       string     `json:"status"`
	Requester    string     `json:"requester"`
	ScheduleDays int        `json:"schedule_days"`
	Cost         float64    `json:"cost"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
}

// SectionHealth is the pitfall health section (built by package pitfall).
const SectionHealth = "health"

// HealthLine is the project's health score as the pack holds it: the
// breakdown and the findings as message IDs with their data, not translated
// text, so a frozen pack reads in any language later.
type HealthLine struct {
	Score            int             `json:"score"`
	CatalogueVersion string          `json:"catalogue_version"`
	Pitfalls         []HealthPitfall `json:"pitfalls"`
	Findings         []HealthFinding `json:"findings"`
	// Combined is the health with delivery counted (built by package office;
	// absent from packs frozen before delivery counted, whose Score is the
	// method score alone).
	Combined *HealthCombined `json:"combined,omitempty"`
}

// HealthCombined is the combined health score (nil: not enough data to
// judge) with its two parts, method (Score above) and delivery, and the
// delivery items that cost points.
type HealthCombined struct {
	Score    *int                 `json:"score"`
	Method   int                  `json:"method"`
	Delivery int                  `json:"delivery"`
	Items    []HealthDeliveryItem `json:"delivery_items"`
}

// HealthDeliveryItem is one delivery signal: its kind (a message ID suffix),
// what it names, where it leads inside the project and its numbers.
type HealthDeliveryItem struct {
	Kind string         `json:"kind"`
	Cost int            `json:"cost"`
	Name string         `json:"name"`
	Path string         `json:"path"`
	Data map[string]any `json:"data"`
}

// HealthPitfall is one pitfall's part of the score.
type HealthPitfall struct {
	Code     string `json:"code"`
	Points   int    `json:"points"`
	Status   string `json:"status"`
	Warnings int    `json:"warnings"`
	Critical int    `json:"critical"`
}

// HealthFinding is one finding: its message ID and the numbers behind it.
type HealthFinding struct {
	Pitfall  string         `json:"pitfall"`
	Severity string         `json:"severity"`
	Message  string         `json:"message_id"`
	Data     map[string]any `json:"data"`
}

// SectionBuilder adds a section to a pack; since is when the previous gate
// was decided (zero when there was none) and today the pack's as-of day:
// a builder reads the project as it stood at the end of that day where its
// data allows.
type SectionBuilder func(ctx context.Context, db bun.IDB, projectID int64, since time.Time, today date.Date) (Section, error)

// BuildPack assembles a review's pack as the project stood at asOf: the
// moment of the decision for a pack being frozen (a decision may be recorded
// for a past moment, as `rollout demo` does), now for a pending one. It
// runs a fixed number of queries whatever the size of the project.
//
// As of that moment: goal values (measurements dated on or before the day),
// risk ratings (the latest review on or before the day, goal.ListAsOf and
// risk.ActiveAsOf), deliverables ticked, the milestone's status and slip,
// which requirements existed, and the change requests' states (package
// change). As they stand when the pack is built, because no history of them
// is kept outside the activity log: the requirements' tier, status and phase,
// the risks' status and owner, the milestone's planned and forecast dates,
// and the health section. For a pack built at its decision, as every pack
// decided on the pages or through the API is, the two are the same moment.
func BuildPack(ctx context.Context, db bun.IDB, r *Review, asOf time.Time, extra ...SectionBuilder) (*Pack, error) {
	today := date.Of(asOf.UTC())
	m, err := Get(ctx, db, r.ProjectID, r.MilestoneID)
	if err != nil {
		return nil, err
	}
	phaseName := ""
	if m.PhaseID != nil {
		if err := db.NewSelect().Table("phases").Column("name").Where("id = ?", *m.PhaseID).Scan(ctx, &phaseName); err != nil {
			return nil, database.MapError(err)
		}
	}
	actual := m.ActualOn
	if actual.After(today) {
		actual = date.Date{} // reached after the pack's day: not yet reached then
	}
	pack := &Pack{BuiltAt: asOf, AsOf: today, Milestone: MilestoneLine{ID: m.ID, Name: m.Name, PhaseName: phaseName, PlannedOn: m.PlannedOn,
		ForecastOn: m.ForecastOn, Status: StatusOf(m.PlannedOn, m.ForecastOn, actual, today),
		Slip: Slip(m.PlannedOn, m.ForecastOn, actual, today)}}

	ds, err := Deliverables(ctx, db, m.ID)
	if err != nil {
		return nil, err
	}
	for i, d := range ds {
		if d.Done && d.DoneAt != nil && d.DoneAt.After(asOf) {
			ds[i].Done, ds[i].DoneBy, ds[i].DoneAt, ds[i].DoneByName = false, nil, nil, ""
		}
	}
	pack.Sections = append(pack.Sections, Section{Kind: SectionDeliverables, Deliverables: ds})

	goals, err := goal.ListAsOf(ctx, db, r.ProjectID, today)
	if err != nil {
		return nil, err
	}
	gs := Section{Kind: SectionGoals}
	for _, g := range goals {
		gs.Goals = append(gs.Goals, GoalLine{ID: g.ID, Title: g.Title, Unit: g.Unit, Baseline: g.Baseline, Target: g.Target,
			Current: g.Current, Progress: g.Progress, Status: g.Status, OwnerName: g.OwnerName, DueOn: g.DueOn})
	}
	pack.Sections = append(pack.Sections, gs)

	previous, since, err := lastDecidedPack(ctx, db, r, asOf)
	if err != nil {
		return nil, err
	}
	risks, err := risk.ActiveAsOf(ctx, db, r.ProjectID, today)
	if err != nil {
		return nil, err
	}
	rs := Section{Kind: SectionRisks}
	for _, v := range risks {
		line := RiskLine{ID: v.ID, Key: v.Key, Title: v.Title, Category: v.Category, Probability: v.Probability, Impact: v.Impact,
			Score: v.Score, Level: v.Level, Status: v.Status, OwnerName: v.OwnerName, Overdue: v.Overdue}
		if previous != nil {
			if old, ok := previous[v.Number]; ok {
				line.Change = v.Score - old
			} else {
				line.New = true
			}
		}
		rs.Risks = append(rs.Risks, line)
	}
	pack.Sections = append(pack.Sections, rs)

	table, err := requirementTable(ctx, db, r.ProjectID, m.PhaseID, phaseName, asOf)
	if err != nil {
		return nil, err
	}
	pack.Sections = append(pack.Sections, Section{Kind: SectionRequirements, Requirements: table})

	for _, b := range extra {
		s, err := b(ctx, db, r.ProjectID, since, today)
		if err != nil {
			return nil, err
		}
		pack.Sections = append(pack.Sections, s)
	}
	return pack, nil
}

// lastDecidedPack returns the risk scores, by risk number, of the frozen
// pack of the project's latest review other than r decided before asOf, and
// when it was decided. The scores are the pack's own, as the committee saw
// them then, never today's ratings. Risks are matched by number, which an
// archive keeps (ids change on import, and a key with the project's key).
func lastDecidedPack(ctx context.Context, db bun.IDB, r *Review, asOf time.Time) (map[int]int, time.Time, error) {
	var last Review
	err := db.NewSelect().Model(&last).
		Where("gr.project_id = ? AND gr.id <> ? AND gr.decision IS NOT NULL AND gr.decided_at <= ?", r.ProjectID, r.ID, asOf).
		OrderExpr("gr.decided_at DESC, gr.id DESC").Limit(1).Scan(ctx)
	if err != nil {
		if err = database.MapError(err); apperr.Is(err, apperr.KindNotFound) {
			return nil, time.Time{}, nil
		}
		return nil, time.Time{}, err
	}
	p, err := last.FrozenPack()
	if err != nil || p == nil {
		return nil, time.Time{}, err
	}
	scores := map[int]int{}
	for _, s := range p.Sections {
		for _, line := range s.Risks {
			if n, ok := riskNumber(line.Key); ok {
				scores[n] = line.Score
			}
		}
	}
	return scores, *last.DecidedAt, nil
}

// riskNumber is the number at the end of a risk's key: 7 of CRM-R-7.
func riskNumber(key string) (int, bool) {
	n, err := strconv.Atoi(key[strings.LastIndexByte(key, '-')+1:])
	return n, err == nil
}

// mustLines caps the must items listed in a pack; the counts cover them all.
const mustLines = 200

// requirementTable counts the phase's requirements that existed at asOf by
// tier and status, and lists its must items; tier, status and phase are as
// they stand (see BuildPack).
func requirementTable(ctx context.Context, db bun.IDB, projectID int64, phaseID *int64, phaseName string, asOf time.Time) (*RequirementTable, error) {
	phaseCond := "r.created_at <= ? AND r.phase_id IS NULL"
	args := []any{projectID, asOf}
	if phaseID != nil {
		phaseCond = "r.created_at <= ? AND r.phase_id = ?"
		args = append(args, *phaseID)
	}
	var counts []struct {
		Tier   requirement.Tier   `bun:"tier"`
		Status requirement.Status `bun:"status"`
		N      int                `bun:"n"`
	}
	err := db.NewSelect().TableExpr("requirements AS r").ColumnExpr("r.tier, r.status, count(*) AS n").
		Where("r.project_id = ? AND "+phaseCond, args...).GroupExpr("r.tier, r.status").Scan(ctx, &counts)
	if err != nil {
		return nil, database.MapError(err)
	}
	t := &RequirementTable{PhaseName: phaseName, Counts: map[requirement.Tier]map[requirement.Status]int{}}
	for _, tier := range requirement.Tiers {
		t.Counts[tier] = map[requirement.Status]int{}
	}
	for _, c := range counts {
		t.Counts[c.Tier][c.Status] = c.N
		t.Total += c.N
	}
	f := requirement.Filter{Tier: requirement.Must, Phase: "none", Limit: mustLines}
	if phaseID != nil {
		f.Phase = strconv.FormatInt(*phaseID, 10)
	}
	items, _, err := requirement.List(ctx, db, projectID, f)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		if it.CreatedAt.After(asOf) {
			continue
		}
		t.Must = append(t.Must, RequirementLine{Key: it.Key, Title: it.Title, Status: it.Status})
	}
	slices.SortStableFunc(t.Must, func(a, b RequirementLine) int {
		return slices.Index(requirement.Statuses, a.Status) - slices.Index(requirement.Statuses, b.Status)
	})
	return t, nil
}
