package workflow_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// outboxState is one outbox row as the fast-path tests check it.
type outboxState struct {
	State     string
	Attempts  int
	Claimed   bool
	Failed    bool
	MessageID string
}

func outboxOf(t *testing.T, f *fixture, caseID int64) outboxState {
	t.Helper()
	var o outboxState
	if err := f.env.Pool.QueryRow(context.Background(), `SELECT state, attempts, claimed_until IS NOT NULL, first_failed_at IS NOT NULL, message_id
		FROM outbox WHERE case_id = $1 AND kind = 'code'`, caseID).Scan(&o.State, &o.Attempts, &o.Claimed, &o.Failed, &o.MessageID); err != nil {
		t.Fatal(err)
	}
	return o
}

// mailJobOf is the state and due time of a case's code mail job ("" when
// there is none).
func mailJobOf(t *testing.T, f *fixture, caseID int64) (string, time.Time) {
	t.Helper()
	var state string
	var at time.Time
	err := f.env.Pool.QueryRow(context.Background(), `SELECT j.state::text, j.scheduled_at FROM river_job j JOIN outbox o ON o.id = (j.args->>'outbox_id')::bigint
		WHERE j.kind = 'deliver_mail' AND o.case_id = $1 AND o.kind = 'code'`, caseID).Scan(&state, &at)
	if err != nil {
		return "", time.Time{}
	}
	return state, at
}

