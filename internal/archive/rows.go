package archive

import (
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/date"
)

// The rows below are the tables as stored, every column, for reading a
// project out and writing it back with ids chosen here.

type projectRow struct {
	bun.BaseModel `bun:"table:projects"`

	ID                    int64           `bun:",pk"`
	Key                   string          `bun:"key"`
	Name                  string          `bun:"name"`
	Description           string          `bun:"description"`
	Sponsor               string          `bun:"sponsor"`
	SponsorDepartment     string          `bun:"sponsor_department"`
	StartOn               date.Date       `bun:"start_on,type:date"`
	TargetOn              date.Date       `bun:"target_on,type:date"`
	ScopeIn               string          `bun:"scope_in"`
	ScopeOut              string          `bun:"scope_out"`
	CurrentPhaseID        *int64          `bun:"current_phase_id"`
	Archived              bool            `bun:"archived"`
	RequirementSeq        int             `bun:"requirement_seq"`
	RiskSeq               int             `bun:"risk_seq"`
	ChangeSeq             int             `bun:"change_seq"`
	ChangeApprovalsNeeded int             `bun:"change_approvals_needed"`
	ChangeRejectionRule   string          `bun:"change_rejection_rule"`
	PitfallThresholds     json.RawMessage `bun:"pitfall_thresholds,type:jsonb"`
	Version               int             `bun:"version"`
	CreatedAt             time.Time       `bun:"created_at"`
	UpdatedAt             time.Time       `bun:"updated_at"`
}

type userRow struct {
	bun.BaseModel `bun:"table:users"`

	ID       int64  `bun:",pk"`
	Email    string `bun:"email"`
	Name     string `bun:"name"`
	Language string `bun:"language"`
}

type phaseRow struct {
	bun.BaseModel `bun:"table:phases"`

	ID             int64     `bun:",pk"`
	ProjectID      int64     `bun:"project_id"`
	Position       int       `bun:"position"`
	Name           string    `bun:"name"`
	PlannedStartOn date.Date `bun:"planned_start_on,type:date"`
	PlannedEndOn   date.Date `bun:"planned_end_on,type:date"`
	Wave           int       `bun:"wave"`
	Version        int       `bun:"version"`
	CreatedAt      time.Time `bun:"created_at"`
	UpdatedAt      time.Time `bun:"updated_at"`
}

type memberRow struct {
	bun.BaseModel `bun:"table:members"`

	ProjectID  int64     `bun:"project_id,pk"`
	UserID     int64     `bun:"user_id,pk"`
	Role       string    `bun:"role"`
	Department string    `bun:"department"`
	Version    int       `bun:"version"`
	CreatedAt  time.Time `bun:"created_at"`
	UpdatedAt  time.Time `bun:"updated_at"`
}

