package demo_test

import (
	"testing"
	"time"

	"rightsdesk/internal/demo"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
)

// D-28, docs/scale.md 17: by default the demo spreads its cases over the
// organisation's retention, so that right after a load the retention
// purge's own selection (store.CasesDueForPurge) finds none of its closed
// cases; the spread follows the organisation's setting (3 years here, not
// the shortest 2), and an explicit Years past the retention still gives
// the purge work (what the command warns about).
func TestGenerateDefaultStaysWithinRetention(t *testing.T) {
	env := testenv.New(t)
	ctx := env.Ctx
	q := store.New(env.Pool)
	now := env.Clock.Now()
	two := env.Org("kaksi", "Kaksivuotinen kunta", "Tvååriga kommunen", "fi")
	three := env.Org("kolme", "Kolmivuotinen kunta", "Treåriga kommunen", "fi")
	if _, err := env.Pool.Exec(ctx, `UPDATE organisations SET retention_years = 3 WHERE id = $1`, three.ID); err != nil {
		t.Fatal(err)
	}
	orgs := map[int64]string{}
	for _, o := range []*store.Org{&two, &three} {
		got, err := q.OrgBySlug(ctx, o.Slug)
		if err != nil {
			t.Fatal(err)
		}
		*o = got
		orgs[o.ID] = o.Slug
		env.Register(o.ID, "Asiakasrekisteri", "e", "owner@"+o.Slug+".test")
	}
	if two.RetentionYears != 2 || three.RetentionYears != 3 {
		t.Fatalf("retention %d and %d, want 2 and 3", two.RetentionYears, three.RetentionYears)
	}
	// due lists the organisations of the cases the purge would take now.
	due := func() map[string]int {
		t.Helper()
		ids, err := q.CasesDueForPurge(ctx, now, 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, id := range ids {
			var org int64
			if err := env.Pool.QueryRow(ctx, `SELECT org_id FROM cases WHERE id = $1`, id).Scan(&org); err != nil {
				t.Fatal(err)
			}
			out[orgs[org]]++
		}
		return out
	}

	for _, o := range []store.Org{two, three} {
		rep, err := demo.Generate(ctx, env.Pool, env.Keys, o, demo.Options{Cases: 1500, Seed: 11, Now: now, Batch: 500})
		if err != nil {
			t.Fatal(err)
		}
		if rep.ByState["closed"] == 0 {
			t.Fatalf("%s: no closed cases to keep (%v)", o.Slug, rep.ByState)
		}
		// The whole retention is used: the oldest case was received in its
		// first 90 days, none before it.
		start := now.AddDate(-o.RetentionYears, 0, 0)
		var oldest, oldestClosed time.Time
		if err := env.Pool.QueryRow(ctx, `SELECT min(received_at), min(closed_at) FILTER (WHERE state = 'closed') FROM cases WHERE org_id = $1`,
			o.ID).Scan(&oldest, &oldestClosed); err != nil {
			t.Fatal(err)
		}
		if oldest.Before(start) || oldest.After(start.AddDate(0, 0, 90)) || !oldestClosed.After(start) {
			t.Errorf("%s (retention %d years): oldest received %s, oldest closed %s; want both after %s, the first within 90 days of it",
				o.Slug, o.RetentionYears, oldest, oldestClosed, start)
		}
	}
	if d := due(); len(d) != 0 {
		t.Fatalf("after default demo loads the retention purge would take %v", d)
	}
	// The purge itself, at the same time, purges none of them.
	if n, err := env.Workflow.PurgeExpired(ctx, 10_000); err != nil || n != 0 {
		t.Fatalf("retention purge after the default loads: %d purged, %v", n, err)
	}

	// An explicit spread past the retention is kept as asked: those
	// closed cases are due at once.
	if _, err := demo.Generate(ctx, env.Pool, env.Keys, three, demo.Options{Cases: 1000, Years: 5, Seed: 12, Now: now, Batch: 500}); err != nil {
		t.Fatal(err)
	}
	if d := due(); d["kolme"] == 0 || d["kaksi"] != 0 {
		t.Fatalf("after --years 5 over a 3-year retention the purge would take %v; want some of kolme's, none of kaksi's", d)
	}
}
