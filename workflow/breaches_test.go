package workflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

func hel(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, workflow.Helsinki())
}

// BR: the 72 hours are elapsed hours from aware_at (legal.md §6), so the
// limit's Helsinki wall-clock time moves by an hour across a daylight
// saving change, and the hours left count real hours.
func TestBreachClockElapsedHoursAcrossDST(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		aware        time.Time
		wantDeadline string // Helsinki wall clock
		wantFI       string
		at           time.Time // a moment to read the clock at
		wantLeft     [2]int    // hours, minutes
	}{
		// legal.md's own example: no DST change in between.
		{"legal.md example", hel(2025, 6, 20, 14, 30), "2025-06-23 14:30 +0300", "23.6.2025 klo 14.30",
			hel(2025, 6, 21, 14, 30), [2]int{48, 0}},
		// DST ends Sun 25 Oct 2026 04:00 EEST -> 03:00 EET: the night
		// has 25 hours, so a day later by the wall clock 25 hours passed.
		{"autumn 2026-10-24 -> 10-25", hel(2026, 10, 24, 12, 0), "2026-10-27 11:00 +0200", "27.10.2026 klo 11.00",
			hel(2026, 10, 25, 12, 0), [2]int{47, 0}},
		// DST starts Sun 28 Mar 2027 03:00 EET -> 04:00 EEST: 23 hours.
		{"spring 2027-03-27 -> 03-28", hel(2027, 3, 27, 12, 0), "2027-03-30 13:00 +0300", "30.3.2027 klo 13.00",
			hel(2027, 3, 28, 12, 0), [2]int{49, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := store.Breach{AwareAt: tc.aware, State: workflow.BreachOpen}
			c := workflow.BreachClockOf(b, tc.at)
			if got := c.Deadline.In(workflow.Helsinki()).Format("2006-01-02 15:04 -0700"); got != tc.wantDeadline {
				t.Errorf("deadline %s, want %s", got, tc.wantDeadline)
			}
			if got := c.Deadline.Sub(tc.aware); got != 72*time.Hour {
				t.Errorf("limit is %v after aware_at, want 72h", got)
			}
			if got := workflow.FormatDateTime(c.Deadline, "fi"); got != tc.wantFI {
				t.Errorf("fi deadline %q, want %q", got, tc.wantFI)
			}
			if !c.Running || c.Overdue || [2]int{c.Hours, c.Minutes} != tc.wantLeft {
				t.Errorf("clock at %v: %+v, want %v left", tc.at, c, tc.wantLeft)
			}
			over := workflow.BreachClockOf(b, c.Deadline.Add(90*time.Minute))
			if !over.Overdue || over.Hours != 1 || over.Minutes != 30 {
				t.Errorf("90 min after the limit: %+v", over)
			}
		})
	}
	// The English and Swedish deadline of the autumn case.
	d := workflow.BreachDeadline(hel(2026, 10, 24, 12, 0))
	if got := workflow.FormatDateTime(d, "en"); got != "27 October 2026, 11:00" {
		t.Errorf("en %q", got)
	}
	if got := workflow.FormatDateTime(d, "sv"); got != "27.10.2026 kl. 11.00" {
		t.Errorf("sv %q", got)
	}
}

// A wall-clock time typed in the hour that occurs twice (25 Oct 2026
// 03:00-04:00) is read as the earlier instant: the limit errs early. A
// time in the hour that never showed on a clock (29 Mar 2026 03:00-04:00)
// is refused, not moved an hour on unseen (found in a walkthrough).
func TestParseLocalDateTimeAmbiguousHour(t *testing.T) {
	t.Parallel()
	got, ok := workflow.ParseLocalDateTime("2026-10-25T03:30")
	if !ok {
		t.Fatal("not parsed")
	}
	if want := time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("ambiguous 03:30 = %v, want %v (EEST)", got.UTC(), want)
	}
	got, _ = workflow.ParseLocalDateTime("2026-10-24T12:00")
	if want := time.Date(2026, 10, 24, 9, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("12:00 = %v, want %v", got.UTC(), want)
	}
	if _, ok := workflow.ParseLocalDateTime("24.10.2026"); ok {
		t.Error("a non datetime-local value parsed")
	}
	if got, ok := workflow.ParseLocalDateTime("2026-03-29T03:30"); ok {
		t.Errorf("03:30 on the night clocks skip it was read as %v", got.UTC())
	}
	for _, raw := range []string{"2026-03-29T02:59", "2026-03-29T04:00"} {
		if _, ok := workflow.ParseLocalDateTime(raw); !ok {
			t.Errorf("%s beside the skipped hour was refused", raw)
		}
	}
}

