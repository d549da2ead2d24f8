package workflow_test

import (
	"reflect"
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// TestSuppressorSecondary (issue 21): across tables that share totals, no
// hidden cell can be had by subtraction from any row or column.
func TestSuppressorSecondary(t *testing.T) {
	t.Parallel()
	// Two months by two channels, with month totals, channel totals and
	// the grand total: only January's phone count (3) is small.
	var sp workflow.Suppressor
	jw, jp, fw, fp := sp.Cell(20), sp.Cell(3), sp.Cell(30), sp.Cell(12)
	jan, feb := sp.Cell(23), sp.Cell(42)
	web, phone := sp.Cell(50), sp.Cell(15)
	all := sp.Cell(65)
	sp.Group(jan, jw, jp)
	sp.Group(feb, fw, fp)
	sp.Group(web, jw, fw)
	sp.Group(phone, jp, fp)
	sp.Group(all, jan, feb)
	sp.Group(all, web, phone)
	sp.Run()
	groups := [][]int{{jan, jw, jp}, {feb, fw, fp}, {web, jw, fw}, {phone, jp, fp}, {all, jan, feb}, {all, web, phone}}
	for _, g := range groups {
		n := 0
		for _, id := range g {
			if sp.Get(id).Hidden {
				n++
			}
		}
		if n == 1 {
			t.Errorf("group %v has exactly one hidden member: derivable by subtraction", g)
		}
	}
	if !sp.Get(jp).Hidden {
		t.Error("a count of 3 is shown")
	}
	// The smallest counterparts go: January web (20) in its row, February
	// phone (12) in its column, and then February web (30).
	for _, id := range []int{jw, fp, fw} {
		if !sp.Get(id).Hidden {
			t.Errorf("cell %d (n=%d) shown; secondary suppression should hide it", id, sp.Get(id).N)
		}
	}
	for _, id := range []int{jan, feb, web, phone, all} {
		if sp.Get(id).Hidden {
			t.Errorf("total %d (n=%d) hidden; the four inner cells protect each other", id, sp.Get(id).N)
		}
	}
}

// statsCase enters a paper request received on day of January 2026.
func statsCase(t *testing.T, env *testenv.Env, o store.Org, day int, channel string, rights ...string) int64 {
	t.Helper()
	sub, err := env.Workflow.EnterRequest(env.Ctx, o, workflow.ActorCLI, workflow.PaperRequest{Channel: channel,
		ReceivedAt: time.Date(2026, 1, day, 9, 0, 0, 0, workflow.Helsinki()),
		Request:    workflow.Request{Rights: rights, AllRegisters: true, Name: "Test Person", Email: "p@example.fi", Lang: "fi"}})
	if err != nil {
		t.Fatal(err)
	}
	return sub.CaseID
}

// TestStatsSurvivePurge (issue 21, D-28): the statistics are computed from
// live cases and the tombstones of purged ones, so recomputing every month
// after the retention purge gives the same figures; small counts are
// hidden, with secondary suppression across the page's tables; and a late
// change to an old request reaches its month.
func TestStatsSurvivePurge(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx, wf := env.Ctx, env.Workflow
	org := env.Org("raasepori", "Raaseporin kaupunki", "Raseborgs stad", "sv")
	env.Register(org.ID, "Rekisteri", "e", "owner@raseborg.test")
	hel := workflow.Helsinki()
	env.Clock.Set(time.Date(2026, 1, 31, 12, 0, 0, 0, hel))
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := env.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	var answered, refused, withdrawn []int64
	for i := range 10 {
		answered = append(answered, statsCase(t, env, org, 2+i, "paper", "access"))
	}
	for i := range 2 {
		refused = append(refused, statsCase(t, env, org, 20+i, "phone", "erasure"))
	}
	withdrawn = append(withdrawn, statsCase(t, env, org, 25, "phone", "erasure"))
	late := statsCase(t, env, org, 26, "paper", "access")
	// Answered in February 30 days after receipt, the last two 35 days
	// (late), closed in March.
	for i, id := range answered {
		d := 30
		if i >= 8 {
			d = 35
		}
		exec(`UPDATE cases SET state = 'closed', answered_at = received_at + make_interval(days => $2),
			closed_at = '2026-03-20 12:00+02' WHERE id = $1`, id, d)
	}
	for _, id := range refused {
		exec(`UPDATE cases SET state = 'closed', refusal_ground = 'manifestly_unfounded', closed_at = '2026-03-20 12:00+02' WHERE id = $1`, id)
	}
	exec(`UPDATE cases SET state = 'closed', closed_at = '2026-03-20 12:00+02' WHERE id = $1`, withdrawn[0])

	env.Clock.Set(time.Date(2026, 4, 2, 12, 0, 0, 0, hel))
	if err := wf.RefreshStats(ctx); err != nil {
		t.Fatal(err)
	}
	y, err := wf.StatsForYear(ctx, org.ID, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if len(y.Months) != 4 {
		t.Fatalf("months = %d, want January to April", len(y.Months))
	}
	jan, feb := y.Months[0], y.Months[1]
	if jan.Received != (workflow.StatsCell{N: 14}) || feb.Answered != (workflow.StatsCell{N: 10}) {
		t.Errorf("January received %+v, February answered %+v; want 14 and 10 shown", jan.Received, feb.Answered)
	}
	// 8 of the 10 answers were on time: 80 % would tell that 2 were late.
	if !feb.OnTimeHidden || feb.MedianHidden || feb.MedianDays != 30 {
		t.Errorf("February: on time %d%% (hidden %v), median %d days (hidden %v); want the share hidden, 30 days shown",
			feb.OnTimePct, feb.OnTimeHidden, feb.MedianDays, feb.MedianHidden)
	}
	byName := func(name string) workflow.StatsBreakdown {
		for _, b := range y.Breakdowns {
			if b.Name == name {
				return b
			}
		}
		t.Fatalf("no breakdown %q", name)
		return workflow.StatsBreakdown{}
	}
	cell := func(b workflow.StatsBreakdown, value string) workflow.StatsCell {
		for i, v := range b.Values {
			if v == value {
				return b.Cells[0][i]
			}
		}
		t.Fatalf("%s has no %q", b.Name, value)
		return workflow.StatsCell{}
	}
	// Channel: paper 11, phone 3. Phone is small; paper would give it
	// away from the shown total 14, so it goes too.
	ch := byName("channel")
	if c := cell(ch, "phone"); !c.Hidden || c.N != 3 {
		t.Errorf("phone = %+v, want 3 hidden", c)
	}
	if c := cell(ch, "paper"); !c.Hidden {
		t.Errorf("paper = %+v shown: 14 - paper gives the hidden phone count", c)
	}
	// Outcome: answered 10, refused 2, withdrawn 1, open 1. The three
	// small ones sum to 14 - 10 = 4, which would tell each is under 5:
	// answered goes too.
	oc := byName("outcome")
	for v, want := range map[string]workflow.StatsCell{"answered": {N: 10, Hidden: true}, "refused": {N: 2, Hidden: true},
		"withdrawn": {N: 1, Hidden: true}, "open": {N: 1, Hidden: true}} {
		if c := cell(oc, v); c != want {
			t.Errorf("outcome %s = %+v, want %+v", v, c, want)
		}
	}

	// In July the open January request is answered: its month's outcome
	// changes although January is no longer a recent month.
	env.Clock.Set(time.Date(2026, 7, 1, 12, 0, 0, 0, hel))
	exec(`UPDATE cases SET state = 'closed', answered_at = $2, closed_at = $2, updated_at = $2 WHERE id = $1`, late, env.Clock.Now())
	if err := wf.RefreshStats(ctx); err != nil {
		t.Fatal(err)
	}
	if y, err = wf.StatsForYear(ctx, org.ID, 2026); err != nil {
		t.Fatal(err)
	}
	oc = byName("outcome")
	if c := cell(oc, "answered"); c.N != 11 {
		t.Errorf("after the late answer January answered = %+v, want 11", c)
	}
	if c := cell(oc, "open"); c.N != 0 {
		t.Errorf("after the late answer January open = %+v, want 0", c)
	}
	before := y

	// Two years after closing (D-28) the purge takes all fourteen; a
	// recomputation of every month (as after a lost table or a rebuild)
	// gives the same figures from the tombstones.
	env.Clock.Set(time.Date(2028, 8, 1, 12, 0, 0, 0, hel))
	n, err := wf.PurgeExpired(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if n != 14 {
		t.Fatalf("purged %d cases, want 14", n)
	}
	// The figures come from the tombstones alone: even with the blanked
	// case rows gone (their tasks too), nothing changes, and nothing is
	// counted twice while the rows stay.
	var live, dead int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM purged_cases p WHERE p.case_id = s.case_id)),
		count(*) FROM stats_source s WHERE org_id = $1`, org.ID).Scan(&live, &dead); err != nil {
		t.Fatal(err)
	}
	if live != 0 || dead != 14 {
		t.Fatalf("stats_source after the purge: %d live rows, %d rows; want 0 and 14 (tombstones, once each)", live, dead)
	}
	exec(`DELETE FROM cases WHERE org_id = $1`, org.ID)
	exec(`DELETE FROM stats_monthly WHERE org_id = $1`, org.ID)
	exec(`DELETE FROM stats_monthly_days WHERE org_id = $1`, org.ID)
	exec(`DELETE FROM stats_refreshed WHERE org_id = $1`, org.ID)
	if err := wf.RefreshStats(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := wf.StatsForYear(ctx, org.ID, 2026)
	if err != nil {
		t.Fatal(err)
	}
	before.RefreshedAt, after.RefreshedAt = time.Time{}, time.Time{}
	before.Units, before.OpenTasks = nil, workflow.StatsCell{} // the tasks went with the rows
	after.Units, after.OpenTasks = nil, workflow.StatsCell{}
	// In 2028 the whole of 2026 is past: compare the months counted before.
	after.Months = after.Months[:len(before.Months)]
	for i := range after.Breakdowns {
		after.Breakdowns[i].Cells = after.Breakdowns[i].Cells[:len(before.Months)]
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("figures changed by the purge:\nbefore %+v\nafter  %+v", before, after)
	}
}
