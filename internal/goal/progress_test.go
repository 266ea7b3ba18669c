package goal

import (
	"math"
	"testing"

	"rollout/internal/date"
)

func TestProgressAndStatus(t *testing.T) {
	start, due := date.New(2026, 1, 1), date.New(2026, 12, 31) // 364 days
	mid := date.New(2026, 7, 2)                                // half the time gone
	for _, c := range []struct {
		name                      string
		baseline, target, current float64
		today                     date.Date
		progress                  float64
		status                    Status
	}{
		{"increasing, no measurement yet, at the start", 20, 30, 20, start, 0, OnTrack},
		{"increasing, before the start", 20, 30, 20, date.New(2025, 12, 1), 0, OnTrack},
		{"increasing, half way at half time", 20, 30, 25, mid, 0.5, OnTrack},
		{"increasing, slightly behind", 20, 30, 24.5, mid, 0.45, OnTrack},
		{"increasing, behind", 20, 30, 23, mid, 0.3, AtRisk},
		{"increasing, far behind", 20, 30, 21, mid, 0.1, OffTrack},
		{"increasing, no measurement at half time", 20, 30, 20, mid, 0, OffTrack},
		{"increasing, slipped back early on", 20, 30, 18, date.New(2026, 1, 10), -0.2, AtRisk},
		{"increasing, went backwards", 20, 30, 17, date.New(2026, 1, 10), -0.3, OffTrack},
		{"increasing, target reached early", 20, 30, 30, mid, 1, Achieved},
		{"increasing, beyond target", 20, 30, 33, mid, 1.3, Achieved},
		{"increasing, past due short of target", 20, 30, 29, date.New(2027, 1, 5), 0.9, OffTrack},
		{"increasing, past due and achieved", 20, 30, 31, date.New(2027, 1, 5), 1.1, Achieved},
		{"decreasing duplicate rate 12 % → 3 %, half way", 12, 3, 7.5, mid, 0.5, OnTrack},
		{"decreasing, behind", 12, 3, 9.5, mid, 2.5 / 9, AtRisk},
		{"decreasing, no change at half time", 12, 3, 12, mid, 0, OffTrack},
		{"decreasing, got worse", 12, 3, 14, mid, -2.0 / 9, OffTrack},
		{"decreasing, reached", 12, 3, 2.5, mid, 9.5 / 9, Achieved},
		{"decreasing, past due short", 12, 3, 4, date.New(2027, 2, 1), 8.0 / 9, OffTrack},
		{"quote cycle −2 days, on the due date", 5, 3, 3.2, due, 0.9, OnTrack},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, s := Evaluate(c.baseline, c.target, c.current, start, due, c.today)
			if math.Abs(p-c.progress) > 1e-9 || s != c.status {
				t.Fatalf("got %.4f %s, want %.4f %s", p, s, c.progress, c.status)
			}
		})
	}
}

func TestElapsed(t *testing.T) {
	start, due := date.New(2026, 1, 1), date.New(2026, 1, 11)
	for _, c := range []struct {
		today date.Date
		want  float64
	}{
		{date.New(2025, 6, 1), 0}, {start, 0}, {date.New(2026, 1, 6), 0.5}, {due, 1}, {date.New(2027, 1, 1), 1},
	} {
		if got := Elapsed(start, due, c.today); got != c.want {
			t.Errorf("Elapsed on %s = %v, want %v", c.today, got, c.want)
		}
	}
	// A goal that starts and ends on the same day.
	if Elapsed(start, start, start) != 1 || Elapsed(start, start, date.New(2025, 12, 31)) != 0 {
		t.Error("zero-length goal")
	}
}