// breachEnv is an Env with one organisation, its clock at 2026-10-24
// 12:00 Helsinki.
func breachEnv(t *testing.T, slug string) (*testenv.Env, store.Org) {
	t.Helper()
	env := testenv.New(t)
	env.Clock.Set(hel(2026, 10, 24, 12, 0))
	return env, env.Org(slug, "Testikunta", "Testby", "fi")
}

// Secret words typed into every free-text field: none may reach the
// audit trail (D-25).
var breachSecrets = []string{"SECRET-TITLE", "SECRET-NATURE", "SECRET-SUBJ", "SECRET-REC", "SECRET-CONS",
	"SECRET-MEAS", "SECRET-CONTACT", "SECRET-REASON", "SECRET-REF", "SECRET-DELAY", "SECRET-HOW", "SECRET-NOTNEEDED"}

func fullInput() workflow.BreachInput {
	return workflow.BreachInput{
		Title: "SECRET-TITLE laptop", AwareAt: "2026-10-24T10:15", OccurredAt: "2026-10-23T22:00",
		Nature: "SECRET-NATURE stolen", SubjectCategories: "SECRET-SUBJ pupils", SubjectCount: "120",
		RecordCategories: "SECRET-REC grades", RecordCount: "1 500", Consequences: "SECRET-CONS",
		Measures: "SECRET-MEAS", Contact: "SECRET-CONTACT", Risk: workflow.RiskSome, Decision: workflow.DecisionNotify,
		DecisionReason: "SECRET-REASON",
	}
}

// BR, Art 33(5): a breach not notified is closed only when its record
// holds the facts, the effects, the remedial action, the risk assessment,
// the decision not to notify and its reasoning; each gap is a localized
// field error.
func TestBreachCloseNeedsArt33_5Record(t *testing.T) {
	t.Parallel()
	env, org := breachEnv(t, "close")
	ctx := context.Background()
	wf := env.Workflow
	b, err := wf.CreateBreach(ctx, org, 0, workflow.BreachInput{Title: "Misdirected letter", AwareAt: "2026-10-24T09:00"})
	if err != nil {
		t.Fatal(err)
	}
	if b.No != 1 {
		t.Errorf("first breach no %d", b.No)
	}
	err = wf.CloseBreach(ctx, org.ID, b.ID, 0)
	var fe workflow.FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("close of an empty record: %v, want field errors", err)
	}
	for _, f := range []string{"nature", "consequences", "measures", "risk", "decision", "decision_reason"} {
		key, ok := fe[f]
		if !ok {
			t.Errorf("no error for %s: %v", f, fe)
			continue
		}
		for _, lang := range []string{"fi", "sv", "en"} {
			if !env.Catalog.Has(lang, key) {
				t.Errorf("%s: message %s missing in %s", f, key, lang)
			}
		}
	}
	// Decided to notify but never notified: still refused.
	in := workflow.BreachInput{Title: "Misdirected letter", AwareAt: "2026-10-24T09:00", Nature: "A letter went to the wrong address.",
		Consequences: "One person's decision seen by a neighbour.", Measures: "Letter retrieved.", Risk: workflow.RiskNone,
		Decision: workflow.DecisionNotify}
	if err := wf.UpdateBreach(ctx, org.ID, b.ID, 0, in); err != nil {
		t.Fatal(err)
	}
	err = wf.CloseBreach(ctx, org.ID, b.ID, 0)
	if !errors.As(err, &fe) || fe["decision"] != "breach.error.close.notify_pending" || fe["decision_reason"] == "" {
		t.Fatalf("close with a pending notification: %v %v", err, fe)
	}
	// Not to notify, with a risk assessed as present: the decision is refused.
	in.Risk, in.Decision, in.DecisionReason = workflow.RiskSome, workflow.DecisionNotNotify, "Unlikely to harm anyone."
	if err := wf.UpdateBreach(ctx, org.ID, b.ID, 0, in); !errors.As(err, &fe) || fe["decision"] != "breach.error.not_notify_with_risk" {
		t.Fatalf("not_notify with risk: %v", err)
	}
	in.Risk = workflow.RiskNone
	if err := wf.UpdateBreach(ctx, org.ID, b.ID, 0, in); err != nil {
		t.Fatal(err)
	}
	if err := wf.CloseBreach(ctx, org.ID, b.ID, 0); err != nil {
		t.Fatalf("complete record not closed: %v", err)
	}
	got, err := store.New(env.Pool).BreachInOrgs(ctx, []int64{org.ID}, b.ID)
	if err != nil || got.State != workflow.BreachClosed || got.ClosedAt == nil {
		t.Fatalf("after close: %+v %v", got, err)
	}
	// Closed is closed.
	if err := wf.UpdateBreach(ctx, org.ID, b.ID, 0, in); !errors.Is(err, workflow.ErrBreachClosed) {
		t.Errorf("edit of a closed breach: %v", err)
	}
	if err := wf.CloseBreach(ctx, org.ID, b.ID, 0); !errors.Is(err, workflow.ErrBreachClosed) {
		t.Errorf("second close: %v", err)
	}
}

