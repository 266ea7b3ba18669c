package web

import (
	"context"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/adoption"
	"rollout/internal/date"
	"rollout/internal/goal"
	"rollout/internal/milestone"
	"rollout/internal/office"
	"rollout/internal/pitfall"
	"rollout/internal/project"
	"rollout/internal/readcache"
	"rollout/internal/report"
	"rollout/internal/requirement"
	"rollout/internal/risk"
)

// The read models of the aggregate pages (dashboard, project home, health,
// checklist, risk register, backlog, plan and their API answers), through
// the process's read cache (package readcache): computed once per state of
// the project and day, whichever page asks first. The key is read with the
// project row the access check reads anyway (its change counter), so a view
// whose project has not changed costs the frame's queries and what the page
// lists, not the project's aggregates. Values are shared: handlers read them
// and never change them.

// readKey is the cache key of the request's project as the request found it.
func (s *Server) readKey(c *fiber.Ctx) readcache.Key {
	p, _ := currentProject(c)
	seq := p.Revision
	if seq == 0 {
		// The row was read without its counter: read it now (an error
		// leaves 0, and 0 caches nothing).
		seq, _ = project.Revision(c.UserContext(), s.db, p.ID)
	}
	return readcache.Key{ProjectID: p.ID, Seq: seq, Day: s.today()}
}

// dashboard is the project's dashboard figures, with the combined health:
// report holds the method part, office adds delivery. Today's health score
// is computed in memory at the end of the stored trend (a GET never writes:
// snapshots are kept by office.KeepHealthSnapshots and at gate decisions).
func (s *Server) dashboard(c *fiber.Ctx) (*report.DashboardData, error) {
	k := s.readKey(c)
	return readcache.Get(s.cache, k, "dashboard", func() (*report.DashboardData, error) {
		ctx := c.UserContext()
		d, err := report.Dashboard(ctx, s.db, k.ProjectID, k.Day)
		if err != nil {
			return nil, err
		}
		h, err := office.HealthWith(ctx, s.db, k.ProjectID, k.Day, d.Health.Computed, d.Backlog.Total)
		if err != nil {
			return nil, err
		}
		d.Health.Combine(h.Score, h.Delivery.Score, len(h.Delivery.Items))
		return d, nil
	})
}

// computeHealth is office.ComputeHealth (the project home's card).
func (s *Server) computeHealth(c *fiber.Ctx) (*office.ProjectHealth, error) {
	k := s.readKey(c)
	return readcache.Get(s.cache, k, "health", func() (*office.ProjectHealth, error) {
		return office.ComputeHealth(c.UserContext(), s.db, k.ProjectID, k.Day)
	})
}

// liveHealth is a project's combined health score as it stands (nil: not
// enough data), for the portfolio: the same read-cache entry the project
// home reads, so the portfolio shows what the project's pages show.
func (s *Server) liveHealth(ctx context.Context, projectID, revision int64) (*int, error) {
	k := readcache.Key{ProjectID: projectID, Seq: revision, Day: s.today()}
	h, err := readcache.Get(s.cache, k, "health", func() (*office.ProjectHealth, error) {
		return office.ComputeHealth(ctx, s.db, projectID, k.Day)
	})
	if err != nil {
		return nil, err
	}
	return h.Score, nil
}

type healthTrend struct {
	h     *office.ProjectHealth
	trend []pitfall.Point
}

// health is office.Health over trendDays (the health page and its API).
func (s *Server) health(c *fiber.Ctx) (*office.ProjectHealth, []pitfall.Point, error) {
	k := s.readKey(c)
	ht, err := readcache.Get(s.cache, k, "health-trend", func() (healthTrend, error) {
		h, trend, err := office.Health(c.UserContext(), s.db, k.ProjectID, k.Day, trendDays)
		return healthTrend{h, trend}, err
	})
	return ht.h, ht.trend, err
}

// projectHealth works the project's method health (the pitfall findings)
// out from its data as it stands, for the checklist. It only reads.
func (s *Server) projectHealth(c *fiber.Ctx) (*pitfall.Health, error) {
	k := s.readKey(c)
	return readcache.Get(s.cache, k, "method", func() (*pitfall.Health, error) {
		return pitfall.Compute(c.UserContext(), s.db, k.ProjectID, k.Day)
	})
}

