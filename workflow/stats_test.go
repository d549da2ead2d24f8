package workflow_test

import (
	"reflect"
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// TestRefreshStats (issue 21): the River job's refresh counts requests by
// month of receipt and answers by month of answer, by right, channel and
// outcome, on time against the effective due date, with a days histogram;
// it is idempotent; and months it no longer recomputes keep their figures
// after the retention purge of their cases.
func TestRefreshStats(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx, wf := env.Ctx, env.Workflow
	org := env.Org("raasepori", "Raaseporin kaupunki", "Raseborgs stad", "sv")
	env.Register(org.ID, "Rekisteri", "e", "owner@raseborg.test")
	hel := workflow.Helsinki()
	env.Clock.Set(time.Date(2026, 3, 10, 12, 0, 0, 0, hel))
	actor := workflow.ActorCLI
	var ids []int64
	for i := range 9 {
		ch, rights := "paper", []string{"access"}
		if i >= 7 {
			ch, rights = "phone", []string{"erasure"}
		}
		sub, err := wf.EnterRequest(ctx, org, actor, workflow.PaperRequest{Channel: ch,
			ReceivedAt: time.Date(2026, 1, 10+i, 9, 0, 0, 0, hel),
			Request:    workflow.Request{Rights: rights, AllRegisters: true, Name: "Test Person", Email: "p@example.fi", Lang: "sv"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, sub.CaseID)
	}
	// Six answered in February, 22 to 27 days after receipt; one late.
	for i := range 6 {
		if _, err := env.Pool.Exec(ctx, `UPDATE cases SET state = 'answered', answered_at = received_at + make_interval(days => 22 + $2) WHERE id = $1`,
			ids[i], i); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.Pool.Exec(ctx, `UPDATE cases SET state = 'answered', answered_at = legal_due + 3 WHERE id = $1`, ids[7]); err != nil {
		t.Fatal(err)
	}
	if err := wf.RefreshStats(ctx); err != nil {
		t.Fatal(err)
	}
	q := store.New(env.Pool)
	read := func() ([]store.StatsRow, []store.StatsDays) {
		t.Helper()
		rows, days, err := q.StatsMonths(ctx, org.ID, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		return rows, days
	}
	rows, days := read()
	get := func(rows []store.StatsRow, month time.Month, dim, value string) store.StatsRow {
		for _, r := range rows {
			if r.Month.Month() == month && r.Dimension == dim && r.Value == value {
				return r
			}
		}
		return store.StatsRow{}
	}
	for _, c := range []struct {
		month                       time.Month
		dim, value                  string
		received, answered, on_time int
	}{
		{time.January, "all", "", 9, 0, 0},
		{time.January, "channel", "paper", 7, 0, 0},
		{time.January, "channel", "phone", 2, 0, 0},
		{time.January, "right", "erasure", 2, 0, 0},
		{time.February, "all", "", 0, 7, 6},
		{time.February, "outcome", "answered", 0, 7, 6},
		{time.February, "right", "access", 0, 6, 6},
	} {
		got := get(rows, c.month, c.dim, c.value)
		if got.Received != c.received || got.Answered != c.answered || got.OnTime != c.on_time {
			t.Errorf("%s %s=%q: received %d answered %d on time %d; want %d %d %d", c.month, c.dim, c.value,
				got.Received, got.Answered, got.OnTime, c.received, c.answered, c.on_time)
		}
	}
	hist := map[int]int{}
	for _, d := range days {
		hist[d.Days] += d.N
	}
	if m, n, _ := workflow.MedianDays(hist); n != 7 || m != 25 {
		t.Errorf("median days = %d of %d, want 25 of 7 (%v)", m, n, hist)
	}

	// Idempotent: a second run (now of the recent months only) gives the same rows.
	if err := wf.RefreshStats(ctx); err != nil {
		t.Fatal(err)
	}
	if rows2, days2 := read(); !reflect.DeepEqual(rows, rows2) || !reflect.DeepEqual(days, days2) {
		t.Errorf("second refresh changed the statistics:\n%v\n%v", rows, rows2)
	}

	// In June, January and February are final: purging their cases keeps them.
	env.Clock.Set(time.Date(2026, 6, 2, 12, 0, 0, 0, hel))
	if _, err := env.Pool.Exec(ctx, `DELETE FROM cases WHERE id = ANY($1)`, ids); err != nil {
		t.Fatal(err)
	}
	if err := wf.RefreshStats(ctx); err != nil {
		t.Fatal(err)
	}
	if rows3, _ := read(); !reflect.DeepEqual(rows, rows3) {
		t.Errorf("the purge changed final months:\n%v\n%v", rows, rows3)
	}
}
