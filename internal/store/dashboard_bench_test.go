package store_test

import (
	"context"
	"strings"
	"testing"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/store"
)

// City scale (house rule 6: read as ratios to the Baseline below).
const (
	benchCases = 20000 // over about two years, three organisations
	// benchDeepRow is where the deep page starts in the first
	// organisation's open cases: page 21 at 50 a page.
	benchDeepRow = 1000
)

// seedDashboard fills a fresh database with three organisations, eight
// registers each (every fourth without an owner: the DPO's queue, D-11),
// benchCases cases received every 51 minutes from June 2024, and one to
// three tasks per case. The newest 15 % of cases are open plus a straggler
// every 97th, as in a backlog; the rest are answered, closed, refused or
// withdrawn. Every 20th case is extended (D-13: effective due). Deadline
// columns are receipt + 1 (or 3) months, not rolled: the query does not
// care which day they land on.
func seedDashboard(ctx context.Context, b *testing.B, db store.DB) []int64 {
	b.Helper()
	orgs := seedOrgs(ctx, b, db, "bench-a", "bench-b", "bench-c")
	return seedRun(ctx, b, db, orgs, benchCases,
		`INSERT INTO registers (org_id, norm_name, name, legal_basis, owner_email)
		 SELECT o, 'rekisteri ' || r, 'Rekisteri ' || r, 'c',
		        CASE WHEN r % 4 = 0 THEN '' ELSE 'owner' || r || '@bench.test' END
		 FROM unnest($1::bigint[]) o, generate_series(1, 8) r`,
		`INSERT INTO cases (org_id, receipt, rights, lang, channel, state, received_at, confirmed_at,
		                   raw_end, legal_due, safe_target, extended_due)
		 SELECT ($1::bigint[])[1 + g % 3], 'RD-B-' || lpad(g::text, 7, '0'), ARRAY['access'], 'fi', 'web',
		        CASE WHEN g > $2 * 0.85 OR g % 97 = 0
		             THEN (ARRAY['received', 'awaiting_identity', 'in_progress', 'answer_ready', 'paused'])[1 + g / 3 % 5]
		             ELSE (ARRAY['answered', 'closed', 'refused', 'withdrawn'])[1 + g / 3 % 4] END,
		        t.r, t.r + interval '10 minutes',
		        (t.r + interval '1 month')::date, (t.r + interval '1 month')::date, (t.r + interval '1 month' - interval '2 days')::date,
		        CASE WHEN g % 20 = 0 THEN (t.r + interval '3 months')::date END
		 FROM generate_series(1, $2) g,
		      LATERAL (SELECT timestamptz '2024-06-01 09:00+03' + g * interval '51 minutes') t(r)`,
		seedTasks)
}

// seedOrgs makes the seed's organisations and returns their ids.
func seedOrgs(ctx context.Context, tb testing.TB, db store.DB, slugs ...string) []int64 {
	tb.Helper()
	q := store.New(db)
	var orgs []int64
	for _, slug := range slugs {
		id, err := q.UpsertOrg(ctx, store.Org{Slug: slug, NameFI: slug, NameSV: slug, PrimaryLang: "fi"})
		if err != nil {
			tb.Fatal(err)
		}
		orgs = append(orgs, id)
	}
	return orgs
}

// seedTasks gives every case of the organisations ($1) one to three tasks
// on its organisation's registers, answered when the case is finished and
// a third of the others too.
const seedTasks = `INSERT INTO tasks (org_id, case_id, register_id, "right", state, legal_basis, allowed_answers, owner_email)
		 SELECT c.org_id, c.id, r.id, 'access',
		        CASE WHEN c.state IN ('answered', 'closed', 'refused', 'withdrawn') THEN 'answered'
		             WHEN (c.id + r.id) % 3 = 0 THEN 'answered' ELSE 'open' END,
		        'c', ARRAY['given'], r.owner_email
		 FROM cases c CROSS JOIN LATERAL (
		        SELECT id, owner_email FROM registers r WHERE r.org_id = c.org_id
		        ORDER BY id OFFSET c.id % 5 LIMIT 1 + c.id % 3) r
		 WHERE c.org_id = ANY($1)`

// seedRun runs a seed's statements: $1 is the organisations, $2 (where a
// statement has it) n; then ANALYZE. It returns orgs.
func seedRun(ctx context.Context, tb testing.TB, db store.DB, orgs []int64, n int, stmts ...string) []int64 {
	tb.Helper()
	for _, sql := range stmts {
		args := []any{orgs}
		if strings.Contains(sql, "$2") {
			args = append(args, n)
		}
		if _, err := db.Exec(ctx, sql, args...); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := db.Exec(ctx, `ANALYZE`); err != nil {
		tb.Fatal(err)
	}
	return orgs
}

// BenchmarkDashboard is the DPO's dashboard list (store.Dashboard) of one
// organisation at city scale: its first page, and a keyset page
// benchDeepRow rows in. The Baseline is a SELECT 1 round trip on the same
// pool, so the ratio is the query's cost over connection overhead.
func BenchmarkDashboard(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	orgs := seedDashboard(ctx, b, pool)
	q := store.New(pool)
	f := store.DashboardFilter{OrgIDs: orgs[:1], Limit: 50}

	var cur store.DashboardCursor
	if err := pool.QueryRow(ctx, `
		SELECT coalesce(extended_due, legal_due), id FROM cases
		WHERE org_id = $1 AND state = ANY($2) AND (confirmed_at IS NOT NULL OR needs_triage)
		ORDER BY 1, 2 OFFSET $3 LIMIT 1`, orgs[0], store.OpenStates, benchDeepRow-1).Scan(&cur.Due, &cur.ID); err != nil {
		b.Fatalf("deep cursor: %v", err)
	}
	deep := f
	deep.After = &cur

	page := func(f store.DashboardFilter) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			rows := 0
			for b.Loop() {
				r, err := q.Dashboard(ctx, f)
				if err != nil {
					b.Fatal(err)
				}
				rows = len(r)
			}
			if rows != f.Limit {
				b.Fatalf("page of %d rows, want %d", rows, f.Limit)
			}
		}
	}
	b.Run("FirstPage", page(f))
	b.Run("DeepPage", page(deep))
	b.Run("Baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var one int
			if err := pool.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
				b.Fatal(err)
			}
		}
	})
}