type goalRow struct {
	bun.BaseModel `bun:"table:goals"`

	ID        int64     `bun:",pk"`
	ProjectID int64     `bun:"project_id"`
	Title     string    `bun:"title"`
	Metric    string    `bun:"metric"`
	Unit      string    `bun:"unit"`
	Baseline  float64   `bun:"baseline"`
	Target    float64   `bun:"target"`
	Direction string    `bun:"direction"`
	Category  string    `bun:"category"`
	StartOn   date.Date `bun:"start_on,type:date"`
	DueOn     date.Date `bun:"due_on,type:date"`
	OwnerID   int64     `bun:"owner_id"`
	Notes     string    `bun:"notes"`
	Cadence   string    `bun:"cadence"`
	Version   int       `bun:"version"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
}

type measurementRow struct {
	bun.BaseModel `bun:"table:measurements,alias:x"`

	ID         int64     `bun:",pk"`
	GoalID     int64     `bun:"goal_id"`
	Value      float64   `bun:"value"`
	MeasuredOn date.Date `bun:"measured_on,type:date"`
	Note       string    `bun:"note"`
	Source     string    `bun:"source"`
	EnteredBy  *int64    `bun:"entered_by"`
	CreatedAt  time.Time `bun:"created_at"`
}

type requirementRow struct {
	bun.BaseModel `bun:"table:requirements"`

	ID                 int64     `bun:",pk"`
	ProjectID          int64     `bun:"project_id"`
	Number             int       `bun:"number"`
	Title              string    `bun:"title"`
	UserStory          string    `bun:"user_story"`
	AcceptanceCriteria []string  `bun:"acceptance_criteria,array"`
	Tier               string    `bun:"tier"`
	Rank               int64     `bun:"rank"`
	PhaseID            *int64    `bun:"phase_id"`
	Kind               string    `bun:"kind"`
	Approach           string    `bun:"approach"`
	OwnerID            *int64    `bun:"owner_id"`
	Status             string    `bun:"status"`
	EstimateDays       *float64  `bun:"estimate_days"`
	Version            int       `bun:"version"`
	CreatedAt          time.Time `bun:"created_at"`
	UpdatedAt          time.Time `bun:"updated_at"`
}

type requirementGoalRow struct {
	bun.BaseModel `bun:"table:requirement_goals,alias:x"`

	RequirementID int64 `bun:"requirement_id,pk"`
	GoalID        int64 `bun:"goal_id,pk"`
}

type riskRow struct {
	bun.BaseModel `bun:"table:risks"`

	ID                  int64     `bun:",pk"`
	ProjectID           int64     `bun:"project_id"`
	Number              int       `bun:"number"`
	Title               string    `bun:"title"`
	Description         string    `bun:"description"`
	Category            string    `bun:"category"`
	Probability         int       `bun:"probability"`
	Impact              int       `bun:"impact"`
	InitialProbability  int       `bun:"initial_probability"`
	InitialImpact       int       `bun:"initial_impact"`
	ResidualProbability *int      `bun:"residual_probability"`
	ResidualImpact      *int      `bun:"residual_impact"`
	OwnerID             int64     `bun:"owner_id"`
	Mitigation          string    `bun:"mitigation"`
	Contingency         string    `bun:"contingency"`
	Trigger             string    `bun:"trigger"`
	Status              string    `bun:"status"`
	IdentifiedOn        date.Date `bun:"identified_on,type:date"`
	NextReviewOn        date.Date `bun:"next_review_on,type:date"`
	MilestoneID         *int64    `bun:"milestone_id"`
	Version             int       `bun:"version"`
	CreatedAt           time.Time `bun:"created_at"`
	UpdatedAt           time.Time `bun:"updated_at"`
}

type riskReviewRow struct {
	bun.BaseModel `bun:"table:risk_reviews,alias:x"`

	ID          int64     `bun:",pk"`
	RiskID      int64     `bun:"risk_id"`
	ReviewedOn  date.Date `bun:"reviewed_on,type:date"`
	ReviewerID  *int64    `bun:"reviewer_id"`
	Note        string    `bun:"note"`
	Probability int       `bun:"probability"`
	Impact      int       `bun:"impact"`
	CreatedAt   time.Time `bun:"created_at"`
}

type milestoneRow struct {
	bun.BaseModel `bun:"table:milestones"`

	ID         int64           `bun:",pk"`
	ProjectID  int64           `bun:"project_id"`
	PhaseID    *int64          `bun:"phase_id"`
	Name       string          `bun:"name"`
	OwnerID    *int64          `bun:"owner_id"`
	PlannedOn  date.Date       `bun:"planned_on,type:date"`
	ForecastOn date.Date       `bun:"forecast_on,type:date"`
	ActualOn   date.Date       `bun:"actual_on,type:date"`
	IsGate     bool            `bun:"is_gate"`
	Type       string          `bun:"type"`
	Readiness  map[string]bool `bun:"readiness,type:jsonb"`
	Notes      string          `bun:"notes"`
	Version    int             `bun:"version"`
	CreatedAt  time.Time       `bun:"created_at"`
	UpdatedAt  time.Time       `bun:"updated_at"`
}

type deliverableRow struct {
	bun.BaseModel `bun:"table:deliverables,alias:x"`

	ID          int64      `bun:",pk"`
	MilestoneID int64      `bun:"milestone_id"`
	Position    int        `bun:"position"`
	Title       string     `bun:"title"`
	Done        bool       `bun:"done"`
	DoneBy      *int64     `bun:"done_by"`
	DoneAt      *time.Time `bun:"done_at"`
}

type gateReviewRow struct {
	bun.BaseModel `bun:"table:gate_reviews"`

	ID          int64           `bun:",pk"`
	ProjectID   int64           `bun:"project_id"`
	MilestoneID int64           `bun:"milestone_id"`
	ScheduledOn date.Date       `bun:"scheduled_on,type:date"`
	Invited     []int64         `bun:"invited,array"`
	Decision    *string         `bun:"decision"`
	Attendees   []int64         `bun:"attendees,array"`
	Notes       string          `bun:"notes"`
	DecidedBy   *int64          `bun:"decided_by"`
	DecidedAt   *time.Time      `bun:"decided_at"`
	Pack        json.RawMessage `bun:"pack,type:jsonb,nullzero"`
	Version     int             `bun:"version"`
	CreatedAt   time.Time       `bun:"created_at"`
}

type reviewActionRow struct {
	bun.BaseModel `bun:"table:review_actions,alias:x"`

	ID       int64     `bun:",pk"`
	ReviewID int64     `bun:"review_id"`
	Text     string    `bun:"text"`
	OwnerID  *int64    `bun:"owner_id"`
	DueOn    date.Date `bun:"due_on,type:date"`
	Status   string    `bun:"status"`
}

type baselineRow struct {
	bun.BaseModel `bun:"table:plan_baselines"`

	ID        int64     `bun:",pk"`
	ProjectID int64     `bun:"project_id"`
	Label     string    `bun:"label"`
	Source    string    `bun:"source"`
	ReviewID  *int64    `bun:"review_id"`
	TakenBy   *int64    `bun:"taken_by"`
	TakenAt   time.Time `bun:"taken_at"`
}

type baselineDateRow struct {
	bun.BaseModel `bun:"table:baseline_dates,alias:x"`

	BaselineID  int64     `bun:"baseline_id,pk"`
	MilestoneID int64     `bun:"milestone_id,pk"`
	PlannedOn   date.Date `bun:"planned_on,type:date"`
}

type changeRow struct {
	bun.BaseModel `bun:"table:change_requests"`

	ID                  int64           `bun:",pk"`
	ProjectID           int64           `bun:"project_id"`
	Number              int             `bun:"number"`
	Title               string          `bun:"title"`
	Reason              string          `bun:"reason"`
	Description         string          `bun:"description"`
	ExpectedEffect      string          `bun:"expected_effect"`
	RequestedBy         *int64          `bun:"requested_by"`
	GoalIDs             []int64         `bun:"goal_ids,array"`
	ScheduleDays        int             `bun:"schedule_days"`
	Cost                float64         `bun:"cost"`
	EffortDays          float64         `bun:"effort_days"`
	AffectedRoles       []string        `bun:"affected_roles,array"`
	AffectedDepartments []string        `bun:"affected_departments,array"`
	AffectedNote        string          `bun:"affected_note"`
	Operations          json.RawMessage `bun:"operations,type:jsonb"`
	Status              string          `bun:"status"`
	SubmittedAt         *time.Time      `bun:"submitted_at"`
	DecidedAt           *time.Time      `bun:"decided_at"`
	ApprovedVersions    json.RawMessage `bun:"approved_versions,type:jsonb,nullzero"`
	AppliedAt           *time.Time      `bun:"applied_at"`
	AppliedBy           *int64          `bun:"applied_by"`
	ApplyResult         json.RawMessage `bun:"apply_result,type:jsonb,nullzero"`
	Version             int             `bun:"version"`
	CreatedAt           time.Time       `bun:"created_at"`
	UpdatedAt           time.Time       `bun:"updated_at"`
}

type voteRow struct {
	bun.BaseModel `bun:"table:change_votes,alias:x"`

	ChangeID int64     `bun:"change_id,pk"`
	VoterID  int64     `bun:"voter_id,pk"`
	Approve  bool      `bun:"approve"`
	Comment  string    `bun:"comment"`
	VotedAt  time.Time `bun:"voted_at"`
}

type assessmentRow struct {
	bun.BaseModel `bun:"table:pitfall_assessments"`

	ProjectID    int64           `bun:"project_id,pk"`
	Code         string          `bun:"code,pk"`
	Status       string          `bun:"status"`
	Answers      json.RawMessage `bun:"answers,type:jsonb"`
	Notes        string          `bun:"notes"`
	OwnerID      *int64          `bun:"owner_id"`
	NextReviewOn date.Date       `bun:"next_review_on,type:date"`
	Version      int             `bun:"version"`
	UpdatedAt    time.Time       `bun:"updated_at"`
}

type snapshotRow struct {
	bun.BaseModel `bun:"table:health_snapshots"`

	ProjectID int64           `bun:"project_id,pk"`
	Day       date.Date       `bun:"day,pk,type:date"`
	Score     *int            `bun:"score"` // nil: not enough data to judge that day
	Breakdown json.RawMessage `bun:"breakdown,type:jsonb"`
}

type budgetLineRow struct {
	bun.BaseModel `bun:"table:budget_lines"`

	ID        int64     `bun:",pk"`
	ProjectID int64     `bun:"project_id"`
	Category  string    `bun:"category"`
	Planned   float64   `bun:"planned"`
	Currency  string    `bun:"currency"`
	Version   int       `bun:"version"`
	CreatedAt time.Time `bun:"created_at"`
}

type spendRow struct {
	bun.BaseModel `bun:"table:spend_entries"`

	ID        int64     `bun:",pk"`
	ProjectID int64     `bun:"project_id"`
	LineID    int64     `bun:"line_id"`
	SpentOn   date.Date `bun:"spent_on,type:date"`
	Amount    float64   `bun:"amount"`
	Note      string    `bun:"note"`
	EnteredBy *int64    `bun:"entered_by"`
	CreatedAt time.Time `bun:"created_at"`
}

type commentRow struct {
	bun.BaseModel `bun:"table:comments,alias:x"`

	ID        int64     `bun:",pk"`
	ProjectID int64     `bun:"project_id"`
	Entity    string    `bun:"entity"`
	EntityID  int64     `bun:"entity_id"`
	AuthorID  int64     `bun:"author_id"`
	Body      string    `bun:"body"`
	Version   int       `bun:"version"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
}

