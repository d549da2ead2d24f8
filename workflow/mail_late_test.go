package workflow_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"rightsdesk/internal/mail"
	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

var outage = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Service not available"}

// codeMails returns the code mails caught for to, oldest first.
func codeMails(f *fixture, to string) []mail.Caught {
	var out []mail.Caught
	for _, m := range f.env.Catcher.Messages() {
		if slices.Contains(m.To, to) && m.Headers.Get("X-Rightsdesk-Kind") == "code" {
			out = append(out, m)
		}
	}
	slices.Reverse(out) // the catcher lists newest first
	return out
}

// Issue 17, ID-2: after a mail outage longer than the code's 30 minutes,
// the code mail that goes out late still works: its validity counts from
// when it was sent, not from when it was written.
func TestLateCodeMailStillConfirms_ID2(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.env.Catcher.SetFailure(outage)
	sub, err := f.env.Workflow.SubmitWeb(ctx, f.org, f.request("access"))
	if err != nil {
		t.Fatal(err)
	}
	for range 12 { // an hour of failing retries (backoff capped at 5 minutes)
		f.env.WorkAll(jobargs.DeliverMail{}.Kind())
		f.env.Clock.Advance(5 * time.Minute)
	}
	if n := len(f.env.Catcher.Messages()); n != 0 {
		t.Fatalf("%d mails during the outage", n)
	}
	f.env.Catcher.SetFailure(nil)
	sentAt := f.env.Clock.Now()
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	cm := codeMails(f, "maija@example.test")
	if len(cm) != 1 {
		t.Fatalf("%d code mails after the outage", len(cm))
	}
	code := codeRe.FindStringSubmatch(cm[0].Text)[1]
	f.env.Clock.Set(sentAt.Add(25 * time.Minute)) // 85 minutes after the code was made
	if _, err := f.env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, code); err != nil {
		t.Fatalf("the late code: %v", err)
	}
}

// The validity still ends: 30 minutes after the late sending.
func TestLateCodeMailExpiresFromSending_ID2(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.env.Catcher.SetFailure(outage)
	sub, err := f.env.Workflow.SubmitWeb(ctx, f.org, f.request("access"))
	if err != nil {
		t.Fatal(err)
	}
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	f.env.Clock.Advance(40 * time.Minute)
	f.env.Catcher.SetFailure(nil)
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	code := codeRe.FindStringSubmatch(codeMails(f, "maija@example.test")[0].Text)[1]
	f.env.Clock.Advance(31 * time.Minute)
	if _, err := f.env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, code); !errors.Is(err, workflow.ErrCodeExpired) {
		t.Fatalf("31 minutes after sending: %v", err)
	}
}

// A resident who asked for a new code during the outage gets only that
// one when the server is back: the replaced code's mail is not sent (it
// would carry a dead code), and shows as not sent.
func TestReplacedCodeMailNotSent_ID2(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.env.Catcher.SetFailure(outage)
	sub, err := f.env.Workflow.SubmitWeb(ctx, f.org, f.request("access"))
	if err != nil {
		t.Fatal(err)
	}
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	f.env.Clock.Advance(10 * time.Minute)
	if err := f.env.Workflow.ResendCode(ctx, f.org, sub.CaseID); err != nil {
		t.Fatal(err)
	}
	f.env.Catcher.SetFailure(nil)
	f.env.Clock.Advance(5 * time.Minute)
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	cm := codeMails(f, "maija@example.test")
	if len(cm) != 1 {
		t.Fatalf("%d code mails sent, want only the new one", len(cm))
	}
	if _, err := f.env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, codeRe.FindStringSubmatch(cm[0].Text)[1]); err != nil {
		t.Fatalf("the new code: %v", err)
	}
	rows, err := store.New(f.env.Pool).OutboxByCase(ctx, f.org.ID, sub.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, r := range rows {
		if r.Kind == "code" {
			states[r.State]++
		}
	}
	if states["cancelled"] != 1 || states["sent"] != 1 {
		t.Errorf("code mail states %v", states)
	}
}

// "Send again" of a code mail that failed for good: the code it carries
// is valid from the new sending, so the resident can confirm with it.
func TestSendAgainCodeMailValidFromResend_ID2(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.env.Catcher.SetFailure(&smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"})
	sub, err := f.env.Workflow.SubmitWeb(ctx, f.org, f.request("access"))
	if err != nil {
		t.Fatal(err)
	}
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	failed, err := f.env.Workflow.FailedMail(ctx, []int64{f.org.ID})
	if err != nil || len(failed) != 1 || failed[0].State != "failed" {
		t.Fatalf("failed mail: %+v %v", failed, err)
	}
	f.env.Clock.Advance(2 * time.Hour) // the DPO fixes it later
	f.env.Catcher.SetFailure(nil)
	if err := f.env.Workflow.RetryMail(ctx, f.org, failed[0].ID, workflow.StaffActor(1)); err != nil {
		t.Fatal(err)
	}
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	cm := codeMails(f, "maija@example.test")
	if len(cm) != 1 {
		t.Fatalf("%d code mails", len(cm))
	}
	f.env.Clock.Advance(20 * time.Minute)
	if _, err := f.env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, codeRe.FindStringSubmatch(cm[0].Text)[1]); err != nil {
		t.Fatalf("code sent again: %v", err)
	}
}

