package workflow_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"testing"

	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// statusMails counts delivered status_code mails.
func (f *fixture) statusMails(t *testing.T) int {
	t.Helper()
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	n := 0
	for _, m := range f.env.Catcher.Messages() {
		if m.Headers.Get("X-Rightsdesk-Kind") == "status_code" {
			n++
		}
	}
	return n
}

var statusCodeRe = regexp.MustCompile(`(?m)^\s+(\d{6})\s*$`)

// statusCode delivers queued mail and reads the newest status code sent
// to to (the mail also names the receipt, whose digits are no code).
func (f *fixture) statusCode(t *testing.T, to string) string {
	t.Helper()
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	for _, m := range f.env.Catcher.Messages() {
		if slices.Contains(m.To, to) && m.Headers.Get("X-Rightsdesk-Kind") == "status_code" {
			if c := statusCodeRe.FindStringSubmatch(m.Text); c != nil {
				return c[1]
			}
		}
	}
	t.Fatalf("no status code mail to %s", to)
	return ""
}

// confirmed files and confirms a web request and returns its receipt.
func (f *fixture) confirmed(t *testing.T) (int64, string) {
	t.Helper()
	ctx := context.Background()
	sub, err := f.env.Workflow.SubmitWeb(ctx, f.org, f.request("access"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, f.codeFrom(t, "maija@example.test"))
	if err != nil {
		t.Fatal(err)
	}
	return sub.CaseID, res.Receipt
}

// The status code: mailed only for a real case of the organisation, only
// its keyed hash stored, five wrong tries lock it, a right one shows the
// status once and audits status_viewed.
func TestStatusCode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	caseID, receipt := f.confirmed(t)
	wf := f.env.Workflow

	// Unknown receipt and another organisation's receipt: no mail, and
	// no code works.
	other := f.env.Org("toinen", "Toinen kunta", "Annan kommun", "fi")
	for _, tc := range []struct {
		name    string
		org     store.Org
		receipt string
	}{{"unknown", f.org, "RD-2026-999999"}, {"other org", other, receipt}} {
		if err := wf.SendStatusCode(ctx, tc.org, tc.receipt); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if n := f.statusMails(t); n != 0 {
			t.Fatalf("%s: %d status mails", tc.name, n)
		}
		if _, err := wf.CheckStatusCode(ctx, tc.org, tc.receipt, "123456"); !errors.Is(err, workflow.ErrCodeWrong) {
			t.Fatalf("%s: check = %v, want wrong", tc.name, err)
		}
	}

	if err := wf.SendStatusCode(ctx, f.org, " "+receipt+" "); err != nil {
		t.Fatal(err)
	}
	if n := f.statusMails(t); n != 1 {
		t.Fatalf("status mails = %d, want 1", n)
	}
	code := f.statusCode(t, "maija@example.test")
	var stored int
	if err := f.env.Pool.QueryRow(ctx, `SELECT count(*) FROM status_codes WHERE case_id = $1 AND length(code_hash) = 32 AND code_hash <> convert_to($2, 'UTF8')`,
		caseID, code).Scan(&stored); err != nil || stored != 1 {
		t.Fatalf("status code row: %d %v", stored, err)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 1; i <= workflow.MaxStatusAttempts; i++ {
		left, err := wf.CheckStatusCode(ctx, f.org, receipt, wrong)
		want := workflow.ErrCodeWrong
		if i == workflow.MaxStatusAttempts {
			want = workflow.ErrCodeLocked
		}
		if !errors.Is(err, want) || left != workflow.MaxStatusAttempts-i {
			t.Fatalf("try %d: %d %v", i, left, err)
		}
	}
	if _, err := wf.CheckStatusCode(ctx, f.org, receipt, code); !errors.Is(err, workflow.ErrCodeLocked) {
		t.Fatalf("right code after lock: %v", err)
	}

	// A new code; expired after 15 minutes.
	if err := wf.SendStatusCode(ctx, f.org, receipt); err != nil {
		t.Fatal(err)
	}
	code = f.statusCode(t, "maija@example.test")
	f.env.Clock.Advance(workflow.StatusCodeTTL + 1)
	if _, err := wf.CheckStatusCode(ctx, f.org, receipt, code); !errors.Is(err, workflow.ErrCodeExpired) {
		t.Fatalf("expired: %v", err)
	}

	if err := wf.SendStatusCode(ctx, f.org, receipt); err != nil {
		t.Fatal(err)
	}
	code = f.statusCode(t, "maija@example.test")
	if _, err := wf.CheckStatusCode(ctx, f.org, receipt, code); err != nil {
		t.Fatalf("right code: %v", err)
	}
	if _, err := wf.CheckStatusCode(ctx, f.org, receipt, code); !errors.Is(err, workflow.ErrCodeExpired) {
		t.Fatalf("code used twice: %v", err)
	}
	st, err := wf.StatusOf(ctx, f.org, receipt)
	if err != nil {
		t.Fatal(err)
	}
	c := f.caseRow(t, caseID)
	if st.Receipt != receipt || string(st.State) != c.State || st.Due.LegalDue != workflow.DueOf(c, workflow.CalendarFor(f.org), f.env.Clock.Now()).LegalDue {
		t.Fatalf("status %+v", st)
	}
	events, err := store.New(f.env.Pool).AuditTrail(ctx, f.org.ID, caseID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(events, func(e store.AuditEvent) bool { return e.Action == "status_viewed" }) {
		t.Fatal("no status_viewed audit event")
	}
}

// The status page counts registers, not tasks: a register asked for access
// and rectification has two tasks but is one register, answered when both
// are (it said "0 of 4 registers" for two, found in a walkthrough).
func TestStatusCountsRegistersNotTasks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	wf := f.env.Workflow
	sub, err := wf.SubmitWeb(ctx, f.org, f.request("access", "rectification"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := wf.ConfirmCode(ctx, f.org, sub.CaseID, f.codeFrom(t, "maija@example.test"))
	if err != nil {
		t.Fatal(err)
	}
	var regs, tasks int
	if err := f.env.Pool.QueryRow(ctx, `SELECT count(DISTINCT register_id), count(*) FROM tasks WHERE case_id = $1`, sub.CaseID).Scan(&regs, &tasks); err != nil {
		t.Fatal(err)
	}
	if regs == 0 || tasks != 2*regs {
		t.Fatalf("%d tasks on %d registers, want two a register", tasks, regs)
	}
	status := func(step string, answered int) {
		t.Helper()
		st, err := wf.StatusOf(ctx, f.org, res.Receipt)
		if err != nil {
			t.Fatal(err)
		}
		if st.RegistersTotal != regs || st.RegistersAnswered != answered {
			t.Errorf("%s: %d of %d registers answered, want %d of %d", step, st.RegistersAnswered, st.RegistersTotal, answered, regs)
		}
	}
	// Registers already answered (RB-1 may answer a right by itself) count
	// from the start.
	var before int
	if err := f.env.Pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT register_id FROM tasks WHERE case_id = $1
		GROUP BY register_id HAVING bool_and(state = 'answered')) r`, sub.CaseID).Scan(&before); err != nil {
		t.Fatal(err)
	}
	status("as routed", before)
	answer := func(right string) {
		t.Helper()
		if _, err := f.env.Pool.Exec(ctx, `UPDATE tasks SET state = 'answered' WHERE case_id = $1 AND "right" = $2
			AND register_id = (SELECT min(register_id) FROM tasks WHERE case_id = $1 AND state <> 'answered')`, sub.CaseID, right); err != nil {
			t.Fatal(err)
		}
	}
	answer("access")
	status("one of a register's two tasks", before)
	answer("rectification")
	status("both tasks of one register", before+1)
}
