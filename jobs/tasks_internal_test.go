package jobs

import (
	"testing"
	"time"

	"rightsdesk/workflow"
)

// The digest runs at 07:00 Helsinki time all year: River's schedule
// follows daylight saving time (a fixed 24 h interval would not).
func TestDailyAtFollowsHelsinkiTime(t *testing.T) {
	t.Parallel()
	hel := workflow.Helsinki()
	s := dailyAt{hour: workflow.DigestHour}
	for _, c := range []struct {
		name      string
		cur, want time.Time
	}{
		{"before", time.Date(2026, 3, 3, 6, 59, 0, 0, hel), time.Date(2026, 3, 3, 5, 0, 0, 0, time.UTC)},
		{"at", time.Date(2026, 3, 3, 7, 0, 0, 0, hel), time.Date(2026, 3, 4, 5, 0, 0, 0, time.UTC)},
		{"into summer time", time.Date(2026, 3, 28, 8, 0, 0, 0, hel), time.Date(2026, 3, 29, 4, 0, 0, 0, time.UTC)},
		{"out of summer time", time.Date(2026, 10, 24, 9, 0, 0, 0, hel), time.Date(2026, 10, 25, 5, 0, 0, 0, time.UTC)},
		{"UTC input late evening", time.Date(2026, 6, 1, 23, 30, 0, 0, time.UTC), time.Date(2026, 6, 2, 4, 0, 0, 0, time.UTC)},
	} {
		if got := s.Next(c.cur); !got.Equal(c.want) {
			t.Errorf("%s: Next(%v) = %v, want %v", c.name, c.cur, got.UTC(), c.want)
		}
	}
}

// A process starting before 07:00 asks for yesterday's digest (already
// sent, so nothing happens), not today's too early.
func TestDigestDay(t *testing.T) {
	t.Parallel()
	hel := workflow.Helsinki()
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 3, 3, 6, 59, 0, 0, hel), "2026-03-02"},
		{time.Date(2026, 3, 3, 7, 0, 0, 0, hel), "2026-03-03"},
		{time.Date(2026, 3, 3, 23, 59, 0, 0, hel), "2026-03-03"},
		{time.Date(2026, 3, 3, 22, 30, 0, 0, time.UTC), "2026-03-03"}, // 00:30 on the 4th in Helsinki
		{time.Date(2026, 3, 1, 0, 30, 0, 0, hel), "2026-02-28"},
	} {
		if got := workflow.DigestDay(c.at).String(); got != c.want {
			t.Errorf("DigestDay(%v) = %s, want %s", c.at, got, c.want)
		}
	}
}
