package store_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/store"
)

// benchQueueSize reads a case count from the environment (for a run at
// other sizes), else def.
func benchQueueSize(b *testing.B, name string, def int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("%s=%q: want a case count", name, v)
		}
		return n
	}
	return def
}

// BenchmarkQueueBoxes (issue 21) times the DPO's default view's boxes and
// a person search that matches nothing at two sizes of the open backlog:
// QUEUE_BENCH_SMALL and QUEUE_BENCH_LARGE cases (25,000 and 250,000: about
// 20,000 and 200,000 open tasks, 6,600 and 66,000 in the DPO's queue). The
// two databases are measured alternately in one loop, and the benchmark
// reports each one's ms per call and their ratio (large/small): the goal
// is a ratio near 1, the time following the page and not the backlog.
// "QueueDefinition" is the old queue statement, for comparison.
func BenchmarkQueueBoxes(b *testing.B) {
	ctx := context.Background()
	small, large := benchQueueSize(b, "QUEUE_BENCH_SMALL", 25000), benchQueueSize(b, "QUEUE_BENCH_LARGE", 250000)
	type db struct {
		q    *store.Q
		orgs []int64
	}
	var dbs [2]db
	for i, n := range []int{small, large} {
		pool := pgtest.NewPool(b)
		orgs := seedQueue(ctx, b, pool, n)
		dbs[i] = db{store.New(pool), orgs}
	}
	nobody := &store.PersonIndexes{Email: [][]byte{[]byte("nobody")}}
	today := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		run  func(db) error
	}{
		{"DPOQueue", func(d db) error { _, err := d.q.DPOQueue(ctx, d.orgs); return err }},
		{"NeedingTriage", func(d db) error { _, err := d.q.NeedingTriage(ctx, d.orgs); return err }},
		{"PersonSearch", func(d db) error {
			f := store.DashboardFilter{OrgIDs: d.orgs, Person: nobody, Limit: 50}
			if _, err := d.q.Dashboard(ctx, f); err != nil {
				return err
			}
			_, err := d.q.CountDashboard(ctx, f, today)
			return err
		}},
		{"QueueDefinition", func(d db) error {
			rows, err := d.q.DB().Query(ctx, queueDefinition, d.orgs)
			if err != nil {
				return err
			}
			rows.Close()
			return rows.Err()
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var spent [2]time.Duration
			n := 0
			for b.Loop() {
				for i, d := range dbs {
					start := time.Now()
					if err := c.run(d); err != nil {
						b.Fatal(err)
					}
					spent[i] += time.Since(start)
				}
				n++
			}
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(n) }
			b.ReportMetric(ms(spent[0]), "small-ms/op")
			b.ReportMetric(ms(spent[1]), "large-ms/op")
			b.ReportMetric(ms(spent[1])/ms(spent[0]), "large/small")
		})
	}
}
