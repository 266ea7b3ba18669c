package demo

import (
	"context"
	"testing"
	"time"

	"rollout/internal/database/dbtest"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/office"
	"rollout/internal/risk"
)

// The demo decides its passed gates on their days, through office, after
// the project's months of measurements and risk reviews are in: its packs
// used to show ratings and values from after the decision under "as the
// committee saw it". Each decided pack now holds no measurement dated after
// its decision and no rating reviewed after it, and the pending review shows
// the change of each risk since the last gate's frozen score.
func TestDemoPacksAreAsOfTheirDecision(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	today := date.New(2026, 11, 20)
	if _, err := Load(ctx, db, today); err != nil {
		t.Fatal(err)
	}
	var projectID int64
	if err := db.NewSelect().Table("projects").Column("id").Where("key = ?", Key).Scan(ctx, &projectID); err != nil {
		t.Fatal(err)
	}
	// Every measurement and every review, with the risks' first ratings.
	goals, err := goal.List(ctx, db, projectID, today)
	if err != nil {
		t.Fatal(err)
	}
	measurements := map[int64][]goal.Measurement{}
	for _, g := range goals {
		if measurements[g.ID], err = goal.Measurements(ctx, db, g.ID); err != nil {
			t.Fatal(err)
		}
	}
	risks, err := risk.List(ctx, db, projectID, risk.Filter{}, today)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]risk.View{}
	reviews := map[string][]risk.Review{}
	for _, r := range risks {
		byKey[r.Key] = r
		if reviews[r.Key], err = risk.Reviews(ctx, db, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	// valueOn is a goal's latest value measured on or before day (newest first).
	valueOn := func(g goal.View, day date.Date) float64 {
		for _, m := range measurements[g.ID] {
			if !m.MeasuredOn.After(day) {
				return m.Value
			}
		}
		return g.Baseline
	}
	// scoreOn is a risk's rating as last reviewed on or before day.
	scoreOn := func(key string, day date.Date) int {
		r := byKey[key]
		s := risk.Score(r.InitialProbability, r.InitialImpact)
		for _, rv := range reviews[key] {
			if !rv.ReviewedOn.After(day) {
				s = risk.Score(rv.Probability, rv.Impact)
			}
		}
		return s
	}

	var decided []milestone.Review
	if err := db.NewSelect().Model(&decided).Where("project_id = ? AND decision IS NOT NULL", projectID).OrderExpr("decided_at").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if len(decided) != 3 {
		t.Fatalf("%d decided reviews", len(decided))
	}
	changedSince := 0
	for _, r := range decided {
		p, err := r.FrozenPack()
		if err != nil || p == nil {
			t.Fatalf("pack of review %d: %v", r.ID, err)
		}
		day := date.Of(*r.DecidedAt)
		if p.AsOf != day {
			t.Errorf("review decided on %s: pack as of %s", day, p.AsOf)
		}
		goalsSeen, risksSeen := 0, 0
		for _, s := range p.Sections {
			for _, l := range s.Goals {
				for _, g := range goals {
					if g.ID == l.ID {
						goalsSeen++
						if want := valueOn(g, day); l.Current != want {
							t.Errorf("pack of %s: %q at %v, measured %v by then", day, l.Title, l.Current, want)
						}
					}
				}
			}
			for _, l := range s.Risks {
				risksSeen++
				if want := scoreOn(l.Key, day); l.Score != want {
					t.Errorf("pack of %s: %s at %d, rated %d by then", day, l.Key, l.Score, want)
				}
				if byKey[l.Key].IdentifiedOn.After(day) {
					t.Errorf("pack of %s holds %s, identified on %s", day, l.Key, byKey[l.Key].IdentifiedOn)
				}
			}
		}
		if goalsSeen != len(goals) || risksSeen == 0 {
			t.Errorf("pack of %s: %d goals of %d, %d risks", day, goalsSeen, len(goals), risksSeen)
		}
	}
	// The last gate's frozen scores against the ratings today.
	last, _ := decided[len(decided)-1].FrozenPack()
	lastDay := date.Of(*decided[len(decided)-1].DecidedAt)
	var pending milestone.Review
	if err := db.NewSelect().Model(&pending).Where("project_id = ? AND decision IS NULL", projectID).Limit(1).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	p, frozen, err := office.ReviewPack(ctx, db, &pending, at(today).Add(time.Hour))
	if err != nil || frozen {
		t.Fatalf("pending pack %v frozen %v", err, frozen)
	}
	frozenScore := map[string]int{}
	for _, s := range last.Sections {
		for _, l := range s.Risks {
			frozenScore[l.Key] = l.Score
		}
	}
	for _, s := range p.Sections {
		for _, l := range s.Risks {
			old, ok := frozenScore[l.Key]
			switch {
			case !ok && !l.New:
				t.Errorf("%s was not in the pack of %s but is not new", l.Key, lastDay)
			case ok && l.Change != l.Score-old:
				t.Errorf("%s: %d now, %d at the gate, change shown %d", l.Key, l.Score, old, l.Change)
			case ok && l.Change != 0:
				changedSince++
			}
		}
	}
	if changedSince == 0 {
		t.Error("no demo risk moved since the last gate: the pending pack shows no change to check")
	}
}

// The large project's gate packs are written by SQL; they hold the risks as
// rated on the decision's day too, with each rating for the heat map.
func TestLargeDemoPacksAreAsOfTheirDecision(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	if _, err := LoadLarge(ctx, db, date.New(2026, 11, 20)); err != nil {
		t.Fatal(err)
	}
	var lines, wrong int
	err := db.NewRaw(`SELECT count(*), count(*) FILTER (WHERE (l->>'probability')::int * (l->>'impact')::int <> (l->>'score')::int
	     OR (l->>'score')::int <> (SELECT coalesce(
	          (SELECT rv.probability * rv.impact FROM risk_reviews rv WHERE rv.risk_id = r.id AND rv.reviewed_on <= (gr.pack->>'as_of')::date
	           ORDER BY rv.reviewed_on DESC, rv.id DESC LIMIT 1), r.initial_probability * r.initial_impact)))
	   FROM gate_reviews gr
	   CROSS JOIN LATERAL jsonb_array_elements(gr.pack->'sections') s
	   CROSS JOIN LATERAL jsonb_array_elements(s->'risks') l
	   JOIN risks r ON r.id = (l->>'id')::bigint
	   WHERE gr.decision IS NOT NULL AND s->>'kind' = 'risks'`).Scan(ctx, &lines, &wrong)
	if err != nil {
		t.Fatal(err)
	}
	if lines == 0 || wrong != 0 {
		t.Fatalf("%d risk lines in the large project's packs, %d not as rated on the decision's day", lines, wrong)
	}
}
