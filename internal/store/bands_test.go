package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/store"
)

// Issue 21: the dashboard's band counts come from open_due_counts, kept by
// a trigger on cases. After a random series of intakes (confirmed or not,
// emailed and waiting for triage: D-8), state changes, pauses, extensions
// (DL-8, DL-11, D-13), FI-2 decisions and extensions (urgent_due, D-23)
// and purges, the maintained counts equal the direct count of cases for
// every filter the table answers, on several days, and the table holds no
// empty or stray rows.
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
		// The table equals its definition, row for row.
		var stray int
		if err := pool.QueryRow(ctx, `
			WITH want AS (SELECT org_id, state, channel, coalesce(urgent_due, extended_due, legal_due) AS due, count(*) AS n
				FROM cases WHERE state = ANY($1) AND (confirmed_at IS NOT NULL OR needs_triage) GROUP BY 1, 2, 3, 4)
			SELECT count(*) FROM (
				(SELECT * FROM want EXCEPT ALL SELECT org_id, state, channel, due, n FROM open_due_counts)
				UNION ALL
				(SELECT org_id, state, channel, due, n FROM open_due_counts EXCEPT ALL SELECT * FROM want)) d`,
			store.OpenStates).Scan(&stray); err != nil {
			t.Fatal(err)
		}
		if stray != 0 {
			t.Fatalf("step %d (seed %d): open_due_counts differs from cases in %d rows", step, seed, stray)
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
	}
	check(600)
	var rows, cases int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM open_due_counts), (SELECT count(*) FROM cases WHERE org_id = ANY($1))`,
		orgs).Scan(&rows, &cases); err != nil {
		t.Fatal(err)
	}
	if rows == 0 || cases == 0 {
		t.Fatalf("the series left %d cases and %d count rows: it tested nothing", cases, rows)
	}
}
