package workflow_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"

	"rightsdesk/internal/mail"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

type fixture struct {
	env  *testenv.Env
	org  store.Org
	regs map[string]int64
}

// newFixture: an organisation with registers of several bases, one
// without an owner (D-11) and one whose controller is elsewhere (D-7).
func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := testenv.New(t)
	f := &fixture{env: env, org: env.Org("testby", "Testikunta", "Testby", "fi"), regs: map[string]int64{}}
	f.regs["schools"] = env.Register(f.org.ID, "Oppilasrekisteri", "c", "rehtori@testby.test")
	f.regs["library"] = env.Register(f.org.ID, "Kirjaston asiakasrekisteri", "a", "kirjasto@testby.test")
	f.regs["staff"] = env.Register(f.org.ID, "Henkilöstörekisteri", "e", "")
	f.regs["child"] = env.Register(f.org.ID, "Lastensuojelurekisteri", "c", "sos@testby.test")
	if _, err := env.Pool.Exec(context.Background(), `UPDATE registers SET controller_elsewhere = true,
		elsewhere_name = 'Hyvinvointialue', elsewhere_contact = 'kirjaamo@hva.test' WHERE id = $1`, f.regs["child"]); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) request(rights ...string) workflow.Request {
	return workflow.Request{Rights: rights, AllRegisters: true, Name: "Maija Meikäläinen", Email: "maija@example.test",
		Lang: "fi", Hetu: "131052-308T", Details: "Osoitteeni on väärin"}
}

var codeRe = regexp.MustCompile(`\b(\d{6})\b`)

// codeFrom delivers the queued mail and reads the newest code sent to to.
func (f *fixture) codeFrom(t *testing.T, to string) string {
	t.Helper()
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	for _, m := range f.env.Catcher.Messages() {
		if slices.Contains(m.To, to) && strings.Contains(m.Headers.Get("X-Rightsdesk-Kind"), "code") {
			if c := codeRe.FindStringSubmatch(m.Text); c != nil {
				return c[1]
			}
		}
	}
	t.Fatalf("no code mail to %s", to)
	return ""
}

