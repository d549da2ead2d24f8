package store_test

import (
	"context"
	"testing"
	"time"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/store"
)

// BenchmarkDashboardCounts: the default dashboard's band counts (issue 21)
// from open_due_counts (Maintained) against the count over cases that
// filters outside the table's key still use (Scan), at seedDashboard's
// city scale. Both answer the same.
func BenchmarkDashboardCounts(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	orgs := seedDashboard(ctx, b, pool)
	q := store.New(pool)
	f := store.DashboardFilter{OrgIDs: orgs[:1]}
	today := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	m, err := q.CountDashboard(ctx, f, today)
	if err != nil {
		b.Fatal(err)
	}
	s, err := q.CountDashboardScan(ctx, f, today)
	if err != nil {
		b.Fatal(err)
	}
	if m != s || m.Overdue+m.Week+m.Later == 0 {
		b.Fatalf("maintained %+v, scan %+v", m, s)
	}
	for _, v := range []struct {
		name  string
		count func(context.Context, store.DashboardFilter, time.Time) (store.DashboardCounts, error)
	}{{"Maintained", q.CountDashboard}, {"Scan", q.CountDashboardScan}} {
		b.Run(v.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := v.count(ctx, f, today); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
