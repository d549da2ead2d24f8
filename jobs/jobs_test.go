package jobs_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"

	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// Opening a task schedules its reminders 5 and 2 working days before the
// owner target (the safe target, DL-7) at 08:00 Helsinki, and its
// escalation the working day after (issue 6). Target Thu 2026-04-02;
// Good Friday and Easter Monday (DL-10) push the escalation to Tue 7 April;
// the second reminder is in summer time.
func TestTaskJobsScheduled_DL7_DL10(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	f := inProgress(t, env, "sched")
	if got := f.target(t); got != "2026-04-02" {
		t.Fatalf("owner target %s", got)
	}
	rows := rivertest.RequireManyInserted(context.Background(), t, riverpgxv5.New(env.Pool), []rivertest.ExpectedJob{
		{Args: jobargs.TaskReminder{}, Opts: &rivertest.RequireInsertedOpts{ScheduledAt: at8(2026, 3, 26)}},
		{Args: jobargs.TaskReminder{}, Opts: &rivertest.RequireInsertedOpts{ScheduledAt: at8(2026, 3, 31)}},
		{Args: jobargs.TaskEscalation{}, Opts: &rivertest.RequireInsertedOpts{ScheduledAt: at8(2026, 4, 7)}},
	})
	for i, want := range []jobargs.TaskReminder{
		{TaskID: f.taskID, Due: "2026-04-02", DaysBef: 5},
		{TaskID: f.taskID, Due: "2026-04-02", DaysBef: 2},
	} {
		var got jobargs.TaskReminder
		if err := json.Unmarshal(rows[i].EncodedArgs, &got); err != nil || got != want {
			t.Errorf("reminder %d: %+v %v, want %+v", i, got, err, want)
		}
	}
	var esc jobargs.TaskEscalation
	if err := json.Unmarshal(rows[2].EncodedArgs, &esc); err != nil || esc != (jobargs.TaskEscalation{TaskID: f.taskID, Due: "2026-04-02"}) {
		t.Errorf("escalation %+v %v", esc, err)
	}
}

// Each reminder reaches the owner exactly once, at its time, in the
// owner's language, with a fresh link that replaces the earlier one (only
// token hashes are stored, so a link cannot be repeated).
func TestRemindersSentOnceAtTheirTime(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	f := inProgress(t, env, "remind")
	env.WorkAll()
	tasks := mailsOf(env, "task", ownerEmail)
	if len(tasks) != 1 {
		t.Fatalf("task mails: %d", len(tasks))
	}
	first := tokenOf(t, tasks[0])

	f.at(at8(2026, 3, 26).Add(-time.Minute))
	if n := len(mailsOf(env, "reminder", "")); n != 0 {
		t.Fatalf("reminder before its time: %d", n)
	}
	f.at(at8(2026, 3, 26))
	rem := mailsOf(env, "reminder", ownerEmail)
	if len(rem) != 1 {
		t.Fatalf("reminders after the first: %d", len(rem))
	}
	m := rem[0]
	for _, want := range []string{f.receipt, "Asiakasrekisteri", "2.4.2026", "työpäiviä jäljellä: 5", "Oikeus saada pääsy tietoihin"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("reminder text lacks %q: %q", want, m.Text)
		}
	}
	if !strings.Contains(m.Subject, "Muistutus") || !strings.Contains(m.Subject, f.receipt) {
		t.Errorf("subject %q", m.Subject)
	}
	if strings.Contains(m.Text, "Test Person") || strings.Contains(m.Text, "p@x.test") {
		t.Error("the requester's identity reached the owner's reminder")
	}
	fresh := tokenOf(t, m)
	if string(secret.Hash(fresh)) != string(f.task(t).TokenHash) {
		t.Error("the reminder's link does not open the task")
	}
	if fresh == first || string(secret.Hash(first)) == string(f.task(t).TokenHash) {
		t.Error("the first link should be replaced by the reminder's")
	}

	// Running again sends nothing more; nor does the job run twice.
	env.WorkAll()
	if n := len(mailsOf(env, "reminder", "")); n != 1 {
		t.Fatalf("reminders after a second run: %d", n)
	}
	out, err := env.Workflow.SendReminder(context.Background(), jobargs.TaskReminder{TaskID: f.taskID, Due: "2026-04-02", DaysBef: 5})
	if err != nil || out != workflow.OutcomeDone {
		t.Fatalf("a repeated reminder: %s %v", out, err)
	}

	f.at(at8(2026, 3, 31))
	rem = mailsOf(env, "reminder", ownerEmail)
	if len(rem) != 2 || !strings.Contains(rem[1].Text, "työpäiviä jäljellä: 2") {
		t.Fatalf("second reminder: %d", len(rem))
	}
	if n := f.audits(t, "task_reminded"); n != 2 {
		t.Errorf("task_reminded events: %d", n)
	}
	if n := len(mailsOf(env, "escalation", "")); n != 0 {
		t.Errorf("escalation before the target passed: %d", n)
	}
}