// Issue 17, identity of what is sent: Message-ID in MAIL_FROM's domain,
// Reply-To with the organisation's privacy address on mail to residents,
// the code only in the body, and the receipt for an emailed request
// threaded to it.
func TestOutgoingMailIdentity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	sub, err := f.env.Workflow.SubmitWeb(ctx, f.org, f.request("access"))
	if err != nil {
		t.Fatal(err)
	}
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	cm := codeMails(f, "maija@example.test")
	if len(cm) != 1 {
		t.Fatalf("%d code mails", len(cm))
	}
	code := codeRe.FindStringSubmatch(cm[0].Text)[1]
	m := cm[0]
	if !strings.HasSuffix(m.MessageID, "@rightsdesk.test>") {
		t.Errorf("Message-ID %q not in MAIL_FROM's domain", m.MessageID)
	}
	if rt := m.Headers.Get("Reply-To"); !strings.Contains(rt, f.org.PrivacyEmail) || f.org.PrivacyEmail == "" {
		t.Errorf("Reply-To %q, want %q", rt, f.org.PrivacyEmail)
	}
	if strings.Contains(m.Subject, code) || strings.Contains(m.Headers.Get("Subject"), code) {
		t.Errorf("code in the subject %q", m.Subject)
	}
	if _, err := f.env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, code); err != nil {
		t.Fatal(err)
	}

	// An emailed request, triaged: its receipt answers the message.
	raw := "From: Anna <anna@example.test>\r\nTo: " + f.org.PrivacyEmail + "\r\nSubject: Pyyntö\r\nMessage-ID: <req-77@mail.example.test>\r\n\r\nPyydän tietoni.\r\n"
	receipt, err := f.env.Workflow.ReceiveEmail(ctx, f.org, workflow.InboundMail{To: f.org.PrivacyEmail, From: "anna@example.test",
		Raw: []byte(raw), ReceivedAt: f.env.Clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := store.New(f.env.Pool).CaseByReceipt(ctx, []int64{f.org.ID}, receipt)
	if err != nil {
		t.Fatal(err)
	}
	r := f.request("access")
	r.Email, r.Hetu = "anna@example.test", ""
	if err := f.env.Workflow.Triage(ctx, f.org, cs.ID, workflow.StaffActor(1), r); err != nil {
		t.Fatal(err)
	}
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	var found bool
	for _, m := range f.env.Catcher.Messages() {
		switch m.Headers.Get("X-Rightsdesk-Kind") {
		case "receipt":
			if !slices.Contains(m.To, "anna@example.test") {
				continue
			}
			found = true
			if m.Headers.Get("In-Reply-To") != "<req-77@mail.example.test>" || m.Headers.Get("References") != "<req-77@mail.example.test>" {
				t.Errorf("receipt not threaded: In-Reply-To %q References %q", m.Headers.Get("In-Reply-To"), m.Headers.Get("References"))
			}
			if !strings.Contains(m.Headers.Get("Reply-To"), f.org.PrivacyEmail) {
				t.Errorf("receipt Reply-To %q", m.Headers.Get("Reply-To"))
			}
		case "task", "triage_needed":
			if m.Headers.Get("Reply-To") != "" {
				t.Errorf("%s mail to staff has Reply-To %q", m.Headers.Get("X-Rightsdesk-Kind"), m.Headers.Get("Reply-To"))
			}
		}
		if !strings.HasSuffix(m.MessageID, "@rightsdesk.test>") {
			t.Errorf("Message-ID %q", m.MessageID)
		}
	}
	if !found {
		t.Error("no receipt for the emailed request")
	}
}

// Issue 21: a code mail sent on time does not rewrite its case (no new row
// version for a few seconds more validity); one sent more than a minute
// late still runs its full 30 minutes from sending (issue 17).
func TestOnTimeCodeMailLeavesCaseLateOneExtends_ID2(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	state := func(caseID int64) (exp time.Time, xmin string) {
		t.Helper()
		if err := f.env.Pool.QueryRow(ctx, `SELECT code_expires_at, xmin::text FROM cases WHERE id = $1`, caseID).Scan(&exp, &xmin); err != nil {
			t.Fatal(err)
		}
		return exp, xmin
	}
	onTime, err := f.env.Workflow.SubmitWeb(ctx, f.org, f.request("access"))
	if err != nil {
		t.Fatal(err)
	}
	exp0, xmin0 := state(onTime.CaseID)
	f.env.Clock.Advance(20 * time.Second)
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	if n := len(codeMails(f, "maija@example.test")); n != 1 {
		t.Fatalf("%d code mails", n)
	}
	if exp, xmin := state(onTime.CaseID); !exp.Equal(exp0) || xmin != xmin0 {
		t.Errorf("on-time mail rewrote the case: expiry %v -> %v, xmin %s -> %s", exp0, exp, xmin0, xmin)
	}

	f.env.Catcher.SetFailure(outage)
	late, err := f.env.Workflow.SubmitWeb(ctx, f.org, f.request("access"))
	if err != nil {
		t.Fatal(err)
	}
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	f.env.Clock.Advance(2 * time.Minute)
	f.env.Catcher.SetFailure(nil)
	sentAt := f.env.Clock.Now()
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	if exp, _ := state(late.CaseID); !exp.Equal(sentAt.Add(30 * time.Minute).Truncate(time.Microsecond)) {
		t.Errorf("late mail: code expires %v, want 30 minutes after sending (%v)", exp, sentAt)
	}
}