func (f *fixture) tasks(t *testing.T, caseID int64) []store.Task {
	t.Helper()
	ts, err := store.New(f.env.Pool).TasksOfCase(context.Background(), f.org.ID, caseID)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func (f *fixture) caseRow(t *testing.T, id int64) store.Case {
	t.Helper()
	c, err := store.New(f.env.Pool).CaseByID(context.Background(), f.org.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The spine end to end: a resident files, confirms the code, the DPO
// confirms identity, owners get their tasks, answer, the case is ready.
func TestSpineWebRequestToAnswerReady(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	env := f.env
	sub, err := env.Workflow.SubmitWeb(ctx, f.org, f.request("access", "erasure"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^RD-2026-\d{6}$`).MatchString(sub.Receipt) {
		t.Fatalf("receipt %q", sub.Receipt)
	}
	// DL-4/D-8: received on submission; 2026-03-03 -> legal_due 2026-04-07 (Good Friday rolls, DL-3).
	if sub.Due.LegalDue.String() != "2026-04-07" || sub.Due.SafeTarget.String() != "2026-04-02" {
		t.Fatalf("due %+v", sub.Due)
	}
	c := f.caseRow(t, sub.CaseID)
	if c.State != "received" || c.ConfirmedAt != nil {
		t.Fatalf("before code: %s", c.State)
	}
	if len(f.tasks(t, sub.CaseID)) != 0 {
		t.Fatal("no routing before the code is confirmed (D-9)")
	}
	// ID-4: the henkilötunnus is stored encrypted, masked, and never plain.
	var plain int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM requesters WHERE hetu_mask = '131052-****' AND hetu_enc IS NOT NULL
		AND position('131052-308T' in encode(hetu_enc, 'escape')) = 0`).Scan(&plain); err != nil || plain != 1 {
		t.Fatalf("hetu storage: %d %v", plain, err)
	}

	env.Clock.Advance(10 * time.Minute)
	code := f.codeFrom(t, "maija@example.test")
	res, err := env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, code)
	if err != nil {
		t.Fatal(err)
	}
	if res.Receipt != sub.Receipt {
		t.Fatal("receipt changed")
	}
	c = f.caseRow(t, sub.CaseID)
	if c.State != "awaiting_identity" || c.ConfirmedAt == nil || !c.ReceivedAt.Equal(env.Clock.Now().Add(-10*time.Minute)) {
		t.Fatalf("after code: %s received %v", c.State, c.ReceivedAt)
	}
	tasks := f.tasks(t, sub.CaseID)
	// 4 registers x 2 rights; the child-welfare register answers itself (D-7).
	if len(tasks) != 8 {
		t.Fatalf("tasks: %d", len(tasks))
	}
	for _, tk := range tasks {
		if tk.RegisterID == f.regs["child"] {
			if tk.State != "answered" || tk.Answer != "elsewhere" {
				t.Errorf("D-7 task: %s %s", tk.State, tk.Answer)
			}
			continue
		}
		if tk.State != "waiting" {
			t.Errorf("task %s/%s: %s before identity (D-9)", tk.RegisterName, tk.Right, tk.State)
		}
		if tk.Right == "erasure" && tk.LegalBasis == "c" && !slices.Contains(tk.AllowedAnswers, "refused") {
			t.Errorf("RB-1 erasure on (c) must allow refusal: %v", tk.AllowedAnswers)
		}
	}
	// The receipt mail went out in Finnish with the due date (IN-3).
	env.WorkAll(jobargs.DeliverMail{}.Kind())
	receipt, err := env.Catcher.WaitFor(ctx, func(m mail.Caught) bool {
		return strings.Contains(m.Subject, sub.Receipt) && m.Headers.Get("X-Rightsdesk-Kind") == "receipt"
	})
	if err != nil || !strings.Contains(receipt.Text, "7.4.2026") {
		t.Fatalf("receipt mail: %v %q", err, receipt.Text)
	}

	err = env.Workflow.VerifyIdentity(ctx, f.org, sub.CaseID, workflow.StaffActor(1), "in_person", "passport seen")
	if err != nil {
		t.Fatal(err)
	}
	if c = f.caseRow(t, sub.CaseID); c.State != "in_progress" {
		t.Fatalf("after identity: %s", c.State)
	}
	// Owners with an email get a task mail with a link; reminders are scheduled.
	env.WorkAll(jobargs.DeliverMail{}.Kind())
	var links, mails int
	for _, m := range env.Catcher.Messages() {
		if m.Headers.Get("X-Rightsdesk-Kind") == "task" {
			mails++
			links += strings.Count(m.Text, "http://rightsdesk.test/fi/t/")
			if strings.Contains(m.Text, "131052") {
				t.Error("ID-4: the henkilötunnus reached an owner email")
			}
			if !strings.Contains(m.Text, "http://rightsdesk.test/fi/t/") {
				t.Errorf("task mail without link: %q", m.Text)
			}
		}
	}
	// Schools and library, two rights each: one mail per owner with a
	// link per task.
	if mails != 2 || links != 4 {
		t.Fatalf("task mails %d with %d links", mails, links)
	}
	// Each open task with an owner has its escalation scheduled (issue 6).
	var escalations int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'task_escalation'`).Scan(&escalations); err != nil || escalations != 4 {
		t.Fatalf("escalation jobs: %d %v", escalations, err)
	}

	// Answer every open task; the last one makes the case answer ready.
	for _, tk := range f.tasks(t, sub.CaseID) {
		if tk.State != "open" {
			continue
		}
		a := workflow.TaskAnswer{Answer: "no_data"}
		if tk.Right == "erasure" && tk.LegalBasis == "c" {
			a = workflow.TaskAnswer{Answer: "refused", Ground: "art17_3_b", Comment: "Lakisääteinen arkistointi"}
		}
		if err := env.Workflow.AnswerTask(ctx, f.org, tk.ID, workflow.OwnerActor(tk.ID), a); err != nil {
			t.Fatalf("answer %s/%s: %v", tk.RegisterName, tk.Right, err)
		}
	}
	if c = f.caseRow(t, sub.CaseID); c.State != "answer_ready" {
		t.Fatalf("after answers: %s", c.State)
	}
	// Every step is on the hash-chained timeline.
	trail, err := store.New(env.Pool).AuditTrail(ctx, f.org.ID, sub.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	if broken := store.VerifyAuditChain(env.Keys, trail); broken != nil {
		t.Fatalf("audit chain broken: %+v", broken)
	}
	var actions []string
	for _, ev := range trail {
		actions = append(actions, ev.Action)
	}
	for _, want := range []string{"received", "confirmed", "routed", "verify_identity", "task_sent", "task_answered", "answer_ready"} {
		if !slices.Contains(actions, want) {
			t.Errorf("timeline lacks %s: %v", want, actions)
		}
	}
}

func TestCodeFlow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("wrong codes count down and lock", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		sub, err := f.env.Workflow.SubmitWeb(ctx, f.org, f.request("access"))
		if err != nil {
			t.Fatal(err)
		}
		code := f.codeFrom(t, "maija@example.test")
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for i := 1; i <= workflow.MaxCodeAttempts; i++ {
			res, err := f.env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, wrong)
			switch {
			case i < workflow.MaxCodeAttempts && (!errors.Is(err, workflow.ErrCodeWrong) || res.Remaining != workflow.MaxCodeAttempts-i):
				t.Fatalf("try %d: %v remaining %d", i, err, res.Remaining)
			case i == workflow.MaxCodeAttempts && !errors.Is(err, workflow.ErrCodeLocked):
				t.Fatalf("try %d: %v", i, err)
			}
		}
		// Even the right code no longer works: a new one is needed.
		if _, err := f.env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, code); !errors.Is(err, workflow.ErrCodeLocked) {
			t.Fatalf("right code after lock: %v", err)
		}
		if err := f.env.Workflow.ResendCode(ctx, f.org, sub.CaseID); err != nil {
			t.Fatal(err)
		}
		f.env.Clock.Advance(time.Second)
		fresh := f.codeFrom(t, "maija@example.test")
		if _, err := f.env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, fresh); err != nil {
			t.Fatalf("fresh code: %v", err)
		}
		if _, err := f.env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, fresh); !errors.Is(err, workflow.ErrAlreadyDone) {
			t.Fatalf("second confirm: %v", err)
		}
	})
	t.Run("expired code and expired submission", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		sub, err := f.env.Workflow.SubmitWeb(ctx, f.org, f.request("access"))
		if err != nil {
			t.Fatal(err)
		}
		code := f.codeFrom(t, "maija@example.test")
		f.env.Clock.Advance(31 * time.Minute)
		if _, err := f.env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, code); !errors.Is(err, workflow.ErrCodeExpired) {
			t.Fatalf("expired: %v", err)
		}
		f.env.Clock.Advance(24 * time.Hour)
		if err := f.env.Workflow.ResendCode(ctx, f.org, sub.CaseID); !errors.Is(err, workflow.ErrSubmissionGone) {
			t.Fatalf("after 24 h: %v", err)
		}
		n, err := f.env.Workflow.PurgeUnconfirmed(ctx)
		if err != nil || n != 1 {
			t.Fatalf("purge: %d %v", n, err)
		}
		if _, err := store.New(f.env.Pool).CaseByID(ctx, f.org.ID, sub.CaseID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("purged case still there: %v", err)
		}
	})
}

// A submission queues its code mail in the same transaction (InsertTx).
func TestSubmitInsertsMailJob(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.env.Workflow.SubmitWeb(ctx, f.org, f.request("access")); err != nil {
		t.Fatal(err)
	}
	rivertest.RequireInserted(ctx, t, riverpgxv5.New(f.env.Pool), jobargs.DeliverMail{}, nil)
	// Invalid input stores nothing and queues nothing (rule 5).
	before := len(f.env.Catcher.Messages())
	_, err := f.env.Workflow.SubmitWeb(ctx, f.org, workflow.Request{Rights: []string{"rectification"}, AllRegisters: true, Lang: "fi"})
	var fe workflow.FieldErrors
	if !errors.As(err, &fe) || fe["name"] == "" || fe["email"] == "" || fe["details"] == "" {
		t.Fatalf("validation: %v", err)
	}
	var n int
	if err := f.env.Pool.QueryRow(ctx, `SELECT count(*) FROM cases`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("cases after invalid submit: %d", n)
	}
	f.env.WorkAll()
	if got := len(f.env.Catcher.Messages()); got != before+1 {
		t.Fatalf("mail count %d, want %d", got, before+1)
	}
}

func TestValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	base := f.request("access")
	cases := []struct {
		name  string
		mod   func(r *workflow.Request)
		field string
		key   string
	}{
		{"no rights", func(r *workflow.Request) { r.Rights = nil }, "rights", "intake.err.rights"},
		{"unknown right", func(r *workflow.Request) { r.Rights = []string{"fly"} }, "rights", "intake.err.rights"},
		{"bad email", func(r *workflow.Request) { r.Email = "maija@" }, "email", "intake.err.email_invalid"},
		{"paper without address", func(r *workflow.Request) { r.Delivery = "paper" }, "address", "intake.err.address_paper"},
		{"hetu check (ID-3)", func(r *workflow.Request) { r.Hetu = "280453-111A" }, "hetu", "intake.err.hetu.check"},
		{"hetu individual 001 (ID-3)", func(r *workflow.Request) { r.Hetu = "010100A001N" }, "hetu", "intake.err.hetu.individual"},
		{"hetu date", func(r *workflow.Request) { r.Hetu = "320152-308T" }, "hetu", "intake.err.hetu.date"},
		{"chosen but none", func(r *workflow.Request) { r.AllRegisters = false }, "registers", "intake.err.registers"},
		{"another org's register", func(r *workflow.Request) { r.AllRegisters = false; r.RegisterIDs = []int64{999999} }, "registers", "intake.err.registers"},
		{"on behalf without relation (ID-5)", func(r *workflow.Request) { r.OnBehalf = true; r.SubjectName = "Lapsi" }, "relation", "intake.err.relation"},
		{"period order", func(r *workflow.Request) { r.PeriodFrom, r.PeriodTo = "2025-05-01", "2025-01-01" }, "period_to", "intake.err.period_order"},
		{"bad lang", func(r *workflow.Request) { r.Lang = "de" }, "lang", "intake.err.lang"},
		{"details over 10 000 characters", func(r *workflow.Request) { r.Details = strings.Repeat("a", 10001) }, "details", "intake.err.details_too_long"},
		{"address over 500 characters", func(r *workflow.Request) { r.Address = strings.Repeat("a", 501) }, "address", "intake.err.address_too_long"},
		{"henkilötunnus as the name (ID-4)", func(r *workflow.Request) { r.Name = "131052-308T" }, "name", "intake.err.name_hetu"},
		{"henkilötunnus in the name (ID-4)", func(r *workflow.Request) { r.Name = "Maija 131052-308T" }, "name", "intake.err.name_hetu"},
		{"henkilötunnus as the represented person's name (ID-4)", func(r *workflow.Request) {
			r.OnBehalf, r.Relation, r.SubjectName = true, "guardian", "Lapsi 010200A9618"
		}, "subject_name", "intake.err.subject_name_hetu"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := base
			tc.mod(&r)
			_, err := f.env.Workflow.ValidateRequest(ctx, f.org.ID, r, true)
			var fe workflow.FieldErrors
			if !errors.As(err, &fe) || fe[tc.field] != tc.key {
				t.Fatalf("got %v (%v), want %s=%s", err, fe, tc.field, tc.key)
			}
		})
	}
	if _, err := f.env.Workflow.ValidateRequest(ctx, f.org.ID, base, true); err != nil {
		t.Fatalf("valid request refused: %v", err)
	}
}

// D-10: withdrawal of consent routes only to consent-based or unknown
// registers; chosen registers limit the other rights.
func TestRoutingRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r := f.request("withdraw_consent")
	sub, err := f.env.Workflow.EnterRequest(ctx, f.org, workflow.StaffActor(1), workflow.PaperRequest{Request: r, Channel: "paper", ReceivedAt: f.env.Clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	ts := f.tasks(t, sub.CaseID)
	if len(ts) != 1 || ts[0].RegisterID != f.regs["library"] {
		t.Fatalf("withdraw consent tasks: %+v", ts)
	}
	r = f.request("rectification")
	r.AllRegisters, r.RegisterIDs = false, []int64{f.regs["staff"]}
	sub, err = f.env.Workflow.EnterRequest(ctx, f.org, workflow.StaffActor(1), workflow.PaperRequest{Request: r, Channel: "counter", ReceivedAt: f.env.Clock.Now(), IdentityMethod: "in_person"})
	if err != nil {
		t.Fatal(err)
	}
	ts = f.tasks(t, sub.CaseID)
	// D-11: no owner email -> the task opens in the DPO's queue, no mail.
	if len(ts) != 1 || ts[0].RegisterID != f.regs["staff"] || ts[0].State != "open" || ts[0].OwnerEmail != "" {
		t.Fatalf("rectification tasks: %+v", ts)
	}
}

// Issue 5: the same person filing the same right for the same registers
// twice within a day is linked as a duplicate, not dropped.
func TestDuplicateLinked(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var ids []int64
	for i := 0; i < 2; i++ {
		sub, err := f.env.Workflow.SubmitWeb(ctx, f.org, f.request("access"))
		if err != nil {
			t.Fatal(err)
		}
		f.env.Clock.Advance(time.Minute)
		if _, err := f.env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, f.codeFrom(t, "maija@example.test")); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, sub.CaseID)
	}
	second := f.caseRow(t, ids[1])
	if second.DuplicateOf == nil || *second.DuplicateOf != ids[0] {
		t.Fatalf("duplicate_of: %v", second.DuplicateOf)
	}
	// A different right is not a duplicate.
	sub, err := f.env.Workflow.SubmitWeb(ctx, f.org, f.request("erasure"))
	if err != nil {
		t.Fatal(err)
	}
	f.env.Clock.Advance(time.Minute)
	if _, err := f.env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, f.codeFrom(t, "maija@example.test")); err != nil {
		t.Fatal(err)
	}
	if c := f.caseRow(t, sub.CaseID); c.DuplicateOf != nil {
		t.Fatalf("different right linked: %v", *c.DuplicateOf)
	}
}