// churn is the backlog's churn over the last weeks weeks.
func (s *Server) churn(c *fiber.Ctx, weeks int) ([]requirement.Week, error) {
	k := s.readKey(c)
	return readcache.Get(s.cache, k, fmt.Sprintf("churn:%d", weeks), func() ([]requirement.Week, error) {
		return requirement.Churn(c.UserContext(), s.db, k.ProjectID, k.Day.AddDays(-7*(weeks-1)), k.Day)
	})
}

// summaries is the backlog's shape per phase.
func (s *Server) summaries(c *fiber.Ctx) ([]requirement.PhaseSummary, error) {
	k := s.readKey(c)
	return readcache.Get(s.cache, k, "summaries", func() ([]requirement.PhaseSummary, error) {
		return requirement.Summaries(c.UserContext(), s.db, k.ProjectID)
	})
}

// backlogCount is the number of requirements that pass a filter.
func (s *Server) backlogCount(c *fiber.Ctx, f requirement.Filter) (int, error) {
	k := s.readKey(c)
	f.After, f.Limit = 0, 0
	return readcache.Get(s.cache, k, fmt.Sprintf("count:%+v", f), func() (int, error) {
		return requirement.Count(c.UserContext(), s.db, k.ProjectID, f)
	})
}

// goals are the project's goals with their progress.
func (s *Server) goals(c *fiber.Ctx) ([]goal.View, error) {
	k := s.readKey(c)
	return readcache.Get(s.cache, k, "goals", func() ([]goal.View, error) {
		return goal.List(c.UserContext(), s.db, k.ProjectID, k.Day)
	})
}

type riskRegister struct {
	vs   []risk.View
	heat risk.HeatMap
}

// risks is the register as filtered, with the heat maps of the filter
// without its cell, read in one query (risk.Register).
func (s *Server) risks(c *fiber.Ctx, f risk.Filter) ([]risk.View, risk.HeatMap, error) {
	k := s.readKey(c)
	r, err := readcache.Get(s.cache, k, fmt.Sprintf("risks:%+v", f), func() (riskRegister, error) {
		vs, heat, err := risk.Register(c.UserContext(), s.db, k.ProjectID, f, k.Day)
		return riskRegister{vs, heat}, err
	})
	return r.vs, r.heat, err
}

// milestones is the plan, slips measured against a baseline (or
// milestone.LatestBaseline, milestone.CurrentPlan).
func (s *Server) milestones(c *fiber.Ctx, against int64) ([]milestone.View, error) {
	k := s.readKey(c)
	return readcache.Get(s.cache, k, fmt.Sprintf("milestones:%d", against), func() ([]milestone.View, error) {
		return milestone.ListAgainst(c.UserContext(), s.db, k.ProjectID, against, k.Day)
	})
}

// adoptionWeeks are the project's CRM usage figures by week since a day
// (adoption imports are audited writes, so they move the revision).
func (s *Server) adoptionWeeks(c *fiber.Ctx, since date.Date) ([]adoption.Week, error) {
	k := s.readKey(c)
	return readcache.Get(s.cache, k, "adoption:"+since.String(), func() ([]adoption.Week, error) {
		return adoption.Weekly(c.UserContext(), s.db, k.ProjectID, since)
	})
}

// hasReview says whether the project has a gate review on record,
// for the dashboard's link to the latest gate pack.
func (s *Server) hasReview(c *fiber.Ctx) (bool, error) {
	k := s.readKey(c)
	return readcache.Get(s.cache, k, "has-review", func() (bool, error) {
		r, err := report.LatestReview(c.UserContext(), s.db, k.ProjectID)
		return r != nil, err
	})
}

// overviewLists are the phases and members the project's overview shows
// (phase, membership and user edits are audited: they move the revision).
type overviewLists struct {
	phases  []project.Phase
	members []project.Member
}

func (s *Server) overviewLists(c *fiber.Ctx) (overviewLists, error) {
	k := s.readKey(c)
	return readcache.Get(s.cache, k, "overview-lists", func() (overviewLists, error) {
		ctx := c.UserContext()
		phases, err := project.Phases(ctx, s.db, k.ProjectID)
		if err != nil {
			return overviewLists{}, err
		}
		members, err := project.Members(ctx, s.db, k.ProjectID)
		return overviewLists{phases, members}, err
	})
}
