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
// city scale. Both answer the same. The Baseline is a SELECT 1 round trip
// on the same pool (as BenchmarkDashboard's).
func BenchmarkDashboardCounts(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	orgs := seedDashboard(ctx, b, pool)
	q := store.New(pool)
	// The table holds one delta row per seeded case until the sweep folds
	// them; the benchmark measures the folded table.
	var deltas int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM open_due_counts WHERE org_id = $1`, orgs[0]).Scan(&deltas); err != nil {
		b.Fatal(err)
	}
	var folded int64
	for _, org := range orgs {
		n, err := q.CompactOpenDueCounts(ctx, org)
		if err != nil {
			b.Fatal(err)
		}
		if org == orgs[0] {
			folded = n
		}
	}
	b.Logf("open_due_counts rows of the organisation: %d deltas, %d after the sweep's compaction", deltas, folded)
	if _, err := pool.Exec(ctx, `ANALYZE open_due_counts`); err != nil {
		b.Fatal(err)
	}
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
	b.Run("Baseline", func(b *testing.B) {
		for b.Loop() {
			var one int
			if err := pool.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
				b.Fatal(err)
			}
		}
	})
}
