// Package archive turns one whole project, with its history, into a JSON
// document and back: Export reads every item of a project (settings, phases,
// members, goals and measurements, the backlog, risks and reviews, the plan
// with its gate reviews, frozen packs and baselines, change requests and
// votes, pitfall assessments, health snapshots, budget and spend, weekly
// reports and their schedule, and the audit trail) and Import restores such
// a document as a new project, in this installation or another one.
//
// An archive never carries database ids. Every item has an id of the
// archive's own (1, 2, 3 … per kind of item, in the order the items were
// created), and references between items use these ids; people are named by
// email. The same ids are used inside the audit trail's before/after values
// (owner_id, phase_id, goal_ids … become archive ids or emails), so the trail
// reads the same after a move. An item the trail mentions that no longer
// exists (a deleted goal) gets an archive id beyond the living ones, and on
// import an id of its own that no row will ever take. Gate-review packs,
// health breakdowns and weekly reports are documents frozen at the time and
// travel as they are, except that the ids of the items a pack or a weekly
// report names (milestones, deliverables, goals, risks, gate reviews), which
// their pages link by, are archive ids too.
//
// Export reads each table once (a fixed number of queries whatever the size
// of the project) inside one read-only, repeatable-read transaction, so the
// archive is a consistent snapshot. It reads the tables directly rather than
// through the domain packages' list functions: an archive needs every column
// as stored (versions, creation times, counters), not the views pages show.
// The price is that a new column must be added here by hand: a test
// (catalogue_test.go) compares the row structs with the database's own
// catalogue and moves a project between two databases column by column, so
// a column a migration adds fails until the archive carries it or an
// exclusion list says why it need not.
// Import writes everything in one transaction: a taken key or a broken
// reference stops it before anything is kept. Accounts are matched by email
// whatever its case; a missing one is created disabled with a random
// password, so the history keeps its authors and nobody gains access by
// accident (an administrator enables the account and resets its password).
package archive

import (
	"encoding/json"
	"time"

	"rollout/internal/date"
)

// FormatVersion is the version of the archive format this code writes; it
// reads every version up to it. Version 2 names the items inside gate-review
// packs by archive id (version 1 carried the exporting installation's ids
// there, which are restored as they were: see packIDsVersion).
const FormatVersion = 2

// Archive is a whole project. Lists are in the order of the archive ids.
type Archive struct {
	FormatVersion      int                 `json:"format_version"`
	ExportedAt         time.Time           `json:"exported_at"`
	Project            Project             `json:"project"`
	People             []Person            `json:"people"`
	Phases             []Phase             `json:"phases"`
	Members            []Member            `json:"members"`
	Goals              []Goal              `json:"goals"`
	Requirements       []Requirement       `json:"requirements"`
	Milestones         []Milestone         `json:"milestones"`
	Baselines          []Baseline          `json:"baselines"`
	Risks              []Risk              `json:"risks"`
	ChangeRequests     []ChangeRequest     `json:"change_requests"`
	PitfallAssessments []PitfallAssessment `json:"pitfall_assessments"`
	HealthSnapshots    []HealthSnapshot    `json:"health_snapshots"`
	BudgetLines        []BudgetLine        `json:"budget_lines"`
	Comments           []Comment           `json:"comments"`
	Adoption           []AdoptionFigure    `json:"adoption"`
	WeeklyReports      []WeeklyReport      `json:"weekly_reports"`
	WeeklySettings     *WeeklySettings     `json:"weekly_report_settings,omitempty"`
	Audit              []AuditEntry        `json:"audit"`
}

// Project is the project's own fields and settings.
type Project struct {
	Key                   string          `json:"key"`
	Name                  string          `json:"name"`
	Description           string          `json:"description"`
	Sponsor               string          `json:"sponsor"`
	SponsorDepartment     string          `json:"sponsor_department"`
	StartOn               date.Date       `json:"start_on"`
	TargetOn              date.Date       `json:"target_on"`
	ScopeIn               string          `json:"scope_in"`
	ScopeOut              string          `json:"scope_out"`
	CurrentPhaseID        *int64          `json:"current_phase_id"`
	Archived              bool            `json:"archived"`
	RequirementSeq        int             `json:"requirement_seq"`
	RiskSeq               int             `json:"risk_seq"`
	ChangeSeq             int             `json:"change_seq"`
	ChangeApprovalsNeeded int             `json:"change_approvals_needed"`
	ChangeRejectionRule   string          `json:"change_rejection_rule"`
	PitfallThresholds     json.RawMessage `json:"pitfall_thresholds"`
	Version               int             `json:"version"`
	CreatedAt             time.Time       `json:"created_at"`
	UpdatedAt             time.Time       `json:"updated_at"`
}

// Person is everyone the archive names: members, past members, authors.
type Person struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Language string `json:"language"`
}

