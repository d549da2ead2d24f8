package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/store"
)

// assigneeDefinition is the assignee filter as plain SQL over the
// definitions' parameters: $a the staff id (0: anyone), $a+1 true for
// the cases assigned to nobody.
func assigneeDefinition(a int) string {
	return fmt.Sprintf(`
		  AND ($%d::bigint = 0 OR c.assigned_to = $%d) AND (NOT $%d::bool OR c.assigned_to IS NULL)`, a, a, a+1)
}

// exportAssigneeByDefinition is exportByDefinition with the assignee
// filter ($15, $16) in each (organisation, state) range.
func exportAssigneeByDefinition(ctx context.Context, t *testing.T, db store.DB, f store.DashboardFilter) [][]store.DashboardRow {
	t.Helper()
	const pin = `AND c.org_id = o.id AND c.state = s.state`
	if strings.Count(dashboardDefinition, pin) != 1 {
		t.Fatal("dashboardDefinition changed: pin the assignee filter elsewhere")
	}
	def := strings.Replace(dashboardDefinition, pin, pin+assigneeDefinition(15), 1)
	return walkDefinition(ctx, t, db, def, f, f.Assignee, f.Unassigned)
}

func countsAssigneeByDefinition(ctx context.Context, t *testing.T, db store.DB, f store.DashboardFilter, today time.Time) store.DashboardCounts {
	t.Helper()
	var n store.DashboardCounts
	if err := db.QueryRow(ctx, `SELECT count(*) FILTER (WHERE `+urgency+` < $10::date),
			count(*) FILTER (WHERE `+urgency+` >= $10::date AND `+urgency+` <= $10::date + 7),
			count(*) FILTER (WHERE `+urgency+` > $10::date + 7)
		FROM cases c`+personWhereDefinition+assigneeDefinition(11),
		append(definitionArgs(f), today, f.Assignee, f.Unassigned)...).Scan(&n.Overdue, &n.Week, &n.Later); err != nil {
		t.Fatal(err)
	}
	return n
}

// seedStaff adds a staff account with role in each of orgs and returns
// its id.
func seedStaff(ctx context.Context, t *testing.T, db store.DB, email, role string, orgs ...int64) int64 {
	t.Helper()
	var id int64
	if err := db.QueryRow(ctx, `INSERT INTO staff_users (email, name, password_hash) VALUES ($1, $2, 'x') RETURNING id`,
		email, strings.ToUpper(email[:1])+email[1:strings.IndexByte(email, '@')]).Scan(&id); err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		if _, err := db.Exec(ctx, `INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, $3)`, id, o, role); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// Issue 21: after a random series of assignments, unassignments and state
// changes, the dashboard's pages and CSV batches with the assignee filter
// (a staff member, nobody, anyone) give the definition's rows, batch for
// batch, in both forms of the ranges (merged and LATERAL), combined with
// the other filters; and its band counts equal the definition's.
func TestDashboardAssigneeMatchesDefinition(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := store.New(pool)
	orgs := seedQueue(ctx, t, pool, 1500)
	staff := []int64{
		seedStaff(ctx, t, pool, "anna@assign.test", "dpo", orgs[0], orgs[1]),
		seedStaff(ctx, t, pool, "bertil@assign.test", "admin", orgs[1]),
		seedStaff(ctx, t, pool, "cecilia@assign.test", "dpo", orgs[2]),
	}
	mail := []byte("assign-person-mail")
	if _, err := pool.Exec(ctx, `UPDATE requesters SET email_index = $1 WHERE case_id % 7 = 2`, mail); err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 2137))
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	// Start with a third of the cases assigned to their organisation's staff.
	exec(`UPDATE cases SET assigned_to = CASE WHEN org_id = $1 THEN $4::bigint WHEN org_id = $2 THEN $5::bigint ELSE $6::bigint END
		WHERE org_id = ANY($3) AND id % 3 = 0`, orgs[0], orgs[1], orgs, staff[0], staff[1], staff[2])
	exec(`ANALYZE cases`)
	today := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	randomFilter := func() store.DashboardFilter {
		f := store.DashboardFilter{OrgIDs: [][]int64{orgs, orgs[:1], orgs[1:]}[rnd.IntN(3)],
			Limit: []int{500, 37, 5}[rnd.IntN(3)]}
		switch rnd.IntN(3) {
		case 0:
			f.Assignee = staff[rnd.IntN(len(staff))]
		case 1:
			f.Unassigned = true
		}
		switch rnd.IntN(3) {
		case 0:
			f.States = []string{store.OpenStates[rnd.IntN(len(store.OpenStates))]}
		case 1:
			f.States = []string{"received", "in_progress", "paused", "answered", "closed"}
		}
		if rnd.IntN(3) == 0 {
			f.Right = []string{"access", "erasure"}[rnd.IntN(2)]
		}
		if rnd.IntN(4) == 0 {
			to := today.AddDate(0, 0, -1)
			f.DueTo = &to
		}
		if rnd.IntN(8) == 0 {
			f.Person = &store.PersonIndexes{Email: [][]byte{mail}}
		}
		return f
	}
	pickCase := func() (int64, int64) {
		var id, org int64
		if err := pool.QueryRow(ctx, `SELECT id, org_id FROM cases WHERE org_id = ANY($1) ORDER BY id OFFSET $2 LIMIT 1`,
			orgs, rnd.IntN(1500)).Scan(&id, &org); err != nil {
			t.Fatal(err)
		}
		return id, org
	}
	assigned, unassigned, checks := 0, 0, 0
	check := func(step int) {
		t.Helper()
		for range 8 {
			checks++
			f := randomFilter()
			want := exportAssigneeByDefinition(ctx, t, pool, f)
			got := exportByStore(ctx, t, q, f)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("step %d (seed %d), filter %+v: export differs from its definition:\n got %v\nwant %v",
					step, seed, f, batchSizes(got), batchSizes(want))
			}
			if lat := exportByStore(ctx, t, q, store.MergeAtMost(f, 1)); !reflect.DeepEqual(lat, want) {
				t.Fatalf("step %d (seed %d), filter %+v, LATERAL: got %v want %v", step, seed, f, batchSizes(lat), batchSizes(want))
			}
			for _, b := range got {
				if f.Assignee != 0 {
					assigned += len(b)
				}
				if f.Unassigned {
					unassigned += len(b)
				}
			}
			f.After, f.DueFrom, f.DueTo = nil, nil, nil
			gotN, err := q.CountDashboard(ctx, f, today)
			if err != nil {
				t.Fatal(err)
			}
			if wantN := countsAssigneeByDefinition(ctx, t, pool, f, today); gotN != wantN {
				t.Fatalf("step %d (seed %d), filter %+v: counts %+v, definition %+v", step, seed, f, gotN, wantN)
			}
		}
	}
	check(0)
	for step := 1; step <= 120; step++ {
		id, org := pickCase()
		switch rnd.IntN(4) {
		case 0, 1: // assigned to one of its organisation's staff, through the store
			var who []int64
			for i, o := range [][]int64{{orgs[0], orgs[1]}, {orgs[1]}, {orgs[2]}} {
				for _, x := range o {
					if x == org {
						who = append(who, staff[i])
					}
				}
			}
			a := who[rnd.IntN(len(who))]
			if err := q.SetCaseAssignee(ctx, org, id, &a); err != nil {
				t.Fatal(err)
			}
		case 2: // unassigned
			if err := q.SetCaseAssignee(ctx, org, id, nil); err != nil {
				t.Fatal(err)
			}
		case 3: // another state
			exec(`UPDATE cases SET state = $2 WHERE id = $1`, id,
				[]string{"answered", "closed", "in_progress", "answer_ready", "received", "paused"}[rnd.IntN(6)])
		}
		if step%20 == 0 {
			check(step)
		}
	}
	if assigned == 0 || unassigned == 0 {
		t.Fatalf("the series never listed an assigned (%d) or an unassigned (%d) row: the test proves nothing", assigned, unassigned)
	}
	t.Logf("%d checks; %d rows under a staff filter, %d unassigned", checks, assigned, unassigned)
}

