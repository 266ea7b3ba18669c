package web

import (
	"fmt"
	"testing"

	"rollout/internal/demo"
)

// The pages that aggregate a whole project (and their API twins) cost a
// fixed number of queries whatever its size: DEMO (46 requirements) and
// LARGE (5,000 requirements, 500 risks, 60 milestones, a year of trail).
//
//	go test ./internal/web -run '^$' -bench 'Aggregate' -benchtime 20x

// aggregatePages are the aggregate pages, by name, with %s for the project key.
var aggregatePages = []struct{ name, page, api string }{
	{"dashboard", "/projects/%s/dashboard", "/api/v1/projects/%s/dashboard"},
	{"overview", "/projects/%s", "/api/v1/projects/%s/pitfalls"},
	{"health", "/projects/%s/health", "/api/v1/projects/%s/health"},
	{"risks", "/projects/%s/risks", "/api/v1/projects/%s/risks"},
	{"heatmap", "/projects/%s/risks?status=active&p=3&i=3", "/api/v1/projects/%s/risks/heatmap"},
	{"backlog", "/projects/%s/requirements", "/api/v1/projects/%s/requirements"},
	{"churn", "/projects/%s/requirements?group=phase", "/api/v1/projects/%s/requirements/trend"},
	{"plan", "/projects/%s/plan", "/api/v1/projects/%s/milestones"},
}

func TestAggregateQueriesDoNotGrowWithTheProject(t *testing.T) {
	t.Parallel()
	bd := newBigDashboard(t)
	for _, pg := range aggregatePages {
		for _, path := range []string{pg.page, pg.api} {
			small, large := bd.count(bd.session, fmt.Sprintf(path, demo.Key)), bd.count(bd.session, fmt.Sprintf(path, demo.LargeKey))
			t.Logf("%-45s DEMO %2d, LARGE %2d queries", path, small, large)
			if small != large {
				t.Errorf("%s: %d queries for DEMO, %d for LARGE", path, small, large)
			}
		}
	}
}

func BenchmarkAggregateLarge(b *testing.B) {
	bd := newBigDashboard(b)
	for _, pg := range aggregatePages {
		b.Run(pg.name, func(b *testing.B) {
			bd.bench(b, bd.session, map[string]string{"page": fmt.Sprintf(pg.page, demo.LargeKey), "api": fmt.Sprintf(pg.api, demo.LargeKey)})
		})
	}
}
