package jobs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

func helAt(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, workflow.Helsinki())
}

// breachOrg is an organisation with a DPO address, a DPO account in
// Swedish and a viewer (who gets no reminders), the clock at aware.
func breachOrg(t *testing.T, slug string, now time.Time) (*testenv.Env, store.Org) {
	t.Helper()
	env := testenv.New(t)
	env.Clock.Set(now)
	org := env.Org(slug, "Testikunta "+slug, "Testby "+slug, "fi")
	addStaff(t, env, org.ID, "dpo2@"+slug+".test", "sv", workflow.RoleDPO, false)
	addStaff(t, env, org.ID, "viewer@"+slug+".test", "fi", workflow.RoleViewer, false)
	return env, org
}

func newBreach(t *testing.T, env *testenv.Env, org store.Org, aware string) store.Breach {
	t.Helper()
	b, err := env.Workflow.CreateBreach(context.Background(), org, 0, workflow.BreachInput{Title: "Lost USB stick", AwareAt: aware})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func breachReminderRows(t *testing.T, env *testenv.Env, id int64) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM breach_reminders WHERE breach_id = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// BR, Art 33(1): the DPOs are reminded 24 h and 6 h before the 72-hour
// limit and at it, each once, on a simulated clock across the autumn DST
// change (aware Sat 24 Oct 2026 12:00 EEST, limit Tue 27 Oct 11:00 EET).
func TestBreachRemindersOnceEachAcrossDST(t *testing.T) {
	t.Parallel()
	env, org := breachOrg(t, "brrem", helAt(2026, 10, 24, 12, 5))
	b := newBreach(t, env, org, "2026-10-24T12:00")
	due := helAt(2026, 10, 27, 11, 0)
	if !workflow.BreachDeadline(b.AwareAt).Equal(due) {
		t.Fatalf("deadline %v, want %v", workflow.BreachDeadline(b.AwareAt), due)
	}
	jobs := jobsOf(t, env, "breach_reminder")
	if len(jobs) != 3 {
		t.Fatalf("%d reminder jobs, want 3", len(jobs))
	}
	want := map[float64]time.Time{24: helAt(2026, 10, 26, 11, 0), 6: helAt(2026, 10, 27, 5, 0), 0: due}
	for _, j := range jobs {
		h := j.Args["hours_before"].(float64)
		if !j.ScheduledAt.Equal(want[h]) {
			t.Errorf("%v h reminder scheduled %v, want %v", h, j.ScheduledAt.In(workflow.Helsinki()), want[h])
		}
		if len(j.Args) != 3 || j.Args["breach_id"].(float64) != float64(b.ID) {
			t.Errorf("job args %v: ids only", j.Args)
		}
	}
	dpos := []string{"dpo@brrem.test", "dpo2@brrem.test"}
	count := func() int { return len(mailsOf(env, "breach_reminder", "")) }

	// A minute before the first stage: nothing.
	env.Clock.Set(helAt(2026, 10, 26, 10, 59))
	env.WorkAll()
	if n := count(); n != 0 {
		t.Fatalf("%d reminders before 24 h", n)
	}
	env.Clock.Set(helAt(2026, 10, 26, 11, 0))
	env.WorkAll()
	ms := mailsOf(env, "breach_reminder", "")
	if len(ms) != 2 {
		t.Fatalf("24 h stage: %d mails, want one to each of %v", len(ms), dpos)
	}
	for _, m := range ms {
		if m.To[0] == "viewer@brrem.test" {
			t.Error("a viewer was reminded")
		}
		if strings.Contains(m.Text, "Lost USB") {
			t.Error("the reminder carries the breach's text")
		}
	}
	sv := mailsOf(env, "breach_reminder", "dpo2@brrem.test")
	if len(sv) != 1 || !strings.Contains(sv[0].Subject, "24 h") || !strings.Contains(sv[0].Text, "27.10.2026 kl. 11.00") {
		t.Errorf("Swedish 24 h reminder: %+v", sv)
	}
	// Run again, and insert the same job again: still one each.
	env.WorkAll()
	insertAt(t, env, jobargs.BreachReminder{BreachID: b.ID, HoursBefore: 24, Due: due.Unix()}, env.Clock.Now())
	env.WorkAll()
	if n := count(); n != 2 {
		t.Fatalf("24 h stage sent again: %d mails", n)
	}

	env.Clock.Set(helAt(2026, 10, 27, 5, 0))
	env.WorkAll()
	if n := count(); n != 4 {
		t.Fatalf("6 h stage: %d mails in all, want 4", n)
	}
	fi := mailsOf(env, "breach_reminder", "dpo@brrem.test")
	if len(fi) != 2 || !strings.Contains(fi[1].Text, "27.10.2026 klo 11.00") || !strings.Contains(fi[1].Text, "6 h 0 min") {
		t.Errorf("Finnish 6 h reminder: %q", fi[len(fi)-1].Text)
	}
	env.Clock.Set(due)
	env.WorkAll()
	env.Clock.Set(due.Add(48 * time.Hour))
	env.WorkAll()
	if n := count(); n != 6 {
		t.Fatalf("at the limit: %d mails in all, want 6", n)
	}
	en := mailsOf(env, "breach_reminder", "dpo@brrem.test")
	if last := en[len(en)-1]; !strings.Contains(last.Subject, "72") {
		t.Errorf("limit reminder subject %q", last.Subject)
	}
	if n := breachReminderRows(t, env, b.ID); n != 3 {
		t.Errorf("%d reminder rows, want 3", n)
	}
	evs, err := store.New(env.Pool).AuditTrail(context.Background(), org.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	reminded := 0
	for _, ev := range evs {
		if ev.Action == "breach_reminded" {
			reminded++
		}
	}
	if reminded != 3 {
		t.Errorf("%d breach_reminded events, want 3", reminded)
	}
}

// No reminder goes out once the Ombudsman was notified (nor after a
// decision not to notify, nor for a closed breach).
func TestBreachNoRemindersAfterNotification(t *testing.T) {
	t.Parallel()
	env, org := breachOrg(t, "brnot", helAt(2027, 3, 27, 12, 0))
	ctx := context.Background()
	b := newBreach(t, env, org, "2027-03-27T12:00")
	// Spring DST: the limit is 30 Mar 13:00 EEST, 72 elapsed hours.
	if got := workflow.BreachDeadline(b.AwareAt); !got.Equal(helAt(2027, 3, 30, 13, 0)) {
		t.Fatalf("deadline %v", got.In(workflow.Helsinki()))
	}
	env.Clock.Set(helAt(2027, 3, 28, 9, 0))
	if err := env.Workflow.RecordNotification(ctx, org.ID, b.ID, 0, workflow.NotificationInput{At: "2027-03-28T08:30", Reference: "TSV/9"}); err != nil {
		t.Fatal(err)
	}
	// A second breach decided not to be notified.
	b2 := newBreach(t, env, org, "2027-03-28T08:00")
	in := workflow.BreachInput{Title: "Lost USB stick", AwareAt: "2027-03-28T08:00", Risk: workflow.RiskNone,
		Decision: workflow.DecisionNotNotify, DecisionReason: "Encrypted."}
	if err := env.Workflow.UpdateBreach(ctx, org.ID, b2.ID, 0, in); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{helAt(2027, 3, 29, 13, 0), helAt(2027, 3, 30, 7, 0), helAt(2027, 3, 30, 13, 0), helAt(2027, 4, 2, 0, 0)} {
		env.Clock.Set(at)
		env.WorkAll()
	}
	if ms := mailsOf(env, "breach_reminder", ""); len(ms) != 0 {
		t.Fatalf("%d reminders after notification or decision: %v", len(ms), ms[0].Subject)
	}
	for _, j := range jobsOf(t, env, "breach_reminder") {
		if j.State != "completed" {
			t.Errorf("job %d left %s", j.ID, j.State)
		}
	}
}

// Workers down past two stages: only the nearest goes out, once; a
// corrected aware_at schedules the new limit's reminders and the old
// jobs find themselves stale.
func TestBreachLateAndMovedReminders(t *testing.T) {
	t.Parallel()
	env, org := breachOrg(t, "brlate", helAt(2026, 10, 24, 12, 5))
	ctx := context.Background()
	b := newBreach(t, env, org, "2026-10-24T12:00")
	env.Clock.Set(helAt(2026, 10, 27, 6, 0)) // past 24 h and 6 h stages
	env.WorkAll()
	ms := mailsOf(env, "breach_reminder", "dpo@brlate.test")
	if len(ms) != 1 || !strings.Contains(ms[0].Text, "5 h 0 min") {
		t.Fatalf("late run: %d mails %v", len(ms), ms)
	}
	// The DPO corrects aware_at: 2 hours later.
	in := workflow.BreachInput{Title: "Lost USB stick", AwareAt: "2026-10-24T14:00"}
	if err := env.Workflow.UpdateBreach(ctx, org.ID, b.ID, 0, in); err != nil {
		t.Fatal(err)
	}
	if n := len(jobsOf(t, env, "breach_reminder")); n != 6 {
		t.Fatalf("%d jobs after the correction, want 6", n)
	}
	env.Clock.Set(helAt(2026, 10, 27, 7, 0)) // 6 h before the new limit 13:00
	env.WorkAll()
	if ms := mailsOf(env, "breach_reminder", "dpo@brlate.test"); len(ms) != 2 || !strings.Contains(ms[1].Text, "27.10.2026 klo 13.00") {
		t.Fatalf("after the correction: %d mails", len(ms))
	}
	env.Clock.Set(helAt(2026, 10, 27, 11, 0)) // the old limit: its job is stale
	env.WorkAll()
	if n := len(mailsOf(env, "breach_reminder", "dpo@brlate.test")); n != 2 {
		t.Fatalf("old limit reminded: %d mails", n)
	}
}
