package web

import (
	"cmp"
	"slices"

	"rollout/internal/report"
)

// The dashboard's milestone and goal charts (and the tables after them)
// show at most dashboardListCap items each: a steering committee reads the
// worst few, and a project with sixty milestones or fifty goals costs a
// view no more than one with ten. The page says how many there are and
// links to the plan or the goals, which list them all; the API answers
// every one.

// dashboardListCap is how many milestones and how many goals of a group
// the dashboard page charts.
const dashboardListCap = 12

// worst keeps at most n of xs, those that sort first by worse, in their
// original order; it returns them and how many were left out.
func worst[T any](xs []T, n int, worse func(a, b T) int) ([]T, int) {
	if len(xs) <= n {
		return xs, 0
	}
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return worse(xs[a], xs[b]) })
	idx = idx[:n]
	slices.Sort(idx)
	out := make([]T, n)
	for i, j := range idx {
		out[i] = xs[j]
	}
	return out, len(xs) - n
}

// boundedSlips are the milestones the slip chart draws: those that slip
// most (late or early), at most dashboardListCap.
func boundedSlips(ms []report.MilestoneSlip) ([]report.MilestoneSlip, int) {
	abs := func(n int) int { return max(n, -n) }
	return worst(ms, dashboardListCap, func(a, b report.MilestoneSlip) int { return cmp.Compare(abs(b.Slip), abs(a.Slip)) })
}

// boundedGoals are the goals a goal chart draws: those furthest from their
// target, at most dashboardListCap.
func boundedGoals(gs []report.GoalLine) ([]report.GoalLine, int) {
	return worst(gs, dashboardListCap, func(a, b report.GoalLine) int { return cmp.Compare(a.Progress, b.Progress) })
}
