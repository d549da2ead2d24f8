package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/mail"
	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// syncBuffer is a log sink safe for the workers' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Issue 17, D-18: every failed attempt is logged with the outbox id, the
// attempt and the SMTP code and enhanced status, never an address, a
// subject or the server's reply text (which may quote the address). A mail
// that keeps failing temporarily for over 15 minutes is shown with the
// failed ones; "send again" delivers it at once, and the first success
// releases the other waiting mail instead of leaving it to its backoff.
func TestMailFailuresLoggedAndStuckShown(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	var logs syncBuffer
	env.Workflow.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	f := inProgress(t, env, "stuck") // a receipt to p@x.test and a task mail to the owner
	env.Catcher.SetFailure(tempFailure)
	env.WorkAll(jobargs.DeliverMail{}.Kind())
	rows := outbox(t, env)
	if len(rows) != 2 {
		t.Fatalf("outbox rows %d", len(rows))
	}
	out := logs.String()
	for _, r := range rows {
		want := `"outbox":` + strconv.FormatInt(r.ID, 10) + `,"kind":"` + r.Kind + `","attempt":1,"permanent":false,"stage":"RCPT","smtp_code":451,"enhanced_status":"4.3.0"`
		if !strings.Contains(out, want) {
			t.Errorf("no log line %s in:\n%s", want, out)
		}
	}
	for _, secret := range []string{"p@x.test", ownerEmail, "Try again later", f.receipt, "Asiakasrekisteri"} {
		if strings.Contains(out, secret) {
			t.Errorf("log carries %q:\n%s", secret, out)
		}
	}
	// River keeps each attempt's error in plain text in river_job.errors
	// (and so in backups): the stage and codes, never the reply text.
	var jobErrs string
	if err := env.Pool.QueryRow(ctx, `SELECT coalesce(string_agg(errors::text, ' '), '') FROM river_job WHERE kind = $1`, jobargs.DeliverMail{}.Kind()).Scan(&jobErrs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(jobErrs, "451 4.3.0") {
		t.Errorf("the jobs' errors do not say what failed: %s", jobErrs)
	}
	for _, secret := range []string{"p@x.test", ownerEmail, "Try again later"} {
		if strings.Contains(jobErrs, secret) {
			t.Errorf("river_job.errors carries %q: %s", secret, jobErrs)
		}
	}
	if failed, err := env.Workflow.FailedMail(ctx, []int64{f.org.ID}); err != nil || len(failed) != 0 {
		t.Fatalf("shown before 15 minutes: %d (%v)", len(failed), err)
	}

	// 16 minutes of failing retries.
	for range 4 {
		env.Clock.Advance(4 * time.Minute)
		env.WorkAll(jobargs.DeliverMail{}.Kind())
	}
	failed, err := env.Workflow.FailedMail(ctx, []int64{f.org.ID})
	if err != nil || len(failed) != 2 {
		t.Fatalf("stuck mail shown: %d (%v)", len(failed), err)
	}
	var task int64
	for _, m := range failed {
		if m.State != "pending" || m.Receipt != f.receipt || !strings.Contains(m.LastError, "451") {
			t.Errorf("stuck mail %+v", m)
		}
		if m.Kind == "task" {
			task = m.ID
		}
	}
	if strings.Count(logs.String(), `"outbox":`+strconv.FormatInt(task, 10)+`,`) < 4 {
		t.Errorf("not every attempt logged:\n%s", logs.String())
	}

	// Healed; the next retries are minutes away. "Send again" on one mail
	// delivers it now, and its success releases the other.
	env.Catcher.SetFailure(nil)
	if err := env.Workflow.RetryMail(ctx, f.org, task, workflow.StaffActor(1)); err != nil {
		t.Fatal(err)
	}
	env.WorkAll(jobargs.DeliverMail{}.Kind())
	caughtOnce(t, env)
	if failed, _ := env.Workflow.FailedMail(ctx, []int64{f.org.ID}); len(failed) != 0 {
		t.Errorf("still shown after delivery: %d", len(failed))
	}
	env.Clock.Advance(10 * time.Minute) // the old retry jobs find their rows sent
	env.WorkAll(jobargs.DeliverMail{}.Kind())
	caughtOnce(t, env)
}

// blockingSender stands for a hung SMTP server: Send waits until released.
type blockingSender struct {
	started chan struct{}
	release chan error
}

func (b *blockingSender) Send(ctx context.Context, _ string, _ []string, _ []byte) error {
	close(b.started)
	select {
	case err := <-b.release:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Issue 17: no database transaction (nor row lock) is held during the
// SMTP conversation: a hung server cannot exhaust the pool or block other
// work on the row. The claim keeps a second delivery of the same row off
// it until the first ends.
func TestMailDeliveryHoldsNoTransactionAcrossSMTP(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	inProgress(t, env, "hung")
	rows := outbox(t, env)
	id := rows[0].ID
	bs := &blockingSender{started: make(chan struct{}), release: make(chan error)}
	done := make(chan error, 1)
	go func() { done <- env.Workflow.DeliverMail(ctx, id, bs, false) }()
	<-bs.started

	var idleInTx int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND state LIKE 'idle in transaction%'`).Scan(&idleInTx); err != nil {
		t.Fatal(err)
	}
	if idleInTx != 0 {
		t.Errorf("%d transactions open during the SMTP conversation", idleInTx)
	}
	err := pgx.BeginFunc(ctx, env.Pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SELECT id FROM outbox WHERE id = $1 FOR UPDATE NOWAIT`, id)
		return err
	})
	if err != nil {
		t.Errorf("the row is locked during the SMTP conversation: %v", err)
	}
	var busy *workflow.MailBusyError
	if err := env.Workflow.DeliverMail(ctx, id, env.Sender, false); !errors.As(err, &busy) {
		t.Errorf("second delivery of a claimed row: %v", err)
	}

	bs.release <- &mail.SendError{Stage: mail.StageData, Code: 451, EnhancedCode: "4.4.2", Temp: true, Err: errors.New("timeout")}
	if err := <-done; err == nil || errors.Is(err, workflow.ErrMailPermanent) {
		t.Fatalf("hung delivery: %v", err)
	}
	after := outbox(t, env)[0]
	if after.State != "pending" || after.Attempts != 1 {
		t.Errorf("after the failed attempt: %+v", after)
	}
	// The claim is released: the next try sends it.
	if err := env.Workflow.DeliverMail(ctx, id, env.Sender, false); err != nil {
		t.Fatal(err)
	}
	if n := len(env.Catcher.Messages()); n != 1 {
		t.Errorf("%d messages after the retry", n)
	}
}

