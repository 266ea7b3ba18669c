package dbtest

import (
	"context"
	"testing"

	"rollout/internal/database"
)

func TestMain(m *testing.M) { Main(m) }

func TestNewIsMigrated(t *testing.T) {
	db := New(t)
	var n int
	if err := db.NewRaw("SELECT count(*) FROM bun_migrations").Scan(context.Background(), &n); err != nil || n == 0 {
		t.Fatalf("%d migrations recorded (%v)", n, err)
	}
}

// BenchmarkCreateFromTemplate measures the clone alone.
func BenchmarkCreateFromTemplate(b *testing.B) {
	New(b) // set up the template outside the timing
	ctx := context.Background()
	var names []string
	b.Cleanup(func() {
		for _, n := range names {
			_ = shared.drop(ctx, n)
		}
	})
	for b.Loop() {
		name := "b_" + randomHex()
		if err := shared.createFromTemplate(ctx, name); err != nil {
			b.Fatal(err)
		}
		names = append(names, name)
	}
}

// BenchmarkLifecycle measures what each test pays for its own database:
// clone the template, connect, close, drop.
func BenchmarkLifecycle(b *testing.B) {
	New(b)
	ctx := context.Background()
	for b.Loop() {
		name := "b_" + randomHex()
		if err := shared.createFromTemplate(ctx, name); err != nil {
			b.Fatal(err)
		}
		db, err := database.Open(ctx, shared.dsn(name))
		if err != nil {
			b.Fatal(err)
		}
		_ = db.Close()
		if err := shared.drop(ctx, name); err != nil {
			b.Fatal(err)
		}
	}
}
