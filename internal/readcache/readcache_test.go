package readcache

import (
	"errors"
	"fmt"
	"testing"

	"rollout/internal/date"
)

func TestCacheKeysOnTheRevisionAndTheDay(t *testing.T) {
	c := New(2)
	day := date.New(2025, 3, 10)
	loads := 0
	get := func(k Key) int {
		v, err := Get(c, k, "n", func() (int, error) { loads++; return loads, nil })
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	k := Key{ProjectID: 1, Seq: 5, Day: day}
	first := get(k)
	if second := get(k); first != 1 || second != 1 {
		t.Fatal("a second read of the same state loaded again")
	}
	if get(Key{ProjectID: 1, Seq: 6, Day: day}) != 2 {
		t.Fatal("a moved revision was served the old value")
	}
	// A request that read the revision before the last write does not push
	// the newer state out.
	if get(Key{ProjectID: 1, Seq: 5, Day: day}) != 3 || get(Key{ProjectID: 1, Seq: 6, Day: day}) != 2 {
		t.Fatal("an older state replaced a newer one")
	}
	if get(Key{ProjectID: 1, Seq: 6, Day: day.AddDays(1)}) != 4 {
		t.Fatal("a new day was served yesterday's value")
	}
	// Unknown revision: nothing is cached.
	if get(Key{ProjectID: 1, Day: day}) != 5 || get(Key{ProjectID: 1, Day: day}) != 6 {
		t.Fatal("a value was cached without a revision")
	}
	// Bounded by project, least recently used first.
	get(Key{ProjectID: 2, Seq: 1, Day: day})
	get(Key{ProjectID: 3, Seq: 1, Day: day})
	if c.Len() != 2 {
		t.Fatalf("%d projects held, bound 2", c.Len())
	}
	// Errors are not cached.
	boom := errors.New("boom")
	if _, err := Get(c, Key{ProjectID: 4, Seq: 1, Day: day}, "n", func() (int, error) { return 0, boom }); err != boom {
		t.Fatal(err)
	}
	if get(Key{ProjectID: 4, Seq: 1, Day: day}) == 0 {
		t.Fatal("an error was cached")
	}
	var nilCache *Cache
	if v, _ := Get(nilCache, k, "n", func() (int, error) { return 42, nil }); v != 42 {
		t.Fatal("a nil cache does not load")
	}
}

type page []byte

func (p page) CacheSize() int { return len(p) }

// TestBudgetBoundsTheBytesOfRenderedPages: pages count toward the budget,
// the least recently used projects go first, and a replaced or outdated
// page no longer counts.
func TestBudgetBoundsTheBytesOfRenderedPages(t *testing.T) {
	c := NewBudget(10, 1000)
	day := date.New(2025, 3, 10)
	k := func(project, seq int64) Key { return Key{ProjectID: project, Seq: seq, Day: day} }
	Put(c, k(1, 1), "a", page(make([]byte, 400)))
	Put(c, k(2, 1), "a", page(make([]byte, 400)))
	if c.Bytes() != 800 {
		t.Fatalf("%d bytes held, want 800", c.Bytes())
	}
	Put(c, k(2, 1), "a", page(make([]byte, 300))) // replaced: the old one no longer counts
	if c.Bytes() != 700 {
		t.Fatalf("%d bytes held after a replacement, want 700", c.Bytes())
	}
	if _, ok := Find[page](c, k(1, 1), "a"); !ok { // project 1 is now the most recently used
		t.Fatal("project 1's page is gone")
	}
	Put(c, k(3, 1), "a", page(make([]byte, 500))) // 1,200 > 1,000: project 2 goes
	if _, ok := Find[page](c, k(2, 1), "a"); ok {
		t.Error("the least recently used project stayed over the budget")
	}
	if _, ok := Find[page](c, k(1, 1), "a"); !ok {
		t.Error("a recently used project was dropped")
	}
	if c.Bytes() != 900 {
		t.Fatalf("%d bytes held, want 900", c.Bytes())
	}
	Put(c, k(1, 2), "a", page(make([]byte, 100))) // a write moved project 1 on
	if _, ok := Find[page](c, k(1, 1), "a"); ok {
		t.Error("a page of an older state was served")
	}
	if c.Bytes() != 600 {
		t.Fatalf("%d bytes held after the revision moved, want 600", c.Bytes())
	}
	Put(c, k(4, 1), "a", page(make([]byte, 2000))) // larger than the budget: not kept
	if _, ok := Find[page](c, k(4, 1), "a"); ok || c.Bytes() != 600 {
		t.Errorf("a page over the whole budget was kept (%d bytes)", c.Bytes())
	}
	Put(c, k(5, 1), "a", page(make([]byte, 1000))) // exactly the budget: everything else goes
	if _, ok := Find[page](c, k(5, 1), "a"); !ok || c.Bytes() != 1000 || c.Len() != 1 {
		t.Errorf("%d bytes in %d projects", c.Bytes(), c.Len())
	}
	c.Clear()
	if c.Bytes() != 0 {
		t.Errorf("%d bytes after Clear", c.Bytes())
	}
	if _, ok := Find[page](nil, k(1, 1), "a"); ok {
		t.Error("a nil cache found something")
	}
}

// A cache of pages holds many per project (readers × pages × languages);
// one of read models drops a project's values past MaxValues.
func TestPagesPerProject(t *testing.T) {
	day := date.New(2025, 3, 10)
	k := Key{ProjectID: 1, Seq: 1, Day: day}
	models, pages := New(0), NewBudget(0, 1<<20)
	for i := range MaxValues + 1 {
		Put(models, k, fmt.Sprint(i), i)
		Put(pages, k, fmt.Sprint(i), page("x"))
	}
	if _, ok := Find[int](models, k, "0"); ok {
		t.Error("read models kept more than MaxValues values of a project")
	}
	if _, ok := Find[page](pages, k, "0"); !ok {
		t.Error("a page cache dropped a project's pages past MaxValues")
	}
}
