package demo_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/demo"
	"rightsdesk/internal/testenv"
)

// indexSnapshot lists every index of the schema: table, name, definition
// (pg_get_indexdef) and whether it is valid.
func indexSnapshot(t *testing.T, ctx context.Context, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(ctx, `
		SELECT format('%s %s %s valid=%s', x.tablename, x.indexname, x.indexdef, i.indisvalid)
		FROM pg_indexes x JOIN pg_index i ON i.indexrelid = format('%I.%I', x.schemaname, x.indexname)::regclass
		WHERE x.schemaname = current_schema() ORDER BY x.tablename, x.indexname`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameIndexes(t *testing.T, ctx context.Context, pool *pgxpool.Pool, before []string, when string) {
	t.Helper()
	after := indexSnapshot(t, ctx, pool)
	if !slices.Equal(before, after) {
		for _, s := range before {
			if !slices.Contains(after, s) {
				t.Errorf("%s: missing %s", when, s)
			}
		}
		for _, s := range after {
			if !slices.Contains(before, s) {
				t.Errorf("%s: new %s", when, s)
			}
		}
		t.Fatalf("%s: %d indexes, %d before", when, len(after), len(before))
	}
	var saved int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM demo_dropped_indexes`).Scan(&saved); err != nil || saved != 0 {
		t.Fatalf("%s: %d saved index definitions left (%v)", when, saved, err)
	}
}

// progressHook calls f (once) when the first progress line about cases
// arrives, that is after the first batch is committed.
type progressHook struct {
	once sync.Once
	f    func()
}

func (p *progressHook) Write(b []byte) (int, error) {
	if strings.Contains(string(b), " cases (") {
		p.once.Do(p.f)
	}
	return len(b), nil
}

// Issue 21: a load with --indexes rebuild drops the secondary indexes of
// the tables it fills (checked during the load) and leaves exactly the
// indexes that were there, by name and definition, all valid, with the
// cases findable through them.
func TestGenerateRebuildsIndexes(t *testing.T) {
	env := testenv.New(t)
	ctx := env.Ctx
	org := env.Org("espoo", "Espoon kaupunki", "Esbo stad", "fi")
	env.Register(org.ID, "Asiakasrekisteri", "e", "owner@espoo.test")
	before := indexSnapshot(t, ctx, env.Pool)
	during := -1
	hook := &progressHook{f: func() { during = len(indexSnapshot(t, ctx, env.Pool)) }}
	rep, err := demo.Generate(ctx, env.Pool, env.Keys, org, demo.Options{Cases: 1500, Seed: 3, Now: env.Clock.Now(), Batch: 500,
		Indexes: demo.IndexesRebuild, Progress: hook})
	if err != nil {
		t.Fatal(err)
	}
	if during < 0 || during > len(before)-6 || rep.Rebuilt != len(before)-during {
		t.Fatalf("%d indexes before, %d during the load, %d rebuilt", len(before), during, rep.Rebuilt)
	}
	sameIndexes(t, ctx, env.Pool, before, "after the load")
	for _, name := range []string{"cases_org_state_urgent", "requesters_email_index", "tasks_case"} {
		if !slices.ContainsFunc(before, func(s string) bool { return strings.Contains(s, " "+name+" ") }) {
			t.Errorf("the test expects index %s among the schema's", name)
		}
	}
	// The rebuilt index answers: the open cases by urgency.
	var n int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM cases WHERE org_id = $1`, org.ID).Scan(&n); err != nil || n != 1500 {
		t.Fatalf("%d cases (%v)", n, err)
	}
}

// Issue 21: whatever stops a load (an interrupt, a failing COPY), the
// indexes are back at the end; a load killed outright leaves their saved
// definitions, and the next run builds them first.
func TestGenerateRestoresIndexes(t *testing.T) {
	env := testenv.New(t)
	org := env.Org("espoo", "Espoon kaupunki", "Esbo stad", "fi")
	env.Register(org.ID, "Asiakasrekisteri", "e", "owner@espoo.test")
	before := indexSnapshot(t, env.Ctx, env.Pool)
	count := func() int {
		var n int
		if err := env.Pool.QueryRow(env.Ctx, `SELECT count(*) FROM cases`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("interrupt", func(t *testing.T) {
		// Ctrl-C: the context ends after the first batch is in.
		ctx, cancel := context.WithCancel(env.Ctx)
		defer cancel()
		_, err := demo.Generate(ctx, env.Pool, env.Keys, org, demo.Options{Cases: 3000, Seed: 1, Now: env.Clock.Now(), Batch: 300,
			Writers: 1, Indexes: demo.IndexesRebuild, Progress: &progressHook{f: cancel}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted load: %v", err)
		}
		if n := count(); n == 0 || n >= 3000 {
			t.Fatalf("interrupted load left %d cases", n)
		}
		sameIndexes(t, env.Ctx, env.Pool, before, "after an interrupted load")
	})

	t.Run("failing COPY", func(t *testing.T) {
		// Cases from the third batch on break a constraint.
		var next int64
		if err := env.Pool.QueryRow(env.Ctx, `SELECT last_value FROM cases_id_seq`).Scan(&next); err != nil {
			t.Fatal(err)
		}
		if _, err := env.Pool.Exec(env.Ctx, fmt.Sprintf(`ALTER TABLE cases ADD CONSTRAINT stop_midway CHECK (id <= %d) NOT VALID`, next+600)); err != nil {
			t.Fatal(err)
		}
		n0 := count()
		_, err := demo.Generate(env.Ctx, env.Pool, env.Keys, org, demo.Options{Cases: 3000, Seed: 2, Now: env.Clock.Now(), Batch: 300,
			Writers: 1, Indexes: demo.IndexesRebuild})
		if err == nil || !strings.Contains(err.Error(), "stop_midway") {
			t.Fatalf("failing load: %v", err)
		}
		if n := count() - n0; n != 600 {
			t.Fatalf("failing load added %d cases, want the two batches before the failure", n)
		}
		if _, err := env.Pool.Exec(env.Ctx, `ALTER TABLE cases DROP CONSTRAINT stop_midway`); err != nil {
			t.Fatal(err)
		}
		sameIndexes(t, env.Ctx, env.Pool, before, "after a failing load")
	})

	t.Run("killed", func(t *testing.T) {
		// What a killed load leaves: dropped indexes, their definitions saved.
		if _, err := env.Pool.Exec(env.Ctx, `
			INSERT INTO demo_dropped_indexes (index_name, table_name, def)
			SELECT indexname, tablename, indexdef FROM pg_indexes
			WHERE indexname IN ('cases_org_state_urgent', 'requesters_email_index')`); err != nil {
			t.Fatal(err)
		}
		if _, err := env.Pool.Exec(env.Ctx, `DROP INDEX cases_org_state_urgent, requesters_email_index`); err != nil {
			t.Fatal(err)
		}
		var progress strings.Builder
		if _, err := demo.Generate(env.Ctx, env.Pool, env.Keys, org, demo.Options{Cases: 10, Seed: 4, Now: env.Clock.Now(),
			Indexes: demo.IndexesKeep, Progress: &progress}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(progress.String(), "rebuilt 2 indexes an interrupted load had dropped") {
			t.Errorf("progress: %q", progress.String())
		}
		sameIndexes(t, env.Ctx, env.Pool, before, "after a run following a killed load")
	})
}

// Issue 21: --indexes auto drops the indexes only for a load at least as
// large as the cases there and with no other client connected (a running
// server's queries and unique checks need them); else it keeps them and
// says why.
func TestGenerateIndexesAuto(t *testing.T) {
	env := testenv.New(t)
	ctx := env.Ctx
	org := env.Org("espoo", "Espoon kaupunki", "Esbo stad", "fi")
	env.Register(org.ID, "Asiakasrekisteri", "e", "owner@espoo.test")
	run := func(cases int) demo.Report {
		t.Helper()
		rep, err := demo.Generate(ctx, env.Pool, env.Keys, org, demo.Options{Cases: cases, Seed: uint64(cases), Now: env.Clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	if rep := run(400); rep.Rebuilt < 6 || !strings.Contains(rep.Indexes, "rebuilt") {
		t.Errorf("empty database, no other client: %q, %d rebuilt", rep.Indexes, rep.Rebuilt)
	}
	if rep := run(100); rep.Rebuilt != 0 || rep.Indexes != "indexes kept: 100 cases are fewer than the 400 there" {
		t.Errorf("small load: %q, %d rebuilt", rep.Indexes, rep.Rebuilt)
	}
	other, err := pgx.Connect(ctx, env.Pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	if rep := run(600); rep.Rebuilt != 0 || rep.Indexes != "indexes kept: 1 other client connection(s) to the database" {
		t.Errorf("beside another client: %q, %d rebuilt", rep.Indexes, rep.Rebuilt)
	}
	if _, err := demo.ParseIndexMode("sometimes"); err == nil {
		t.Error("--indexes sometimes accepted")
	}
}

// Issue 21 (branch demofast): the partial indexes a load keeps are ones
// its rows (almost) never enter, so keeping them costs the load little
// and saves a scan of the whole table each to rebuild them: each exists
// and is partial, and at most 15 % of the demo's rows meet its predicate.
// The other secondary indexes are still dropped and rebuilt.
func TestGenerateKeepsPartialIndexes(t *testing.T) {
	env := testenv.New(t)
	ctx := env.Ctx
	org := env.Org("espoo", "Espoon kaupunki", "Esbo stad", "fi")
	env.Register(org.ID, "Asiakasrekisteri", "e", "owner@espoo.test")
	env.Register(org.ID, "Kirjasto", "e", "owner@espoo.test")
	env.Register(org.ID, "Ilman omistajaa", "e", "") // its tasks go to the DPO's queue
	var dropped []string
	hook := &progressHook{f: func() {
		rows, err := env.Pool.Query(ctx, `SELECT index_name FROM demo_dropped_indexes ORDER BY 1`)
		if err != nil {
			t.Error(err)
			return
		}
		dropped, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Error(err)
		}
	}}
	if _, err := demo.Generate(ctx, env.Pool, env.Keys, org, demo.Options{Cases: 2000, Seed: 5, Now: env.Clock.Now(), Batch: 500,
		Indexes: demo.IndexesRebuild, Progress: hook}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"cases_org_state_urgent", "requesters_email_index", "tasks_case", "audit_heads_unanchored"} {
		if !slices.Contains(dropped, name) {
			t.Errorf("%s was not dropped during the load (dropped: %v)", name, dropped)
		}
	}
	for _, name := range demo.KeptPartial {
		if slices.Contains(dropped, name) {
			t.Errorf("%s was dropped", name)
		}
		var table, pred string
		if err := env.Pool.QueryRow(ctx, `SELECT i.indrelid::regclass::text, coalesce(pg_get_expr(i.indpred, i.indrelid), '')
			FROM pg_index i WHERE i.indexrelid = $1::regclass`, name).Scan(&table, &pred); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if pred == "" {
			t.Fatalf("%s is not partial", name)
		}
		var in, all int
		if err := env.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE `+pred+`), count(*) FROM `+table).Scan(&in, &all); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if all == 0 || in*100 > all*15 {
			t.Errorf("%s: %d of %d rows of %s meet %s", name, in, all, table, pred)
		}
	}
}
