package demo

import (
	"context"
	"testing"

	"rollout/internal/database/dbtest"
	"rollout/internal/date"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// BenchmarkLoadLarge measures the large project's generator:
// go test ./internal/demo -run '^$' -bench LoadLarge -benchtime 3x
func BenchmarkLoadLarge(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		db := dbtest.New(b)
		b.StartTimer()
		res, err := LoadLarge(context.Background(), db, date.Today())
		if err != nil || !res.Created {
			b.Fatal(res, err)
		}
	}
}
