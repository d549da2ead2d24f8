package store_test

import (
	"testing"
	"time"

	"rightsdesk/internal/store"
)

// Deleting a case's data costs the same with a million cases as with ten
// (issue 21; D-28's retention purge and the hourly purge of unconfirmed
// requests take one at a time, for years): every statement of both is
// found by an index. The outbox's "case_id = $1 OR task_id IN (SELECT ...)"
// was not: beside the OR the IN became a hashed subplan, and each purged
// case read every mail ever sent, though migration 046 indexes both.
func TestPurgeUsesIndexes(t *testing.T) {
	t.Parallel()
	f := newIntakeFixture(t)
	q := store.New(f.pool)
	in := f.intake(t, q, "")
	if err := q.InsertIntake(f.ctx, in); err != nil {
		t.Fatal(err)
	}
	closed := time.Date(2027, 1, 4, 12, 0, 0, 0, time.UTC)
	if _, err := f.pool.Exec(f.ctx, `UPDATE cases SET state = 'closed', answered_at = $2, closed_at = $2 WHERE id = $1`,
		in.Case.ID, closed); err != nil {
		t.Fatal(err)
	}

	f.rec.take()
	tx, err := f.pool.Begin(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(f.ctx)
	if _, done, err := store.New(tx).PurgeCase(f.ctx, in.Case.ID, closed.AddDate(50, 0, 0)); err != nil || !done {
		t.Fatalf("PurgeCase: done %v, %v", done, err)
	}
	if err := tx.Commit(f.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := q.DeleteUnconfirmed(f.ctx, closed); err != nil {
		t.Fatal(err)
	}
	stmts := f.rec.take()
	if len(stmts) < 20 {
		t.Fatalf("recorded %d statements, want both purges whole", len(stmts))
	}
	assertIndexed(t, f.ctx, f.pool, stmts, "the purge")
}
