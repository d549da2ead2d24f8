package jobs_test

import (
	"context"
	"fmt"
	"testing"

	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
)

// Issue 21: open_due_counts holds delta rows (+1/-1 per case change); the
// periodic sweep folds every organisation's deltas into one row per key,
// and the sums (the dashboard's band counts) do not change.
func TestSweepCompactsBandCounts(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	var orgs []int64
	for _, slug := range []string{"sweepbands-a", "sweepbands-b"} {
		orgs = append(orgs, env.Org(slug, slug, slug, "fi").ID)
	}
	for i := 0; i < 12; i++ {
		if _, err := env.Pool.Exec(ctx, `INSERT INTO cases (org_id, receipt, rights, lang, channel, state, needs_triage,
				received_at, confirmed_at, raw_end, legal_due, safe_target, gdpr)
			VALUES ($1, $2, ARRAY['access'], 'fi', 'web', 'received', false, $3::date - 30, $3::date - 29, $3, $3, $3::date - 2, true)`,
			orgs[i%2], fmt.Sprintf("RD-SWEEPBANDS-%d", i), fmt.Sprintf("2026-05-%02d", 10+i%3)); err != nil {
			t.Fatal(err)
		}
	}
	// Moves that leave deltas: some cases start work, one is closed.
	if _, err := env.Pool.Exec(ctx, `UPDATE cases SET state = 'in_progress' WHERE org_id = ANY($1) AND id % 2 = 0`, orgs); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, `UPDATE cases SET state = 'closed' WHERE id = (SELECT min(id) FROM cases WHERE org_id = $1)`, orgs[0]); err != nil {
		t.Fatal(err)
	}
	sums := func() (rows, keys int, sig string) {
		t.Helper()
		if err := env.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM open_due_counts WHERE org_id = ANY($1)),
				count(*), coalesce(string_agg(concat_ws(':', org_id, state, channel, due, s), ',' ORDER BY org_id, state, channel, due), '')
			FROM (SELECT org_id, state, channel, due, sum(n) AS s FROM open_due_counts WHERE org_id = ANY($1)
				GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0) k`, orgs).Scan(&rows, &keys, &sig); err != nil {
			t.Fatal(err)
		}
		return
	}
	before, keys, sig := sums()
	if before <= keys || keys == 0 {
		t.Fatalf("before the sweep: %d rows for %d keys: nothing to fold", before, keys)
	}
	insertAt(t, env, jobargs.Sweep{}, env.Clock.Now())
	env.WorkAll(jobargs.Sweep{}.Kind())
	after, keysAfter, sigAfter := sums()
	if after != keys || keysAfter != keys || sigAfter != sig {
		t.Fatalf("after the sweep: %d rows, %d keys, sums %q; want %d rows, sums %q", after, keysAfter, sigAfter, keys, sig)
	}
}
