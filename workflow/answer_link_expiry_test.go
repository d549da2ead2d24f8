package workflow_test

import (
	"testing"
	"time"

	"rightsdesk/workflow"
)

// Issue 18: a link works through the last day its mail names, to the end
// of that day in Helsinki (23.59.59.999), whatever the clock time it was
// sent at, across a change to or from summer time, and for a link sent
// just before or just after local midnight (which starts a new day).
func TestAnswerLinkExpiryEndOfHelsinkiDay(t *testing.T) {
	t.Parallel()
	hel := workflow.Helsinki()
	end := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 23, 59, 59, 999_000_000, hel) }
	for _, tc := range []struct {
		name string
		sent time.Time
		want time.Time
	}{
		{"evening", time.Date(2026, 12, 7, 21, 5, 0, 0, hel), end(2026, 12, 21)},
		{"just before midnight", time.Date(2026, 12, 7, 23, 59, 59, 0, hel), end(2026, 12, 21)},
		{"just after midnight", time.Date(2026, 12, 8, 0, 0, 1, 0, hel), end(2026, 12, 22)},
		{"late evening, UTC still the day before", time.Date(2026, 12, 7, 23, 30, 0, 0, time.UTC), end(2026, 12, 22)},
		{"across the end of summer time", time.Date(2026, 10, 20, 9, 0, 0, 0, hel), end(2026, 11, 3)},
		{"across the start of summer time", time.Date(2026, 3, 20, 23, 30, 0, 0, hel), end(2026, 4, 3)},
	} {
		if got := workflow.AnswerLinkExpiry(tc.sent); !got.Equal(tc.want) {
			t.Errorf("%s: sent %v, expires %v, want %v", tc.name, tc.sent, got.In(hel), tc.want)
		}
	}
}
