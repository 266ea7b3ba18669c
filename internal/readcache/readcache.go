// Package readcache keeps a project's read models (the dashboard's figures,
// its health, the phase summary, the churn, the milestone and risk lists)
// in process memory between writes, so a page that aggregates a whole
// project costs its queries once per change instead of once per view.
//
// A value is filed under the project, its change counter
// (project.Project.Revision, which every committed write of the project's
// data moves on in its own transaction) and the day it was computed for
// (overdue, slip and status depend on today). A request reads the counter
// with the project row it reads anyway; when the counter has moved, through
// this process or any other sharing the database, the key differs and the
// value is computed again: no instance serves an aggregate older than the
// last write committed before the request read the project. Freshness never
// depends on this process hearing about writes.
//
// The cache is bounded: at most MaxProjects projects (least recently used
// goes first) and MaxValues values per project, and, when made by
// NewBudget, a number of bytes that Sized values (rendered pages) may hold
// in all, and MaxPages values per project (a page is kept per reader,
// language and address, so a project has many; the bytes bound them). Values are shared between concurrent requests and must be
// treated as read-only.
package readcache

import (
	"container/list"
	"sync"

	"rollout/internal/date"
)

// Bounds of a cache made by New(0).
const (
	MaxProjects = 256
	MaxValues   = 64
	MaxPages    = 1024
)

// Key names the state of a project a value was computed from.
type Key struct {
	ProjectID int64
	Seq       int64 // the project's change counter; 0 means unknown (nothing is cached)
	Day       date.Date
}

// Cache holds read models by project. The zero value is not usable; a nil
// *Cache caches nothing.
type Cache struct {
	mu       sync.Mutex
	max      int
	values   int        // per project
	maxBytes int        // 0: Sized values are not counted
	bytes    int        // held by Sized values, in all
	order    *list.List // of *slot, most recently used first
	projects map[int64]*list.Element
}

type slot struct {
	key    Key
	values map[string]any
	bytes  int
}

// Sized is a value whose memory a cache made by NewBudget counts.
type Sized interface{ CacheSize() int }

func sizeOf(v any) int {
	if s, ok := v.(Sized); ok {
		return s.CacheSize()
	}
	return 0
}

// New returns a cache of at most maxProjects projects (MaxProjects when 0).
func New(maxProjects int) *Cache {
	return NewBudget(maxProjects, 0)
}

// NewBudget returns a cache of at most maxProjects projects whose Sized
// values hold at most maxBytes in all (no bound when 0): the projects used
// least recently go first, and a value larger than the budget is not kept.
// With a budget, a project may hold MaxPages values instead of MaxValues.
func NewBudget(maxProjects, maxBytes int) *Cache {
	if maxProjects <= 0 {
		maxProjects = MaxProjects
	}
	c := &Cache{max: maxProjects, values: MaxValues, maxBytes: max(0, maxBytes), order: list.New(), projects: map[int64]*list.Element{}}
	if maxBytes > 0 {
		c.values = MaxPages
	}
	return c
}

// Get returns the value named name for the key, computing it with load when
// the cache has none (or holds an older state of the project). An error is
// not cached.
func Get[T any](c *Cache, k Key, name string, load func() (T, error)) (T, error) {
	if c == nil || k.Seq == 0 {
		return load()
	}
	if v, ok := c.lookup(k, name); ok {
		if t, ok := v.(T); ok {
			return t, nil
		}
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.store(k, name, v)
	return v, nil
}

// Find returns the value named name for the key, if the cache holds it.
func Find[T any](c *Cache, k Key, name string) (T, bool) {
	var zero T
	if c == nil || k.Seq == 0 {
		return zero, false
	}
	v, ok := c.lookup(k, name)
	if !ok {
		return zero, false
	}
	t, ok := v.(T)
	return t, ok
}

// Put files v under the key and name (what Get does after a load).
func Put[T any](c *Cache, k Key, name string, v T) {
	if c != nil && k.Seq != 0 {
		c.store(k, name, v)
	}
}

func (c *Cache) lookup(k Key, name string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.projects[k.ProjectID]
	if !ok {
		return nil, false
	}
	s := e.Value.(*slot)
	if s.key != k {
		return nil, false
	}
	c.order.MoveToFront(e)
	v, ok := s.values[name]
	return v, ok
}

func (c *Cache) store(k Key, name string, v any) {
	size := sizeOf(v)
	if c.maxBytes > 0 && size > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.projects[k.ProjectID]
	if !ok {
		e = c.order.PushFront(&slot{key: k, values: map[string]any{}})
		c.projects[k.ProjectID] = e
		for c.order.Len() > c.max {
			c.evict(c.order.Back())
		}
	}
	s := e.Value.(*slot)
	if s.key != k {
		// A request that read the counter before a later one stored a newer
		// state must not push that state out again.
		if k.Day == s.key.Day && k.Seq < s.key.Seq {
			return
		}
		c.empty(s)
		s.key = k
	}
	if len(s.values) >= c.values {
		c.empty(s)
	}
	if old, ok := s.values[name]; ok {
		c.count(s, -sizeOf(old))
	}
	s.values[name] = v
	c.count(s, size)
	c.order.MoveToFront(e)
	for c.maxBytes > 0 && c.bytes > c.maxBytes && c.order.Back() != e {
		c.evict(c.order.Back())
	}
	if c.maxBytes > 0 && c.bytes > c.maxBytes {
		c.empty(s) // this project alone is over the budget: start it again
		s.values[name] = v
		c.count(s, size)
	}
}

func (c *Cache) count(s *slot, n int) {
	s.bytes += n
	c.bytes += n
}

// empty drops a project's values.
func (c *Cache) empty(s *slot) {
	c.bytes -= s.bytes
	s.bytes, s.values = 0, map[string]any{}
}

// evict drops a project.
func (c *Cache) evict(e *list.Element) {
	s := e.Value.(*slot)
	c.empty(s)
	c.order.Remove(e)
	delete(c.projects, s.key.ProjectID)
}

// Clear forgets everything (tests use it to measure a first view).
func (c *Cache) Clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order.Init()
	c.projects = map[int64]*list.Element{}
	c.bytes = 0
}

// Bytes is what the Sized values held take.
func (c *Cache) Bytes() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}

// Len is the number of projects held.
func (c *Cache) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