type commentMentionRow struct {
	bun.BaseModel `bun:"table:comment_mentions,alias:x"`

	CommentID int64 `bun:"comment_id,pk"`
	UserID    int64 `bun:"user_id,pk"`
}

type auditRow struct {
	bun.BaseModel `bun:"table:audit_entries"`

	// Restored entries take new ids from the table's sequence, in order.
	ID        int64           `bun:",pk,autoincrement"`
	ProjectID *int64          `bun:"project_id"`
	ActorID   *int64          `bun:"actor_id"`
	At        time.Time       `bun:"at"`
	Entity    string          `bun:"entity"`
	EntityID  string          `bun:"entity_id"`
	Action    string          `bun:"action"`
	Before    json.RawMessage `bun:"before,type:jsonb,nullzero"`
	After     json.RawMessage `bun:"after,type:jsonb,nullzero"`
	Ref       string          `bun:"ref"`
}

type adoptionRow struct {
	bun.BaseModel `bun:"table:adoption_figures"`

	ID                   int64     `bun:",pk"`
	ProjectID            int64     `bun:"project_id"`
	Week                 date.Date `bun:"week,type:date"`
	Department           string    `bun:"department"`
	Role                 string    `bun:"role"`
	LicensedUsers        int64     `bun:"licensed_users"`
	ActiveUsers          int64     `bun:"active_users"`
	LeadsCreated         int64     `bun:"leads_created"`
	OpportunitiesCreated int64     `bun:"opportunities_created"`
	FollowUpsCreated     int64     `bun:"followups_created"`
	RequiredFilled       *float64  `bun:"required_filled"`
	Source               string    `bun:"source"`
	EnteredBy            *int64    `bun:"entered_by"`
	Version              int       `bun:"version"`
	CreatedAt            time.Time `bun:"created_at"`
	UpdatedAt            time.Time `bun:"updated_at"`
}

type weeklyReportRow struct {
	bun.BaseModel `bun:"table:weekly_reports"`

	ID        int64           `bun:",pk"`
	ProjectID int64           `bun:"project_id"`
	WeekStart date.Date       `bun:"week_start,type:date"`
	Status    string          `bun:"status"`
	Content   json.RawMessage `bun:"content,type:jsonb"`
	Summary   string          `bun:"summary"`
	BuiltAt   time.Time       `bun:"built_at"`
	BuiltBy   *int64          `bun:"built_by"`
	SentAt    *time.Time      `bun:"sent_at"`
	SentBy    *int64          `bun:"sent_by"`
	SentRoles []string        `bun:"sent_roles,array"`
	Version   int             `bun:"version"`
	CreatedAt time.Time       `bun:"created_at"`
	UpdatedAt time.Time       `bun:"updated_at"`
}

type weeklySettingsRow struct {
	bun.BaseModel `bun:"table:weekly_report_settings"`

	ProjectID int64    `bun:"project_id,pk"`
	AutoSend  bool     `bun:"auto_send"`
	Weekday   int      `bun:"weekday"`
	Hour      int      `bun:"hour"`
	Roles     []string `bun:"roles,array"`
	Version   int      `bun:"version"`
}