// Swedish-language registers get their reminders in Swedish.
func TestReminderInOwnersLanguage(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("kronoby", "Kruunupyy", "Kronoby", "sv")
	env.Register(org.ID, "Kundregister", "c", ownerEmail)
	if _, err := env.Pool.Exec(context.Background(), `UPDATE registers SET language = 'sv' WHERE org_id = $1`, org.ID); err != nil {
		t.Fatal(err)
	}
	f := enter(t, env, org, env.Clock.Now())
	f.at(at8(2026, 3, 26))
	rem := mailsOf(env, "reminder", ownerEmail)
	if len(rem) != 1 {
		t.Fatalf("reminders: %d", len(rem))
	}
	for _, want := range []string{"Påminnelse", "Kundregister"} {
		if !strings.Contains(rem[0].Subject, want) {
			t.Errorf("subject %q lacks %q", rem[0].Subject, want)
		}
	}
	if !strings.Contains(rem[0].Text, "arbetsdagar kvar: 5") || !strings.Contains(rem[0].Text, "/sv/t/") {
		t.Errorf("text %q", rem[0].Text)
	}
}

// An answered task gets no reminder and no escalation: its jobs run and
// find nothing to do.
func TestAnsweredTaskNeitherRemindedNorEscalated(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	f := inProgress(t, env, "answered")
	env.Clock.Set(at8(2026, 3, 20))
	if err := env.Workflow.AnswerTask(context.Background(), f.org, f.taskID, workflow.OwnerActor(f.taskID),
		workflow.TaskAnswer{Answer: "no_data"}); err != nil {
		t.Fatal(err)
	}
	f.at(at8(2026, 4, 8))
	if n := len(mailsOf(env, "reminder", "")) + len(mailsOf(env, "escalation", "")); n != 0 {
		t.Fatalf("reminders/escalations for an answered task: %d", n)
	}
	if n := len(mailsOf(env, "answer_ready", f.org.DPOEmail)); n != 1 {
		t.Errorf("answer_ready mails: %d", n)
	}
	for _, kind := range []string{"task_reminder", "task_escalation"} {
		for _, j := range jobsOf(t, env, kind) {
			if j.State != "completed" {
				t.Errorf("%s job %d: %s", kind, j.ID, j.State)
			}
		}
	}
	if n := f.audits(t, "task_reminded") + f.audits(t, "task_escalated"); n != 0 {
		t.Errorf("audit events: %d", n)
	}
}