// Issue 21: a filter by staff member reads its own index range within
// each (organisation, state) pair (cases_org_state_assignee_urgent), and
// the default view's statement is the one it was: no assignee clause, so
// its plan is untouched by the filter.
func TestDashboardAssigneeReadsItsIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	orgs := seedQueue(ctx, t, pool, 3000)
	anna := seedStaff(ctx, t, pool, "anna@plan.test", "dpo", orgs[0])
	if _, err := pool.Exec(ctx, `UPDATE cases SET assigned_to = $1 WHERE org_id = $2 AND id % 50 = 0`, anna, orgs[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE cases`); err != nil {
		t.Fatal(err)
	}
	def, _ := store.DashboardStatement(store.DashboardFilter{OrgIDs: orgs[:1], Limit: 50})
	if strings.Contains(def, "assigned_to =") || strings.Contains(def, "assigned_to IS") {
		t.Errorf("the default view's statement filters on assigned_to:\n%s", def)
	}
	sql, args := store.DashboardStatement(store.DashboardFilter{OrgIDs: orgs[:1], Assignee: anna, Limit: 50})
	rows, err := pool.Query(ctx, "EXPLAIN "+sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.Join(lines, "\n")
	if n := strings.Count(plan, "cases_org_state_assignee_urgent"); n != len(store.OpenStates) {
		t.Errorf("want one scan of cases_org_state_assignee_urgent per open state (%d), got %d:\n%s", len(store.OpenStates), n, plan)
	}
	if strings.Contains(plan, "Seq Scan on cases") || regexp.MustCompile(`(?m)^\s*(->  )?Sort  \(`).MatchString(plan) {
		t.Errorf("the assignee filter reads or sorts a whole range:\n%s", plan)
	}
}

// Issue 21: only an organisation's acting staff (admin, dpo; not
// disabled) can be assigned its cases: a viewer, a disabled account and
// another organisation's member cannot.
func TestAssigneesAreTheOrganisationsActingStaff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := store.New(pool)
	orgs := seedOrgs(ctx, t, pool, "assign-a", "assign-b")
	dpo := seedStaff(ctx, t, pool, "dora@scope.test", "dpo", orgs[0])
	admin := seedStaff(ctx, t, pool, "adam@scope.test", "admin", orgs[0])
	viewer := seedStaff(ctx, t, pool, "vera@scope.test", "viewer", orgs[0])
	gone := seedStaff(ctx, t, pool, "gunnar@scope.test", "dpo", orgs[0])
	other := seedStaff(ctx, t, pool, "otto@scope.test", "dpo", orgs[1])
	if err := q.DisableStaffUser(ctx, gone, time.Now()); err != nil {
		t.Fatal(err)
	}
	list, err := q.Assignees(ctx, orgs[0])
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, a := range list {
		ids = append(ids, a.ID)
	}
	if want := []int64{admin, dpo}; !reflect.DeepEqual(ids, want) { // by name: Adam, Dora
		t.Errorf("assignees %v, want %v", ids, want)
	}
	for id, want := range map[int64]bool{dpo: true, admin: true, viewer: false, gone: false, other: false, 0: false} {
		if got, err := q.IsAssignee(ctx, orgs[0], id); err != nil || got != want {
			t.Errorf("IsAssignee(%d) = %v, %v; want %v", id, got, err, want)
		}
	}
}
