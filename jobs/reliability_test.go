package jobs_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"rightsdesk/internal/mail"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/jobs"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// outboxRow is what these tests read of an outbox row.
type outboxRow struct {
	ID        int64
	Kind      string
	MessageID string
	State     string
	Attempts  int
	LastError string
}

func outbox(t *testing.T, env *testenv.Env) []outboxRow {
	t.Helper()
	rows, err := env.Pool.Query(context.Background(), `SELECT id, kind, message_id, state, attempts, '' FROM outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[outboxRow])
	if err != nil {
		t.Fatal(err)
	}
	for i := range out { // last_error is sealed: read it through the store
		r, err := store.New(env.Pool).OutboxForUpdate(context.Background(), out[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		out[i].LastError = r.LastError
	}
	return out
}

// caughtOnce checks that every outbox row was delivered exactly once (by
// Message-ID, D-14) and that nothing else arrived.
func caughtOnce(t *testing.T, env *testenv.Env) {
	t.Helper()
	seen := map[string]int{}
	msgs := env.Catcher.Messages()
	for _, m := range msgs {
		seen[m.MessageID]++
	}
	rows := outbox(t, env)
	for _, r := range rows {
		if r.State != "sent" {
			t.Errorf("outbox %d (%s): %s after %d attempts: %s", r.ID, r.Kind, r.State, r.Attempts, r.LastError)
		}
		if seen[r.MessageID] != 1 {
			t.Errorf("outbox %d (%s) arrived %d times", r.ID, r.Kind, seen[r.MessageID])
		}
	}
	if len(msgs) != len(rows) {
		t.Errorf("%d messages caught for %d outbox rows", len(msgs), len(rows))
	}
}

// closedAddr is a local address nobody listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

var (
	tempFailure = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	rcptRefused = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	dataRefused = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Rejected as spam"}
)

// D-14: while the SMTP server is down or answers 4xx, mail waits and is
// retried; when it is back every mail arrives, once.
func TestMailRetriedUntilTheServerIsBack_D14(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		fail func(env *testenv.Env)
		// try makes one delivery attempt of every pending row.
		try  func(t *testing.T, env *testenv.Env)
		heal func(env *testenv.Env)
	}{
		{"451 at RCPT", func(env *testenv.Env) { env.Catcher.SetFailure(tempFailure) },
			func(t *testing.T, env *testenv.Env) { env.WorkAll(jobargs.DeliverMail{}.Kind()) },
			func(env *testenv.Env) { env.Catcher.SetFailure(nil) }},
		{"451 after DATA", func(env *testenv.Env) { env.Catcher.SetDataFailure(tempFailure) },
			func(t *testing.T, env *testenv.Env) { env.WorkAll(jobargs.DeliverMail{}.Kind()) },
			func(env *testenv.Env) { env.Catcher.SetDataFailure(nil) }},
		{"server unreachable", func(*testenv.Env) {},
			func(t *testing.T, env *testenv.Env) {
				mc, err := mail.ParseURL("smtp://" + closedAddr(t))
				if err != nil {
					t.Fatal(err)
				}
				down := mail.NewSender(mc)
				for _, r := range outbox(t, env) {
					err := env.Workflow.DeliverMail(context.Background(), r.ID, down, false)
					if err == nil || errors.Is(err, workflow.ErrMailPermanent) {
						t.Fatalf("delivery to a closed port: %v", err)
					}
				}
			},
			func(*testenv.Env) {}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			env := testenv.New(t)
			inProgress(t, env, "retry") // a receipt and a task mail
			c.fail(env)
			c.try(t, env)
			c.try(t, env)
			if n := len(env.Catcher.Messages()); n != 0 {
				t.Fatalf("%d messages caught while failing", n)
			}
			rows := outbox(t, env)
			if len(rows) != 2 {
				t.Fatalf("outbox rows: %d", len(rows))
			}
			for _, r := range rows {
				if r.State != "pending" || r.Attempts != 2 || r.LastError == "" {
					t.Errorf("outbox %d while failing: %s, %d attempts, %q", r.ID, r.State, r.Attempts, r.LastError)
				}
			}
			c.heal(env)
			env.WorkAll(jobargs.DeliverMail{}.Kind())
			caughtOnce(t, env)
			env.WorkAll(jobargs.DeliverMail{}.Kind())
			caughtOnce(t, env)
		})
	}
}

// D-14: a 5xx fails the row at once (not retried) and the DPO sees it;
// the DPO can queue it again once the cause is fixed. Retries that run
// out fail the row the same way.
func TestMailPermanentFailureIsVisible_D14(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		fail  func(env *testenv.Env)
		heal  func(env *testenv.Env)
		code  string
		setup func(t *testing.T, env *testenv.Env)
	}{
		{"550 at RCPT", func(env *testenv.Env) { env.Catcher.SetFailure(rcptRefused) },
			func(env *testenv.Env) { env.Catcher.SetFailure(nil) }, "550", nil},
		{"554 after DATA", func(env *testenv.Env) { env.Catcher.SetDataFailure(dataRefused) },
			func(env *testenv.Env) { env.Catcher.SetDataFailure(nil) }, "554", nil},
		{"451 on the last attempt", func(env *testenv.Env) { env.Catcher.SetFailure(tempFailure) },
			func(env *testenv.Env) { env.Catcher.SetFailure(nil) }, "451",
			func(t *testing.T, env *testenv.Env) {
				if _, err := env.Pool.Exec(context.Background(), `UPDATE river_job SET max_attempts = 1 WHERE kind = 'deliver_mail'`); err != nil {
					t.Fatal(err)
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			env := testenv.New(t)
			ctx := context.Background()
			f := inProgress(t, env, "fail")
			other := env.Org("other", "Muu", "Annan", "fi")
			if c.setup != nil {
				c.setup(t, env)
			}
			c.fail(env)
			env.WorkAll(jobargs.DeliverMail{}.Kind())
			c.heal(env)
			if n := env.WorkAll(jobargs.DeliverMail{}.Kind()); n != 0 || len(env.Catcher.Messages()) != 0 {
				t.Fatalf("a failed mail was retried: %d jobs, %d messages", n, len(env.Catcher.Messages()))
			}
			for _, r := range outbox(t, env) {
				if r.State != "failed" || r.Attempts != 1 || !strings.Contains(r.LastError, c.code) {
					t.Errorf("outbox %d: %s, %d attempts, %q", r.ID, r.State, r.Attempts, r.LastError)
				}
			}
			for _, j := range jobsOf(t, env, "deliver_mail") {
				if j.State != "cancelled" && j.State != "discarded" {
					t.Errorf("deliver job %d: %s", j.ID, j.State)
				}
			}

			failed, err := env.Workflow.FailedMail(ctx, []int64{f.org.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(failed) != 2 {
				t.Fatalf("failed mails shown: %d", len(failed))
			}
			var task store.FailedMail
			for _, m := range failed {
				if m.Receipt != f.receipt || !strings.Contains(m.LastError, c.code) || m.Subject == "" {
					t.Errorf("failed mail %+v", m)
				}
				if m.Kind == "task" {
					task = m
				}
			}
			if task.To != ownerEmail {
				t.Fatalf("failed task mail %+v", task)
			}
			if others, err := env.Workflow.FailedMail(ctx, []int64{other.ID}); err != nil || len(others) != 0 {
				t.Errorf("another organisation sees %d failed mails (%v)", len(others), err)
			}
			if err := env.Workflow.RetryMail(ctx, other, task.ID, workflow.StaffActor(2)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("retry by another organisation: %v", err)
			}

			if err := env.Workflow.RetryMail(ctx, f.org, task.ID, workflow.StaffActor(1)); err != nil {
				t.Fatal(err)
			}
			env.WorkAll(jobargs.DeliverMail{}.Kind())
			got := mailsOf(env, "task", ownerEmail)
			if len(got) != 1 || len(env.Catcher.Messages()) != 1 {
				t.Fatalf("after retry: %d task mails, %d messages", len(got), len(env.Catcher.Messages()))
			}
			if err := env.Workflow.RetryMail(ctx, f.org, task.ID, workflow.StaffActor(1)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("retrying a sent mail: %v", err)
			}
			if n := f.audits(t, "mail_requeued"); n != 1 {
				t.Errorf("mail_requeued events: %d", n)
			}
			if failed, _ := env.Workflow.FailedMail(ctx, []int64{f.org.ID}); len(failed) != 1 {
				t.Errorf("failed mails after the retry: %d", len(failed))
			}
		})
	}
}

// startWorkers starts a River client with every worker on env's database,
// as a freshly started process would; it is stopped at cleanup.
func startWorkers(t *testing.T, env *testenv.Env) *river.Client[pgx.Tx] {
	t.Helper()
	c, err := jobs.NewClient(env.Pool, jobs.Workers(jobs.Deps{Workflow: env.Workflow, Sender: env.Sender, Logger: env.Logger}),
		jobs.Options{Workers: 4, FetchCooldown: 5 * time.Millisecond}, env.Logger)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			t.Errorf("stopping River: %v", err)
		}
	})
	return c
}

// waitUntil polls cond (bounded; nothing here sleeps for a deadline).
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

// D-14: the process dies after committing a change and before sending its
// mail. The outbox row and its job were committed together, so the next
// worker process to start delivers it.
func TestMailSurvivesACrashBetweenCommitAndSend_D14(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	env.Clock.Set(time.Now()) // real River workers run on real time
	inProgress(t, env, "crash")
	rows := outbox(t, env)
	if len(rows) != 2 {
		t.Fatalf("committed mails: %d", len(rows))
	}
	// No worker ran: nothing was sent.
	if n := len(env.Catcher.Messages()); n != 0 {
		t.Fatalf("sent without workers: %d", n)
	}
	c := startWorkers(t, env)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, r := range rows {
		if _, err := env.Catcher.WaitFor(ctx, func(m mail.Caught) bool { return m.MessageID == r.MessageID }); err != nil {
			t.Fatalf("outbox %d not delivered by the new process: %v", r.ID, err)
		}
	}
	waitUntil(t, 30*time.Second, "rows marked sent", func() bool {
		for _, r := range outbox(t, env) {
			if r.State != "sent" {
				return false
			}
		}
		return true
	})
	sctx, scancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer scancel()
	if err := c.Stop(sctx); err != nil {
		t.Fatal(err)
	}
	caughtOnce(t, env)
}

// Two worker processes on one database: every mail and every reminder is
// sent exactly once, even when a reminder's job was inserted twice (a
// sweep racing a transition).
func TestTwoWorkerProcessesSendEachOnce(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	env.Clock.Set(time.Now())
	org := env.Org("twice", "Kaksoiskunta", "Dubbelby", "fi")
	env.Register(org.ID, "Asiakasrekisteri", "c", ownerEmail)
	const n = 10
	var cases []fix
	for range n {
		cases = append(cases, enter(t, env, org, env.Clock.Now()))
	}
	now := time.Now()
	for _, f := range cases {
		args := jobargs.TaskReminder{TaskID: f.taskID, Due: f.target(t), DaysBef: 5}
		for range 2 {
			if _, err := env.River.Insert(ctx, args, &river.InsertOpts{ScheduledAt: now}); err != nil {
				t.Fatal(err)
			}
		}
	}
	startWorkers(t, env)
	startWorkers(t, env)
	want := 2*n + n // receipt and task mail per case, one reminder per task
	waitUntil(t, 90*time.Second, "every mail sent", func() bool {
		sent := 0
		for _, r := range outbox(t, env) {
			if r.State == "sent" {
				sent++
			}
		}
		return sent >= want && len(env.Catcher.Messages()) >= want
	})
	waitUntil(t, 30*time.Second, "every reminder job finished", func() bool {
		for _, j := range jobsOf(t, env, "task_reminder") {
			if j.State != "completed" && j.ScheduledAt.Before(now.Add(time.Second)) {
				return false
			}
		}
		return true
	})
	caughtOnce(t, env)
	if got := len(outbox(t, env)); got != want {
		t.Errorf("outbox rows: %d, want %d", got, want)
	}
	if got := len(mailsOf(env, "reminder", ownerEmail)); got != n {
		t.Errorf("reminders: %d, want %d", got, n)
	}
	for _, f := range cases {
		if got := f.audits(t, "task_reminded"); got != 1 {
			t.Errorf("case %s: %d task_reminded events", f.receipt, got)
		}
	}
}
