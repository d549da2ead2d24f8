package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/store"
)

// dashboardDefinition is store.Dashboard's statement as it stood before
// branch csvunit (issue 21), kept as the definition of the dashboard's page
// and of the CSV export's batches: the per (organisation, state) ranges
// repeating `org_id = ANY($1) AND state = ANY($2)`, the band and the
// keyset cursor as `$n IS NULL OR ...` filters, LIMIT as a parameter and
// the unit filter as a subquery over every task of the organisations.
// Parameters: $1-$9 as personWhereDefinition, $10/$11 the band, $12/$13
// the cursor, $14 the limit. The store's statement must return exactly
// these rows, in this order.
const dashboardDefinition = `
	SELECT x.*,
		(SELECT count(*) FROM tasks t WHERE t.org_id = x.org_id AND t.case_id = x.id
			AND t.state IN ('waiting', 'open'))::int AS open_tasks,
		(SELECT count(*) FROM tasks t WHERE t.org_id = x.org_id AND t.case_id = x.id
			AND t.state = 'open' AND t.owner_email = '')::int AS queue_tasks,
		CASE WHEN x.answered_at IS NULL AND x.state IN ('refused', 'withdrawn', 'closed') THEN
			(SELECT max(e.at) FROM audit_events e WHERE e.case_id = x.id AND e.org_id = x.org_id
				AND e.action IN ('refuse', 'withdraw')) END AS ended_at
	FROM (SELECT DISTINCT unnest($1::bigint[])) AS o(id)
		CROSS JOIN (SELECT DISTINCT unnest($2::text[])) AS s(state)
		CROSS JOIN LATERAL (
		SELECT c.id, c.org_id, c.receipt, c.rights, c.document_request, c.state, c.channel, c.needs_triage,
			c.received_at, c.raw_end, c.legal_due, c.safe_target, c.extended_due, coalesce(c.extended_due, c.legal_due) AS effective_due,
			coalesce(c.urgent_due, c.extended_due, c.legal_due) AS sort_due, c.urgent_due, c.urgent_clock, c.gdpr, c.doc_due, c.doc_extended_due,
			c.doc_decided_at, c.doc_extended_at, c.paused_at, c.paused_days, c.assigned_to, c.answered_at, c.refusal_ground
		FROM cases c` + personWhereDefinition + `
		  AND c.org_id = o.id AND c.state = s.state
		  AND ($10::date IS NULL OR coalesce(c.urgent_due, c.extended_due, c.legal_due) >= $10)
		  AND ($11::date IS NULL OR coalesce(c.urgent_due, c.extended_due, c.legal_due) <= $11)
		  AND ($12::date IS NULL OR (coalesce(c.urgent_due, c.extended_due, c.legal_due), c.id) > ($12::date, $13::bigint))
		ORDER BY coalesce(c.urgent_due, c.extended_due, c.legal_due), c.id
		LIMIT $14) AS x
	ORDER BY x.sort_due, x.id
	LIMIT $14`

// definitionArgs are f's parameters $1-$9 for the definitions.
func definitionArgs(f store.DashboardFilter) []any {
	states := f.States
	if states == nil {
		states = store.OpenStates
	}
	pattern := ""
	if f.Receipt != "" {
		pattern = "%" + f.Receipt + "%"
	}
	person, emails, hetus := false, [][]byte{}, [][]byte{}
	if f.Person != nil {
		person = true
		if f.Person.Email != nil {
			emails = f.Person.Email
		}
		if f.Person.Hetu != nil {
			hetus = f.Person.Hetu
		}
	}
	return []any{f.OrgIDs, states, f.Right, pattern, f.Channel, f.UnitID, person, emails, hetus}
}

// exportByDefinition walks f's whole view in batches of f.Limit with the
// definition, as the CSV handler walks it with store.Dashboard (the
// cursor is the last row's sort date and id).
func exportByDefinition(ctx context.Context, t *testing.T, db store.DB, f store.DashboardFilter) [][]store.DashboardRow {
	t.Helper()
	return walkDefinition(ctx, t, db, dashboardDefinition, f)
}

