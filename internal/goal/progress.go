package goal

import (
	"math"

	"rollout/internal/date"
)

// Status says whether a goal is where it should be by now.
type Status string

// Statuses.
const (
	Achieved Status = "achieved"
	OnTrack  Status = "on_track"
	AtRisk   Status = "at_risk"
	OffTrack Status = "off_track"
)

// Statuses lists them best first (the API document names the same set).
var Statuses = []Status{Achieved, OnTrack, AtRisk, OffTrack}

// Tolerances of the status rule: how far progress may trail the share of time
// elapsed before a goal is at risk, and before it is off track. The goals page
// states the rule in these numbers.
const (
	OnTrackSlack = 0.10
	AtRiskSlack  = 0.25
)

// Progress is how far current has moved from baseline towards target:
// 0 at the baseline, 1 at the target, negative when it moved the wrong way.
// It works for decreasing goals too (12 % → 3 %: current 7.5 % is 0.5).
func Progress(baseline, target, current float64) float64 {
	span := target - baseline
	if span == 0 {
		if current == target {
			return 1
		}
		return 0
	}
	return (current - baseline) / span
}

// Elapsed is the share of the time from start to due that has passed on
// today, between 0 and 1.
func Elapsed(start, due, today date.Date) float64 {
	total := start.DaysUntil(due)
	if total <= 0 {
		if today.Before(due) {
			return 0
		}
		return 1
	}
	return math.Max(0, math.Min(1, float64(start.DaysUntil(today))/float64(total)))
}

// Evaluate applies the status rule:
//   - achieved: progress has reached the target (progress ≥ 1);
//   - off track: the due date has passed without it, or progress trails the
//     time elapsed by more than AtRiskSlack;
//   - at risk: progress trails the time elapsed by more than OnTrackSlack;
//   - on track: otherwise (before the start date nothing is expected yet).
func Evaluate(baseline, target, current float64, start, due, today date.Date) (float64, Status) {
	p := Progress(baseline, target, current)
	switch {
	case p >= 1-1e-9:
		return p, Achieved
	case today.After(due):
		return p, OffTrack
	}
	// A hair of tolerance, so 0.9 computed as 0.8999… counts as 0.9.
	expected := Elapsed(start, due, today) - 1e-9
	switch {
	case p >= expected-OnTrackSlack:
		return p, OnTrack
	case p >= expected-AtRiskSlack:
		return p, AtRisk
	}
	return p, OffTrack
}
