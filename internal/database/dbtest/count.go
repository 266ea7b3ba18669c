package dbtest

import (
	"context"
	"sync/atomic"

	"github.com/uptrace/bun"
)

// Counter counts the queries a database runs, so tests and benchmarks can show
// that a page's number of queries does not grow with the project.
type Counter struct{ n atomic.Int64 }

// CountQueries starts counting the queries of db.
func CountQueries(db *bun.DB) *Counter {
	c := &Counter{}
	//lint:ignore SA1019 the app under test already holds db; WithQueryHook would count a copy nobody uses.
	db.AddQueryHook(c)
	return c
}

// BeforeQuery is part of bun.QueryHook.
func (c *Counter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

// AfterQuery is part of bun.QueryHook.
func (c *Counter) AfterQuery(context.Context, *bun.QueryEvent) { c.n.Add(1) }

// Count is the number of queries since the start or the last Reset.
func (c *Counter) Count() int64 { return c.n.Load() }

// Reset starts counting from zero.
func (c *Counter) Reset() { c.n.Store(0) }
