package pitfall

import (
	"context"
	"math"

	"github.com/uptrace/bun"

	"rollout/internal/adoption"
	"rollout/internal/date"
)

// The checks of pitfalls 9 and 10 that read the CRM's own usage figures
// (internal/adoption): usage falling after go-live, departments below the
// adoption goal's target, and the required fields filled less and less.
// Their facts come in one query (gatherAdoption), whatever the number of
// weeks or departments.

const (
	// adoptionFactWeeks is how far back the facts reach.
	adoptionFactWeeks = 26
	// trendWeeks is how many weekly figures a trend is judged on: usage
	// "falls" when each of them is below the one before.
	trendWeeks = 4
	// dropPoints is the smallest fall, in percentage points, over those
	// weeks that counts (week-to-week noise of a point or two does not).
	dropPoints = 5.0
	// staleWeeks: a department's figures older than this many weeks before
	// the latest week are not "its latest".
	staleWeeks = 2
)

// gatherAdoption reads the weekly figures of the last adoptionFactWeeks
// weeks, per department, oldest first: one query.
func gatherAdoption(ctx context.Context, db bun.IDB, projectID int64, today date.Date) ([]adoption.Week, error) {
	return adoption.Weekly(ctx, db, projectID, adoption.Monday(today).AddDays(-7*adoptionFactWeeks))
}

// goLiveOn is the day the CRM went live, by the one go-live rule of the
// timeline (the go-live milestone's type, not its name). A project judged
// live by its wave alone has no day of its own: zero, and every figure counts
// as after go-live.
func goLiveOn(f *Facts) date.Date {
	if t := timelineOf(f); t.Live && t.GoLiveName != "" {
		return t.GoLive
	}
	return date.Date{}
}

// afterGoLive returns the weeks that start on or after the go-live week.
func afterGoLive(f *Facts, ws []adoption.Week) []adoption.Week {
	from := goLiveOn(f)
	if from.IsZero() {
		return ws
	}
	from = adoption.Monday(from)
	var out []adoption.Week
	for _, w := range ws {
		if !w.Week.Before(from) {
			out = append(out, w)
		}
	}
	return out
}

// usageReported reports whether the CRM sent usage figures in the last
// days (the adoption data counts as watching usage, as adoption goals do).
func usageReported(f *Facts, days int) bool {
	n := len(f.Adoption)
	return n > 0 && f.Adoption[n-1].Week.AddDays(6).DaysUntil(f.Today) <= days
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// adoptionDetector runs the checks on the usage figures once the CRM is live.
func adoptionDetector(f *Facts) []Finding {
	if len(f.Adoption) == 0 || !timelineOf(f).Live {
		return nil
	}
	ws := afterGoLive(f, f.Adoption)
	overall := adoption.Overall(ws)
	var out []Finding
	if fd, ok := usageFalling(overall); ok {
		out = append(out, fd)
	}
	if fd, ok := completenessDropping(overall); ok {
		out = append(out, fd)
	}
	if fd, ok := departmentsBelowTarget(f, ws); ok {
		out = append(out, fd)
	}
	return out
}

// P09 — the active share fell week after week over the last trendWeeks
// weeks, by dropPoints or more in all.
func usageFalling(overall []adoption.Week) (Finding, bool) {
	if len(overall) < trendWeeks {
		return Finding{}, false
	}
	last := overall[len(overall)-trendWeeks:]
	for i := 1; i < len(last); i++ {
		if last[i].Share() >= last[i-1].Share() {
			return Finding{}, false
		}
	}
	from, to := last[0], last[len(last)-1]
	if from.Share()-to.Share() < dropPoints {
		return Finding{}, false
	}
	fd := finding("P09", "usage_falling", Critical, "Weeks", trendWeeks-1, "From", round1(from.Share()),
		"To", round1(to.Share()), "FromWeek", adoption.WeekName(from.Week), "ToWeek", adoption.WeekName(to.Week))
	return withLink(fd, "link.adoption", "/adoption"), true
}

// P09 — the share of required fields filled, over the last trendWeeks weeks
// that report it, ends at its lowest and dropPoints or more below where it
// started: people enter less than the process needs.
func completenessDropping(overall []adoption.Week) (Finding, bool) {
	var filled []adoption.Week
	for _, w := range overall {
		if w.Filled != nil {
			filled = append(filled, w)
		}
	}
	if len(filled) < trendWeeks {
		return Finding{}, false
	}
	last := filled[len(filled)-trendWeeks:]
	from, to := last[0], last[len(last)-1]
	for _, w := range last[:len(last)-1] {
		if *w.Filled <= *to.Filled {
			return Finding{}, false
		}
	}
	if *from.Filled-*to.Filled < dropPoints {
		return Finding{}, false
	}
	fd := finding("P09", "completeness_dropping", Warning, "From", round1(*from.Filled), "To", round1(*to.Filled),
		"FromWeek", adoption.WeekName(from.Week), "ToWeek", adoption.WeekName(to.Week))
	return withLink(fd, "link.adoption", "/adoption"), true
}

// P10 — in the latest week, departments whose active share is below the
// adoption goal's target: the value is judged department by department, not
// by go-live. Departments silent for more than staleWeeks before it are left
// out (the freshness of the figures is usage_not_watched's).
func departmentsBelowTarget(f *Facts, ws []adoption.Week) (Finding, bool) {
	target, g, ok := adoption.Target(f.Goals)
	if !ok || len(ws) == 0 {
		return Finding{}, false
	}
	latest := ws[len(ws)-1].Week
	newest := map[string]adoption.Week{}
	var order []string
	for _, w := range ws {
		if w.Department == "" || latest.Before(w.Week) || w.Week.AddDays(7*staleWeeks).Before(latest) {
			continue
		}
		if _, seen := newest[w.Department]; !seen {
			order = append(order, w.Department)
		}
		newest[w.Department] = w
	}
	fd := finding("P10", "departments_below_target", Warning, "Target", round1(target), "Week", adoption.WeekName(latest),
		"Goal", g.Title)
	count := 0
	for _, d := range order {
		if w := newest[d]; w.Licensed > 0 && w.Share() < target {
			count++
			fd.Links = append(fd.Links, Link{Label: "link.department." + d, Path: "/adoption"})
		}
	}
	if count == 0 {
		return Finding{}, false
	}
	fd.Data["Count"] = count
	return fd, true
}