// walkDefinition walks f's view in batches with the statement def, whose
// parameters are definitionArgs, the band, the cursor, the limit and then
// extra.
func walkDefinition(ctx context.Context, t *testing.T, db store.DB, def string, f store.DashboardFilter, extra ...any) [][]store.DashboardRow {
	t.Helper()
	var batches [][]store.DashboardRow
	var afterDue *time.Time
	var afterID int64
	for {
		args := append(definitionArgs(f), f.DueFrom, f.DueTo, afterDue, afterID, f.Limit)
		rows, err := db.Query(ctx, def, append(args, extra...)...)
		if err != nil {
			t.Fatal(err)
		}
		batch, err := pgx.CollectRows(rows, pgx.RowToStructByName[store.DashboardRow])
		if err != nil {
			t.Fatal(err)
		}
		batches = append(batches, batch)
		if len(batch) < f.Limit {
			return batches
		}
		last := batch[len(batch)-1]
		afterDue, afterID = &last.SortDue, last.ID
	}
}

// exportByStore is the same walk with store.Dashboard.
func exportByStore(ctx context.Context, t *testing.T, q *store.Q, f store.DashboardFilter) [][]store.DashboardRow {
	t.Helper()
	var batches [][]store.DashboardRow
	for {
		batch, err := q.Dashboard(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		batches = append(batches, batch)
		if len(batch) < f.Limit {
			return batches
		}
		last := batch[len(batch)-1]
		f.After = &store.DashboardCursor{Due: last.SortDue, ID: last.ID}
	}
}

// countsByDefinition are the band counts of f over the definition's
// WHERE clause (CountDashboardScan's definition).
func countsByDefinition(ctx context.Context, t *testing.T, db store.DB, f store.DashboardFilter, today time.Time) store.DashboardCounts {
	t.Helper()
	var n store.DashboardCounts
	if err := db.QueryRow(ctx, `SELECT count(*) FILTER (WHERE `+urgency+` < $10::date),
			count(*) FILTER (WHERE `+urgency+` >= $10::date AND `+urgency+` <= $10::date + 7),
			count(*) FILTER (WHERE `+urgency+` > $10::date + 7)
		FROM cases c`+personWhereDefinition, append(definitionArgs(f), today)...).Scan(&n.Overdue, &n.Week, &n.Later); err != nil {
		t.Fatal(err)
	}
	return n
}

// seedUnits gives each organisation of the seed three units and puts its
// registers in them (every fourth register in none), and varies the
// seed's rights and channels so that the right and channel filters drop
// rows (by a hash of the id: the seed's organisation and state follow
// id modulo 3 and 5, and a right following id modulo 5 would leave whole
// ranges without a match).
func seedUnits(ctx context.Context, t *testing.T, db store.DB, orgs []int64) map[int64][]int64 {
	t.Helper()
	units := map[int64][]int64{}
	for _, o := range orgs {
		for i := range 3 {
			var id int64
			if err := db.QueryRow(ctx, `INSERT INTO units (org_id, name) VALUES ($1, $2) RETURNING id`,
				o, fmt.Sprintf("Yksikkö %d", i)).Scan(&id); err != nil {
				t.Fatal(err)
			}
			units[o] = append(units[o], id)
		}
	}
	for _, sql := range []string{
		`UPDATE registers g SET unit_id = (SELECT u.id FROM units u WHERE u.org_id = g.org_id ORDER BY u.id OFFSET g.id % 3 LIMIT 1)
		 WHERE g.org_id = ANY($1) AND g.id % 4 <> 0`,
		`UPDATE cases SET rights = CASE get_byte(h, 0) % 5 WHEN 0 THEN ARRAY['erasure'] WHEN 1 THEN ARRAY['access', 'rectification']
		                                        WHEN 2 THEN ARRAY['rectification'] ELSE rights END,
		                  channel = CASE get_byte(h, 1) % 7 WHEN 3 THEN 'phone' WHEN 4 THEN 'paper' ELSE channel END
		 FROM (SELECT id, decode(md5('csv' || id), 'hex') FROM cases) AS x(id, h)
		 WHERE cases.id = x.id AND cases.org_id = ANY($1)`,
		`ANALYZE`,
	} {
		args := []any{orgs}
		if sql == `ANALYZE` {
			args = nil
		}
		if _, err := db.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	return units
}

// Issue 21: after a random series of changes to cases, tasks, registers
// and units, the CSV export walked with store.Dashboard in batches (the
// handler's 500, and small batches that page many times) gives the
// definition's rows, field for field, batch for batch, for the filters of
// the dashboard (organisations, states, right, channel, receipt, unit,
// band, person search) and their combinations; and the band counts of a
// unit filter (CountDashboardScan, the unit's two-step shape) equal the
// definition's. Deadlines as DL-11 (extension), DL-8 (pause) and FI-2
// (urgent_due) move them.
func TestDashboardExportMatchesDefinition(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := store.New(pool)
	orgs := seedQueue(ctx, t, pool, 3000)
	units := seedUnits(ctx, t, pool, orgs)
	mail := []byte("csv-person-mail")
	if _, err := pool.Exec(ctx, `UPDATE requesters SET email_index = $1 WHERE case_id % 13 = 3`, mail); err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 2121))
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	pickCase := func() int64 {
		var id int64
		if err := pool.QueryRow(ctx, `SELECT id FROM cases WHERE org_id = ANY($1) ORDER BY id
			OFFSET (SELECT $2::int % greatest(count(*), 1) FROM cases WHERE org_id = ANY($1)) LIMIT 1`, orgs, rnd.IntN(1<<20)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	today := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	randomFilter := func() store.DashboardFilter {
		f := store.DashboardFilter{OrgIDs: [][]int64{orgs, orgs[:1], orgs[1:], {orgs[2], orgs[0]}}[rnd.IntN(4)],
			Limit: []int{500, 500, 37, 5}[rnd.IntN(4)]}
		switch rnd.IntN(4) {
		case 0:
			f.States = []string{store.OpenStates[rnd.IntN(len(store.OpenStates))]}
		case 1:
			f.States = []string{"received", "in_progress", "paused", "answered", "closed", "refused", "withdrawn"}
		}
		if rnd.IntN(3) == 0 {
			f.Right = []string{"access", "rectification", "erasure", "objection"}[rnd.IntN(4)]
		}
		if rnd.IntN(4) == 0 {
			f.Channel = []string{"web", "email", "phone", "paper"}[rnd.IntN(4)]
		}
		if rnd.IntN(8) == 0 {
			f.Receipt = []string{"0001", "-q-00002", "RD-Q-0000"}[rnd.IntN(3)]
		}
		if rnd.IntN(2) == 0 {
			o := f.OrgIDs[rnd.IntN(len(f.OrgIDs))]
			if rnd.IntN(6) == 0 {
				o = orgs[rnd.IntN(len(orgs))] // perhaps another organisation's unit: matches nothing
			}
			f.UnitID = units[o][rnd.IntN(3)]
		}
		switch rnd.IntN(5) {
		case 0:
			to := today.AddDate(0, 0, -1)
			f.DueTo = &to
		case 1:
			from, to := today, today.AddDate(0, 0, 7)
			f.DueFrom, f.DueTo = &from, &to
		case 2:
			from := today.AddDate(0, 0, 8)
			f.DueFrom = &from
		}
		if rnd.IntN(8) == 0 {
			f.Person = &store.PersonIndexes{Email: [][]byte{mail}}
		}
		return f
	}

	rowsSeen, batchesSeen, unitRows, checks := 0, 0, 0, 0
	check := func(step int) {
		t.Helper()
		for range 12 {
			checks++
			f := randomFilter()
			want := exportByDefinition(ctx, t, pool, f)
			got := exportByStore(ctx, t, q, f)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("step %d (seed %d), filter %+v: export differs from its definition:\n got %d batches %v\nwant %d batches %v",
					step, seed, f, len(got), batchSizes(got), len(want), batchSizes(want))
			}
			// The same with the ranges joined LATERAL (more ranges than
			// Dashboard merges).
			if lat := exportByStore(ctx, t, q, store.MergeAtMost(f, 1)); !reflect.DeepEqual(lat, want) {
				t.Fatalf("step %d (seed %d), filter %+v, ranges joined LATERAL: export differs from its definition:\n got %d batches %v\nwant %d batches %v",
					step, seed, f, len(lat), batchSizes(lat), len(want), batchSizes(want))
			}
			// A unit's open cases read by id, whatever their number, and
			// its ranges walked, whatever their number (docs/scale.md 25),
			// merged or, pruned to the unit's, joined LATERAL.
			if f.UnitID != 0 {
				for _, v := range []struct{ byID, merge int }{{1 << 30, 0}, {-1, 0}, {-1, 1}} {
					g := store.MergeAtMost(store.UnitByIDAtMost(f, v.byID), v.merge)
					if u := exportByStore(ctx, t, q, g); !reflect.DeepEqual(u, want) {
						t.Fatalf("step %d (seed %d), filter %+v, unit cases by id at most %d, ranges merged at most %d: export differs from its definition:\n got %d batches %v\nwant %d batches %v",
							step, seed, f, v.byID, v.merge, len(u), batchSizes(u), len(want), batchSizes(want))
					}
				}
			}
			for _, b := range got {
				rowsSeen += len(b)
				if f.UnitID != 0 {
					unitRows += len(b)
				}
			}
			batchesSeen += len(got)
			if f.UnitID != 0 || f.Receipt != "" {
				f.After, f.DueFrom, f.DueTo = nil, nil, nil
				gotN, err := q.CountDashboard(ctx, f, today)
				if err != nil {
					t.Fatal(err)
				}
				if wantN := countsByDefinition(ctx, t, pool, f, today); gotN != wantN {
					t.Fatalf("step %d (seed %d), filter %+v: counts %+v, definition %+v", step, seed, f, gotN, wantN)
				}
			}
		}
	}

	check(0)
	for step := 1; step <= 240; step++ {
		id := pickCase()
		switch rnd.IntN(9) {
		case 0: // extension (DL-11) or its removal
			if rnd.IntN(3) == 0 {
				exec(`UPDATE cases SET extended_due = NULL WHERE id = $1`, id)
			} else {
				exec(`UPDATE cases SET extended_due = legal_due + $2::int WHERE id = $1`, id, 30+rnd.IntN(40))
			}
		case 1: // paused and resumed (DL-8): the due moves
			exec(`UPDATE cases SET state = 'in_progress', paused_days = paused_days + $2,
				legal_due = legal_due + $2::int WHERE id = $1`, id, 1+rnd.IntN(10))
		case 2: // FI-2: a document request with its own due (urgent_due)
			exec(`UPDATE cases SET document_request = true, doc_due = legal_due - $2::int WHERE id = $1`, id, rnd.IntN(25))
		case 3: // answered, closed, reopened
			exec(`UPDATE cases SET state = $2 WHERE id = $1`, id,
				[]string{"answered", "closed", "in_progress", "answer_ready", "received", "paused"}[rnd.IntN(6)])
		case 4: // a register moved to another unit, or out of every unit
			o := orgs[rnd.IntN(len(orgs))]
			var unit any
			if rnd.IntN(4) > 0 {
				unit = units[o][rnd.IntN(3)]
			}
			exec(`UPDATE registers SET unit_id = $2 WHERE id = (SELECT id FROM registers WHERE org_id = $1 ORDER BY id OFFSET $3 LIMIT 1)`,
				o, unit, rnd.IntN(8))
		case 5: // a task on another register of the case's organisation, or a task removed
			if rnd.IntN(2) == 0 {
				exec(`INSERT INTO tasks (org_id, case_id, register_id, "right", state, legal_basis, allowed_answers)
					SELECT c.org_id, c.id, r.id, 'access', 'open', 'c', ARRAY['given'] FROM cases c
					JOIN registers r ON r.org_id = c.org_id WHERE c.id = $1 ORDER BY r.id OFFSET $2 LIMIT 1
					ON CONFLICT (case_id, register_id, "right") DO NOTHING`, id, rnd.IntN(8))
			} else {
				exec(`DELETE FROM tasks WHERE id = (SELECT min(id) FROM tasks WHERE case_id = $1)`, id)
			}
		case 6: // many cases' dates moved at once: ties on one date
			exec(`UPDATE cases SET legal_due = $3::date, extended_due = NULL WHERE org_id = $1 AND id % 11 = $2`,
				orgs[rnd.IntN(3)], rnd.IntN(11), today.AddDate(0, 0, rnd.IntN(21)-10))
		case 7: // rights and channel changed at triage
			exec(`UPDATE cases SET rights = $2, channel = $3 WHERE id = $1`, id,
				[][]string{{"access"}, {"erasure", "objection"}, {"rectification", "access"}}[rnd.IntN(3)],
				[]string{"web", "email", "phone", "paper"}[rnd.IntN(4)])
		default: // purge
			exec(`DELETE FROM cases WHERE id = $1`, id)
		}
		if step%40 == 0 {
			check(step)
		}
	}
	if rowsSeen < 5000 || batchesSeen < 3*checks || unitRows < 500 {
		t.Fatalf("%d checks compared %d rows in %d batches (%d under a unit filter): the series tested too little",
			checks, rowsSeen, batchesSeen, unitRows)
	}
}

func batchSizes(b [][]store.DashboardRow) []int {
	out := make([]int, len(b))
	for i, x := range b {
		out[i] = len(x)
	}
	return out
}

// planScan matches an index scan's line of EXPLAIN ANALYZE: the index and
// the scan's rows and loops.
var planScan = regexp.MustCompile(`(Index Scan|Index Only Scan|Bitmap Heap Scan|Seq Scan)( using (\w+))? on cases c\w* .*actual time=\S+ rows=(\d+) loops=(\d+)`)

// literal writes a statement argument as SQL text, for EXECUTE.
func literal(v any) string {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return quote(x)
	case time.Time:
		return quote(x.Format(time.DateOnly))
	case []int64:
		s := make([]string, len(x))
		for i, n := range x {
			s[i] = strconv.FormatInt(n, 10)
		}
		return quote("{" + strings.Join(s, ",") + "}")
	case []string:
		return quote("{" + strings.Join(x, ",") + "}")
	}
	panic(fmt.Sprintf("literal %T", v))
}

