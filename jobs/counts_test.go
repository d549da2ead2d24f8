package jobs_test

import (
	"context"
	"fmt"
	"testing"

	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
)

// Issue 21: the periodic sweep also folds open_right_counts (band counts
// by right) and open_task_counts (open tasks by register) into one row
// per key, and their sums do not change.
func TestSweepCompactsMaintainedCounts(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	var orgs []int64
	for _, slug := range []string{"sweepcounts-a", "sweepcounts-b"} {
		org := env.Org(slug, slug, slug, "fi")
		orgs = append(orgs, org.ID)
		env.Register(org.ID, "Asiakasrekisteri "+slug, "e", "owner@"+slug+".test")
	}
	for i := 0; i < 12; i++ {
		if _, err := env.Pool.Exec(ctx, `WITH c AS (INSERT INTO cases (org_id, receipt, rights, lang, channel, state, needs_triage,
				received_at, confirmed_at, raw_end, legal_due, safe_target, gdpr)
			VALUES ($1, $2, ARRAY['access', 'erasure'], 'fi', 'web', 'received', false, $3::date - 30, $3::date - 29, $3, $3, $3::date - 2, true)
			RETURNING id, org_id)
			INSERT INTO tasks (org_id, case_id, register_id, "right", state, legal_basis, allowed_answers)
			SELECT c.org_id, c.id, r.id, 'access', 'open', 'c', ARRAY['given'] FROM c JOIN registers r ON r.org_id = c.org_id`,
			orgs[i%2], fmt.Sprintf("RD-SWEEPCOUNTS-%d", i), fmt.Sprintf("2026-05-%02d", 10+i%3)); err != nil {
			t.Fatal(err)
		}
	}
	// Moves that leave deltas: some cases start work, one is closed, some tasks are answered.
	for _, sql := range []string{
		`UPDATE cases SET state = 'in_progress' WHERE org_id = ANY($1) AND id % 2 = 0`,
		`UPDATE cases SET state = 'closed' WHERE id = (SELECT min(id) FROM cases WHERE org_id = ($1::bigint[])[1])`,
		`UPDATE tasks SET state = 'answered' WHERE org_id = ANY($1) AND id % 3 = 0`,
	} {
		if _, err := env.Pool.Exec(ctx, sql, orgs); err != nil {
			t.Fatal(err)
		}
	}
	sums := func(table, key string) (rows, keys int, sig string) {
		t.Helper()
		if err := env.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM `+table+` WHERE org_id = ANY($1)),
				count(*), coalesce(string_agg(k::text, ',' ORDER BY k::text), '')
			FROM (SELECT `+key+`, sum(n) AS s FROM `+table+` WHERE org_id = ANY($1)
				GROUP BY `+key+` HAVING sum(n) <> 0) k`, orgs).Scan(&rows, &keys, &sig); err != nil {
			t.Fatal(err)
		}
		return
	}
	tables := []struct{ table, key string }{
		{"open_right_counts", `org_id, "right", state, channel, due`},
		{"open_task_counts", "org_id, register_id"},
	}
	type state struct {
		rows, keys int
		sig        string
	}
	before := map[string]state{}
	for _, tb := range tables {
		rows, keys, sig := sums(tb.table, tb.key)
		if rows <= keys || keys == 0 {
			t.Fatalf("%s before the sweep: %d rows for %d keys: nothing to fold", tb.table, rows, keys)
		}
		before[tb.table] = state{rows, keys, sig}
	}
	insertAt(t, env, jobargs.Sweep{}, env.Clock.Now())
	env.WorkAll(jobargs.Sweep{}.Kind())
	for _, tb := range tables {
		rows, keys, sig := sums(tb.table, tb.key)
		want := before[tb.table]
		if rows != want.keys || keys != want.keys || sig != want.sig {
			t.Fatalf("%s after the sweep: %d rows, %d keys, sums %q; want %d rows, sums %q", tb.table, rows, keys, sig, want.keys, want.sig)
		}
	}
}
