package milestone

import (
	"rollout/internal/date"
)

// Type says what a milestone is, so the checks read facts rather than names:
// a go-live called "Launch" or "正式切换" is still the go-live.
type Type string

// Types.
const (
	GoLive          Type = "go_live"
	Cutover         Type = "cutover"
	Rehearsal       Type = "rehearsal" // a mock migration
	UAT             Type = "uat"       // user acceptance test
	TrainingWave    Type = "training"
	ReadinessReview Type = "readiness_review" // the go-live readiness review
	ValueReview     Type = "value_review"
	Other           Type = "other"
)

// Types lists every type in form order.
var Types = []Type{GoLive, Cutover, Rehearsal, UAT, TrainingWave, ReadinessReview, ValueReview, Other}

// Icon is the short sign the plan shows for the type.
func (t Type) Icon() string {
	switch t {
	case GoLive:
		return "🚀"
	case Cutover:
		return "⇄"
	case Rehearsal:
		return "↻"
	case UAT:
		return "✓"
	case TrainingWave:
		return "🎓"
	case ReadinessReview:
		return "☑"
	case ValueReview:
		return "◎"
	}
	return "•"
}

// ReadinessItem is one question of the go-live readiness checklist, drawn
// from practice.
type ReadinessItem string

// The go-live readiness checklist, in review order.
const (
	ReadyTestsSigned    ReadinessItem = "tests_signed"      // test cycles passed, signed off by the business
	ReadyCutoverSigned  ReadinessItem = "cutover_signed"    // cutover plan signed
	ReadyRehearsals     ReadinessItem = "rehearsals_passed" // two rehearsals done, error rates within limit
	ReadyPeopleTrained  ReadinessItem = "people_trained"    // people trained, roles and licences assigned
	ReadySupportSigned  ReadinessItem = "support_signed"    // support plan signed
	ReadyNothingBlocked ReadinessItem = "nothing_open"      // no open critical risk or open condition
)

// ReadinessItems lists the checklist in order.
var ReadinessItems = []ReadinessItem{ReadyTestsSigned, ReadyCutoverSigned, ReadyRehearsals, ReadyPeopleTrained,
	ReadySupportSigned, ReadyNothingBlocked}

// ReadinessLeadDays is how long before go-live the readiness review is held
// at the latest (four weeks).
const ReadinessLeadDays = 28

// IsReadinessItem reports whether k names an item of the checklist.
func IsReadinessItem(k string) bool {
	for _, it := range ReadinessItems {
		if string(it) == k {
			return true
		}
	}
	return false
}

// Readiness holds a readiness review's answers: the items found met.
type Readiness map[ReadinessItem]bool

// ReadinessOf builds the answers from the items ticked (unknown keys are
// refused by Input.check before).
func ReadinessOf(met []string) Readiness {
	r := Readiness{}
	for _, k := range met {
		r[ReadinessItem(k)] = true
	}
	return r
}

// Met lists the items answered yes, in checklist order.
func (r Readiness) Met() []string {
	var out []string
	for _, it := range ReadinessItems {
		if r[it] {
			out = append(out, string(it))
		}
	}
	return out
}

// Unmet lists the items not answered yes, in checklist order.
func (r Readiness) Unmet() []ReadinessItem {
	var out []ReadinessItem
	for _, it := range ReadinessItems {
		if !r[it] {
			out = append(out, it)
		}
	}
	return out
}

// GoLiveDate is the project's go-live: the go-live milestone's actual date
// once done, else its forecast, else its planned date. With several go-live
// milestones (waves), the earliest counts. ok is false with none.
func GoLiveDate(vs []View) (on date.Date, from *View, ok bool) {
	for i := range vs {
		v := &vs[i]
		if v.Type != GoLive {
			continue
		}
		d := v.ExpectedOn()
		if !ok || d.Before(on) {
			on, from, ok = d, v, true
		}
	}
	return on, from, ok
}

// ExpectedOn is when the milestone happened (actual) or is expected to
// (forecast, else planned).
func (m *Milestone) ExpectedOn() date.Date {
	switch {
	case !m.ActualOn.IsZero():
		return m.ActualOn
	case !m.ForecastOn.IsZero():
		return m.ForecastOn
	}
	return m.PlannedOn
}
