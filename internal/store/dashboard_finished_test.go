package store_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/store"
)

// finishedScan is an EXPLAIN ANALYZE line of a scan of cases: its kind
// and index.
var finishedScan = regexp.MustCompile(`(Index Scan Backward|Index Scan|Index Only Scan Backward|Index Only Scan|Bitmap Heap Scan|Seq Scan)( using (\w+))? on cases c`)

// The views of finished requests list the most recently finished first
// (answered_at, else ended_at: refused or withdrawn), requests finished
// at one moment newest id first. The keyset pages through each finished
// state, and all four at once, exactly: the pages joined are the whole
// view in its order, ties across a page's end included. Each
// (organisation, state) range is read backwards by
// cases_org_state_finished (migration 048) and merged, never sorted, the
// cursor its Index Cond, in the plan for the values and in the generic
// plan (the CSV export runs the statement once a batch); the open
// backlog is not read at all. As TestExplainCSVBatchStops, sequential and
// bitmap scans are switched off on the small test tables.
func TestFinishedViewsNewestFirstByIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := store.New(pool)
	orgs := seedQueue(ctx, t, pool, 10000)
	for _, s := range []string{
		`UPDATE cases SET answered_at = received_at + (id % 40) * interval '1 day' WHERE state IN ('answered', 'closed')`,
		`UPDATE cases SET answered_at = timestamptz '2026-06-01 12:00+03' WHERE state IN ('answered', 'closed') AND id % 5 = 0`,
		`UPDATE cases SET ended_at = received_at + (id % 20) * interval '1 day' WHERE state IN ('refused', 'withdrawn')`,
		`ANALYZE cases`,
	} {
		if _, err := pool.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}

	views := [][]string{{"answered"}, {"closed"}, {"refused"}, {"withdrawn"}, store.FinishedStates}
	for _, states := range views {
		rows, err := pool.Query(ctx, `SELECT id FROM cases WHERE org_id = ANY($1) AND state = ANY($2)
			AND (confirmed_at IS NOT NULL OR needs_triage)
			ORDER BY coalesce(answered_at, ended_at, received_at) DESC, id DESC`, orgs, states)
		if err != nil {
			t.Fatal(err)
		}
		want, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil || len(want) < 300 {
			t.Fatalf("%v: %d requests (%v): the seed is too small", states, len(want), err)
		}
		f := store.DashboardFilter{OrgIDs: orgs, States: states, Limit: 97}
		if !f.Finished() {
			t.Fatalf("%v is not a view of finished requests", states)
		}
		var got []int64
		for page := 0; ; page++ {
			if page > len(want)/97+2 {
				t.Fatalf("%v: the pages do not end", states)
			}
			rows, err := q.Dashboard(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				got = append(got, r.ID)
			}
			if len(rows) < f.Limit {
				break
			}
			last := rows[len(rows)-1]
			f.After = &store.DashboardCursor{Due: last.SortDue, ID: last.ID}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%v: the pages list %d requests, not the view's %d in its order", states, len(got), len(want))
		}
	}
	if (store.DashboardFilter{States: []string{"answered", "in_progress"}}).Finished() || (store.DashboardFilter{}).Finished() {
		t.Error("a view with open requests is ordered as a finished one")
	}

	pc, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn := pc.Hijack()
	defer conn.Close(ctx)
	for _, s := range []string{`SET enable_seqscan = off`, `SET enable_bitmapscan = off`} {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	lit := func(v any) string {
		if x, ok := v.(time.Time); ok {
			return "'" + x.UTC().Format("2006-01-02 15:04:05.999999Z07:00") + "'"
		}
		return literal(v)
	}
	stmt, checked := 0, 0
	for _, states := range [][]string{{"answered"}, store.FinishedStates} {
		f := store.DashboardFilter{OrgIDs: orgs, States: states, Limit: 100}
		first, err := q.Dashboard(ctx, f)
		if err != nil || len(first) != 100 {
			t.Fatalf("%v: %d rows (%v)", states, len(first), err)
		}
		next := f
		next.After = &store.DashboardCursor{Due: first[99].SortDue, ID: first[99].ID}
		for batch, f := range map[string]store.DashboardFilter{"first": f, "next": next} {
			sql, args := store.DashboardStatement(f)
			lits := make([]string, len(args))
			for i, a := range args {
				lits[i] = lit(a)
			}
			stmt++
			if _, err := conn.Exec(ctx, fmt.Sprintf(`PREPARE fin%d AS %s`, stmt, sql)); err != nil {
				t.Fatal(err)
			}
			for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
				if _, err := conn.Exec(ctx, `SET plan_cache_mode = `+mode); err != nil {
					t.Fatal(err)
				}
				plan := explainLines(ctx, t, conn, fmt.Sprintf(`EXPLAIN (ANALYZE) EXECUTE fin%d(%s)`, stmt, strings.Join(lits, ", ")))
				name := fmt.Sprintf("%v, %s batch, %s", states, batch, mode)
				var scans []string
				for _, m := range finishedScan.FindAllStringSubmatch(plan, -1) {
					scans = append(scans, m[1]+" "+m[3])
				}
				switch {
				case len(scans) != len(orgs)*len(states):
					t.Errorf("%s: %d scans of cases for %d ranges:\n%s", name, len(scans), len(orgs)*len(states), plan)
				case slices.ContainsFunc(scans, func(s string) bool { return s != "Index Scan Backward cases_org_state_finished" }):
					t.Errorf("%s: cases read otherwise than backwards by cases_org_state_finished (%v):\n%s", name, scans, plan)
				case regexp.MustCompile(`(?m)^\s*(->\s+)?Sort\s+\(`).MatchString(plan):
					t.Errorf("%s: the page is sorted, not merged:\n%s", name, plan)
				case f.After != nil && !strings.Contains(plan, "< ROW("):
					t.Errorf("%s: the cursor is not the ranges' Index Cond:\n%s", name, plan)
				}
				checked++
			}
		}
	}
	if checked != 8 {
		t.Fatalf("%d plans checked", checked)
	}
}
