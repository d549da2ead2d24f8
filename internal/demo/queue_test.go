package demo_test

import (
	"testing"

	"rightsdesk/internal/demo"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
)

// Issue 21: the demo loader copies tasks with the replica role (no
// triggers) when it can, so it writes tasks.case_due and case_open itself: after a run
// every task carries its case's dashboard urgency
// coalesce(urgent_due, extended_due, legal_due), the key of the DPO's
// queue, and the queue lists the open tasks of the owner-less register.
func TestGenerateKeepsQueueOrder(t *testing.T) {
	env := testenv.New(t)
	ctx := env.Ctx
	org := env.Org("jono", "Jonokaupunki", "Köstad", "fi")
	env.Register(org.ID, "Asiakasrekisteri", "e", "owner@jono.test")
	env.Register(org.ID, "Tietosuojavastaavan rekisteri", "e", "") // D-11: the DPO's queue
	// One year, not three: states follow age now, and only the recent cases
	// are open (some on a running FI-2 clock, some in the queue).
	if _, err := demo.Generate(ctx, env.Pool, env.Keys, org, demo.Options{Cases: 900, Years: 1, Seed: 3, Now: env.Clock.Now(), Batch: 300}); err != nil {
		t.Fatal(err)
	}
	var tasks, wrong, docs, queued, open, openWrong int
	if err := env.Pool.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE t.case_due IS DISTINCT FROM coalesce(c.urgent_due, c.extended_due, c.legal_due)),
			count(*) FILTER (WHERE t.case_open),
			count(*) FILTER (WHERE t.case_open IS DISTINCT FROM (c.state = ANY($2))),
			count(*) FILTER (WHERE c.urgent_clock LIKE 'fi2%'),
			count(*) FILTER (WHERE t.state = 'open' AND t.owner_email = '')
		FROM tasks t JOIN cases c ON c.id = t.case_id WHERE t.org_id = $1`, org.ID, store.OpenStates).Scan(&tasks, &wrong, &open, &openWrong, &docs, &queued); err != nil {
		t.Fatal(err)
	}
	if tasks == 0 || docs == 0 || queued == 0 {
		t.Fatalf("demo made %d tasks, %d on a running FI-2 clock, %d in the DPO's queue: want some of each", tasks, docs, queued)
	}
	if wrong != 0 {
		t.Fatalf("%d of %d tasks carry another date than their case's urgency", wrong, tasks)
	}
	// tasks.case_open, the unit filter's index (docs/scale.md 25).
	if open == 0 || open == tasks || openWrong != 0 {
		t.Fatalf("%d of %d tasks marked of an open case, %d of them wrongly: want some, not all, none wrong", open, tasks, openWrong)
	}
	q, err := store.New(env.Pool).DPOQueue(ctx, []int64{org.ID})
	if err != nil {
		t.Fatal(err)
	}
	if want := min(queued, 200); len(q) != want {
		t.Fatalf("DPO queue: %d rows, want %d", len(q), want)
	}
}
