package store_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/store"
)

// growDashboard adds copies-1 copies of seedDashboard's cases and tasks
// (through the triggers, as intakes would), each copy's dates a week
// later than the one before, so the open backlog and the keys of the
// maintained counts grow as a bigger city's would. It then runs the
// sweep's compaction (folding the due dates before fold unless fold is
// zero), VACUUM and ANALYZE.
func growDashboard(ctx context.Context, b *testing.B, db store.DB, orgs []int64, copies int, fold time.Time) {
	b.Helper()
	for k := 1; k < copies; k++ {
		for _, sql := range []string{
			`INSERT INTO cases (org_id, receipt, rights, lang, channel, state, received_at, confirmed_at,
					raw_end, legal_due, safe_target, extended_due)
			 SELECT org_id, receipt || '-' || $2::int::text, rights, lang, channel, state, received_at + $2::int * interval '7 days',
					confirmed_at + $2::int * interval '7 days', raw_end + $2::int * 7, legal_due + $2::int * 7, safe_target + $2::int * 7, extended_due + $2::int * 7
			 FROM cases WHERE org_id = ANY($1) AND receipt NOT LIKE '%-%-%-%'`,
			`INSERT INTO tasks (org_id, case_id, register_id, "right", state, legal_basis, allowed_answers, owner_email)
			 SELECT t.org_id, n.id, t.register_id, t."right", t.state, t.legal_basis, t.allowed_answers, t.owner_email
			 FROM tasks t JOIN cases o ON o.id = t.case_id JOIN cases n ON n.org_id = o.org_id AND n.receipt = o.receipt || '-' || $2::int::text
			 WHERE t.org_id = ANY($1) AND o.receipt NOT LIKE '%-%-%-%'`,
		} {
			if _, err := db.Exec(ctx, sql, orgs, k); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, org := range orgs {
		var err error
		if fold.IsZero() {
			_, err = store.New(db).CompactMaintainedCounts(ctx, org)
		} else {
			_, err = store.New(db).CompactMaintainedCountsAt(ctx, org, fold)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	// The compaction leaves the folded deltas dead; autovacuum clears
	// them after each sweep (the tables are small), so the benchmark
	// measures the vacuumed tables.
	for _, sql := range []string{`VACUUM open_due_counts, open_right_counts, open_task_counts`, `ANALYZE`} {
		if _, err := db.Exec(ctx, sql); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMaintainedCountsScale (issue 21: the dashboard and statistics
// page at 1M within 2x of their 10k time) reads the maintained counts at
// seedDashboard's size and at MAINTAINED_BENCH_COPIES (default 10) times
// it, alternately in each iteration, and reports both times and their
// ratio (large/small); the scans the maintained counts replace are
// measured the same way. The default dashboard's bands, a right filter
// (right=access, state=in_progress: open_right_counts) and the open tasks
// by unit (open_task_counts).
func BenchmarkMaintainedCountsScale(b *testing.B) {
	ctx := context.Background()
	copies := 10
	if v := os.Getenv("MAINTAINED_BENCH_COPIES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 {
			b.Fatalf("MAINTAINED_BENCH_COPIES=%q: want a whole number of at least 2", v)
		}
		copies = n
	}
	// The reading day, by default 2025-09-01 for both sizes (before
	// nearly every open case's due date: seedDashboard's intakes run from
	// 2024-06-01 to 2026-05-10, the open ones are the last 15 %). With
	// MAINTAINED_BENCH_SHIFT=1 the small size is read on 2026-05-11 (the
	// day after its last intake) and the large one 7*(copies-1) days later
	// (after its last copy's intakes): each city's backlog built up
	// before its today, as it would in use.
	today := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	largeToday := today
	if os.Getenv("MAINTAINED_BENCH_SHIFT") == "1" {
		today = time.Date(2026, 5, 11, 0, 0, 0, 0, time.UTC)
		largeToday = today.AddDate(0, 0, 7*(copies-1))
	}
	// The sweep's compaction folds the due dates before the day before
	// the reading day (workflow's Sweep), unless MAINTAINED_BENCH_FOLD=0
	// (no fold, as before branch fold).
	var smallFold, largeFold time.Time
	if os.Getenv("MAINTAINED_BENCH_FOLD") != "0" {
		smallFold, largeFold = today.AddDate(0, 0, -1), largeToday.AddDate(0, 0, -1)
	}
	small, large := pgtest.NewPool(b), pgtest.NewPool(b)
	smallOrgs := seedDashboard(ctx, b, small)
	growDashboard(ctx, b, small, smallOrgs, 1, smallFold)
	largeOrgs := seedDashboard(ctx, b, large)
	growDashboard(ctx, b, large, largeOrgs, copies, largeFold)
	qs, ql := store.New(small), store.New(large)
	for _, p := range []struct {
		name string
		q    *store.Q
		org  int64
	}{{"small", qs, smallOrgs[0]}, {"large", ql, largeOrgs[0]}} {
		var cases, open, tasks int
		if err := p.q.DB().QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE state = ANY($2)),
				(SELECT count(*) FROM tasks WHERE org_id = $1 AND state IN ('waiting', 'open'))
			FROM cases WHERE org_id = $1`, p.org, store.OpenStates).Scan(&cases, &open, &tasks); err != nil {
			b.Fatal(err)
		}
		var due, right, task int
		if err := p.q.DB().QueryRow(ctx, `SELECT (SELECT count(*) FROM open_due_counts WHERE org_id = $1),
				(SELECT count(*) FROM open_right_counts WHERE org_id = $1), (SELECT count(*) FROM open_task_counts WHERE org_id = $1)`,
			p.org).Scan(&due, &right, &task); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: organisation of %d cases (%d open, %d open tasks); rows: open_due_counts %d, open_right_counts %d, open_task_counts %d",
			p.name, cases, open, tasks, due, right, task)
	}
	if testing.Verbose() {
		// The plans of the maintained reads at the large size (the
		// statements of CountDashboard and OpenTasksByUnit), for the note.
		for _, sql := range []string{
			`SELECT coalesce(sum(n) FILTER (WHERE due < $2::date), 0), coalesce(sum(n) FILTER (WHERE due >= $2::date AND due <= $2::date + 7), 0),
				coalesce(sum(n) FILTER (WHERE due > $2::date + 7), 0)
			FROM open_due_counts WHERE org_id = ANY($1) AND state = ANY($3) AND ($4::text = '' OR channel = $4)`,
			`SELECT coalesce(sum(n) FILTER (WHERE due < $2::date), 0), coalesce(sum(n) FILTER (WHERE due >= $2::date AND due <= $2::date + 7), 0),
				coalesce(sum(n) FILTER (WHERE due > $2::date + 7), 0)
			FROM open_right_counts WHERE org_id = ANY($1) AND "right" = 'access' AND state = ANY('{in_progress}'::text[]) AND ($4::text = '' OR channel = $4) AND $3::text[] IS NOT NULL`,
			`SELECT coalesce(u.name, '') AS unit, sum(x.n)::int AS open
			FROM (SELECT c.register_id, c.n FROM open_task_counts c WHERE c.org_id = ($1::bigint[])[1]) x JOIN registers r ON r.id = x.register_id LEFT JOIN units u ON u.id = r.unit_id
			WHERE $2::date IS NOT NULL AND $3::text[] IS NOT NULL AND $4::text IS NOT NULL
			GROUP BY 1 HAVING sum(x.n) <> 0 ORDER BY 2 DESC, 1`,
		} {
			rows, err := large.Query(ctx, `EXPLAIN (ANALYZE, BUFFERS) `+sql, largeOrgs[:1], largeToday, store.OpenStates, "")
			if err != nil {
				b.Fatal(err)
			}
			plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("large:\n%s", strings.Join(plan, "\n"))
		}
	}
	bands := func(scan bool, f func([]int64) store.DashboardFilter) func(*store.Q, []int64) (any, error) {
		return func(q *store.Q, orgs []int64) (any, error) {
			day := today
			if q == ql {
				day = largeToday
			}
			if scan {
				return q.CountDashboardScan(ctx, f(orgs), day)
			}
			return q.CountDashboard(ctx, f(orgs), day)
		}
	}
	def := func(orgs []int64) store.DashboardFilter { return store.DashboardFilter{OrgIDs: orgs[:1]} }
	right := func(orgs []int64) store.DashboardFilter {
		return store.DashboardFilter{OrgIDs: orgs[:1], Right: "access", States: []string{"in_progress"}}
	}
	units := func(scan bool) func(*store.Q, []int64) (any, error) {
		return func(q *store.Q, orgs []int64) (any, error) {
			if scan {
				return q.OpenTasksByUnitScan(ctx, orgs[0])
			}
			return q.OpenTasksByUnit(ctx, orgs[0])
		}
	}
	for _, v := range []struct {
		name       string
		read, scan func(*store.Q, []int64) (any, error)
	}{
		{"DefaultBands", bands(false, def), bands(true, def)},
		{"RightInProgress", bands(false, right), bands(true, right)},
		{"OpenTasksByUnit", units(false), units(true)},
	} {
		// The maintained read answers as the scan does, at both sizes.
		for _, p := range []struct {
			q    *store.Q
			orgs []int64
		}{{qs, smallOrgs}, {ql, largeOrgs}} {
			got, err := v.read(p.q, p.orgs)
			if err != nil {
				b.Fatal(err)
			}
			want, err := v.scan(p.q, p.orgs)
			if err != nil {
				b.Fatal(err)
			}
			if !equalAny(got, want) {
				b.Fatalf("%s: maintained %+v, scan %+v", v.name, got, want)
			}
		}
		for _, m := range []struct {
			kind string
			read func(*store.Q, []int64) (any, error)
		}{{"Maintained", v.read}, {"Scan", v.scan}} {
			b.Run(v.name+"/"+m.kind, func(b *testing.B) {
				var ts, tl time.Duration
				for b.Loop() {
					start := time.Now()
					if _, err := m.read(qs, smallOrgs); err != nil {
						b.Fatal(err)
					}
					mid := time.Now()
					if _, err := m.read(ql, largeOrgs); err != nil {
						b.Fatal(err)
					}
					ts, tl = ts+mid.Sub(start), tl+time.Since(mid)
				}
				b.ReportMetric(float64(ts.Microseconds())/float64(b.N), "small-µs/op")
				b.ReportMetric(float64(tl.Microseconds())/float64(b.N), "large-µs/op")
				b.ReportMetric(float64(tl)/float64(ts), "large/small")
			})
		}
	}
}

func equalAny(a, b any) bool {
	if x, ok := a.([]store.UnitCount); ok {
		y, ok := b.([]store.UnitCount)
		return ok && slices.Equal(x, y)
	}
	return a == b
}