// Art 34: a high risk needs the persons informed (or why not) before
// closing; Art 33(1): a notification after 72 h needs the reasons for the
// delay; a notified breach needs no decision reasoning to close.
func TestBreachNotifyAndPersons(t *testing.T) {
	t.Parallel()
	env, org := breachEnv(t, "notify")
	ctx := context.Background()
	wf := env.Workflow
	in := fullInput()
	in.Risk, in.DecisionReason = workflow.RiskHigh, ""
	b, err := wf.CreateBreach(ctx, org, 0, in)
	if err != nil {
		t.Fatal(err)
	}
	// 72 h after 10:15 on the 24th is 09:15 EET on the 27th.
	env.Clock.Set(hel(2026, 10, 27, 12, 0))
	var fe workflow.FieldErrors
	err = wf.RecordNotification(ctx, org.ID, b.ID, 0, workflow.NotificationInput{At: "2026-10-27T10:00", Reference: "TSV/1/2026"})
	if !errors.As(err, &fe) || fe["delay_reason"] != "breach.error.delay_reason" {
		t.Fatalf("late notification without reasons: %v", err)
	}
	if err := wf.RecordNotification(ctx, org.ID, b.ID, 0, workflow.NotificationInput{At: "2026-10-27T09:15", Reference: "TSV/1/2026"}); err != nil {
		t.Fatalf("notification at the limit: %v", err)
	}
	if err := wf.CloseBreach(ctx, org.ID, b.ID, 0); !errors.As(err, &fe) || fe["persons"] != "breach.error.close.persons" || len(fe) != 1 {
		t.Fatalf("close of a high-risk breach without Art 34: %v %v", err, fe)
	}
	if err := wf.RecordPersons(ctx, org.ID, b.ID, 0, workflow.PersonsInput{At: "2026-10-27T11:00", How: "letter", NotNeededReason: "x"}); !errors.As(err, &fe) || fe["persons"] != "breach.error.persons_both" {
		t.Fatalf("both: %v", err)
	}
	if err := wf.RecordPersons(ctx, org.ID, b.ID, 0, workflow.PersonsInput{At: "2026-10-27T11:00", How: "letter"}); err != nil {
		t.Fatal(err)
	}
	if err := wf.CloseBreach(ctx, org.ID, b.ID, 0); err != nil {
		t.Fatalf("close: %v", err)
	}
}