// An unanswered task is escalated to the DPO the working day after its
// target, once; the mail names the case, register and owner and links to
// the case. Reminders whose time came after the target are not sent.
func TestEscalationAfterTarget(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	f := inProgress(t, env, "escal")
	f.at(at8(2026, 4, 7).Add(-time.Minute))
	if n := len(mailsOf(env, "escalation", "")); n != 0 {
		t.Fatalf("escalated early: %d", n)
	}
	if n := len(mailsOf(env, "reminder", "")); n != 0 {
		t.Fatalf("late reminders sent: %d", n)
	}
	f.at(at8(2026, 4, 7))
	esc := mailsOf(env, "escalation", "")
	if len(esc) != 1 {
		t.Fatalf("escalations: %d", len(esc))
	}
	m := esc[0]
	if len(m.To) != 1 || m.To[0] != f.org.DPOEmail {
		t.Errorf("escalation to %v", m.To)
	}
	for _, want := range []string{f.receipt, "Asiakasrekisteri", "Owner of Asiakasrekisteri", ownerEmail, "2.4.2026",
		"http://rightsdesk.test/staff/cases/" + f.receipt} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("escalation lacks %q: %q", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "Test Person") {
		t.Error("the requester's name in the escalation")
	}
	if n := f.audits(t, "task_escalated"); n != 1 {
		t.Errorf("task_escalated events: %d", n)
	}
	out, err := env.Workflow.Escalate(context.Background(), jobargs.TaskEscalation{TaskID: f.taskID, Due: "2026-04-02"})
	if err != nil || out != workflow.OutcomeDone {
		t.Errorf("repeated escalation: %s %v", out, err)
	}
	f.at(at8(2026, 4, 20))
	if n := len(mailsOf(env, "escalation", "")); n != 1 {
		t.Errorf("escalations later: %d", n)
	}
}

// DL-5: an extension moves the owner target to receipt + 3 months (rolled
// back, DL-7); the old jobs do nothing, new ones fire at the new dates.
func TestExtensionMovesReminders_DL5(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	f := inProgress(t, env, "extend")
	env.Clock.Set(at8(2026, 3, 10))
	if err := env.Workflow.Extend(context.Background(), f.org, f.caseID, workflow.StaffActor(1), "Many registers"); err != nil {
		t.Fatal(err)
	}
	if got := f.target(t); got != "2026-06-03" {
		t.Fatalf("target after extension %s", got)
	}
	rivertest.RequireManyInserted(context.Background(), t, riverpgxv5.New(env.Pool), []rivertest.ExpectedJob{
		{Args: jobargs.TaskReminder{}, Opts: &rivertest.RequireInsertedOpts{ScheduledAt: at8(2026, 3, 26)}},
		{Args: jobargs.TaskReminder{}, Opts: &rivertest.RequireInsertedOpts{ScheduledAt: at8(2026, 3, 31)}},
		{Args: jobargs.TaskEscalation{}, Opts: &rivertest.RequireInsertedOpts{ScheduledAt: at8(2026, 4, 7)}},
		{Args: jobargs.TaskReminder{}, Opts: &rivertest.RequireInsertedOpts{ScheduledAt: at8(2026, 5, 27)}},
		{Args: jobargs.TaskReminder{}, Opts: &rivertest.RequireInsertedOpts{ScheduledAt: at8(2026, 6, 1)}},
		{Args: jobargs.TaskEscalation{}, Opts: &rivertest.RequireInsertedOpts{ScheduledAt: at8(2026, 6, 4)}},
	})
	for _, day := range []time.Time{at8(2026, 3, 26), at8(2026, 3, 31), at8(2026, 4, 7)} {
		f.at(day)
	}
	if n := len(mailsOf(env, "reminder", "")) + len(mailsOf(env, "escalation", "")); n != 0 {
		t.Fatalf("stale jobs sent %d mails", n)
	}
	f.at(at8(2026, 5, 27))
	rem := mailsOf(env, "reminder", ownerEmail)
	if len(rem) != 1 || !strings.Contains(rem[0].Text, "3.6.2026") {
		t.Fatalf("reminder at the new date: %d", len(rem))
	}
	f.at(at8(2026, 6, 1))
	if n := len(mailsOf(env, "reminder", ownerEmail)); n != 2 {
		t.Fatalf("reminders: %d", n)
	}
	f.at(at8(2026, 6, 4))
	if n := len(mailsOf(env, "escalation", f.org.DPOEmail)); n != 1 {
		t.Fatalf("escalation at the new date: %d", n)
	}
}