// The mail job's timeout bounds a delivery, and River rescues a crashed
// one soon after it (not after an hour): the claim has expired by then,
// so the rescued job sends.
func TestMailJobTimeoutAndRescue(t *testing.T) {
	t.Parallel()
	if workflow.MailJobTimeout > 2*time.Minute || workflow.MailRescueAfter <= workflow.MailJobTimeout || workflow.MailRescueAfter > 5*time.Minute {
		t.Errorf("job timeout %v, rescue after %v", workflow.MailJobTimeout, workflow.MailRescueAfter)
	}
	env := testenv.New(t)
	ctx := context.Background()
	inProgress(t, env, "crash")
	id := outbox(t, env)[0].ID
	// A delivery claimed the row and died (kill -9) before recording.
	bs := &blockingSender{started: make(chan struct{}), release: make(chan error)}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- env.Workflow.DeliverMail(cctx, id, bs, false) }()
	<-bs.started
	if _, err := env.Pool.Exec(ctx, `UPDATE outbox SET claimed_until = $2 WHERE id = $1`, id, env.Clock.Now().Add(workflow.MailJobTimeout+15*time.Second)); err != nil {
		t.Fatal(err)
	}
	var busy *workflow.MailBusyError
	if err := env.Workflow.DeliverMail(ctx, id, env.Sender, false); !errors.As(err, &busy) {
		t.Fatalf("while claimed: %v", err)
	}
	cancel()
	<-done
	// Recorded as a failed attempt (context cancelled): claim gone. Claim
	// it again as a crashed worker would have left it.
	if _, err := env.Pool.Exec(ctx, `UPDATE outbox SET claimed_until = $2 WHERE id = $1`, id, env.Clock.Now().Add(workflow.MailJobTimeout+15*time.Second)); err != nil {
		t.Fatal(err)
	}
	env.Clock.Advance(workflow.MailRescueAfter) // River's rescuer hands the job out again
	if err := env.Workflow.DeliverMail(ctx, id, env.Sender, false); err != nil {
		t.Fatalf("rescued delivery: %v", err)
	}
	if n := len(env.Catcher.Messages()); n != 1 {
		t.Errorf("%d messages after rescue", n)
	}
}

// D-14, issue 17: a mail sent after a failed attempt is recorded as sent
// even when releasing the other mails waiting for a retry fails. The
// release shared the sent mark's transaction: its failure (it updates
// River's jobs, which River's own statements lock too) undid the mark,
// River retried the job, and the mail went out twice, as a fault test saw
// under load. Here the release is made to fail by a trigger.
func TestMailSentRecordSurvivesAFailedRelease_D14(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	inProgress(t, env, "release")
	first := outbox(t, env)[0]
	id := first.ID
	env.Catcher.SetFailure(tempFailure)
	if err := env.Workflow.DeliverMail(ctx, id, env.Sender, false); !errors.Is(err, workflow.ErrMailSend) {
		t.Fatalf("delivery while the server refuses: %v", err)
	}
	env.Catcher.SetFailure(nil)
	// Another mail waits for its retry, and nothing may release it.
	if _, err := env.Pool.Exec(ctx, `
		INSERT INTO river_job (kind, args, state, queue, priority, max_attempts, scheduled_at)
		VALUES ('deliver_mail', '{"outbox_id": 0}', 'retryable', 'default', 1, 25, now() + interval '1 hour')`); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, `
		CREATE FUNCTION release_fails() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'the release fails'; END $$;
		CREATE TRIGGER release_fails BEFORE UPDATE ON river_job FOR EACH ROW EXECUTE FUNCTION release_fails()`); err != nil {
		t.Fatal(err)
	}
	if err := env.Workflow.DeliverMail(ctx, id, env.Sender, false); err != nil {
		t.Fatalf("delivery once the server accepts again: %v (River would send it again)", err)
	}
	if r := outbox(t, env)[0]; r.State != "sent" {
		t.Fatalf("the row after its mail went out is %q, want sent", r.State)
	}
	if err := env.Workflow.DeliverMail(ctx, id, env.Sender, false); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range env.Catcher.Messages() {
		if m.MessageID == first.MessageID {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the mail arrived %d times, want once", n)
	}
}
