package workflow

import (
	"reflect"
	"testing"
	"time"

	"rightsdesk/internal/store"
)

// TestStatsCache: the remembered months are those computed afresh, a
// caller changing what it got changes nothing remembered, and other rows
// are another entry.
func TestStatsCache(t *testing.T) {
	t.Parallel()
	jan := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := []store.StatsRow{{Month: jan, Dimension: "all", Received: 9, Answered: 6, OnTime: 5},
		{Month: jan, Dimension: "channel", Value: "web", Received: 7}, {Month: jan, Dimension: "channel", Value: "email", Received: 2}}
	want := buildStatsMonths(StatsYear{Year: 2025}, 2, rows, nil)
	var c statsCache
	got := c.months(StatsYear{Year: 2025}, 2, rows, nil)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("cached months differ:\n%+v\n%+v", got, want)
	}
	got.Breakdowns[1].Cells[0][0].N = 99
	got.Breakdowns[1].Cells = got.Breakdowns[1].Cells[:1]
	got.Months[0].Received.N = 99
	if again := c.months(StatsYear{Year: 2025}, 2, rows, nil); !reflect.DeepEqual(again, want) {
		t.Errorf("a caller's change reached the cache:\n%+v", again)
	}
	rows[0].Received = 10
	rows[1].Received = 8
	if other := c.months(StatsYear{Year: 2025}, 2, rows, nil); other.Months[0].Received.N != 10 || len(c.m) != 2 {
		t.Errorf("changed rows gave %+v from %d entries", other.Months[0].Received, len(c.m))
	}
}
