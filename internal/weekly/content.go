package weekly

import (
	"time"

	"rollout/internal/date"
)

// Content is what a report says, frozen when it is built: codes, numbers,
// names and dates, never translated text, so a report reads the same in
// either language, whenever it is opened.
type Content struct {
	WeekStart date.Date `json:"week_start"` // Monday
	WeekEnd   date.Date `json:"week_end"`   // Sunday
	AsOf      date.Date `json:"as_of"`      // the day it was built
	// Done are the milestones reached this week; Slipping those not done and
	// late against the baseline (missed, or forecast after it), as the
	// delivery health counts them.
	Done     []MilestoneLine `json:"done"`
	Slipping []MilestoneLine `json:"slipping"`
	// Risks are the active risks of highest score (at most TopRisks), each
	// with what the activity log says changed this week; Closed those closed
	// or occurred this week.
	Risks     []RiskLine     `json:"risks"`
	Closed    []RiskLine     `json:"closed"`
	Decisions []DecisionLine `json:"decisions"`
	Changes   []ChangeLine   `json:"changes"`
	Goals     []GoalLine     `json:"goals"`
	Health    HealthLine     `json:"health"`
}

// TopRisks is how many risks a report lists.
const TopRisks = 5

// MilestoneLine is a milestone as a report shows it.
type MilestoneLine struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	PhaseName  string    `json:"phase_name"`
	Gate       bool      `json:"gate"`
	PlannedOn  date.Date `json:"planned_on"`
	BaselineOn date.Date `json:"baseline_on"` // zero: measured against its own plan
	ForecastOn date.Date `json:"forecast_on"`
	ActualOn   date.Date `json:"actual_on"`
	Status     string    `json:"status"`
	Slip       int       `json:"slip_days"` // days late (negative: early) against the baseline
	// Kind is the delivery signal of a slipping milestone: milestone_late
	// (its date has passed) or milestone_forecast_late.
	Kind string `json:"kind,omitempty"`
}

// RiskLine is a risk with its change this week.
type RiskLine struct {
	Number      int    `json:"number"`
	Key         string `json:"key"`
	Title       string `json:"title"`
	Category    string `json:"category"`
	Probability int    `json:"probability"`
	Impact      int    `json:"impact"`
	Score       int    `json:"score"`
	Level       string `json:"level"`
	Status      string `json:"status"`
	OwnerName   string `json:"owner_name"`
	Overdue     bool   `json:"overdue"`
	// New: identified this week. ScoreBefore: the score at the start of the
	// week when it changed since (nil: unchanged). StatusBefore: the status
	// then, when it changed.
	New          bool   `json:"new"`
	ScoreBefore  *int   `json:"score_before,omitempty"`
	StatusBefore string `json:"status_before,omitempty"`
}

// Change is how far the score moved this week (0: unchanged).
func (r RiskLine) Change() int {
	if r.ScoreBefore == nil {
		return 0
	}
	return r.Score - *r.ScoreBefore
}

// Before is the score at the start of the week (the score when unchanged).
func (r RiskLine) Before() int {
	if r.ScoreBefore == nil {
		return r.Score
	}
	return *r.ScoreBefore
}

// DecisionLine is a gate decision taken this week.
type DecisionLine struct {
	ReviewID      int64     `json:"review_id"`
	MilestoneID   int64     `json:"milestone_id"`
	MilestoneName string    `json:"milestone_name"`
	Decision      string    `json:"decision"`
	DecidedAt     time.Time `json:"decided_at"`
	DecidedBy     string    `json:"decided_by"`
	Conditions    int       `json:"conditions"`
}

// ChangeLine is a change request applied, approved or rejected this week.
type ChangeLine struct {
	Number       int       `json:"number"`
	Key          string    `json:"key"`
	Title        string    `json:"title"`
	Outcome      string    `json:"outcome"` // applied, approved or rejected
	At           time.Time `json:"at"`
	ScheduleDays int       `json:"schedule_days"`
	Cost         float64   `json:"cost"`
}

// Outcomes of a change request in a week.
const (
	ChangeApplied  = "applied"
	ChangeApproved = "approved"
	ChangeRejected = "rejected"
)

// GoalLine is a goal's latest value against its target.
type GoalLine struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Unit      string    `json:"unit"`
	Direction string    `json:"direction"`
	Baseline  float64   `json:"baseline"`
	Target    float64   `json:"target"`
	Current   float64   `json:"current"`
	CurrentOn date.Date `json:"current_on"` // zero: never measured
	Progress  float64   `json:"progress"`   // share of the way from baseline to target
	Status    string    `json:"status"`
	DueOn     date.Date `json:"due_on"`
}

// HealthLine is the health score and its trend over the week.
type HealthLine struct {
	Score    *int   `json:"score"` // nil: not enough data to judge
	Band     string `json:"band"`
	Method   int    `json:"method"`
	Delivery int    `json:"delivery"`
	// Previous is the kept score of the earliest day of the last seven
	// (nil: none kept), PreviousOn that day.
	Previous   *int      `json:"previous,omitempty"`
	PreviousOn date.Date `json:"previous_on"`
	// Trend is the scores of the last days, oldest first.
	Trend []Point `json:"trend"`
}

// Point is one day's health score.
type Point struct {
	Day   date.Date `json:"day"`
	Score int       `json:"score"`
}

// Change is how far the score moved since Previous (0 without both).
func (h HealthLine) Change() int {
	if h.Score == nil || h.Previous == nil {
		return 0
	}
	return *h.Score - *h.Previous
}

// HasTrend reports whether there is a score and a previous one to compare.
func (h HealthLine) HasTrend() bool { return h.Score != nil && h.Previous != nil }

// WeekOf is the Monday of day's ISO week.
func WeekOf(day date.Date) date.Date {
	wd := int(day.Time().Weekday()) // Sunday 0
	return day.AddDays(-((wd + 6) % 7))
}

// Counts are the figures a list of reports shows.
func (c *Content) Counts() map[string]int {
	return map[string]int{"done": len(c.Done), "slipping": len(c.Slipping), "decisions": len(c.Decisions), "changes": len(c.Changes)}
}
