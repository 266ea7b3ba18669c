package pitfall

import (
	"fmt"

	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/requirement"
)

// The facts the detectors read instead of names: delivery waves ("phase
// one" is the first wave that goes live), the go-live date (the go-live
// milestone's), rehearsals by type and status, and when a goal is due its
// first measurement.

// delivery is one delivery wave: the phases that carry it, their
// requirements added up. Without waves (a project that set none), each phase
// holding requirements is its own delivery, in phase order.
type delivery struct {
	requirement.PhaseSummary
	Wave    int    // 0: the project names no waves
	Name    string // the phases' names, joined
	PhaseID int64  // the first phase: where the links lead
}

func (d delivery) fact() Fact {
	if d.Wave == 0 {
		return fact("phase_one_by_order", "Phase", d.Name)
	}
	return fact("phase_one_by_wave", "Phase", d.Name, "Wave", d.Wave)
}

// deliveries lists the delivery waves holding requirements, first wave first.
func deliveries(f *Facts) []delivery {
	byPhase := map[int64]requirement.PhaseSummary{}
	for _, s := range f.Summaries {
		if s.PhaseID != nil {
			byPhase[*s.PhaseID] = s
		}
	}
	waves := false
	for _, ph := range f.Phases {
		waves = waves || ph.Wave > 0
	}
	var out []delivery
	index := map[int]int{}
	for _, ph := range f.Phases {
		s, ok := byPhase[ph.ID]
		if !ok || s.Total == 0 {
			continue
		}
		if !waves {
			out = append(out, delivery{PhaseSummary: s, Name: ph.Name, PhaseID: ph.ID})
			continue
		}
		if ph.Wave == 0 {
			continue // initiation, selection, operations: no delivery of their own
		}
		i, ok := index[ph.Wave]
		if !ok {
			index[ph.Wave] = len(out)
			out = append(out, delivery{Wave: ph.Wave, Name: ph.Name, PhaseID: ph.ID})
			i = len(out) - 1
		} else {
			out[i].Name += ", " + ph.Name
		}
		d := &out[i]
		d.Total += s.Total
		d.Must += s.Must
		d.Important += s.Important
		d.Optional += s.Optional
		d.Custom += s.Custom
		d.Integrations += s.Integrations
		d.EstimateDays += s.EstimateDays
		d.NoGoal += s.NoGoal
	}
	// By wave number: the first wave to go live, whatever the phase order.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Wave < out[j-1].Wave; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// phaseOne is the first delivery wave holding requirements, nil with none.
func phaseOne(f *Facts) *delivery {
	ds := deliveries(f)
	if len(ds) == 0 {
		return nil
	}
	return &ds[0]
}

// rehearsalCount sorts the rehearsal-typed milestones.
type rehearsalCount struct {
	Done    int // done, before go-live
	Ahead   int // not done yet, planned before go-live and not past its date
	Skipped int // its date passed undone, or go-live came first
	After   int // planned after go-live
}

// timeline is the project's go-live as the plan says it.
type timeline struct {
	HasGoLive  bool
	GoLive     date.Date // the go-live milestone's actual date, else forecast, else planned
	GoLiveName string    // the milestone it comes from; "" when inferred from the phase
	Live       bool      // the go-live milestone is done (or, without one, the project is past its first wave)
	Rehearsals rehearsalCount
}

func timelineOf(f *Facts) timeline {
	var t timeline
	if on, from, ok := milestone.GoLiveDate(f.Milestones); ok {
		t.HasGoLive, t.GoLive, t.GoLiveName = true, on, from.Name
		t.Live = from.Status == milestone.Done && !on.After(f.Today)
	} else if t.Live = pastFirstWave(f); t.Live {
		t.HasGoLive, t.GoLive = true, f.Project.StartOn
		if t.GoLive.IsZero() {
			t.GoLive = dateOf(f.Project.CreatedAt)
		}
	}
	for _, m := range f.Milestones {
		if m.Type != milestone.Rehearsal {
			continue
		}
		switch {
		case m.Status == milestone.Done && (!t.HasGoLive || !m.ActualOn.After(t.GoLive)):
			t.Rehearsals.Done++
		case m.Status == milestone.Done:
			t.Rehearsals.After++
		case m.Status == milestone.Missed || t.Live:
			t.Rehearsals.Skipped++
		case t.HasGoLive && m.ExpectedOn().After(t.GoLive):
			t.Rehearsals.After++
		default:
			t.Rehearsals.Ahead++
		}
	}
	return t
}

// pastFirstWave reports, for a project without a go-live milestone, whether
// its current phase comes after the phases of its first delivery wave (or,
// with no waves, whether it is in its fourth phase or later).
func pastFirstWave(f *Facts) bool {
	if f.Project.CurrentPhaseID == nil {
		return false
	}
	current, first, last := 0, 0, 0
	for _, ph := range f.Phases {
		if ph.ID == *f.Project.CurrentPhaseID {
			current = ph.Position
		}
		if ph.Wave > 0 && (first == 0 || ph.Wave < first) {
			first, last = ph.Wave, ph.Position
		} else if ph.Wave > 0 && ph.Wave == first && ph.Position > last {
			last = ph.Position
		}
	}
	if first == 0 {
		return current >= 4
	}
	return current > last
}

// LiveDays is how long the CRM has been live.
func (t timeline) LiveDays(today date.Date) int {
	if !t.Live {
		return 0
	}
	return t.GoLive.DaysUntil(today)
}

func (t timeline) goLiveFact() Fact {
	switch {
	case !t.HasGoLive:
		return fact("no_go_live")
	case t.GoLiveName == "":
		return fact("go_live_from_phase", "Date", t.GoLive.String())
	case t.Live:
		return fact("went_live", "Date", t.GoLive.String(), "Name", t.GoLiveName)
	}
	return fact("go_live_planned", "Date", t.GoLive.String(), "Name", t.GoLiveName)
}

func cadenceOf(g goal.View) goal.Cadence {
	if g.Cadence == "" {
		return goal.Monthly
	}
	return g.Cadence
}

func cadenceDays(c goal.Cadence) int {
	switch c {
	case goal.Weekly:
		return 7
	case goal.Quarterly:
		return 91
	}
	return 30
}

// firstDue is when a goal's first measurement is due: its start plus its
// cadence.
func firstDue(g goal.View) date.Date { return g.StartOn.AddDays(cadenceDays(cadenceOf(g))) }

// measurementExpected reports whether a goal should have been measured by
// today: a goal that starts at go-live months away is not "unmeasured".
func measurementExpected(g goal.View, today date.Date) bool {
	return g.StartOn.IsZero() || !today.Before(firstDue(g))
}

// readinessWarnDays is how long before go-live a missing readiness review
// is reported: two weeks before the latest date it may be held.
const readinessWarnDays = milestone.ReadinessLeadDays + 14

// P09 — go-live readiness: the review is held no later than four weeks
// before go-live, and its checklist is met. The answers are the review's;
// what the project's data can tell (rehearsals done, open critical risks,
// open gate conditions) is checked against them.
func readinessDetector(f *Facts) []Finding {
	t := timelineOf(f)
	if !t.HasGoLive || t.Live || t.GoLiveName == "" {
		return nil
	}
	latest := t.GoLive.AddDays(-milestone.ReadinessLeadDays)
	var review *milestone.View
	for i := range f.Milestones {
		m := &f.Milestones[i]
		if m.Type != milestone.ReadinessReview {
			continue
		}
		// A done review wins over one still to hold; then the latest.
		done := m.Status == milestone.Done
		if review == nil || done && review.Status != milestone.Done ||
			done == (review.Status == milestone.Done) && m.ExpectedOn().After(review.ExpectedOn()) {
			review = m
		}
	}
	link := func(fd Finding) Finding {
		if review == nil {
			return withLink(fd, "link.plan", "/plan?type=readiness_review")
		}
		return withLink(fd, review.Name, fmt.Sprintf("/milestones/%d", review.ID))
	}
	goLive := t.goLiveFact()
	latestFact := fact("readiness_latest", "Date", latest.String(), "Weeks", milestone.ReadinessLeadDays/7)
	if review == nil {
		if f.Today.AddDays(readinessWarnDays).Before(t.GoLive) {
			return nil
		}
		sev := Warning
		if f.Today.After(latest) {
			sev = Critical
		}
		return []Finding{link(finding("P09", "readiness_missing", sev, "Date", t.GoLive.String())).with(goLive, latestFact)}
	}
	on := review.ExpectedOn()
	reviewFact := fact("readiness_review", "Name", review.Name, "Date", on.String())
	if review.Status != milestone.Done {
		if review.Status == milestone.Missed {
			return []Finding{link(finding("P09", "readiness_not_held", Critical, "Name", review.Name, "Date", review.PlannedOn.String())).
				with(goLive, reviewFact, latestFact)}
		}
		if on.After(latest) {
			return []Finding{link(finding("P09", "readiness_late", Warning, "Name", review.Name, "Date", on.String(), "Latest", latest.String())).
				with(goLive, reviewFact, latestFact)}
		}
		return nil
	}
	var out []Finding
	if on.After(latest) {
		out = append(out, link(finding("P09", "readiness_late", Warning, "Name", review.Name, "Date", on.String(), "Latest", latest.String())).
			with(goLive, reviewFact, latestFact))
	}
	unmet := map[milestone.ReadinessItem]bool{}
	for _, it := range review.Readiness.Unmet() {
		unmet[it] = true
	}
	var facts []Fact
	if t.Rehearsals.Done < f.Thresholds.MockMigrations {
		unmet[milestone.ReadyRehearsals] = true
		facts = append(facts, fact("rehearsals", "Done", t.Rehearsals.Done, "Ahead", t.Rehearsals.Ahead,
			"Skipped", t.Rehearsals.Skipped, "After", t.Rehearsals.After))
	}
	if len(f.Risks) > 0 || f.OpenConditions > 0 {
		unmet[milestone.ReadyNothingBlocked] = true
		facts = append(facts, fact("open_blockers", "Risks", len(f.Risks), "Score", f.Thresholds.RiskScore, "Conditions", f.OpenConditions))
	}
	if len(unmet) == 0 {
		return out
	}
	fd := link(finding("P09", "readiness_unmet", Critical, "Name", review.Name, "Count", len(unmet), "Total", len(milestone.ReadinessItems)))
	fd = fd.with(goLive, reviewFact)
	for _, it := range milestone.ReadinessItems {
		if unmet[it] {
			fd = fd.with(fact("ready_" + string(it)))
		}
	}
	return append(out, fd.with(facts...))
}
