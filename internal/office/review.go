package office

import (
	"context"
	"time"

	"rollout/internal/change"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/milestone"
	"rollout/internal/pitfall"
)

// PackSections are the sections other domains add to every gate pack after
// the milestone's own (deliverables, goals, risks, requirements): the change
// requests since the last gate and the project's health. This is the one
// place they are wired, so a pack is the same whoever builds it.
func PackSections() []milestone.SectionBuilder {
	return packSections(nil)
}

// packSections are PackSections; keep, when set, also receives the health
// computed for the pack, in the pack's transaction.
func packSections(keep func(ctx context.Context, db database.IDB, projectID int64, today date.Date, h *ProjectHealth) error) []milestone.SectionBuilder {
	health := func(ctx context.Context, db database.IDB, projectID int64, _ time.Time, today date.Date) (milestone.Section, error) {
		h, err := ComputeHealth(ctx, db, projectID, today)
		if err != nil {
			return milestone.Section{}, err
		}
		if keep != nil {
			if err := keep(ctx, db, projectID, today, h); err != nil {
				return milestone.Section{}, err
			}
		}
		return HealthSection(h), nil
	}
	return []milestone.SectionBuilder{change.PackSection, health}
}

// HealthSection is the pack's health section: the method part as package
// pitfall keeps it (score, breakdown, findings) and the combined score with
// the delivery part and its items.
func HealthSection(h *ProjectHealth) milestone.Section {
	s := pitfall.SectionOf(h.Method)
	c := &milestone.HealthCombined{Score: h.Score, Method: h.Method.Score, Delivery: h.Delivery.Score,
		Items: make([]milestone.HealthDeliveryItem, 0, len(h.Delivery.Items))}
	for _, it := range h.Delivery.Items {
		// The data carries the name too, so a frozen pack renders the
		// item's sentence ("delivery.<kind>") from Data alone.
		data := map[string]any{"Name": it.Name}
		for k, v := range it.Data {
			data[k] = v
		}
		c.Items = append(c.Items, milestone.HealthDeliveryItem{Kind: string(it.Kind), Cost: it.Cost, Name: it.Name, Path: it.Path, Data: data})
	}
	s.Health.Combined = c
	return s
}

// ScheduleReview plans a review of a gate. The database allows one pending
// review a gate: a second one, even scheduled at the same moment, is a
// Conflict ("review.already_scheduled").
func ScheduleReview(ctx context.Context, db database.IDB, actorID, projectID, milestoneID int64, in milestone.ScheduleInput) (*milestone.Review, error) {
	return milestone.Schedule(ctx, db, actorID, projectID, milestoneID, in)
}

// DecideReview records the committee's decision at now on the full pack,
// frozen as the project stood at now (milestone.BuildPack with now as its
// as-of moment: goal values measured by then, risk ratings as last reviewed
// by then, change requests in their state then), and keeps the day's health
// snapshot (the score the pack shows) in the same transaction. now may be in
// the past (`rollout demo` decides its passed gates on their days); the
// health section is computed from the project as it stands, the one part of
// a pack that cannot be rebuilt for an earlier day. Of several deciders at
// the same moment, one wins; the others get Conflict and write nothing.
func DecideReview(ctx context.Context, db database.IDB, actorID, projectID, reviewID int64, in milestone.DecisionInput, now time.Time) (*milestone.Review, error) {
	sections := packSections(keepHealth)
	build := func(ctx context.Context, tx database.Tx, r *milestone.Review) (*milestone.Pack, error) {
		return milestone.BuildPack(ctx, tx, r, now, sections...)
	}
	return milestone.Decide(ctx, db, actorID, projectID, reviewID, in, now, build)
}

// ReviewPack is the pack a review shows: the frozen one once decided, else
// built as of now (frozen is then false). Either way its *change since the
// last gate* compares with the frozen pack of the gate decided before it.
func ReviewPack(ctx context.Context, db database.IDB, r *milestone.Review, now time.Time) (pack *milestone.Pack, frozen bool, err error) {
	if r.Decided() {
		p, err := r.FrozenPack()
		if err != nil || p != nil {
			return p, true, err
		}
	}
	p, err := milestone.BuildPack(ctx, db, r, now, PackSections()...)
	return p, false, err
}