// D-25: every create, change, notification and close is audited on the
// organisation's chain, with field names and codes; no free text typed
// into the breach reaches the audit data.
func TestBreachAuditHoldsNoFreeText(t *testing.T) {
	t.Parallel()
	env, org := breachEnv(t, "audit")
	ctx := context.Background()
	wf := env.Workflow
	staff, err := store.New(env.Pool).InsertStaffUser(ctx, store.StaffUser{Email: "dpo@audit.test", PasswordHash: "x", Lang: "fi", CreatedAt: env.Clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	b, err := wf.CreateBreach(ctx, org, staff, fullInput())
	if err != nil {
		t.Fatal(err)
	}
	in := fullInput()
	in.Measures = "SECRET-MEAS and more"
	in.Risk = workflow.RiskHigh
	if err := wf.UpdateBreach(ctx, org.ID, b.ID, staff, in); err != nil {
		t.Fatal(err)
	}
	if err := wf.RecordNotification(ctx, org.ID, b.ID, staff, workflow.NotificationInput{At: "2026-10-24T11:00", Reference: "SECRET-REF", DelayReason: "SECRET-DELAY"}); err != nil {
		t.Fatal(err)
	}
	if err := wf.RecordPersons(ctx, org.ID, b.ID, staff, workflow.PersonsInput{NotNeededReason: "SECRET-NOTNEEDED"}); err != nil {
		t.Fatal(err)
	}
	if err := wf.RecordPersons(ctx, org.ID, b.ID, staff, workflow.PersonsInput{At: "2026-10-24T11:30", How: "SECRET-HOW"}); err != nil {
		t.Fatal(err)
	}
	if err := wf.CloseBreach(ctx, org.ID, b.ID, staff); err != nil {
		t.Fatal(err)
	}
	evs, err := store.New(env.Pool).AuditTrail(ctx, org.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range evs {
		actions = append(actions, ev.Action)
		raw, _ := json.Marshal(ev.Data)
		for _, s := range breachSecrets {
			if strings.Contains(string(raw), s) {
				t.Errorf("%s event holds free text %s: %s", ev.Action, s, raw)
			}
		}
		if ev.Actor != string(workflow.StaffActor(staff)) {
			t.Errorf("%s actor %q", ev.Action, ev.Actor)
		}
		if ev.Data["breach"] != float64(b.ID) {
			t.Errorf("%s data %v: no breach id", ev.Action, ev.Data)
		}
	}
	want := []string{"breach_created", "breach_edited", "breach_notified", "breach_persons", "breach_persons", "breach_closed"}
	if strings.Join(actions, ",") != strings.Join(want, ",") {
		t.Fatalf("actions %v, want %v", actions, want)
	}
	edited := evs[1].Data["fields"]
	if raw, _ := json.Marshal(edited); string(raw) != `["measures","risk"]` {
		t.Errorf("edited fields %s", raw)
	}
	if brk := store.VerifyAuditChain(env.Keys, evs); brk != nil {
		t.Errorf("organisation chain broken: %+v", brk)
	}
}

// BR: the forms read a time in the doubled autumn hour only with the
// DPO's choice of offset; without one it is refused (asked, not
// guessed); the hours beside it and the spring gap are as before.
func TestParseLocalDateTimeAtAsksInDoubledHour(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		raw, offset string
		want        time.Time
		err         string
	}{
		{"2026-10-25T03:30", "", time.Time{}, "breach.error.ambiguous_hour"},
		{"2026-10-25T03:30", "+01:00", time.Time{}, "breach.error.ambiguous_hour"},
		{"2026-10-25T03:30", workflow.OffsetSummer, time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), ""},
		{"2026-10-25T03:30", workflow.OffsetStandard, time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), ""},
		{"2026-10-25T03:00", workflow.OffsetStandard, time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC), ""},
		{"2026-10-25T02:59", "", time.Date(2026, 10, 24, 23, 59, 0, 0, time.UTC), ""},
		{"2026-10-25T04:00", "", time.Date(2026, 10, 25, 2, 0, 0, 0, time.UTC), ""},
		{"2026-10-24T12:00", workflow.OffsetStandard, time.Date(2026, 10, 24, 9, 0, 0, 0, time.UTC), ""}, // an offset beside the point is ignored
		{"2026-03-29T03:30", workflow.OffsetSummer, time.Time{}, "breach.error.skipped_hour"},
		{"24.10.2026", "", time.Time{}, "breach.error.datetime"},
	} {
		got, err := workflow.ParseLocalDateTimeAt(c.raw, c.offset)
		if err != c.err || !got.Equal(c.want) {
			t.Errorf("%s %q = %v %q, want %v %q", c.raw, c.offset, got.UTC(), err, c.want, c.err)
		}
	}
	if two := workflow.AmbiguousLocal("2026-10-25T03:59"); len(two) != 2 || two[1].Sub(two[0]) != time.Hour {
		t.Errorf("AmbiguousLocal(03:59) = %v", two)
	}
	if two := workflow.AmbiguousLocal("2026-10-25T04:00"); two != nil {
		t.Errorf("AmbiguousLocal(04:00) = %v", two)
	}
}
