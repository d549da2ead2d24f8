package workflow_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// Issue 21 (branch gocost): an intake writes its code mail's River job with
// a plain INSERT in its one batch instead of River's InsertTx. The row must
// be the one InsertTx writes for the same args and options, or River would
// treat the job differently (queue, attempts, state, uniqueness): this
// compares the two, column by column, and breaks when River's defaults or
// the args' InsertOpts change.
func TestIntakeJobRowIsRiversRow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	sub, err := f.env.Workflow.SubmitAPI(ctx, f.org, f.request("access"), workflow.TokenActor("erp"))
	if err != nil {
		t.Fatal(err)
	}
	var outboxID int64
	if err := f.env.Pool.QueryRow(ctx, `SELECT id FROM outbox WHERE case_id = $1 AND kind = 'code'`, sub.CaseID).Scan(&outboxID); err != nil {
		t.Fatal(err)
	}
	const cols = `kind, queue, priority, max_attempts, state::text, metadata::text, tags::text, args::text,
		unique_key IS NULL, unique_states IS NULL, attempt, errors IS NULL, attempted_by IS NULL, finalized_at IS NULL`
	type jobRow struct {
		Kind, Queue                  string
		Priority, MaxAttempts        int
		State, Metadata, Tags, Args  string
		NoUniqueKey, NoUniqueStates  bool
		Attempt                      int
		NoErrors, NoBy, NotFinalized bool
		ScheduledAt                  time.Time
	}
	read := func(q interface {
		QueryRow(context.Context, string, ...any) pgx.Row
	}, id int64) jobRow {
		var r jobRow
		if err := q.QueryRow(ctx, `SELECT `+cols+`, scheduled_at FROM river_job WHERE kind = 'deliver_mail' AND (args->>'outbox_id')::bigint = $1`, id).Scan(
			&r.Kind, &r.Queue, &r.Priority, &r.MaxAttempts, &r.State, &r.Metadata, &r.Tags, &r.Args,
			&r.NoUniqueKey, &r.NoUniqueStates, &r.Attempt, &r.NoErrors, &r.NoBy, &r.NotFinalized, &r.ScheduledAt); err != nil {
			t.Fatalf("job of outbox %d: %v", id, err)
		}
		return r
	}
	ours := read(f.env.Pool, outboxID)
	if !ours.ScheduledAt.Equal(sub.ReceivedAt) {
		t.Errorf("job scheduled at %v, want the receipt time %v", ours.ScheduledAt, sub.ReceivedAt)
	}

	// River's own insert of the same args (with the outbox id swapped back
	// afterwards), rolled back.
	tx, err := f.env.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `DELETE FROM river_job WHERE kind = 'deliver_mail' AND (args->>'outbox_id')::bigint = $1`, outboxID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.Workflow.River.InsertTx(ctx, tx, jobargs.DeliverMail{OutboxID: outboxID}, &river.InsertOpts{ScheduledAt: sub.ReceivedAt}); err != nil {
		t.Fatal(err)
	}
	theirs := read(tx, outboxID)
	if ours != theirs {
		t.Errorf("the intake's job row differs from River's InsertTx row:\n ours   %+v\n theirs %+v", ours, theirs)
	}
}
