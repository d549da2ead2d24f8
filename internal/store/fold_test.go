package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/store"
)

// Issue 21 (band counts at 1M cases): the sweep's compaction at day D
// folds every due date before D of open_due_counts and open_right_counts
// into one key per (organisation, state, channel[, right]) with due =
// -infinity, so the rows no longer grow with the distinct overdue dates.
// Later changes of the folded cases (closed, reopened, extended past D
// under DL-11, purged, rights corrected) still write -1 deltas with their
// exact old dates; the band counts stay equal to CountDashboardScan at D,
// D+1 and D+30, and the next fold leaves one row per folded key again.
func TestFoldedBandCountsFollowLaterChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := store.New(pool)
	seed, w := newTimeSeededCountsWorld(ctx, t, pool, "fold")
	for range 250 {
		w.intake()
	}
	for range 100 {
		w.step()
	}
	day := countBase
	days := []time.Time{day, day.AddDate(0, 0, 1), day.AddDate(0, 0, 30)}
	bands := func(where string) {
		t.Helper()
		w.checkReadsAt(q, fmt.Sprintf("%s (seed %d)", where, seed), &day, days)
	}
	// rows of the two band tables: all, folded (-infinity), and those with
	// an exact date before the fold day (deltas of folded cases).
	rows := func() (all, inf, before int) {
		t.Helper()
		if err := pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE due = '-infinity'),
				count(*) FILTER (WHERE due > '-infinity' AND due < $2::date)
			FROM (SELECT due FROM open_due_counts WHERE org_id = ANY($1)
				UNION ALL SELECT due FROM open_right_counts WHERE org_id = ANY($1)) r`, w.orgs, day).Scan(&all, &inf, &before); err != nil {
			t.Fatal(err)
		}
		return
	}
	fold := func(where string) {
		t.Helper()
		for _, org := range w.orgs {
			if _, err := q.CompactMaintainedCountsAt(ctx, org, day); err != nil {
				t.Fatal(err)
			}
		}
		stray, rs, keys := maintainedDiffAt(ctx, t, pool, w.orgs, &day)
		for _, d := range maintainedDefs {
			if stray[d.table] != 0 || rs[d.table] != keys[d.table] {
				t.Fatalf("%s (seed %d): %s has %d stray keys, %d rows for %d keys", where, seed, d.table, stray[d.table], rs[d.table], keys[d.table])
			}
		}
		if _, inf, before := rows(); inf == 0 || before != 0 {
			t.Fatalf("%s (seed %d): %d folded rows and %d rows dated before %s: want folded rows only", where, seed, inf, before, day.Format(time.DateOnly))
		}
		bands(where)
	}

	_, exact, _ := maintainedDiff(ctx, t, pool, w.orgs)
	fold("first fold")
	all, _, _ := rows()
	if exactKeys := exact["open_due_counts"] + exact["open_right_counts"]; all >= exactKeys {
		t.Fatalf("the fold left %d rows for %d exact keys: it folded nothing", all, exactKeys)
	}

	// Changes of folded cases (due before the fold day) only.
	overdue := func(sql string, args ...any) int64 {
		t.Helper()
		tag, err := pool.Exec(ctx, `UPDATE cases SET `+sql+` WHERE org_id = ANY($1) AND state = ANY($2)
			AND (confirmed_at IS NOT NULL OR needs_triage) AND coalesce(urgent_due, extended_due, legal_due) < $3::date
			AND id % 5 = $4`, append([]any{w.orgs, store.OpenStates, day}, args...)...)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return tag.RowsAffected()
	}
	moved := overdue(`state = 'closed'`, 0) +
		overdue(`state = CASE WHEN state = 'in_progress' THEN 'paused' ELSE 'in_progress' END`, 1) +
		overdue(`extended_due = legal_due + 60`, 2) + // DL-11: due moves past the fold day
		overdue(`rights = ARRAY['objection']`, 3)
	purged, err := pool.Query(ctx, `DELETE FROM cases WHERE org_id = ANY($1) AND coalesce(urgent_due, extended_due, legal_due) < $2::date
			AND state = ANY($3) AND id % 5 = 4 RETURNING id`, w.orgs, day, store.OpenStates)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(purged, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	moved += int64(len(ids))
	w.cases = slices.DeleteFunc(w.cases, func(id int64) bool { return slices.Contains(ids, id) })
	if _, _, before := rows(); moved == 0 || before == 0 {
		t.Fatalf("moved %d folded cases, %d deltas dated before the fold day: it tested nothing", moved, before)
	}
	var negative int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM open_due_counts WHERE org_id = ANY($1) AND due < $2::date
		GROUP BY org_id, state, channel, due HAVING sum(n) < 0) k`, w.orgs, day).Scan(&negative); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d folded cases changed; %d exact overdue keys of open_due_counts negative before the next fold", moved, negative)
	stray, _, _ := maintainedDiffAt(ctx, t, pool, w.orgs, &day)
	for table, n := range stray {
		if n != 0 {
			t.Fatalf("after changes of folded cases (seed %d): %s differs from the definition in %d folded keys", seed, table, n)
		}
	}
	bands("after changes of folded cases")
	for range 150 {
		w.step()
	}
	bands("after more changes")
	fold("second fold")

	// The next day's sweep folds one more date; the reads of day D+1 and
	// later still agree.
	day = day.AddDate(0, 0, 1)
	days = days[1:]
	fold("fold of the next day")
}
