package workflow_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// urgentRow reads the stored earliest running deadline of a case.
func urgentRow(t *testing.T, f *fixture, id int64) (string, string) {
	t.Helper()
	var due *time.Time
	var clock string
	if err := f.env.Pool.QueryRow(context.Background(), `SELECT urgent_due, urgent_clock FROM cases WHERE id = $1`, id).Scan(&due, &clock); err != nil {
		t.Fatal(err)
	}
	if due == nil {
		return "", clock
	}
	return workflow.DateOf(due.UTC()).String(), clock
}

// checkUrgent: the stored value (cases.urgent_due, urgent_clock) and the
// one function (workflow.DueOf) agree, and are what the test expects.
func checkUrgent(t *testing.T, f *fixture, id int64, wantDue string, wantClock workflow.Clock) {
	t.Helper()
	gotDue, gotClock := urgentRow(t, f, id)
	if gotDue != wantDue || gotClock != string(wantClock) {
		t.Errorf("stored urgent = %q %q, want %q %q", gotDue, gotClock, wantDue, wantClock)
	}
	d := workflow.DueOf(f.caseRow(t, id), workflow.CalendarFor(f.org), f.env.Clock.Now())
	if d.Urgent.String() != wantDue && !(wantDue == "" && d.Urgent.IsZero()) || d.UrgentClock != wantClock {
		t.Errorf("DueOf urgent = %s %q, want %q %q", d.Urgent, d.UrgentClock, wantDue, wantClock)
	}
}

func (f *fixture) enterDoc(t *testing.T, rights ...string) int64 {
	t.Helper()
	r := f.request(rights...)
	r.DocumentRequest = true
	r.AllRegisters, r.RegisterIDs = false, []int64{f.regs["schools"]}
	sub, err := f.env.Workflow.EnterRequest(context.Background(), f.org, workflow.StaffActor(1),
		workflow.PaperRequest{Request: r, Channel: "paper", ReceivedAt: f.env.Clock.Now(), IdentityMethod: "in_person"})
	if err != nil {
		t.Fatal(err)
	}
	return sub.CaseID
}