// Issue 21: a CSV batch of 500 reads about 500 cases whatever the
// backlog, with the right, channel and unit filters, on the first batch
// and on a next batch (keyset cursor), in the plan for the values and in
// the generic plan PostgreSQL may cache (the export runs the statement
// once a batch). Each (organisation, state) range is read by
// cases_org_state_urgent in the export's order and merged, never sorted,
// the cursor is the ranges' Index Cond, and the ranges' scans return at
// most the batch and one row more a range (the merge's look-ahead) while
// the ranges hold several times that. The test tables are small, so
// sequential and bitmap scans are switched off (explainBoth); at 1M cases
// the planner picks this plan by itself (docs/scale-explain-csv.txt).
func TestExplainCSVBatchStops(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := store.New(pool)
	orgs := seedQueue(ctx, t, pool, 10000)
	units := seedUnits(ctx, t, pool, orgs)
	// Most registers of the first organisation in its first unit: enough
	// cases for a full batch.
	if _, err := pool.Exec(ctx, `UPDATE registers SET unit_id = $2 WHERE org_id = $1 AND id % 8 <> 0`, orgs[0], units[orgs[0]][0]); err != nil {
		t.Fatal(err)
	}

	pc, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn := pc.Hijack() // its settings and statements leave with it
	defer conn.Close(ctx)
	for _, s := range []string{`SET enable_seqscan = off`, `SET enable_bitmapscan = off`} {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	stmt := 0
	filters := map[string]store.DashboardFilter{
		"right":        {OrgIDs: orgs, Right: "access"},
		"channel":      {OrgIDs: orgs, Channel: "web"},
		"unit":         {OrgIDs: orgs[:1], UnitID: units[orgs[0]][0]},
		"right, later": {OrgIDs: orgs, Right: "rectification", DueFrom: &time.Time{}},
	}
	checked := 0
	// Past maxMergedRanges the ranges are joined LATERAL: each still
	// stops at the batch, from the cursor on.
	filters["right, lateral"] = store.MergeAtMost(store.DashboardFilter{OrgIDs: orgs, Right: "access"}, 1)
	for name, f := range filters {
		lateral := strings.HasSuffix(name, "lateral")
		f.Limit = 500
		if f.DueFrom != nil {
			from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			f.DueFrom = &from
		}
		var inRanges int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM cases WHERE org_id = ANY($1) AND state = ANY($2)`,
			f.OrgIDs, store.OpenStates).Scan(&inRanges); err != nil {
			t.Fatal(err)
		}
		first, err := q.Dashboard(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(first) != 500 {
			t.Fatalf("%s: first batch of %d rows: the seed is too small for the test", name, len(first))
		}
		next := f
		next.After = &store.DashboardCursor{Due: first[499].SortDue, ID: first[499].ID}
		for batch, f := range map[string]store.DashboardFilter{"first": f, "next": next} {
			sql, args := store.DashboardStatement(f)
			lits := make([]string, len(args))
			for i, a := range args {
				lits[i] = literal(a)
			}
			stmt++
			name := fmt.Sprintf("%s, %s batch", name, batch)
			if _, err := conn.Exec(ctx, fmt.Sprintf(`PREPARE csv%d AS %s`, stmt, sql)); err != nil {
				t.Fatal(err)
			}
			for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
				if _, err := conn.Exec(ctx, `SET plan_cache_mode = `+mode); err != nil {
					t.Fatal(err)
				}
				plan := explainLines(ctx, t, conn, fmt.Sprintf(`EXPLAIN (ANALYZE) EXECUTE csv%d(%s)`, stmt, strings.Join(lits, ", ")))
				returned, read, indexes := casesScans(plan)
				branches := len(f.OrgIDs) * len(store.OpenStates)
				if lateral {
					switch {
					case len(indexes) != 1 || indexes[0] != "Index Scan cases_org_state_urgent":
						t.Errorf("%s, %s: cases read otherwise than by cases_org_state_urgent in order (%v):\n%s", name, mode, indexes, plan)
					case !regexp.MustCompile(`Limit [^\n]*loops=15\)\n\s*->  Index Scan using cases_org_state_urgent`).MatchString(plan):
						t.Errorf("%s, %s: the ranges are not each stopped at the batch:\n%s", name, mode, plan)
					case returned > f.Limit*branches:
						t.Errorf("%s, %s: the ranges returned %d rows for %d ranges of at most %d:\n%s", name, mode, returned, branches, f.Limit, plan)
					case f.After != nil && !strings.Contains(plan, "> ROW("):
						t.Errorf("%s, %s: the cursor is not the ranges' Index Cond:\n%s", name, mode, plan)
					}
					checked++
					continue
				}
				switch {
				case len(indexes) != branches:
					t.Errorf("%s, %s: %d scans of cases for %d ranges:\n%s", name, mode, len(indexes), branches, plan)
				case slices.ContainsFunc(indexes, func(s string) bool { return s != "Index Scan cases_org_state_urgent" }):
					t.Errorf("%s, %s: cases read otherwise than by cases_org_state_urgent in order (%v):\n%s", name, mode, indexes, plan)
				case regexp.MustCompile(`(?m)^\s*(->\s+)?Sort\s+\(`).MatchString(plan):
					t.Errorf("%s, %s: the batch is sorted, not merged:\n%s", name, mode, plan)
				case returned > f.Limit+branches:
					t.Errorf("%s, %s: the ranges returned %d rows for a batch of %d (%d ranges):\n%s", name, mode, returned, f.Limit, branches, plan)
				case 3*read > inRanges:
					t.Errorf("%s, %s: %d of the ranges' %d rows read for a batch of %d:\n%s", name, mode, read, inRanges, f.Limit, plan)
				case f.After != nil && !strings.Contains(plan, "> ROW("):
					t.Errorf("%s, %s: the cursor is not the ranges' Index Cond:\n%s", name, mode, plan)
				}
				checked++
			}
		}
	}
	if checked != 20 {
		t.Fatalf("%d plans checked", checked)
	}
}

// casesScans sums, over a plan's scans of cases (EXPLAIN ANALYZE), the
// rows they returned, and those plus the rows their filters removed (both
// per loop in EXPLAIN), and names each scan with its index.
func casesScans(plan string) (returned, read int, indexes []string) {
	lines := strings.Split(plan, "\n")
	for i, l := range lines {
		m := planScan.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		rows, _ := strconv.Atoi(m[4])
		loops, _ := strconv.Atoi(m[5])
		returned += rows * loops
		read += rows * loops
		indexes = append(indexes, m[1]+" "+m[3])
		for _, d := range lines[i+1:] {
			if strings.Contains(d, "->") {
				break
			}
			if _, n, ok := strings.Cut(d, "Rows Removed by Filter:"); ok {
				k, _ := strconv.Atoi(strings.TrimSpace(n))
				read += k * loops
			}
		}
	}
	return returned, read, indexes
}
