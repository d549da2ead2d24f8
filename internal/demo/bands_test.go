package demo_test

import (
	"testing"

	"rightsdesk/internal/demo"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
)

// Issue 21: the demo loader copies cases and tasks with the replica role
// (no triggers) when it can, so it rebuilds the maintained count tables
// itself: after two runs in several batches open_due_counts,
// open_right_counts and open_task_counts equal their definitions row for
// row, and a later ordinary change still moves them by the triggers.
func TestGenerateKeepsBandCounts(t *testing.T) {
	env := testenv.New(t)
	ctx := env.Ctx
	org := env.Org("bands", "Bändikaupunki", "Bandstad", "fi")
	env.Register(org.ID, "Asiakasrekisteri", "e", "owner@bands.test")
	for seed := uint64(1); seed <= 2; seed++ {
		if _, err := demo.Generate(ctx, env.Pool, env.Keys, org, demo.Options{Cases: 900, Seed: seed, Now: env.Clock.Now(), Batch: 300}); err != nil {
			t.Fatal(err)
		}
	}
	// Each table's definition and its summed rows, keyed alike.
	tables := []struct{ name, want, got string }{
		{"open_due_counts",
			`SELECT org_id, state, channel, coalesce(urgent_due, extended_due, legal_due) AS due, count(*) AS n
				FROM cases WHERE state = ANY($1) AND (confirmed_at IS NOT NULL OR needs_triage) GROUP BY 1, 2, 3, 4`,
			`SELECT org_id, state, channel, due, sum(n) FROM open_due_counts GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0`},
		{"open_right_counts",
			`SELECT org_id, r, state, channel, coalesce(urgent_due, extended_due, legal_due) AS due, count(*) AS n
				FROM cases, unnest(rights) AS r WHERE state = ANY($1) AND (confirmed_at IS NOT NULL OR needs_triage) GROUP BY 1, 2, 3, 4, 5`,
			`SELECT org_id, "right", state, channel, due, sum(n) FROM open_right_counts GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0`},
		{"open_task_counts",
			`SELECT org_id, register_id, count(*) AS n FROM tasks WHERE state IN ('waiting', 'open') AND cardinality($1::text[]) > 0 GROUP BY 1, 2`,
			`SELECT org_id, register_id, sum(n) FROM open_task_counts GROUP BY 1, 2 HAVING sum(n) <> 0`},
	}
	diff := func() (int, int) {
		t.Helper()
		strays, rows := 0, 0
		for _, tb := range tables {
			var stray, n int
			if err := env.Pool.QueryRow(ctx, `
				WITH want AS (`+tb.want+`), got AS (`+tb.got+`)
				SELECT (SELECT count(*) FROM ((SELECT * FROM want EXCEPT ALL SELECT * FROM got)
					UNION ALL (SELECT * FROM got EXCEPT ALL SELECT * FROM want)) d),
					(SELECT count(*) FROM got)`, store.OpenStates).Scan(&stray, &n); err != nil {
				t.Fatalf("%s: %v", tb.name, err)
			}
			if n == 0 {
				t.Errorf("%s: no rows", tb.name)
			}
			if stray != 0 {
				t.Errorf("%s: %d rows differ from the definition", tb.name, stray)
			}
			strays, rows = strays+stray, rows+n
		}
		return strays, rows
	}
	if stray, rows := diff(); stray != 0 || rows == 0 {
		t.Fatalf("after the demo: %d rows differ from cases, %d rows", stray, rows)
	}
	if _, err := env.Pool.Exec(ctx, `UPDATE cases SET state = 'closed' WHERE org_id = $1 AND state = 'in_progress'`, org.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, `UPDATE tasks SET state = 'cancelled' WHERE org_id = $1 AND state = 'open'`, org.ID); err != nil {
		t.Fatal(err)
	}
	if stray, _ := diff(); stray != 0 {
		t.Fatalf("after closing the cases in progress: %d rows differ from cases", stray)
	}
}