// Phase is one phase of the project.
type Phase struct {
	ID             int64     `json:"id"`
	Position       int       `json:"position"`
	Name           string    `json:"name"`
	PlannedStartOn date.Date `json:"planned_start_on"`
	PlannedEndOn   date.Date `json:"planned_end_on"`
	Wave           int       `json:"wave"`
	Version        int       `json:"version"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Member is a person's role in the project.
type Member struct {
	Email      string    `json:"email"`
	Name       string    `json:"name"`
	Role       string    `json:"role"`
	Department string    `json:"department"`
	Version    int       `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Goal is a measurable goal with its measurements.
type Goal struct {
	ID           int64         `json:"id"`
	Title        string        `json:"title"`
	Metric       string        `json:"metric"`
	Unit         string        `json:"unit"`
	Baseline     float64       `json:"baseline"`
	Target       float64       `json:"target"`
	Direction    string        `json:"direction"`
	Category     string        `json:"category"`
	StartOn      date.Date     `json:"start_on"`
	DueOn        date.Date     `json:"due_on"`
	Owner        string        `json:"owner"`
	Notes        string        `json:"notes"`
	Cadence      string        `json:"cadence,omitempty"`
	Version      int           `json:"version"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
	Measurements []Measurement `json:"measurements"`
}

// Measurement is one dated value of a goal.
type Measurement struct {
	ID         int64     `json:"id"`
	Value      float64   `json:"value"`
	MeasuredOn date.Date `json:"measured_on"`
	Note       string    `json:"note"`
	Source     string    `json:"source"`
	EnteredBy  string    `json:"entered_by,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// Requirement is one backlog item; the backlog's order is Rank.
type Requirement struct {
	ID                 int64     `json:"id"`
	Number             int       `json:"number"`
	Title              string    `json:"title"`
	UserStory          string    `json:"user_story"`
	AcceptanceCriteria []string  `json:"acceptance_criteria"`
	Tier               string    `json:"tier"`
	Rank               int64     `json:"rank"`
	PhaseID            *int64    `json:"phase_id"`
	Kind               string    `json:"kind"`
	Approach           string    `json:"approach"`
	Owner              string    `json:"owner,omitempty"`
	Status             string    `json:"status"`
	EstimateDays       *float64  `json:"estimate_days"`
	GoalIDs            []int64   `json:"goal_ids"`
	Version            int       `json:"version"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// Milestone is a point of the plan with its deliverables and gate reviews.
type Milestone struct {
	ID           int64           `json:"id"`
	PhaseID      *int64          `json:"phase_id"`
	Name         string          `json:"name"`
	Owner        string          `json:"owner,omitempty"`
	PlannedOn    date.Date       `json:"planned_on"`
	ForecastOn   date.Date       `json:"forecast_on"`
	ActualOn     date.Date       `json:"actual_on"`
	IsGate       bool            `json:"is_gate"`
	Type         string          `json:"type"`
	Readiness    map[string]bool `json:"readiness"`
	Notes        string          `json:"notes"`
	Version      int             `json:"version"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
	Deliverables []Deliverable   `json:"deliverables"`
	Reviews      []GateReview    `json:"reviews"`
}

// Deliverable is one item of a milestone's checklist.
type Deliverable struct {
	ID       int64      `json:"id"`
	Position int        `json:"position"`
	Title    string     `json:"title"`
	Done     bool       `json:"done"`
	DoneBy   string     `json:"done_by,omitempty"`
	DoneAt   *time.Time `json:"done_at"`
}

// GateReview is a steering-committee review of a gate; Pack is the document
// frozen with the decision, kept as it was but for the ids it names items by
// (the milestone, deliverables and who ticked them, goals, risks, the links
// of delivery items), which are archive ids and emails like every reference
// (see remapPack).
type GateReview struct {
	ID          int64           `json:"id"`
	ScheduledOn date.Date       `json:"scheduled_on"`
	Invited     []string        `json:"invited"`
	Decision    *string         `json:"decision"`
	Attendees   []string        `json:"attendees"`
	Notes       string          `json:"notes"`
	DecidedBy   string          `json:"decided_by,omitempty"`
	DecidedAt   *time.Time      `json:"decided_at"`
	Pack        json.RawMessage `json:"pack,omitempty"`
	Version     int             `json:"version"`
	CreatedAt   time.Time       `json:"created_at"`
	Actions     []ReviewAction  `json:"actions"`
}

// ReviewAction is a condition or action item a decision set.
type ReviewAction struct {
	ID     int64     `json:"id"`
	Text   string    `json:"text"`
	Owner  string    `json:"owner,omitempty"`
	DueOn  date.Date `json:"due_on"`
	Status string    `json:"status"`
}

// Baseline is a baseline of the plan: every milestone's planned date when
// it was taken (at a gate decision, or by a project manager). Milestones and
// the review are named by archive id.
type Baseline struct {
	ID       int64          `json:"id"`
	Label    string         `json:"label"`
	Source   string         `json:"source"`
	ReviewID *int64         `json:"review_id"`
	TakenBy  string         `json:"taken_by,omitempty"`
	TakenAt  time.Time      `json:"taken_at"`
	Dates    []BaselineDate `json:"dates"`
}

// BaselineDate is one milestone's planned date in a baseline.
type BaselineDate struct {
	MilestoneID int64     `json:"milestone_id"`
	PlannedOn   date.Date `json:"planned_on"`
}

// Risk is one entry of the register with its reviews.
type Risk struct {
	ID                  int64        `json:"id"`
	Number              int          `json:"number"`
	Title               string       `json:"title"`
	Description         string       `json:"description"`
	Category            string       `json:"category"`
	Probability         int          `json:"probability"`
	Impact              int          `json:"impact"`
	InitialProbability  int          `json:"initial_probability"`
	InitialImpact       int          `json:"initial_impact"`
	ResidualProbability *int         `json:"residual_probability"`
	ResidualImpact      *int         `json:"residual_impact"`
	Owner               string       `json:"owner"`
	Mitigation          string       `json:"mitigation"`
	Contingency         string       `json:"contingency"`
	Trigger             string       `json:"trigger"`
	Status              string       `json:"status"`
	IdentifiedOn        date.Date    `json:"identified_on"`
	NextReviewOn        date.Date    `json:"next_review_on"`
	MilestoneID         *int64       `json:"milestone_id"`
	Version             int          `json:"version"`
	CreatedAt           time.Time    `json:"created_at"`
	UpdatedAt           time.Time    `json:"updated_at"`
	Reviews             []RiskReview `json:"reviews"`
}

// RiskReview is one dated look at a risk.
type RiskReview struct {
	ID          int64     `json:"id"`
	ReviewedOn  date.Date `json:"reviewed_on"`
	Reviewer    string    `json:"reviewer,omitempty"`
	Note        string    `json:"note"`
	Probability int       `json:"probability"`
	Impact      int       `json:"impact"`
	CreatedAt   time.Time `json:"created_at"`
}

// ChangeRequest is a change request with its votes. Operations are the
// request's structured edits, with archive ids for phases, milestones, goals
// and emails for owners; ApprovedVersions names milestones by archive id too.
type ChangeRequest struct {
	ID                  int64           `json:"id"`
	Number              int             `json:"number"`
	Title               string          `json:"title"`
	Reason              string          `json:"reason"`
	Description         string          `json:"description"`
	ExpectedEffect      string          `json:"expected_effect"`
	RequestedBy         string          `json:"requested_by,omitempty"`
	GoalIDs             []int64         `json:"goal_ids"`
	ScheduleDays        int             `json:"schedule_days"`
	Cost                float64         `json:"cost"`
	EffortDays          float64         `json:"effort_days"`
	AffectedRoles       []string        `json:"affected_roles"`
	AffectedDepartments []string        `json:"affected_departments"`
	AffectedNote        string          `json:"affected_note"`
	Operations          json.RawMessage `json:"operations"`
	Status              string          `json:"status"`
	SubmittedAt         *time.Time      `json:"submitted_at"`
	DecidedAt           *time.Time      `json:"decided_at"`
	ApprovedVersions    map[string]int  `json:"approved_versions,omitempty"`
	AppliedAt           *time.Time      `json:"applied_at"`
	AppliedBy           string          `json:"applied_by,omitempty"`
	ApplyResult         json.RawMessage `json:"apply_result,omitempty"`
	Version             int             `json:"version"`
	CreatedAt           time.Time       `json:"created_at"`
	UpdatedAt           time.Time       `json:"updated_at"`
	Votes               []ChangeVote    `json:"votes"`
}

// ChangeVote is a steering member's vote.
type ChangeVote struct {
	Voter   string    `json:"voter"`
	Approve bool      `json:"approve"`
	Comment string    `json:"comment"`
	VotedAt time.Time `json:"voted_at"`
}

// PitfallAssessment is the project's own assessment of one pitfall.
type PitfallAssessment struct {
	Code         string          `json:"code"`
	Status       string          `json:"status"`
	Answers      json.RawMessage `json:"answers"`
	Notes        string          `json:"notes"`
	Owner        string          `json:"owner,omitempty"`
	NextReviewOn date.Date       `json:"next_review_on"`
	Version      int             `json:"version"`
	UpdatedAt    time.Time       `json:"updated_at"`
}

// HealthSnapshot is one day's health score, as computed that day (null:
// not enough data to judge).
type HealthSnapshot struct {
	Day       date.Date       `json:"day"`
	Score     *int            `json:"score"`
	Breakdown json.RawMessage `json:"breakdown"`
}

// BudgetLine is a planned amount with the spend entered against it.
type BudgetLine struct {
	ID        int64        `json:"id"`
	Category  string       `json:"category"`
	Planned   float64      `json:"planned"`
	Currency  string       `json:"currency"`
	Version   int          `json:"version"`
	CreatedAt time.Time    `json:"created_at"`
	Spend     []SpendEntry `json:"spend"`
}

// SpendEntry is money spent against a line.
type SpendEntry struct {
	ID        int64     `json:"id"`
	SpentOn   date.Date `json:"spent_on"`
	Amount    float64   `json:"amount"`
	Note      string    `json:"note"`
	EnteredBy string    `json:"entered_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Comment is a comment on one of the project's items: Kind is requirement,
// risk, goal, milestone, review or change, ItemID the item's archive id in
// that kind; people are emails.
type Comment struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	ItemID    int64     `json:"item_id"`
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	Mentions  []string  `json:"mentions"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// commentItemKinds maps a comment's kind to the archive kind of its item.
var commentItemKinds = map[string]kind{"requirement": kindRequirement, "risk": kindRisk, "goal": kindGoal,
	"milestone": kindMilestone, "review": kindGateReview, "change": kindChange}

// AuditEntry is one write of the project's trail. EntityID is the archive id
// of the item for items with one (goals, requirements, milestones …), the
// email for members, and as recorded otherwise (risk keys such as CRM-R-3,
// pitfall codes, setting names).
type AuditEntry struct {
	At       time.Time       `json:"at"`
	Actor    string          `json:"actor,omitempty"`
	Entity   string          `json:"entity"`
	EntityID string          `json:"entity_id"`
	Action   string          `json:"action"`
	Before   json.RawMessage `json:"before,omitempty"`
	After    json.RawMessage `json:"after,omitempty"`
	Ref      string          `json:"ref,omitempty"`
}

// Counts says how many items of each kind an archive holds.
type Counts struct {
	Goals, Measurements, Requirements, Risks, Milestones, GateReviews, ChangeRequests, BudgetLines, AuditEntries int
}

// Count counts the archive's items.
func (a *Archive) Count() Counts {
	c := Counts{Goals: len(a.Goals), Requirements: len(a.Requirements), Risks: len(a.Risks),
		Milestones: len(a.Milestones), ChangeRequests: len(a.ChangeRequests), BudgetLines: len(a.BudgetLines),
		AuditEntries: len(a.Audit)}
	for _, g := range a.Goals {
		c.Measurements += len(g.Measurements)
	}
	for _, m := range a.Milestones {
		c.GateReviews += len(m.Reviews)
	}
	return c
}

// AdoptionFigure is one week of the CRM's usage for a department and/or role.
type AdoptionFigure struct {
	ID                   int64     `json:"id"`
	Week                 date.Date `json:"week_on"`
	Department           string    `json:"department"`
	Role                 string    `json:"role"`
	LicensedUsers        int64     `json:"licensed_users"`
	ActiveUsers          int64     `json:"active_users"`
	LeadsCreated         int64     `json:"leads_created"`
	OpportunitiesCreated int64     `json:"opportunities_created"`
	FollowUpsCreated     int64     `json:"followups_created"`
	RequiredFilled       *float64  `json:"required_filled"`
	Source               string    `json:"source"`
	EnteredBy            string    `json:"entered_by,omitempty"`
	Version              int       `json:"version"`
	CreatedAt            time.Time `json:"created_at"`
	UpdatedAt            time.Time `json:"updated_at"`
}

// WeeklyReport is one week's report (周报). Content is the document frozen
// when it was built and travels as it is, but for the milestones, gate
// reviews and goals it links to (done[].id, slipping[].id,
// decisions[].review_id and milestone_id, goals[].id), which are archive ids
// like every reference; a sent report stays sent.
type WeeklyReport struct {
	ID        int64           `json:"id"`
	WeekStart date.Date       `json:"week_start"`
	Status    string          `json:"status"`
	Content   json.RawMessage `json:"content"`
	Summary   string          `json:"summary"`
	BuiltAt   time.Time       `json:"built_at"`
	BuiltBy   string          `json:"built_by,omitempty"`
	SentAt    *time.Time      `json:"sent_at"`
	SentBy    string          `json:"sent_by,omitempty"`
	SentRoles []string        `json:"sent_roles"`
	Version   int             `json:"version"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// WeeklySettings is when the project's weekly report goes out by itself
// (absent: the defaults, by hand).
type WeeklySettings struct {
	AutoSend bool     `json:"auto_send"`
	Weekday  int      `json:"weekday"`
	Hour     int      `json:"hour"`
	Roles    []string `json:"roles"`
	Version  int      `json:"version"`
}
