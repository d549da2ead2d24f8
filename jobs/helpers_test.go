package jobs_test

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"rightsdesk/internal/mail"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

const ownerEmail = "owner@x.test"

// at8 is 08:00 Helsinki on a day: when reminders and escalations run.
func at8(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 8, 0, 0, 0, workflow.Helsinki())
}

// fix is one case in progress with one open task.
type fix struct {
	env     *testenv.Env
	org     store.Org
	caseID  int64
	receipt string
	taskID  int64
}

// inProgress: an organisation with one register, and a paper request for
// access entered now with identity established at the counter, so its one
// task is open and its jobs are scheduled. Received 2026-03-03 (the Env
// clock): raw end 2026-04-03 is Good Friday, so the owner target (the safe
// target, DL-7) is Thursday 2026-04-02.
func inProgress(t *testing.T, env *testenv.Env, slug string) fix {
	t.Helper()
	org := env.Org(slug, "Testikunta "+slug, "Testby "+slug, "fi")
	env.Register(org.ID, "Asiakasrekisteri", "c", ownerEmail)
	return enter(t, env, org, env.Clock.Now())
}

// enter files a paper request received at received, identity at once.
func enter(t *testing.T, env *testenv.Env, org store.Org, received time.Time) fix {
	t.Helper()
	sub, err := env.Workflow.EnterRequest(context.Background(), org, workflow.StaffActor(1), workflow.PaperRequest{
		Request: workflow.Request{Rights: []string{"access"}, AllRegisters: true, Name: "Test Person", Email: "p@x.test", Lang: "fi"},
		Channel: "paper", ReceivedAt: received, IdentityMethod: "in_person"})
	if err != nil {
		t.Fatal(err)
	}
	f := fix{env: env, org: org, caseID: sub.CaseID, receipt: sub.Receipt}
	tasks, err := store.New(env.Pool).TasksOfCase(context.Background(), org.ID, sub.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tasks {
		if tk.State == "open" {
			f.taskID = tk.ID
			break
		}
	}
	if f.taskID == 0 {
		t.Fatalf("no open task: %+v", tasks)
	}
	return f
}

func (f fix) task(t *testing.T) store.Task {
	t.Helper()
	tk, err := store.New(f.env.Pool).TaskByID(context.Background(), f.taskID)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func (f fix) caseRow(t *testing.T) store.Case {
	t.Helper()
	c, err := store.New(f.env.Pool).CaseByID(context.Background(), f.org.ID, f.caseID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// target is the case's current owner target.
func (f fix) target(t *testing.T) string {
	t.Helper()
	return workflow.DueOf(f.caseRow(t), workflow.CalendarFor(f.org), f.env.Clock.Now()).OwnerTarget.String()
}

// audits counts the case's audit events of action.
func (f fix) audits(t *testing.T, action string) int {
	t.Helper()
	evs, err := store.New(f.env.Pool).AuditTrail(context.Background(), f.org.ID, f.caseID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Action == action {
			n++
		}
	}
	return n
}

// at moves the clock to t and runs every due job, as River would.
func (f fix) at(t time.Time) {
	f.env.Clock.Set(t)
	f.env.WorkAll()
}

// mailsOf lists the caught mails of a kind (the X-Rightsdesk-Kind header),
// oldest first; with to, only those to that address.
func mailsOf(env *testenv.Env, kind, to string) []mail.Caught {
	var out []mail.Caught
	msgs := env.Catcher.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.Headers.Get("X-Rightsdesk-Kind") == kind && (to == "" || slices.Contains(m.To, to)) {
			out = append(out, m)
		}
	}
	return out
}

// jobRow is a river_job row as the tests look at it.
type jobRow struct {
	ID          int64
	State       string
	ScheduledAt time.Time
	Args        map[string]any
}

// jobsOf lists the jobs of a kind by id.
func jobsOf(t *testing.T, env *testenv.Env, kind string) []jobRow {
	t.Helper()
	rows, err := env.Pool.Query(context.Background(),
		`SELECT id, state::text, scheduled_at, args FROM river_job WHERE kind = $1 ORDER BY id`, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []jobRow
	for rows.Next() {
		var r jobRow
		var raw []byte
		if err := rows.Scan(&r.ID, &r.State, &r.ScheduledAt, &raw); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &r.Args); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// insertAt inserts a job due at the Env clock's time (WorkAll runs it).
func insertAt(t *testing.T, env *testenv.Env, args river.JobArgs, at time.Time) *rivertype.JobInsertResult {
	t.Helper()
	res, err := env.River.Insert(context.Background(), args, &river.InsertOpts{ScheduledAt: at})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

var linkRe = regexp.MustCompile(`http://rightsdesk\.test/(?:fi|sv|en)/t/(\S+)`)

// tokenOf extracts a task link's token from a mail.
func tokenOf(t *testing.T, m mail.Caught) string {
	t.Helper()
	s := linkRe.FindStringSubmatch(m.Text)
	if s == nil {
		t.Fatalf("no task link in %q", m.Text)
	}
	return s[1]
}