// FI-2, D-23, D-27: a case's earliest running deadline is one stored
// value, kept by every change that moves a deadline: a document request's
// two weeks come first; its one-month clock once extended; the GDPR
// deadline once decided; nothing once the case is closed.
func TestFI2UrgentDueFollowsEveryChange(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	actor := workflow.StaffActor(1)
	// Received Tue 2026-03-03: FI-2 two weeks = Tue 2026-03-17; one month
	// = Fri 2026-04-03 (Good Friday) -> Tue 2026-04-07, the same day as
	// legal_due: a tie goes to the FI-2 clock.
	id := f.enterDoc(t, "access")
	checkUrgent(t, f, id, "2026-03-17", workflow.ClockFI2TwoWeeks)
	// D-23: the owners are asked for the earlier date: the last working
	// day on or before the two weeks.
	if d := workflow.DueOf(f.caseRow(t, id), workflow.CalendarFor(f.org), f.env.Clock.Now()); d.OwnerTarget.String() != "2026-03-17" {
		t.Errorf("owner target %s, want 2026-03-17 (FI-2)", d.OwnerTarget)
	}

	if err := f.env.Workflow.ExtendDocumentRequest(ctx, f.org, id, actor, ""); !isField(err, "reason") {
		t.Fatalf("extension without a reason: %v", err)
	}
	if err := f.env.Workflow.ExtendDocumentRequest(ctx, f.org, id, actor, "Satoja asiakirjoja"); err != nil {
		t.Fatal(err)
	}
	checkUrgent(t, f, id, "2026-04-07", workflow.ClockFI2OneMonth)
	if err := f.env.Workflow.ExtendDocumentRequest(ctx, f.org, id, actor, "again"); !errors.Is(err, workflow.ErrDocAlreadyExtended) {
		t.Errorf("second extension: %v", err)
	}
	if err := f.env.Workflow.DecideDocumentRequest(ctx, f.org, id, actor, "maybe", "", nil); !isField(err, "decision") {
		t.Errorf("unknown decision: %v", err)
	}
	if err := f.env.Workflow.DecideDocumentRequest(ctx, f.org, id, actor, "partly_disclosed", "Osa salassa pidettäviä", nil); err != nil {
		t.Fatal(err)
	}
	checkUrgent(t, f, id, "2026-04-07", workflow.ClockGDPR)
	if err := f.env.Workflow.DecideDocumentRequest(ctx, f.org, id, actor, "disclosed", "", nil); !errors.Is(err, workflow.ErrDocDecided) {
		t.Errorf("second decision: %v", err)
	}
	// Audited, with no free text in the event (D-25).
	var n int
	if err := f.env.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE case_id = $1 AND
		((action = 'doc_extend' AND data->>'doc_extended_due' = '2026-04-07' AND data ? 'reason_ref')
		 OR (action = 'doc_decide' AND data->>'decision' = 'partly_disclosed' AND data->>'on_time' = 'true'))`, id).Scan(&n); err != nil || n != 2 {
		t.Errorf("FI-2 audit events: %d %v", n, err)
	}
	// The GDPR extension moves the GDPR clock; withdrawal stops everything.
	if err := f.env.Workflow.Extend(ctx, f.org, id, actor, "Monta rekisteriä"); err != nil {
		t.Fatal(err)
	}
	checkUrgent(t, f, id, "2026-06-03", workflow.ClockExtended)
	if err := f.env.Workflow.Withdraw(ctx, f.org, id, actor, ""); err != nil {
		t.Fatal(err)
	}
	checkUrgent(t, f, id, "", workflow.ClockNone)

	// A document request only: the FI-2 clock alone; once decided nothing
	// runs. Past its two weeks it can no longer be extended.
	doc := f.enterDoc(t)
	checkUrgent(t, f, doc, "2026-03-17", workflow.ClockFI2TwoWeeks)
	f.env.Clock.Advance(15 * 24 * time.Hour)
	if err := f.env.Workflow.ExtendDocumentRequest(ctx, f.org, doc, actor, "late"); !errors.Is(err, workflow.ErrDocExtendTooLate) {
		t.Errorf("extension after the two weeks: %v", err)
	}
	// Documents not given need their reasons (they go in the letter).
	if err := f.env.Workflow.DecideDocumentRequest(ctx, f.org, doc, actor, "refused", "", nil); !isField(err, "note") {
		t.Errorf("refusal without reasons: %v", err)
	}
	if err := f.env.Workflow.DecideDocumentRequest(ctx, f.org, doc, actor, "refused", "Salassa pidettävä", nil); err != nil {
		t.Fatal(err)
	}
	checkUrgent(t, f, doc, "", workflow.ClockNone)
	// Its decision answers it; shown after that under its own clock,
	// never the GDPR's (D-23), and the DPO closes it.
	row := f.caseRow(t, doc)
	if row.State != string(workflow.StateAnswered) || row.AnsweredAt == nil {
		t.Errorf("a decided request for documents alone is %s, answered %v", row.State, row.AnsweredAt)
	}
	if due, clock := workflow.UrgencyOf(workflow.DueOf(row, workflow.CalendarFor(f.org), f.env.Clock.Now())); due.String() != "2026-03-17" || clock != workflow.ClockFI2TwoWeeks {
		t.Errorf("urgency of a decided request for documents alone: %s %s, want its two weeks", due, clock)
	}
	if err := f.env.Workflow.Close(ctx, f.org, doc, actor); err != nil {
		t.Errorf("closing it: %v", err)
	}
	// A GDPR-only request never shows an FI-2 clock, and cannot be decided as one.
	plain := f.enterDoc(t, "access")
	if _, err := f.env.Pool.Exec(ctx, `UPDATE cases SET document_request = false WHERE id = $1`, plain); err != nil {
		t.Fatal(err)
	}
	checkUrgent(t, f, plain, "2026-04-20", workflow.ClockGDPR) // received 2026-03-18 + 1 month, rolled (Sat -> Mon)
	if err := f.env.Workflow.DecideDocumentRequest(ctx, f.org, plain, actor, "disclosed", "", nil); !errors.Is(err, workflow.ErrNotDocumentRequest) {
		t.Errorf("decision on a GDPR-only request: %v", err)
	}
}

func isField(err error, field string) bool {
	var fe workflow.FieldErrors
	return errors.As(err, &fe) && fe[field] != ""
}

// DL-8, DL-11: one function computes the effective dates. A case paused
// and extended shows the paused date of the extended deadline (receipt +
// pause + 3 months), not receipt + pause + 1 month.
func TestDL8DL11PausedAndExtendedEffectiveDates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	actor := workflow.StaffActor(1)
	r := f.request("access")
	r.AllRegisters, r.RegisterIDs = false, []int64{f.regs["schools"]}
	sub, err := f.env.Workflow.EnterRequest(ctx, f.org, actor, workflow.PaperRequest{Request: r, Channel: "paper",
		ReceivedAt: f.env.Clock.Now(), IdentityMethod: "in_person"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.env.Workflow.Extend(ctx, f.org, sub.CaseID, actor, "Monta rekisteriä"); err != nil {
		t.Fatal(err)
	}
	if err := f.env.Workflow.Pause(ctx, f.org, sub.CaseID, actor, "Henkilöllisyys"); err != nil {
		t.Fatal(err)
	}
	f.env.Clock.Advance(10 * 24 * time.Hour)
	d := workflow.DueOf(f.caseRow(t, sub.CaseID), workflow.CalendarFor(f.org), f.env.Clock.Now())
	// Received 2026-03-03, paused 10 days: 2026-03-13 + 1 month = 2026-04-13
	// (Mon); + 3 months = 2026-06-13 (Sat) -> Mon 2026-06-15.
	if d.PausedDue.String() != "2026-04-13" || d.PausedExtendedDue.String() != "2026-06-15" || d.PausedEffective != d.PausedExtendedDue {
		t.Errorf("paused dates %s / %s / effective %s", d.PausedDue, d.PausedExtendedDue, d.PausedEffective)
	}
	if d.Effective.String() != "2026-06-03" || d.Urgent != d.Effective || d.UrgentClock != workflow.ClockExtended {
		t.Errorf("effective %s urgent %s %s", d.Effective, d.Urgent, d.UrgentClock)
	}
	// The pause is shown beside, never instead (DL-8): the stored urgency
	// stays the extended deadline.
	checkUrgent(t, f, sub.CaseID, "2026-06-03", workflow.ClockExtended)
	if err := f.env.Workflow.Resume(ctx, f.org, sub.CaseID, actor); err != nil {
		t.Fatal(err)
	}
	checkUrgent(t, f, sub.CaseID, "2026-06-03", workflow.ClockExtended)
}

// The dashboard's keyed order reads the stored value (store.Dashboard).
func TestFI2DashboardOrdersByUrgentDue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r := f.request("access")
	r.AllRegisters, r.RegisterIDs = false, []int64{f.regs["schools"]}
	// A GDPR request received a week earlier (legal_due 2026-03-24) and a
	// document request received today (two weeks: 2026-03-17).
	early, err := f.env.Workflow.EnterRequest(ctx, f.org, workflow.StaffActor(1), workflow.PaperRequest{Request: r, Channel: "paper",
		ReceivedAt: f.env.Clock.Now().Add(-7 * 24 * time.Hour), IdentityMethod: "in_person"})
	if err != nil {
		t.Fatal(err)
	}
	doc := f.enterDoc(t, "access")
	rows, err := store.New(f.env.Pool).Dashboard(ctx, store.DashboardFilter{OrgIDs: []int64{f.org.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].ID != doc || rows[1].ID != early.CaseID || rows[0].UrgentClock != "fi2_two_weeks" {
		t.Fatalf("dashboard order: %+v", rows)
	}
	counts, err := store.New(f.env.Pool).CountDashboard(ctx, store.DashboardFilter{OrgIDs: []int64{f.org.ID}},
		workflow.MustParseDate("2026-03-10").In(time.UTC))
	if err != nil || counts.Week != 1 || counts.Later != 1 {
		t.Errorf("bands on 2026-03-10: %+v %v (the document request is due within 7 days)", counts, err)
	}
}

// guardianFor is a guardian's request (the same representative, email
// and henkilötunnus every time) about the child with the given code.
func (f *fixture) guardianFor(child string) workflow.Request {
	r := f.request("access")
	r.AllRegisters, r.RegisterIDs = false, []int64{f.regs["schools"]}
	r.Name, r.Email, r.Hetu = "Gunilla Huoltaja", "gunilla@example.test", "131052-308T"
	r.OnBehalf, r.Relation, r.SubjectName, r.SubjectHetu = true, "guardian", "Lapsi "+child[:6], child
	return r
}

// IN-2: repeats are about the data subject, not the representative: a
// guardian's requests for two children are not repeats (nor duplicates,
// issue 5) of each other; two requests about the same child are.
func TestIN2RepeatsAreAboutTheDataSubject(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	q := store.New(f.env.Pool)
	web := func(child string) int64 {
		t.Helper()
		sub, err := f.env.Workflow.SubmitWeb(ctx, f.org, f.guardianFor(child))
		if err != nil {
			t.Fatal(err)
		}
		f.env.Clock.Advance(time.Minute)
		if _, err := f.env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, f.codeFrom(t, "gunilla@example.test")); err != nil {
			t.Fatal(err)
		}
		return sub.CaseID
	}
	childA, childB := "010200A9618", "020305A123Y"
	a1 := web(childA)
	b := web(childB)
	a2 := web(childA)
	now := f.env.Clock.Now()
	repeats := func(id int64) int {
		t.Helper()
		n, err := q.RepeatCount(ctx, f.org.ID, id, now.AddDate(-1, 0, 0), now)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := repeats(b); n != 0 {
		t.Errorf("the second child's request counts %d repeats, want 0", n)
	}
	if n := repeats(a2); n != 1 {
		t.Errorf("the same child's second request counts %d repeats, want 1", n)
	}
	if c := f.caseRow(t, b); c.DuplicateOf != nil {
		t.Errorf("the second child's request is linked as a duplicate of %d", *c.DuplicateOf)
	}
	if c := f.caseRow(t, a2); c.DuplicateOf == nil || *c.DuplicateOf != a1 {
		t.Errorf("the same child's request within a day: duplicate_of %v, want %d", c.DuplicateOf, a1)
	}
	// The guardian's own request is about the guardian: not a repeat of
	// the children's.
	own := f.request("access")
	own.Name, own.Email, own.Hetu = "Gunilla Huoltaja", "gunilla@example.test", "131052-308T"
	sub, err := f.env.Workflow.EnterRequest(ctx, f.org, workflow.StaffActor(1), workflow.PaperRequest{Request: own, Channel: "paper", ReceivedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	if n := repeats(sub.CaseID); n != 0 {
		t.Errorf("the guardian's own request counts %d repeats of the children's", n)
	}
}

// ID-5: a temporary henkilötunnus (900-999) of the represented person is
// flagged; the owners' tasks wait for the DPO's decision that the
// representative's authority is shown, as they wait for identity (D-9);
// each decision is audited.
func TestID5AuthorityGatesTasks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	actor := workflow.StaffActor(1)
	r := f.guardianFor("020305A950M") // individual number 950: temporary
	sub, err := f.env.Workflow.EnterRequest(ctx, f.org, actor, workflow.PaperRequest{Request: r, Channel: "counter",
		ReceivedAt: f.env.Clock.Now(), IdentityMethod: "in_person"})
	if err != nil {
		t.Fatal(err)
	}
	c := f.caseRow(t, sub.CaseID)
	if !c.SubjectHetuTemporary {
		t.Error("the represented person's temporary number is not flagged")
	}
	if c.State != "awaiting_identity" || c.IdentityVerifiedAt == nil {
		t.Fatalf("identity established, authority not decided: state %s, identity %v", c.State, c.IdentityVerifiedAt)
	}
	tasks := f.tasks(t, sub.CaseID)
	if len(tasks) != 1 || tasks[0].State != "waiting" {
		t.Fatalf("tasks before the authority: %+v", tasks)
	}
	if err := f.env.Workflow.RecordAuthority(ctx, f.org, sub.CaseID, actor, "perhaps", ""); !isField(err, "authority") {
		t.Errorf("unknown decision: %v", err)
	}
	if err := f.env.Workflow.RecordAuthority(ctx, f.org, sub.CaseID, actor, workflow.AuthorityDocumentRequested, "Huoltajuuspäätös pyydetty"); err != nil {
		t.Fatal(err)
	}
	if c := f.caseRow(t, sub.CaseID); c.State != "awaiting_identity" || c.Authority != "document_requested" || f.tasks(t, sub.CaseID)[0].State != "waiting" {
		t.Errorf("after asking for a document: %s %s %s", c.State, c.Authority, f.tasks(t, sub.CaseID)[0].State)
	}
	if err := f.env.Workflow.RecordAuthority(ctx, f.org, sub.CaseID, actor, workflow.AuthorityShown, ""); err != nil {
		t.Fatal(err)
	}
	if c := f.caseRow(t, sub.CaseID); c.State != "in_progress" || c.Authority != "shown" || c.AuthorityAt == nil {
		t.Errorf("after the authority was shown: %s %s", c.State, c.Authority)
	}
	if ts := f.tasks(t, sub.CaseID); ts[0].State != "open" {
		t.Errorf("the task did not open: %s", ts[0].State)
	}
	var n int
	if err := f.env.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE case_id = $1 AND action = 'authority'
		AND data->>'authority' IN ('document_requested', 'shown')`, sub.CaseID).Scan(&n); err != nil || n != 2 {
		t.Errorf("authority events: %d %v", n, err)
	}
	// The requester's own request has no representative.
	own, err := f.env.Workflow.EnterRequest(ctx, f.org, actor, workflow.PaperRequest{Request: f.request("access"), Channel: "paper", ReceivedAt: f.env.Clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.env.Workflow.RecordAuthority(ctx, f.org, own.CaseID, actor, workflow.AuthorityShown, ""); !errors.Is(err, workflow.ErrNotOnBehalf) {
		t.Errorf("authority on the requester's own request: %v", err)
	}
}

// receiptTo is the receipt mail sent to to (delivered through the catcher).
func (f *fixture) receiptTo(t *testing.T, to string) string {
	t.Helper()
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	for _, m := range f.env.Catcher.Messages() {
		if slices.Contains(m.To, to) && m.Headers.Get("X-Rightsdesk-Kind") == "receipt" {
			return m.Text
		}
	}
	t.Fatalf("no receipt to %s", to)
	return ""
}

// RB-1: a withdrawal of consent aimed at a chosen register whose basis is
// not consent is not silently dropped: no owner is asked (its task answers
// itself, for the answer letter), and the
// requester is told (receipt, status page) and the DPO sees it (routed
// event, case page). The receipt says the delivery that was chosen.
func TestRB1WithdrawalOfConsentNotConsentBasisIsTold(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r := f.request("withdraw_consent")
	r.AllRegisters, r.RegisterIDs = false, []int64{f.regs["schools"], f.regs["library"]}
	r.Email, r.Delivery, r.Address = "rb1@example.test", "paper", "Katu 1, 00100 Helsinki"
	sub, err := f.env.Workflow.EnterRequest(ctx, f.org, workflow.StaffActor(1), workflow.PaperRequest{Request: r, Channel: "paper", ReceivedAt: f.env.Clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	// The consent-based register's owner gets a task; the other's answers
	// itself (its letter says why), so no owner is asked.
	var owners, told int
	for _, tk := range f.tasks(t, sub.CaseID) {
		switch {
		case tk.RegisterID == f.regs["library"] && tk.State == "waiting":
			owners++
		case tk.RegisterID == f.regs["schools"] && tk.State == "answered" && tk.Answer == string(workflow.AnswerNotConsent) && tk.AnsweredBy == "system":
			told++
		default:
			t.Errorf("unexpected task %+v", tk)
		}
	}
	if owners != 1 || told != 1 {
		t.Fatalf("tasks: %d for the consent-based register's owner, %d answered by the system; want 1 and 1", owners, told)
	}
	text := f.receiptTo(t, "rb1@example.test")
	for _, want := range []string{"Suostumuksen peruuttaminen ei koske", "- Oppilasrekisteri", "paperilla postitse"} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Kirjaston asiakasrekisteri") || strings.Contains(text, "suojatun linkin") {
		t.Errorf("receipt names the consent-based register or promises a secure link for paper delivery:\n%s", text)
	}
	st, err := f.env.Workflow.StatusOf(ctx, f.org, sub.Receipt)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.ConsentNot, []workflow.Published{{Text: "Oppilasrekisteri", Lang: "fi"}}) {
		t.Errorf("status page: %v", st.ConsentNot)
	}
	var n int
	if err := f.env.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE case_id = $1 AND action = 'routed'
		AND (data->>'consent_not_basis')::int = 1`, sub.CaseID).Scan(&n); err != nil || n != 1 {
		t.Errorf("routed event with consent_not_basis: %d %v", n, err)
	}
	// Electronic delivery (the default) keeps the secure link; "all
	// registers" is not aimed at any register and lists none.
	r = f.request("withdraw_consent")
	r.Email = "rb1b@example.test"
	if _, err := f.env.Workflow.EnterRequest(ctx, f.org, workflow.StaffActor(1), workflow.PaperRequest{Request: r, Channel: "paper", ReceivedAt: f.env.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	text = f.receiptTo(t, "rb1b@example.test")
	if !strings.Contains(text, "suojatun linkin") || strings.Contains(text, "Suostumuksen peruuttaminen ei koske") {
		t.Errorf("electronic, all registers:\n%s", text)
	}
}

// FI-2: a request for documents alone decided before its decision
// answered it (found in a walkthrough: open for good, nothing to do, no
// way to close) is answered by the sweep as of its decision, audited; a
// mixed request decided on its documents runs on.
func TestFI2SweepAnswersDecidedDocumentsLeftOpen(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	doc, mixed := f.enterDoc(t), f.enterDoc(t, "access")
	decided := f.env.Clock.Now().Add(-time.Hour)
	for _, id := range []int64{doc, mixed} {
		if _, err := f.env.Pool.Exec(ctx, `UPDATE cases SET state = 'awaiting_identity', doc_decided_at = $2, doc_decision = 'disclosed'
			WHERE id = $1`, id, decided); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.env.Workflow.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	row := f.caseRow(t, doc)
	if row.State != string(workflow.StateAnswered) || row.AnsweredAt == nil || !row.AnsweredAt.Equal(decided) {
		t.Errorf("request for documents alone after the sweep: %s, answered %v, want answered at its decision", row.State, row.AnsweredAt)
	}
	if st := f.caseRow(t, mixed).State; st != string(workflow.StateAwaitingIdentity) {
		t.Errorf("a mixed request was moved by the sweep to %s", st)
	}
	var n int
	if err := f.env.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE case_id = $1 AND action = 'doc_answered'
		AND actor = 'system' AND data->>'to' = 'answered'`, doc).Scan(&n); err != nil || n != 1 {
		t.Errorf("doc_answered events: %d %v", n, err)
	}
	if err := f.env.Workflow.Sweep(ctx); err != nil { // once only
		t.Fatal(err)
	}
	if err := f.env.Workflow.Close(ctx, f.org, doc, workflow.StaffActor(1)); err != nil {
		t.Errorf("closing it: %v", err)
	}
}