// Issue 21, D-14: intake code mails sent by the fast path arrive once
// each, with their row's Message-ID, and are recorded in batches: rows
// sent, claims ended; no River job is ever made for them. Running the
// backstop and every job after the claims ran out sends nothing again.
func TestFastMailSendsOnceAndRecords_D14(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	fast := f.env.Workflow.StartFastMail(f.env.Sender, workflow.FastMailOptions{Senders: 3})
	f.env.Workflow.Fast = fast
	const n = 24
	subs := make([]workflow.Submission, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := f.request("access")
			r.Email = fmt.Sprintf("asukas%d@example.test", i)
			var err error
			if subs[i], err = f.env.Workflow.SubmitAPI(ctx, f.org, r, workflow.TokenActor("erp")); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	fast.Close(ctx) // sends what is queued and records it
	if fast.Sent.Load() != n || fast.Released.Load() != 0 {
		t.Fatalf("fast path sent %d, gave back %d; want %d, 0", fast.Sent.Load(), fast.Released.Load(), n)
	}
	byID := map[string]int{}
	for _, m := range f.env.Catcher.Messages() {
		byID[strings.Trim(m.MessageID, "<>")]++
	}
	for i, s := range subs {
		o := outboxOf(t, f, s.CaseID)
		if o.State != "sent" || o.Attempts != 1 || o.Claimed {
			t.Errorf("request %d: outbox %+v, want sent, 1 attempt, no claim", i, o)
		}
		if got := byID[strings.Trim(o.MessageID, "<>")]; got != 1 {
			t.Errorf("request %d: %d mails with its row's Message-ID %s", i, got, o.MessageID)
		}
		if state, _ := mailJobOf(t, f, s.CaseID); state != "" {
			t.Errorf("request %d: a River job was made for it (%s)", i, state)
		}
	}
	if len(f.env.Catcher.Messages()) != n {
		t.Fatalf("%d mails, want %d", len(f.env.Catcher.Messages()), n)
	}
	f.env.Clock.Advance(time.Hour)
	if q, err := f.env.Workflow.RequeueMail(ctx); err != nil || q != 0 {
		t.Fatalf("backstop after the claims ran out: queued %d (%v), want 0", q, err)
	}
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	if got := len(f.env.Catcher.Messages()); got != n {
		t.Fatalf("after the claims ran out and every job ran: %d mails, want %d", got, n)
	}
}

// D-14, issue 21: a process killed after the commit, before the mail went
// out (here: a fast path with no sender, so the mail stays queued), leaves
// the row claimed, with no job; nothing sends it while the claim lasts;
// once it has run out, the periodic backstop (mail_backstop) queues it and
// it is sent once.
func TestFastMailKilledProcessBackstopDelivers_D14(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	fast := f.env.Workflow.StartFastMail(f.env.Sender, workflow.FastMailOptions{Senders: -1})
	f.env.Workflow.Fast = fast
	now := f.env.Clock.Now()
	sub, err := f.env.Workflow.SubmitWeb(ctx, f.org, f.request("access"))
	if err != nil {
		t.Fatal(err)
	}
	fast.Close(ctx) // the "dead" process: its queued mail is dropped
	if o := outboxOf(t, f, sub.CaseID); o.State != "pending" || !o.Claimed {
		t.Fatalf("outbox %+v, want pending and claimed", o)
	}
	if state, _ := mailJobOf(t, f, sub.CaseID); state != "" {
		t.Fatalf("the fast path's row has a job (%s); want none", state)
	}
	var until time.Time
	if err := f.env.Pool.QueryRow(ctx, `SELECT claimed_until FROM outbox WHERE case_id = $1 AND kind = 'code'`, sub.CaseID).Scan(&until); err != nil {
		t.Fatal(err)
	}
	if until.Before(now.Add(time.Minute)) || until.After(now.Add(3*time.Minute)) {
		t.Fatalf("claimed until %s, want %s + about 105 s", until, now)
	}
	f.env.Clock.Set(until.Add(-time.Second))
	if q, err := f.env.Workflow.RequeueMail(ctx); err != nil || q != 0 {
		t.Fatalf("backstop under the live claim: queued %d (%v), want 0", q, err)
	}
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	if n := len(f.env.Catcher.Messages()); n != 0 {
		t.Fatalf("%d mails before the claim ran out", n)
	}
	// A delivery that runs early (another instance, a sweep) finds the
	// claim live and waits; it does not send.
	if err := f.env.Workflow.DeliverMail(ctx, outboxIDOf(t, f, sub.CaseID), f.env.Sender, false); err == nil {
		t.Fatal("a delivery under the live claim did not report the row busy")
	}
	f.env.Clock.Set(until.Add(time.Second))
	if q, err := f.env.Workflow.RequeueMail(ctx); err != nil || q != 1 {
		t.Fatalf("backstop after the claim ran out: queued %d (%v), want 1", q, err)
	}
	if q, err := f.env.Workflow.RequeueMail(ctx); err != nil || q != 0 {
		t.Fatalf("backstop run again: queued %d (%v), want 0 (the row has its job)", q, err)
	}
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	if o := outboxOf(t, f, sub.CaseID); o.State != "sent" || o.Attempts != 1 {
		t.Fatalf("after the backstop: outbox %+v, want sent after 1 attempt", o)
	}
	f.env.Clock.Advance(time.Hour)
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	if n := len(codeMails(f, "maija@example.test")); n != 1 {
		t.Fatalf("%d code mails, want 1", n)
	}
}

func outboxIDOf(t *testing.T, f *fixture, caseID int64) int64 {
	t.Helper()
	var id int64
	if err := f.env.Pool.QueryRow(context.Background(), `SELECT id FROM outbox WHERE case_id = $1 AND kind = 'code'`, caseID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// Issue 17 through the fast path: a mail server that refuses (4xx) costs
// the mail one recorded attempt, its claim ends and a River job is queued
// for it, due at once; the next intakes go through River while the fast path pauses;
// once the server is back River delivers each mail once.
func TestFastMailOutageGivesMailToRiver_issue17(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	fast := f.env.Workflow.StartFastMail(f.env.Sender, workflow.FastMailOptions{Senders: 1})
	f.env.Workflow.Fast = fast
	f.env.Catcher.SetFailure(outage)
	first, err := f.env.Workflow.SubmitWeb(ctx, f.org, f.request("access"))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for fast.Released.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	for time.Now().Before(deadline) { // the release's transaction has committed
		if state, _ := mailJobOf(t, f, first.CaseID); state != "" {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if o := outboxOf(t, f, first.CaseID); o.State != "pending" || o.Attempts != 1 || !o.Failed || o.Claimed {
		t.Fatalf("after a refused send: outbox %+v, want pending, 1 attempt, failing since, no claim", o)
	}
	if state, at := mailJobOf(t, f, first.CaseID); state == "" || at.After(f.env.Clock.Now()) {
		t.Fatalf("River job %s at %s, want due now", state, at)
	}
	r := f.request("access")
	r.Email = "toinen@example.test"
	second, err := f.env.Workflow.SubmitWeb(ctx, f.org, r)
	if err != nil {
		t.Fatal(err)
	}
	if o := outboxOf(t, f, second.CaseID); o.Claimed {
		t.Fatal("an intake during the pause was claimed by the fast path")
	}
	if state, at := mailJobOf(t, f, second.CaseID); state == "" || at.After(f.env.Clock.Now()) {
		t.Fatalf("during the pause: job %s at %s, want due at once (River path)", state, at)
	}
	fast.Close(ctx)
	f.env.Catcher.SetFailure(nil)
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	for _, to := range []string{"maija@example.test", "toinen@example.test"} {
		if n := len(codeMails(f, to)); n != 1 {
			t.Errorf("%s: %d code mails, want 1", to, n)
		}
	}
	if o := outboxOf(t, f, first.CaseID); o.State != "sent" || o.Attempts != 2 {
		t.Errorf("first mail: %+v, want sent after 2 attempts", o)
	}
}

// Issue 21: a full queue sends the mail through River (job due at once,
// row unclaimed), as does a closed fast path.
func TestFastMailFullQueueUsesRiver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	fast := f.env.Workflow.StartFastMail(f.env.Sender, workflow.FastMailOptions{Senders: -1, Queue: 1})
	f.env.Workflow.Fast = fast
	var subs []workflow.Submission
	for i := range 3 {
		r := f.request("access")
		r.Email = fmt.Sprintf("asukas%d@example.test", i)
		s, err := f.env.Workflow.SubmitWeb(ctx, f.org, r)
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, s)
		if i == 1 {
			fast.Close(ctx)
		}
	}
	for i, s := range subs {
		o := outboxOf(t, f, s.CaseID)
		state, at := mailJobOf(t, f, s.CaseID)
		due := !at.After(f.env.Clock.Now())
		if i == 0 && (!o.Claimed || state != "") {
			t.Errorf("first request (queued): claimed %v, job %q; want claimed, with no job", o.Claimed, state)
		}
		if i > 0 && (o.Claimed || state == "" || !due) {
			t.Errorf("request %d (queue full / closed): claimed %v, job %s due %v; want River's job due now", i, o.Claimed, state, due)
		}
	}
}

// ID-2, issue 21: a mail that waited in the queue while its resident asked
// for a new code is not sent; the new code's mail is.
func TestFastMailReplacedCodeNotSent_ID2(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	gate := &gatedSender{next: f.env.Sender, open: make(chan struct{})}
	fast := f.env.Workflow.StartFastMail(gate, workflow.FastMailOptions{Senders: 1})
	f.env.Workflow.Fast = fast
	// The first request's mail holds the only sender at the gate.
	r := f.request("access")
	r.Email = "eka@example.test"
	if _, err := f.env.Workflow.SubmitWeb(ctx, f.org, r); err != nil {
		t.Fatal(err)
	}
	sub, err := f.env.Workflow.SubmitWeb(ctx, f.org, f.request("access"))
	if err != nil {
		t.Fatal(err)
	}
	f.env.Clock.Advance(5 * time.Second) // past fastCodeCheckAfter: the sender checks the code
	if err := f.env.Workflow.ResendCode(ctx, f.org, sub.CaseID); err != nil {
		t.Fatal(err)
	}
	close(gate.open)
	fast.Close(ctx)
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	if n := len(codeMails(f, "maija@example.test")); n != 1 {
		t.Fatalf("%d code mails to the resident who asked for a new code, want 1 (the new one)", n)
	}
	var states []string
	rows, err := f.env.Pool.Query(ctx, `SELECT state FROM outbox WHERE case_id = $1 AND kind = 'code' ORDER BY id`, sub.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		states = append(states, s)
	}
	if fmt.Sprint(states) != "[cancelled sent]" {
		t.Fatalf("code mails of the case: %v, want [cancelled sent]", states)
	}
}

// gatedSender holds every send until open is closed.
type gatedSender struct {
	next workflow.MailSender
	open chan struct{}
}

func (g *gatedSender) Send(ctx context.Context, from string, to []string, msg []byte) error {
	<-g.open
	return g.next.Send(ctx, from, to, msg)
}
