package migrations_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/pgtest"
	"rightsdesk/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func tableExists(t *testing.T, pool *pgxpool.Pool, name string) bool {
	t.Helper()
	var ok bool
	if err := pool.QueryRow(context.Background(), `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

func applied(t *testing.T, pool *pgxpool.Pool) []int {
	t.Helper()
	st, err := migrations.List(context.Background(), pool)
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, s := range st {
		if s.Applied {
			out = append(out, s.Version)
		}
	}
	return out
}

// The runner goes up, all the way down and up again, and every step's
// tables appear and disappear with it.
func TestUpDownUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t) // already migrated up
	all, err := migrations.All()
	if err != nil {
		t.Fatal(err)
	}
	if got := applied(t, pool); len(got) != len(all) {
		t.Fatalf("after up: applied %v, want all %d", got, len(all))
	}
	if err := migrations.Current(ctx, pool); err != nil {
		t.Fatalf("Current after up: %v", err)
	}
	for _, tbl := range []string{"organisations", "cases", "tasks", "audit_events", "outbox", "river_job"} {
		if !tableExists(t, pool, tbl) {
			t.Fatalf("table %s missing after up", tbl)
		}
	}

	// One step down removes only the newest migration.
	if err := migrations.Down(ctx, pool, 1); err != nil {
		t.Fatalf("down 1: %v", err)
	}
	if got := applied(t, pool); len(got) != len(all)-1 {
		t.Fatalf("after down 1: applied %v", got)
	}
	if err := migrations.Current(ctx, pool); err == nil {
		t.Fatal("Current should report a pending migration")
	}

	// All the way down: nothing of ours nor River's is left.
	if err := migrations.Down(ctx, pool, len(all)); err != nil {
		t.Fatalf("down all: %v", err)
	}
	if got := applied(t, pool); len(got) != 0 {
		t.Fatalf("after down all: applied %v", got)
	}
	for _, tbl := range []string{"organisations", "cases", "river_job"} {
		if tableExists(t, pool, tbl) {
			t.Fatalf("table %s still exists after down", tbl)
		}
	}

	// And up again, twice (the second run is a no-op).
	for i := 0; i < 2; i++ {
		if err := migrations.Up(ctx, pool); err != nil {
			t.Fatalf("up again (%d): %v", i, err)
		}
	}
	if got := applied(t, pool); len(got) != len(all) {
		t.Fatalf("after up again: applied %v", got)
	}
	if !tableExists(t, pool, "river_job") {
		t.Fatal("River's tables missing after up again")
	}
}

func TestEveryMigrationHasUpAndDown(t *testing.T) {
	t.Parallel()
	all, err := migrations.All()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range all {
		if m.Version != i+1 || m.Up == "" || m.Down == "" || m.Name == "" {
			t.Errorf("migration %d: %+v", i, m.Version)
		}
	}
}

// The audit log is append-only: an UPDATE is refused by the database.
func TestAuditEventsAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	var orgID int64
	if err := pool.QueryRow(ctx, `INSERT INTO organisations (slug, name_fi, name_sv) VALUES ('x', 'X', 'X') RETURNING id`).Scan(&orgID); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO audit_events (org_id, seq, at, actor, action, prev_hash, hash) VALUES ($1, 1, now(), 'system', 'x', '\x00', '\x00')`, orgID); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE audit_events SET action = 'y'`); err == nil {
		t.Fatal("UPDATE of audit_events succeeded")
	}
}

// Migration 045: two organisations sharing a privacy address (the address
// routes emailed requests) stop the upgrade with a message that says
// what to do, and once each has its own no write can share one again,
// whatever the case of its letters.
func TestPrivacyAddressUniqueMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := migrations.To(ctx, pool, 44); err != nil {
		t.Fatal(err)
	}
	add := func(slug, addr string) error {
		_, err := pool.Exec(ctx, `INSERT INTO organisations (slug, name_fi, name_sv, primary_lang, privacy_email)
			VALUES ($1, $1, $1, 'fi', $2)`, slug, addr)
		return err
	}
	for slug, addr := range map[string]string{"aa": "kirjaamo@aa.test", "bb": "Kirjaamo@AA.test", "cc": ""} {
		if err := add(slug, addr); err != nil {
			t.Fatal(err)
		}
	}
	err := migrations.To(ctx, pool, 45)
	if err == nil || !strings.Contains(err.Error(), "two organisations share the privacy address kirjaamo@aa.test") || !strings.Contains(err.Error(), "org set") {
		t.Fatalf("045 over a shared address: %v", err)
	}
	if _, err := pool.Exec(ctx, `UPDATE organisations SET privacy_email = 'kirjaamo@bb.test' WHERE slug = 'bb'`); err != nil {
		t.Fatal(err)
	}
	if err := migrations.To(ctx, pool, 45); err != nil {
		t.Fatalf("045 once each has its own: %v", err)
	}
	if err := add("dd", "KIRJAAMO@bb.test"); err == nil {
		t.Error("a fourth organisation took bb's address in capitals")
	}
	if err := add("ee", ""); err != nil {
		t.Errorf("a second organisation without an address: %v", err)
	}
}

// Every reference to a case or a task is the leading column of an index:
// pages and jobs read a case's rows by it, and a purged case's delete
// sets or cascades along it. The outbox had none, and the case page read
// every mail ever sent to list one case's (migration 046).
func TestCaseReferencesAreIndexed(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	rows, err := pool.Query(context.Background(), `
		SELECT c.conrelid::regclass::text || '.' || a.attname
		FROM pg_constraint c
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		WHERE c.contype = 'f' AND c.confrelid IN ('cases'::regclass, 'tasks'::regclass)
		  AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for rows.Next() {
		var col string
		if err := rows.Scan(&col); err != nil {
			t.Fatal(err)
		}
		missing = append(missing, col)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("references without an index leading with them: %s", strings.Join(missing, ", "))
	}
}