// DL-8: a pause moves the target by the paused days; after resuming, the
// old jobs do nothing and the new ones fire at the new dates.
func TestPauseResumeMovesReminders_DL8(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	f := inProgress(t, env, "pause")
	ctx := context.Background()
	env.Clock.Set(at8(2026, 3, 10).Add(2 * time.Hour))
	if err := env.Workflow.Pause(ctx, f.org, f.caseID, workflow.StaffActor(1), "Waiting for the requester"); err != nil {
		t.Fatal(err)
	}
	env.Clock.Set(at8(2026, 3, 20).Add(2 * time.Hour))
	if err := env.Workflow.Resume(ctx, f.org, f.caseID, workflow.StaffActor(1)); err != nil {
		t.Fatal(err)
	}
	// 10 days: 2026-03-13 + 1 month = Monday 2026-04-13.
	if got := f.target(t); got != "2026-04-13" {
		t.Fatalf("target after the pause %s", got)
	}
	for _, day := range []time.Time{at8(2026, 3, 26), at8(2026, 3, 31)} {
		f.at(day)
	}
	if n := len(mailsOf(env, "reminder", "")); n != 0 {
		t.Fatalf("stale reminders: %d", n)
	}
	// 5 working days before 13 April skip Easter Monday and Good Friday.
	f.at(at8(2026, 4, 2))
	rem := mailsOf(env, "reminder", ownerEmail)
	if len(rem) != 1 || !strings.Contains(rem[0].Text, "13.4.2026") {
		t.Fatalf("reminder after resume: %d", len(rem))
	}
	f.at(at8(2026, 4, 7))
	if n := len(mailsOf(env, "escalation", "")); n != 0 {
		t.Fatalf("the old escalation fired: %d", n)
	}
	f.at(at8(2026, 4, 9))
	if n := len(mailsOf(env, "reminder", ownerEmail)); n != 2 {
		t.Fatalf("reminders: %d", n)
	}
	f.at(at8(2026, 4, 14))
	if n := len(mailsOf(env, "escalation", f.org.DPOEmail)); n != 1 {
		t.Fatalf("escalation: %d", n)
	}
}

// DL-8: a case paused when its reminder is due holds the reminder while
// the target stands; lifted the same day (target unchanged), the reminder
// is sent, once, rather than lost.
func TestPauseThatDoesNotMoveTheTargetDelaysTheReminder_DL8(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	f := inProgress(t, env, "shortpause")
	ctx := context.Background()
	env.Clock.Set(at8(2026, 3, 25).Add(8 * time.Hour))
	if err := env.Workflow.Pause(ctx, f.org, f.caseID, workflow.StaffActor(1), "A question to the requester"); err != nil {
		t.Fatal(err)
	}
	f.at(at8(2026, 3, 26))
	if n := len(mailsOf(env, "reminder", "")); n != 0 {
		t.Fatalf("reminder while paused: %d", n)
	}
	for _, j := range jobsOf(t, env, "task_reminder") {
		if j.State != "scheduled" {
			t.Fatalf("reminder job %d is %s while paused, want it held", j.ID, j.State)
		}
	}
	// One paused day moves 3 April (Good Friday) to 4 April, which rolls
	// back to the same target.
	env.Clock.Set(at8(2026, 3, 26).Add(time.Hour))
	if err := env.Workflow.Resume(ctx, f.org, f.caseID, workflow.StaffActor(1)); err != nil {
		t.Fatal(err)
	}
	if got := f.target(t); got != "2026-04-02" {
		t.Fatalf("target %s", got)
	}
	env.WorkAll()
	if n := len(mailsOf(env, "reminder", ownerEmail)); n != 1 {
		t.Fatalf("reminders after resuming: %d", n)
	}
	if n := len(jobsOf(t, env, "task_reminder")); n != 2 {
		t.Errorf("reminder jobs: %d (resume must not double them)", n)
	}
}

