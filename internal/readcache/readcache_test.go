package readcache

import (
	"errors"
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
