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
			demoPath, largePath := fmt.Sprintf(path, demo.Key), fmt.Sprintf(path, demo.LargeKey)
			small, large := bd.count(bd.session, demoPath), bd.count(bd.session, largePath)
			coldSmall, coldLarge := bd.countCold(bd.session, demoPath), bd.countCold(bd.session, largePath)
			t.Logf("%-45s DEMO %2d, LARGE %2d queries (first view after a write: %2d, %2d)", path, small, large, coldSmall, coldLarge)
			if small != large || coldSmall != coldLarge {
				t.Errorf("%s: %d queries for DEMO, %d for LARGE (%d and %d after a write)", path, small, large, coldSmall, coldLarge)
			}
			// Between writes, a page reuses the read models: it costs fewer
			// queries than the first view after a write (the API's keyset
			// list of requirements aggregates nothing: as many).
			if small > coldSmall || (path == pg.page && small == coldSmall) {
				t.Errorf("%s: %d queries when cached, %d when not", path, small, coldSmall)
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