// The sweep re-creates task jobs lost from River (deleted by hand), at
// their right times, and does not double them or re-escalate.
func TestSweepRestoresTaskJobs(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	f := inProgress(t, env, "sweep")
	ctx := context.Background()
	lose := func() {
		t.Helper()
		if _, err := env.Pool.Exec(ctx, `DELETE FROM river_job WHERE kind IN ('task_reminder', 'task_escalation')`); err != nil {
			t.Fatal(err)
		}
	}
	lose()
	insertAt(t, env, jobargs.Sweep{}, env.Clock.Now())
	env.WorkAll(jobargs.Sweep{}.Kind())
	want := []rivertest.ExpectedJob{
		{Args: jobargs.TaskReminder{}, Opts: &rivertest.RequireInsertedOpts{ScheduledAt: at8(2026, 3, 26)}},
		{Args: jobargs.TaskReminder{}, Opts: &rivertest.RequireInsertedOpts{ScheduledAt: at8(2026, 3, 31)}},
		{Args: jobargs.TaskEscalation{}, Opts: &rivertest.RequireInsertedOpts{ScheduledAt: at8(2026, 4, 7)}},
	}
	rivertest.RequireManyInserted(ctx, t, riverpgxv5.New(env.Pool), want)
	// Nothing is missing now: a second sweep inserts nothing.
	if err := env.Workflow.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	rivertest.RequireManyInserted(ctx, t, riverpgxv5.New(env.Pool), want)

	// Escalated for its target, a task is left alone even when its jobs
	// are gone (River deletes completed jobs after a day).
	f.at(at8(2026, 4, 7))
	if n := len(mailsOf(env, "escalation", "")); n != 1 {
		t.Fatalf("escalations: %d", n)
	}
	lose()
	if err := env.Workflow.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(jobsOf(t, env, "task_escalation")); n != 0 {
		t.Fatalf("the sweep re-scheduled an escalated task: %d", n)
	}
	env.Clock.Set(at8(2026, 4, 8))
	if n := env.WorkAll(); n != 0 {
		t.Errorf("jobs ran: %d", n)
	}
}

// After an extension the sweep schedules for the current target when only
// the old target's jobs are left.
func TestSweepFollowsTheCurrentTarget(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	f := inProgress(t, env, "sweepext")
	ctx := context.Background()
	env.Clock.Set(at8(2026, 3, 10))
	if err := env.Workflow.Extend(ctx, f.org, f.caseID, workflow.StaffActor(1), "Complex"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, `DELETE FROM river_job WHERE kind IN ('task_reminder', 'task_escalation') AND args->>'due' = '2026-06-03'`); err != nil {
		t.Fatal(err)
	}
	if err := env.Workflow.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	var dues []string
	for _, j := range jobsOf(t, env, "task_escalation") {
		dues = append(dues, j.Args["due"].(string))
	}
	if strings.Join(dues, ",") != "2026-04-02,2026-06-03" {
		t.Fatalf("escalations: %v", dues)
	}
}

// Workers down over both reminder days: when they return, the owner gets
// one reminder, counting the working days actually left.
func TestLateRemindersCollapse(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	f := inProgress(t, env, "late")
	f.at(at8(2026, 4, 1).Add(2 * time.Hour))
	rem := mailsOf(env, "reminder", ownerEmail)
	if len(rem) != 1 || !strings.Contains(rem[0].Text, "työpäiviä jäljellä: 1") {
		t.Fatalf("reminders after an outage: %d", len(rem))
	}
	for _, j := range jobsOf(t, env, "task_reminder") {
		if j.State != "completed" {
			t.Errorf("reminder job %d: %s", j.ID, j.State)
		}
	}
}

