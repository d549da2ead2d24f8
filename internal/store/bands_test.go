package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/store"
)

// Issue 21: the dashboard's band counts come from open_due_counts, kept by
// a trigger on cases. After a random series of intakes (confirmed or not,
// emailed and waiting for triage: D-8), state changes, pauses, extensions
// (DL-8, DL-11, D-13), FI-2 decisions and extensions (urgent_due, D-23)
// and purges, the maintained counts equal the direct count of cases for
// every filter the table answers, on several days: the table's delta rows
// sum, per key, to the definition. At some checkpoints the sweep's
// compaction folds the deltas: the sums stay, and one row per non-zero key
// is left.
func TestOpenDueCountsFollowCases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := store.New(pool)
	var orgs []int64
	for _, slug := range []string{"bands-a", "bands-b"} {
		id, err := q.UpsertOrg(ctx, store.Org{Slug: slug, NameFI: slug, NameSV: slug, PrimaryLang: "fi"})
		if err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, id)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 21))
	states := []string{"received", "awaiting_identity", "in_progress", "answer_ready", "paused",
		"answered", "closed", "refused", "withdrawn"}
	channels := []string{"web", "email", "paper", "api"}
	base := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	day := func(spread int) time.Time { return base.AddDate(0, 0, rnd.IntN(2*spread+1)-spread) }

	var ids []int64
	pick := func() (int64, bool) {
		if len(ids) == 0 {
			return 0, false
		}
		return ids[rnd.IntN(len(ids))], true
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	check := func(step int) {
		t.Helper()
		// The table's sums per key equal its definition.
		var stray int
		if err := pool.QueryRow(ctx, `
			WITH want AS (SELECT org_id, state, channel, coalesce(urgent_due, extended_due, legal_due) AS due, count(*) AS n
				FROM cases WHERE state = ANY($1) AND (confirmed_at IS NOT NULL OR needs_triage) GROUP BY 1, 2, 3, 4)
			SELECT count(*) FROM (
				(SELECT * FROM want EXCEPT ALL SELECT org_id, state, channel, due, sum(n) FROM open_due_counts GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0)
				UNION ALL
				(SELECT org_id, state, channel, due, sum(n) FROM open_due_counts GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 EXCEPT ALL SELECT * FROM want)) d`,
			store.OpenStates).Scan(&stray); err != nil {
			t.Fatal(err)
		}
		if stray != 0 {
			t.Fatalf("step %d (seed %d): open_due_counts sums differ from cases in %d keys", step, seed, stray)
		}
		filters := []store.DashboardFilter{
			{OrgIDs: orgs},
			{OrgIDs: orgs[:1]},
			{OrgIDs: orgs[1:]},
			{OrgIDs: orgs, States: []string{"in_progress", "paused"}},
			{OrgIDs: orgs[:1], Channel: "email"},
			{OrgIDs: orgs, States: []string{"received"}, Channel: "web"},
		}
		for _, f := range filters {
			for _, today := range []time.Time{base, base.AddDate(0, 0, -9), base.AddDate(0, 0, 13)} {
				got, err := q.CountDashboard(ctx, f, today)
				if err != nil {
					t.Fatal(err)
				}
				want, err := q.CountDashboardScan(ctx, f, today)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Fatalf("step %d (seed %d) %+v on %s: maintained %+v, counted %+v", step, seed, f, today.Format(time.DateOnly), got, want)
				}
			}
		}
	}

	compacted := 0
	compact := func(step int) {
		t.Helper()
		var before, keys, zero int
		if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM open_due_counts),
				(SELECT count(*) FROM (SELECT 1 FROM open_due_counts GROUP BY org_id, state, channel, due HAVING sum(n) <> 0) k)`).
			Scan(&before, &keys); err != nil {
			t.Fatal(err)
		}
		var left int64
		for _, org := range orgs {
			n, err := q.CompactOpenDueCounts(ctx, org)
			if err != nil {
				t.Fatal(err)
			}
			left += n
		}
		var after int
		if err := pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE n <= 0) FROM open_due_counts`).Scan(&after, &zero); err != nil {
			t.Fatal(err)
		}
		if after != keys || left != int64(keys) || zero != 0 {
			t.Fatalf("step %d (seed %d): compaction left %d rows (reported %d, %d not positive), want one per key: %d", step, seed, after, left, zero, keys)
		}
		if before > keys {
			compacted++
		}
	}

	for step := 0; step < 600; step++ {
		id, ok := pick()
		switch op := rnd.IntN(10); {
		case op < 3 || !ok: // intake
			state := states[rnd.IntN(len(states))]
			if rnd.IntN(3) > 0 {
				state = states[rnd.IntN(3)]
			}
			legal := day(40)
			var confirmed *time.Time
			if rnd.IntN(4) > 0 {
				c := legal.AddDate(0, -1, 0)
				confirmed = &c
			}
			var docDue *time.Time
			docRequest := rnd.IntN(3) == 0
			if docRequest {
				d := legal.AddDate(0, 0, -rnd.IntN(20))
				docDue = &d
			}
			var newID int64
			if err := pool.QueryRow(ctx, `INSERT INTO cases (org_id, receipt, rights, lang, channel, state, needs_triage,
					received_at, confirmed_at, raw_end, legal_due, safe_target, gdpr, document_request, doc_due, doc_extended_due)
				VALUES ($1, $2, ARRAY['access'], 'fi', $3, $4, $5, $6::date - 30, $7, $6, $6, $6::date - 2, $8, $9, $10, $10::date + 14)
				RETURNING id`,
				orgs[rnd.IntN(2)], fmt.Sprintf("RD-BANDS-%d", step), channels[rnd.IntN(len(channels))], state,
				rnd.IntN(5) == 0, legal, confirmed, !docRequest || rnd.IntN(2) == 0, docRequest, docDue).Scan(&newID); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, newID)
		case op < 5: // state change (open, answered, closed ... and back)
			exec(`UPDATE cases SET state = $2 WHERE id = $1`, id, states[rnd.IntN(len(states))])
		case op == 5: // extension (DL-11) or its removal
			if rnd.IntN(3) == 0 {
				exec(`UPDATE cases SET extended_due = NULL WHERE id = $1`, id)
			} else {
				exec(`UPDATE cases SET extended_due = legal_due + $2::int WHERE id = $1`, id, 30+rnd.IntN(40))
			}
		case op == 6: // pause and resume (DL-8): the due moves by the paused days
			exec(`UPDATE cases SET state = 'paused', paused_at = now() WHERE id = $1`, id)
			exec(`UPDATE cases SET state = 'in_progress', paused_at = NULL, paused_days = paused_days + $2,
				legal_due = legal_due + $2::int WHERE id = $1`, id, 1+rnd.IntN(10))
		case op == 7: // FI-2: decided or extended, the confirmation, triage done
			switch rnd.IntN(4) {
			case 0:
				exec(`UPDATE cases SET doc_decided_at = now() WHERE id = $1`, id)
			case 1:
				exec(`UPDATE cases SET doc_extended_at = now() WHERE id = $1`, id)
			case 2:
				exec(`UPDATE cases SET confirmed_at = coalesce(confirmed_at, now()) WHERE id = $1`, id)
			default:
				exec(`UPDATE cases SET needs_triage = NOT needs_triage, channel = $2 WHERE id = $1`, id, channels[rnd.IntN(len(channels))])
			}
		case op == 8: // purge
			exec(`DELETE FROM cases WHERE id = $1`, id)
			for i, v := range ids {
				if v == id {
					ids = append(ids[:i], ids[i+1:]...)
					break
				}
			}
		default: // a statement over many rows: the nightly close of a batch
			exec(`UPDATE cases SET state = CASE WHEN state = 'answered' THEN 'closed' ELSE state END,
				updated_at = now() WHERE org_id = $1 AND id % 3 = $2`, orgs[rnd.IntN(2)], rnd.IntN(3))
		}
		if step%50 == 49 {
			check(step)
		}
		if step%150 == 149 {
			compact(step)
			check(step)
		}
	}
	check(600)
	var rows, cases int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM open_due_counts), (SELECT count(*) FROM cases WHERE org_id = ANY($1))`,
		orgs).Scan(&rows, &cases); err != nil {
		t.Fatal(err)
	}
	if compacted == 0 {
		t.Fatalf("no compaction had deltas to fold: it tested nothing")
	}
	if rows == 0 || cases == 0 {
		t.Fatalf("the series left %d cases and %d count rows: it tested nothing", cases, rows)
	}
}

// Issue 21 forbids a shared per-organisation lock on the intake path: two
// transactions each inserting a confirmed case for the same organisation,
// channel and due date do not wait for each other (the trigger adds delta
// rows; a counter row would be locked by the first until it commits). A
// compaction run while the first is still open neither waits for it nor
// loses its delta.
func TestOpenDueCountsIntakesDoNotBlock(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	// A safety net only: waiting is detected by lock_timeout (1 s), so the
	// deadline starts after the database exists and leaves room for a
	// loaded CI machine (30 s failed on setup at load 30).
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	q := store.New(pool)
	org, err := q.UpsertOrg(ctx, store.Org{Slug: "bands-lock", NameFI: "bands-lock", NameSV: "bands-lock", PrimaryLang: "fi"})
	if err != nil {
		t.Fatal(err)
	}
	legal := time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)
	insert := func(tx interface {
		Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
	}, receipt string) {
		t.Helper()
		if _, err := tx.Exec(ctx, `INSERT INTO cases (org_id, receipt, rights, lang, channel, state, needs_triage,
				received_at, confirmed_at, raw_end, legal_due, safe_target, gdpr)
			VALUES ($1, $2, ARRAY['access'], 'fi', 'web', 'received', false, $3::date - 30, $3::date - 29, $3, $3, $3::date - 2, true)`,
			org, receipt, legal); err != nil {
			t.Fatalf("intake %s: %v", receipt, err)
		}
	}
	first, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback(ctx)
	insert(first, "RD-LOCK-1")

	second, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Rollback(ctx)
	if _, err := second.Exec(ctx, `SET LOCAL lock_timeout = '1s'`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	insert(second, "RD-LOCK-2")
	if err := second.Commit(ctx); err != nil {
		t.Fatalf("the second intake waited for the first: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("the second intake took %s while the first was open", d)
	}

	// The sweep's compaction while the first intake is still open.
	compact, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer compact.Rollback(ctx)
	if _, err := compact.Exec(ctx, `SET LOCAL lock_timeout = '1s'`); err != nil {
		t.Fatal(err)
	}
	if _, err := store.New(compact).CompactOpenDueCounts(ctx, org); err != nil {
		t.Fatalf("compaction waited for the open intake: %v", err)
	}
	if err := compact.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := first.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := q.CountDashboard(ctx, store.DashboardFilter{OrgIDs: []int64{org}, Channel: "web"}, legal.AddDate(0, 0, -3))
	if err != nil {
		t.Fatal(err)
	}
	if got != (store.DashboardCounts{Week: 2}) {
		t.Fatalf("after both intakes and a compaction: %+v, want 2 due this week", got)
	}
	if n, err := q.CompactOpenDueCounts(ctx, org); err != nil || n != 1 {
		t.Fatalf("final compaction left %d rows (%v), want 1", n, err)
	}
}
