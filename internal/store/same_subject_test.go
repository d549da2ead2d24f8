package store_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"rightsdesk/internal/demo"
	"rightsdesk/internal/store"
)

// IN-2: the same data subject's other requests are found by their blind
// indexes alone. They are counted on every case page and looked up at
// every confirmed web request (issue 5's duplicate link), so what that
// reads must not grow with the organisation's cases: both statements read
// a handful of rows. The old
// single join with an OR of CASE expressions read every requester and,
// at intake, every case received since the day before (a parallel seq
// scan of cases at 300k cases, over a second per confirmation).
// With 5,000 other requests stored, the rows each plan reads are counted.
func TestSameSubjectUsesIndexes(t *testing.T) {
	t.Parallel()
	f := newIntakeFixture(t)
	q := store.New(f.pool)
	hetu := []byte("blind index of the subject's henkilötunnus")
	add := func(email string, own, subject []byte, onBehalf bool) int64 {
		t.Helper()
		in := f.intake(t, q, "")
		confirmed := in.Case.ReceivedAt.Add(time.Minute)
		in.Case.ConfirmedAt = &confirmed
		in.Requester.Email = email
		in.Requester.HetuIndex, in.Requester.SubjectHetuIndex, in.Requester.OnBehalf = own, subject, onBehalf
		if onBehalf {
			in.Requester.Relation, in.Requester.SubjectName = "guardian", "Lapsi Meikäläinen"
		}
		if err := q.InsertIntake(f.ctx, in); err != nil {
			t.Fatal(err)
		}
		return in.Case.ID
	}
	me := add("maija@example.test", hetu, nil, false)
	byEmail := add("Maija@Example.test", nil, nil, false)         // her own request, no henkilötunnus given
	byGuardian := add("huoltaja@example.test", nil, hetu, true)   // asked for her as a child
	add("maija@example.test", nil, []byte("another child"), true) // she asked for someone else: not her
	// 5,000 other people's requests of the year before, as the demo
	// makes them (with their blind indexes).
	if _, err := demo.Generate(f.ctx, f.pool, f.keys, f.org, demo.Options{Cases: 5000, Years: 1, Seed: 5,
		Now: time.Date(2026, 3, 3, 7, 0, 0, 0, time.UTC), Indexes: demo.IndexesKeep}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(f.ctx, `ANALYZE requesters, cases`); err != nil {
		t.Fatal(err)
	}

	f.rec.take()
	received := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	n, err := q.RepeatCount(f.ctx, f.org.ID, me, received.AddDate(-1, 0, 0), received.Add(time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("RepeatCount = %d, %v; want 2 (the same email, the guardian's request)", n, err)
	}
	recent, err := q.RecentSameSubject(f.ctx, f.org.ID, me, received.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, c := range recent {
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	if want := []int64{byEmail, byGuardian}; !slices.Equal(ids, want) {
		t.Fatalf("RecentSameSubject = %v, want %v", ids, want)
	}

	stmts := f.rec.take()
	if len(stmts) != 2 {
		t.Fatalf("recorded %d statements, want 2", len(stmts))
	}
	for _, s := range stmts {
		var plan []struct{ Plan planNode }
		if err := f.pool.QueryRow(f.ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+s.sql, s.args...).Scan(&plan); err != nil {
			t.Fatal(err)
		}
		if read := plan[0].Plan.rowsRead("requesters") + plan[0].Plan.rowsRead("cases"); read > 20 {
			js, _ := json.MarshalIndent(plan, "", " ")
			t.Errorf("%s\nread %d rows of requesters and cases, want a handful:\n%s", oneLine(s.sql), read, js)
		}
	}
}

// planNode is a node of EXPLAIN (ANALYZE, FORMAT JSON).
type planNode struct {
	Relation string     `json:"Relation Name"`
	Rows     float64    `json:"Actual Rows"`
	Loops    float64    `json:"Actual Loops"`
	Removed  float64    `json:"Rows Removed by Filter"`
	Recheck  float64    `json:"Rows Removed by Index Recheck"`
	Plans    []planNode `json:"Plans"`
}

// rowsRead sums the rows the plan's scans of table produced or filtered
// away, over all their loops.
func (n planNode) rowsRead(table string) int {
	read := 0.0
	if n.Relation == table {
		read = (n.Rows + n.Removed + n.Recheck) * n.Loops
	}
	for _, c := range n.Plans {
		read += float64(c.rowsRead(table))
	}
	return int(read)
}