// D-22: an owner of several registers of one case gets one reminder mail
// listing them all, each with a fresh link that opens its own task (and
// the first links stop working); another owner gets their own. Every task
// is recorded as reminded once, and the other tasks' jobs then send
// nothing. The DPO's escalation is likewise one mail per case.
func TestOneReminderPerOwnerAndCase_D22(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("monta", "Testikunta monta", "Testby monta", "fi")
	for _, name := range []string{"Asiakasrekisteri", "Kirjaston asiakasrekisteri", "Opiskelijarekisteri"} {
		env.Register(org.ID, name, "c", ownerEmail)
	}
	const other = "toinen@x.test"
	env.Register(org.ID, "Varhaiskasvatusrekisteri", "c", other)
	f := enter(t, env, org, env.Clock.Now())
	env.WorkAll()
	if n := len(mailsOf(env, "task", ownerEmail)); n != 1 {
		t.Fatalf("task mails to the owner of three registers: %d, want 1 (D-22)", n)
	}

	f.at(at8(2026, 3, 26))
	rem := mailsOf(env, "reminder", ownerEmail)
	if len(rem) != 1 {
		t.Fatalf("reminders to the owner of three registers: %d, want 1", len(rem))
	}
	m := rem[0]
	for _, want := range []string{f.receipt, "Asiakasrekisteri", "Kirjaston asiakasrekisteri", "Opiskelijarekisteri", "työpäiviä jäljellä: 5"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("reminder lacks %q: %q", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "Varhaiskasvatusrekisteri") || !strings.Contains(m.Subject, "3 tehtävää") {
		t.Errorf("the reminder names another owner's register or its subject %q does not count the tasks", m.Subject)
	}
	links := linkRe.FindAllStringSubmatch(m.Text, -1)
	tasks, err := store.New(env.Pool).TasksOfCase(context.Background(), org.ID, f.caseID)
	if err != nil {
		t.Fatal(err)
	}
	mine := map[string]bool{}
	for _, tk := range tasks {
		if tk.OwnerEmail == ownerEmail {
			mine[string(tk.TokenHash)] = true
		}
	}
	opened := map[string]bool{}
	for _, l := range links {
		if h := string(secret.Hash(l[1])); mine[h] {
			opened[h] = true
		}
	}
	if len(links) != 3 || len(opened) != 3 {
		t.Fatalf("%d links in the reminder open %d of the owner's 3 tasks", len(links), len(opened))
	}
	if n := len(mailsOf(env, "reminder", other)); n != 1 {
		t.Errorf("reminders to the other owner: %d, want 1", n)
	}
	if n := f.audits(t, "task_reminded"); n != 4 {
		t.Errorf("task_reminded events: %d, want one per task (4)", n)
	}
	env.WorkAll()
	if n := len(mailsOf(env, "reminder", "")); n != 2 {
		t.Fatalf("reminders after every job ran again: %d, want 2", n)
	}

	// Past the target, one of the first owner's tasks answered: the DPO
	// gets one escalation for the case, naming the three late tasks and
	// both owners, and every late task is recorded as escalated.
	if _, err := env.Pool.Exec(context.Background(), `UPDATE tasks SET state = 'answered', answer = 'no_data', answered_at = now()
		WHERE case_id = $1 AND register_id = (SELECT id FROM registers WHERE org_id = $2 AND name = 'Opiskelijarekisteri')`, f.caseID, org.ID); err != nil {
		t.Fatal(err)
	}
	f.at(at8(2026, 4, 7))
	esc := mailsOf(env, "escalation", org.DPOEmail)
	if len(esc) != 1 {
		t.Fatalf("escalations to the DPO: %d, want 1 for the case", len(esc))
	}
	for _, want := range []string{f.receipt, "Asiakasrekisteri", "Kirjaston asiakasrekisteri", "Varhaiskasvatusrekisteri", ownerEmail, other} {
		if !strings.Contains(esc[0].Text, want) {
			t.Errorf("escalation lacks %q: %q", want, esc[0].Text)
		}
	}
	if strings.Contains(esc[0].Text, "Opiskelijarekisteri") || !strings.Contains(esc[0].Subject, "3 tehtävää") {
		t.Errorf("escalation names the answered task, or its subject %q does not count 3", esc[0].Subject)
	}
	if n := f.audits(t, "task_escalated"); n != 3 {
		t.Errorf("task_escalated events: %d, want 3", n)
	}
	env.WorkAll()
	if n := len(mailsOf(env, "escalation", "")); n != 1 {
		t.Errorf("escalations after every job ran again: %d, want 1", n)
	}
}

// D-22 as River runs it: the reminder jobs of a case's tasks fall due at
// the same minute and run at once. The first takes the owner's other tasks
// into its mail while the rest wait for it (not holding their tasks), and
// then find their tasks reminded: still one mail per owner.
func TestParallelRemindersOneMailPerOwner_D22(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("rinn", "Testikunta rinn", "Testby rinn", "fi")
	for _, name := range []string{"Asiakasrekisteri", "Kirjaston asiakasrekisteri", "Opiskelijarekisteri", "Liikuntarekisteri"} {
		env.Register(org.ID, name, "c", ownerEmail)
	}
	f := enter(t, env, org, env.Clock.Now())
	env.WorkAll()
	tasks, err := store.New(env.Pool).TasksOfCase(context.Background(), org.ID, f.caseID)
	if err != nil || len(tasks) != 4 {
		t.Fatalf("tasks %d %v", len(tasks), err)
	}
	env.Clock.Set(at8(2026, 3, 26))
	var wg sync.WaitGroup
	outs := make([]workflow.JobOutcome, len(tasks))
	errs := make([]error, len(tasks))
	for i, tk := range tasks {
		wg.Go(func() {
			outs[i], errs[i] = env.Workflow.SendReminder(context.Background(), jobargs.TaskReminder{TaskID: tk.ID, Due: "2026-04-02", DaysBef: 5})
		})
	}
	wg.Wait()
	sent := 0
	for i := range outs {
		if errs[i] != nil {
			t.Fatalf("reminder %d: %v", i, errs[i])
		}
		if outs[i] == workflow.OutcomeSent {
			sent++
		}
	}
	env.WorkAll()
	if n := len(mailsOf(env, "reminder", ownerEmail)); n != 1 || sent != 1 {
		t.Fatalf("%d parallel reminder jobs sent %d mails (%d reported sent), want 1", len(tasks), n, sent)
	}
	if n := f.audits(t, "task_reminded"); n != 4 {
		t.Errorf("task_reminded events: %d, want 4", n)
	}
}

// D-5: a register's name is published text, marked with its language
// where a mail is in another: the owner's one task mail (D-22) and the
// DPO's escalation, both in Finnish, mark the Swedish register's name.
func TestMailsMarkRegisterNamesLanguage_D5(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("kieli", "Testikunta kieli", "Testby kieli", "fi")
	env.Register(org.ID, "Asiakasrekisteri", "c", ownerEmail)
	sv := env.Register(org.ID, "Kundregister", "c", ownerEmail)
	if _, err := env.Pool.Exec(context.Background(), `UPDATE registers SET language = CASE WHEN id = $2 THEN 'sv' ELSE 'fi' END WHERE org_id = $1`, org.ID, sv); err != nil {
		t.Fatal(err)
	}
	f := enter(t, env, org, env.Clock.Now())
	env.WorkAll()
	tasks := mailsOf(env, "task", ownerEmail)
	if len(tasks) != 1 {
		t.Fatalf("task mails: %d, want 1", len(tasks))
	}
	marked := regexp.MustCompile(`<td lang="sv">Kundregister</td>`)
	plain := regexp.MustCompile(`<td>Asiakasrekisteri</td>`)
	if !strings.Contains(tasks[0].HTML, `lang="fi"`) || !marked.MatchString(tasks[0].HTML) || !plain.MatchString(tasks[0].HTML) {
		t.Fatalf("task mail does not mark the Swedish name only: %s", tasks[0].HTML)
	}
	f.at(at8(2026, 4, 7))
	esc := mailsOf(env, "escalation", org.DPOEmail)
	if len(esc) != 1 || !marked.MatchString(esc[0].HTML) || !plain.MatchString(esc[0].HTML) {
		t.Fatalf("escalations %d; the DPO's escalation does not mark the Swedish name only", len(esc))
	}
}
