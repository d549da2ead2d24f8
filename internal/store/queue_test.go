package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/store"
)

// The definitions (issue 21): the DPO's queue and the triage box as they
// were written before tasks.case_due and the per-organisation ranges. The
// store's statements must return exactly these rows, in this order.
const (
	queueDefinition = `
		SELECT t.id AS task_id, t.case_id, t.org_id, c.receipt, r.name AS register_name, r.language AS register_lang,
			t."right", coalesce(c.urgent_due, c.extended_due, c.legal_due) AS effective_due
		FROM tasks t
		JOIN cases c ON c.id = t.case_id AND c.org_id = t.org_id
		JOIN registers r ON r.id = t.register_id AND r.org_id = t.org_id
		WHERE t.org_id = ANY($1) AND t.state = 'open' AND t.owner_email = ''
		ORDER BY coalesce(c.urgent_due, c.extended_due, c.legal_due), c.id, r.name, t.id LIMIT 200`
	triageDefinition = `
		SELECT c.id, c.org_id, c.receipt, c.received_at, coalesce(c.urgent_due, c.extended_due, c.legal_due) AS effective_due
		FROM cases c WHERE c.org_id = ANY($1) AND c.state = 'received' AND c.needs_triage
		ORDER BY coalesce(c.urgent_due, c.extended_due, c.legal_due), c.id LIMIT 200`
	// personWhereDefinition is the dashboard's WHERE clause with the
	// person search as a subquery on the requesters ($1 to $9).
	personWhereDefinition = `
		WHERE c.org_id = ANY($1) AND c.state = ANY($2)
		  AND (c.confirmed_at IS NOT NULL OR c.needs_triage)
		  AND ($3::text = '' OR $3 = ANY(c.rights))
		  AND ($4::text = '' OR c.receipt ILIKE $4)
		  AND ($5::text = '' OR c.channel = $5)
		  AND ($6::bigint = 0 OR c.id IN (SELECT t.case_id FROM tasks t JOIN registers g ON g.id = t.register_id AND g.org_id = t.org_id
			WHERE t.org_id = ANY($1) AND g.unit_id = $6))
		  AND (NOT $7::bool OR c.id IN (SELECT r.case_id FROM requesters r WHERE r.org_id = ANY($1)
			AND (r.email_index = ANY($8::bytea[]) OR r.hetu_index = ANY($9::bytea[]) OR r.subject_hetu_index = ANY($9::bytea[]))))`
	urgency = `coalesce(c.urgent_due, c.extended_due, c.legal_due)`
)

func queueByDefinition(ctx context.Context, t *testing.T, db store.DB, orgs []int64) []store.QueueTask {
	t.Helper()
	rows, err := db.Query(ctx, queueDefinition, orgs)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[store.QueueTask])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func triageByDefinition(ctx context.Context, t *testing.T, db store.DB, orgs []int64) []store.TriageCase {
	t.Helper()
	rows, err := db.Query(ctx, triageDefinition, orgs)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[store.TriageCase])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Issue 21, D-11, D-23: after a random series of intakes, extensions
// (DL-11), pauses (DL-8), FI-2 decisions and extensions, triage, routing,
// tasks handed to an owner email and back, tasks answered or opened, tasks
// moved to another case, closings, purges and many-row date changes,
// store.DPOQueue and store.NeedingTriage return the definitions' rows in
// the definitions' order for several sets of organisations, and every
// task carries its case's urgency in case_due (the triggers' invariant).
func TestQueueBoxesFollowCases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := store.New(pool)
	var orgs []int64
	for _, slug := range []string{"queue-box-a", "queue-box-b", "queue-box-c"} {
		id, err := q.UpsertOrg(ctx, store.Org{Slug: slug, NameFI: slug, NameSV: slug, PrimaryLang: "fi"})
		if err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, id)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 21))
	exec := func(sql string, args ...any) int64 {
		t.Helper()
		tag, err := pool.Exec(ctx, sql, args...)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return tag.RowsAffected()
	}
	// Four registers an organisation, named against their id order (the
	// names break ties within a case); two have no owner (D-11).
	exec(`INSERT INTO registers (org_id, norm_name, name, legal_basis, owner_email)
		SELECT o, 'rekisteri ' || r, 'Rekisteri ' || chr(ascii('E') - r), 'c',
		       CASE WHEN r % 2 = 1 THEN '' ELSE 'owner' || r || '@queue.test' END
		FROM unnest($1::bigint[]) o, generate_series(1, 4) r`, orgs)
	// A backlog to start from: half of it in the first organisation (more
	// than a box's 200 rows there), urgency dates on few days (ties),
	// every fourth case an emailed one waiting for triage.
	base := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	exec(`INSERT INTO cases (org_id, receipt, rights, lang, channel, state, needs_triage, received_at, confirmed_at,
			raw_end, legal_due, safe_target, extended_due, document_request, doc_due, doc_extended_due)
		SELECT CASE WHEN g % 2 = 0 THEN ($1::bigint[])[1] ELSE ($1::bigint[])[2 + g % 4 / 2] END,
		       'RD-QB-' || g, ARRAY['access'], 'fi', CASE WHEN g % 4 = 0 THEN 'email' ELSE 'web' END,
		       CASE WHEN g % 4 = 0 THEN 'received'
		            ELSE (ARRAY['received', 'awaiting_identity', 'in_progress', 'answer_ready', 'paused', 'answered'])[1 + g % 6] END,
		       g % 4 = 0, d - 30, CASE WHEN g % 4 <> 0 THEN d - 29 END, d, d, d - 2,
		       CASE WHEN g % 11 = 0 THEN d + 60 END, g % 7 = 0,
		       CASE WHEN g % 7 = 0 THEN d - g % 20 END, CASE WHEN g % 7 = 0 THEN d + 10 END
		FROM generate_series(1, 1200) g, LATERAL (SELECT $2::date + (g * 7 % 41 - 20)) AS x(d)`, orgs, base)
	exec(`INSERT INTO tasks (org_id, case_id, register_id, "right", state, legal_basis, allowed_answers, owner_email)
		SELECT c.org_id, c.id, r.id, 'access', CASE WHEN (c.id + r.id) % 3 = 0 THEN 'answered' ELSE 'open' END,
		       'c', ARRAY['given'], r.owner_email
		FROM cases c JOIN registers r ON r.org_id = c.org_id
		WHERE c.org_id = ANY($1) AND NOT c.needs_triage AND (c.id + r.id) % 4 <> 0`, orgs)

	sets := [][]int64{orgs, orgs[:1], orgs[1:2], orgs[1:], {orgs[2], orgs[0]}}
	full, tiesSeen, checks := 0, 0, 0
	check := func(step int) {
		t.Helper()
		checks++
		var stray int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM tasks t JOIN cases c ON c.id = t.case_id
			WHERE t.case_due IS DISTINCT FROM `+urgency).Scan(&stray); err != nil {
			t.Fatal(err)
		}
		if stray != 0 {
			t.Fatalf("step %d (seed %d): %d tasks carry another date than their case's urgency", step, seed, stray)
		}
		for _, set := range sets {
			got, err := q.DPOQueue(ctx, set)
			if err != nil {
				t.Fatal(err)
			}
			if want := queueByDefinition(ctx, t, pool, set); !slices.Equal(got, want) {
				t.Fatalf("step %d (seed %d) orgs %v: DPO queue differs from its definition:\n got %d rows %v\nwant %d rows %v",
					step, seed, set, len(got), head(got), len(want), head(want))
			}
			if len(got) == 200 {
				full++
			}
			for i := 1; i < len(got); i++ {
				if got[i].CaseID == got[i-1].CaseID {
					tiesSeen++
					break
				}
			}
			tri, err := q.NeedingTriage(ctx, set)
			if err != nil {
				t.Fatal(err)
			}
			if want := triageByDefinition(ctx, t, pool, set); !slices.Equal(tri, want) {
				t.Fatalf("step %d (seed %d) orgs %v: triage box differs from its definition:\n got %d rows %v\nwant %d rows %v",
					step, seed, set, len(tri), head(tri), len(want), head(want))
			}
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
	pickTask := func() int64 {
		var id int64
		if err := pool.QueryRow(ctx, `SELECT id FROM tasks WHERE org_id = ANY($1) ORDER BY id
			OFFSET (SELECT $2::int % greatest(count(*), 1) FROM tasks WHERE org_id = ANY($1)) LIMIT 1`, orgs, rnd.IntN(1<<20)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	route := func(caseID int64) { // tasks for a case's registers (the trigger dates them)
		exec(`INSERT INTO tasks (org_id, case_id, register_id, "right", state, legal_basis, allowed_answers, owner_email)
			SELECT c.org_id, c.id, r.id, 'access', $2, 'c', ARRAY['given'], r.owner_email
			FROM cases c JOIN registers r ON r.org_id = c.org_id WHERE c.id = $1 AND (r.id + $3) % 3 <> 0
			ON CONFLICT (case_id, register_id, "right") DO NOTHING`, caseID, []string{"open", "waiting"}[rnd.IntN(2)], rnd.IntN(3))
	}
	check(0)
	for step := 1; step <= 360; step++ {
		id := pickCase()
		switch op := rnd.IntN(12); op {
		case 0: // intake, routed at once or waiting for triage
			triage := rnd.IntN(3) == 0
			channel, state := "web", []string{"received", "awaiting_identity", "in_progress"}[rnd.IntN(3)]
			if triage {
				channel, state = "email", "received"
			}
			legal := base.AddDate(0, 0, rnd.IntN(41)-20)
			var newID int64
			if err := pool.QueryRow(ctx, `INSERT INTO cases (org_id, receipt, rights, lang, channel, state, needs_triage,
					received_at, confirmed_at, raw_end, legal_due, safe_target, document_request, doc_due, doc_extended_due)
				VALUES ($1, $2, ARRAY['access'], 'fi', $3, $4, $5, $6::date - 30, CASE WHEN NOT $5 THEN $6::date - 29 END,
					$6, $6, $6::date - 2, $7, CASE WHEN $7 THEN $6::date - $8::int END, CASE WHEN $7 THEN $6::date + 9 END)
				RETURNING id`, orgs[rnd.IntN(3)], fmt.Sprintf("RD-QS-%d", step), channel, state, triage, legal,
				rnd.IntN(4) == 0, rnd.IntN(25)).Scan(&newID); err != nil {
				t.Fatal(err)
			}
			if !triage {
				route(newID)
			}
		case 1: // extension (DL-11) or its removal
			if rnd.IntN(3) == 0 {
				exec(`UPDATE cases SET extended_due = NULL WHERE id = $1`, id)
			} else {
				exec(`UPDATE cases SET extended_due = legal_due + $2::int WHERE id = $1`, id, 30+rnd.IntN(40))
			}
		case 2: // pause and resume (DL-8): the due moves by the paused days
			exec(`UPDATE cases SET state = 'paused', paused_at = now() WHERE id = $1`, id)
			exec(`UPDATE cases SET state = 'in_progress', paused_at = NULL, paused_days = paused_days + $2,
				legal_due = legal_due + $2::int WHERE id = $1`, id, 1+rnd.IntN(10))
		case 3: // FI-2: a document request, decided, extended or undecided again
			switch rnd.IntN(4) {
			case 0:
				exec(`UPDATE cases SET document_request = true, doc_due = legal_due - $2::int, doc_extended_due = legal_due + 5
					WHERE id = $1`, id, rnd.IntN(25))
			case 1:
				exec(`UPDATE cases SET doc_decided_at = now() WHERE id = $1`, id)
			case 2:
				exec(`UPDATE cases SET doc_extended_at = now() WHERE id = $1`, id)
			default:
				exec(`UPDATE cases SET doc_decided_at = NULL, doc_extended_at = NULL WHERE id = $1`, id)
			}
		case 4: // triage done: rights set, the case routed (issue 6)
			var tid int64
			if err := pool.QueryRow(ctx, `SELECT coalesce(min(id), 0) FROM cases WHERE org_id = ANY($1) AND needs_triage
				AND state = 'received' AND id >= $2`, orgs, id).Scan(&tid); err != nil {
				t.Fatal(err)
			}
			if tid != 0 {
				exec(`UPDATE cases SET needs_triage = false, state = 'in_progress', confirmed_at = now(),
					legal_due = legal_due + $2::int WHERE id = $1`, tid, rnd.IntN(3))
				route(tid)
			}
		case 5: // a task handed to an owner email, or back to the DPO (D-11)
			if rnd.IntN(2) == 0 {
				exec(`UPDATE tasks SET owner_email = 'someone@queue.test' WHERE id = $1`, pickTask())
			} else {
				exec(`UPDATE tasks SET owner_email = '' WHERE id = $1`, pickTask())
			}
		case 6: // a task answered, or a waiting one opened (identity settled)
			if rnd.IntN(2) == 0 {
				exec(`UPDATE tasks SET state = 'answered', answered_at = now() WHERE id = $1`, pickTask())
			} else {
				exec(`UPDATE tasks SET state = 'open' WHERE case_id = $1 AND state = 'waiting'`, id)
			}
		case 7: // the case answered, closed, reopened (urgent_due comes and goes)
			exec(`UPDATE cases SET state = $2 WHERE id = $1`, id,
				[]string{"answered", "closed", "in_progress", "answer_ready", "received"}[rnd.IntN(5)])
		case 8: // purge
			exec(`DELETE FROM cases WHERE id = $1`, id)
		case 9: // a statement over many cases: dates moved in bulk
			exec(`UPDATE cases SET legal_due = legal_due + $3::int WHERE org_id = $1 AND id % 5 = $2`,
				orgs[rnd.IntN(3)], rnd.IntN(5), rnd.IntN(7)-3)
		case 10: // a task moved to another case of the organisation
			exec(`UPDATE tasks t SET case_id = $2 WHERE t.id = $1
				AND t.org_id = (SELECT org_id FROM cases WHERE id = $2)
				AND NOT EXISTS (SELECT 1 FROM tasks o WHERE o.case_id = $2 AND o.register_id = t.register_id AND o."right" = t."right")`,
				pickTask(), id)
		default: // routing of a case that has some tasks already
			route(id)
		}
		if step%30 == 0 {
			check(step)
		}
	}
	if full == 0 || tiesSeen == 0 {
		t.Fatalf("in %d checks a box was full %d times and tasks of one case were side by side %d times: the series tested too little",
			checks, full, tiesSeen)
	}
}

func head[T any](s []T) []T { return s[:min(len(s), 5)] }

// A task inserted while another transaction changes its case's dates
// (an extension, DL-11) waits for that change and carries the new date:
// the insert trigger reads the case FOR SHARE. Without the wait it would
// keep the date it read before the change committed, and the case
// trigger's UPDATE would not see the uncommitted task.
func TestTaskInsertWaitsForCaseDates(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool := pgtest.NewPool(t)
	q := store.New(pool)
	org, err := q.UpsertOrg(ctx, store.Org{Slug: "queue-race", NameFI: "queue-race", NameSV: "queue-race", PrimaryLang: "fi"})
	if err != nil {
		t.Fatal(err)
	}
	var caseID, regID int64
	if err := pool.QueryRow(ctx, `INSERT INTO cases (org_id, receipt, rights, lang, channel, state, received_at, confirmed_at,
			raw_end, legal_due, safe_target) VALUES ($1, 'RD-RACE-1', ARRAY['access'], 'fi', 'web', 'in_progress',
			'2026-11-01', '2026-11-01', '2026-12-01', '2026-12-01', '2026-11-29') RETURNING id`, org).Scan(&caseID); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `INSERT INTO registers (org_id, norm_name, name, legal_basis, owner_email)
		VALUES ($1, 'r', 'R', 'c', '') RETURNING id`, org).Scan(&regID); err != nil {
		t.Fatal(err)
	}
	extend, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer extend.Rollback(ctx)
	if _, err := extend.Exec(ctx, `UPDATE cases SET extended_due = '2027-02-01' WHERE id = $1`, caseID); err != nil {
		t.Fatal(err)
	}
	inserted := make(chan error, 1)
	go func() {
		_, err := pool.Exec(ctx, `INSERT INTO tasks (org_id, case_id, register_id, "right", state, legal_basis, allowed_answers)
			VALUES ($1, $2, $3, 'access', 'open', 'c', ARRAY['given'])`, org, caseID, regID)
		inserted <- err
	}()
	select {
	case err := <-inserted:
		t.Fatalf("the task went in while the extension was open (err %v): it may keep the old date", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := extend.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-inserted; err != nil {
		t.Fatal(err)
	}
	var due time.Time
	if err := pool.QueryRow(ctx, `SELECT case_due FROM tasks WHERE case_id = $1`, caseID).Scan(&due); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC); !due.Equal(want) {
		t.Fatalf("task dated %s, want the extended due %s", due.Format(time.DateOnly), want.Format(time.DateOnly))
	}
}

// Issue 21: a person search (by email, by henkilötunnus as requester or as
// the represented person, ID-5) gives the definition's page, counts and
// access-log rows for every filter, now that the cases are found first
// from the blind indexes and then read by id.
func TestPersonSearchMatchesDefinition(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := store.New(pool)
	orgs := seedQueue(ctx, t, pool, 3000)
	// Three people with several cases each, in every state and in two
	// organisations; the third is also the represented person of a case
	// another requester made.
	mail, hetu, subject := []byte("person-mail"), []byte("person-hetu"), []byte("person-subject")
	for _, u := range []struct {
		sql string
		arg []byte
	}{
		{`UPDATE requesters SET email_index = $1 WHERE case_id % 97 = 3`, mail},
		{`UPDATE requesters SET hetu_index = $1 WHERE case_id % 89 = 5`, hetu},
		{`UPDATE requesters SET hetu_index = $1 WHERE case_id % 83 = 7`, subject},
		{`UPDATE requesters SET subject_hetu_index = $1, on_behalf = true
			WHERE case_id IN (SELECT min(case_id) FROM requesters WHERE case_id % 83 = 8)`, subject},
	} {
		if _, err := pool.Exec(ctx, u.sql, u.arg); err != nil {
			t.Fatal(err)
		}
	}
	from, to := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
	people := map[string]*store.PersonIndexes{
		"email":         {Email: [][]byte{mail, []byte("old-key")}},
		"hetu":          {Hetu: [][]byte{hetu}},
		"subject":       {Hetu: [][]byte{subject}},
		"both":          {Email: [][]byte{mail}, Hetu: [][]byte{hetu}},
		"nobody":        {Email: [][]byte{[]byte("nobody")}},
		"empty indexes": {},
	}
	filters := map[string]store.DashboardFilter{
		"default":    {OrgIDs: orgs},
		"one org":    {OrgIDs: orgs[1:2]},
		"all states": {OrgIDs: orgs, States: []string{"received", "in_progress", "paused", "answered", "closed", "refused", "withdrawn"}},
		"channel":    {OrgIDs: orgs, Channel: "email"},
		"right":      {OrgIDs: orgs, Right: "access"},
		"receipt":    {OrgIDs: orgs, Receipt: "0001"},
		"band":       {OrgIDs: orgs, DueFrom: &from, DueTo: &to},
	}
	today := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	matched := 0
	for pname, p := range people {
		for fname, f := range filters {
			f.Person, f.Limit = p, 500
			states := f.States
			if states == nil {
				states = store.OpenStates
			}
			pattern := ""
			if f.Receipt != "" {
				pattern = "%" + f.Receipt + "%"
			}
			emails, hetus := p.Email, p.Hetu
			if emails == nil {
				emails = [][]byte{}
			}
			if hetus == nil {
				hetus = [][]byte{}
			}
			args := []any{f.OrgIDs, states, f.Right, pattern, f.Channel, int64(0), true, emails, hetus, f.DueFrom, f.DueTo}
			rows, err := pool.Query(ctx, `SELECT c.id FROM cases c`+personWhereDefinition+`
				AND ($10::date IS NULL OR `+urgency+` >= $10) AND ($11::date IS NULL OR `+urgency+` <= $11)
				ORDER BY `+urgency+`, c.id LIMIT 500`, args...)
			if err != nil {
				t.Fatal(err)
			}
			want, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil {
				t.Fatal(err)
			}
			page, err := q.Dashboard(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]int64, len(page))
			for i, r := range page {
				got[i] = r.ID
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s, %s: page %v, definition %v", pname, fname, got, want)
			}
			matched += len(got)

			var wantN store.DashboardCounts
			if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE `+urgency+` < $10::date),
					count(*) FILTER (WHERE `+urgency+` >= $10::date AND `+urgency+` <= $10::date + 7),
					count(*) FILTER (WHERE `+urgency+` > $10::date + 7)
				FROM cases c`+personWhereDefinition, append(args[:9:9], today)...).Scan(&wantN.Overdue, &wantN.Week, &wantN.Later); err != nil {
				t.Fatal(err)
			}
			gotN, err := q.CountDashboard(ctx, f, today)
			if err != nil {
				t.Fatal(err)
			}
			if gotN != wantN {
				t.Fatalf("%s, %s: counts %+v, definition %+v", pname, fname, gotN, wantN)
			}

			// The access log names every case the search found (any
			// page), and the organisations searched.
			actor := "dpo:" + pname + ":" + fname
			if err := q.LogPersonSearch(ctx, f, actor, today); err != nil {
				t.Fatal(err)
			}
			rows, err = pool.Query(ctx, `SELECT c.id FROM cases c`+personWhereDefinition+` ORDER BY c.id`, args[:9]...)
			if err != nil {
				t.Fatal(err)
			}
			wantLog, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil {
				t.Fatal(err)
			}
			rows, err = pool.Query(ctx, `SELECT case_id FROM case_access_log WHERE actor = $1 AND case_id IS NOT NULL ORDER BY case_id`, actor)
			if err != nil {
				t.Fatal(err)
			}
			gotLog, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil {
				t.Fatal(err)
			}
			var orgRows int
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM case_access_log WHERE actor = $1 AND case_id IS NULL`, actor).Scan(&orgRows); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(gotLog, wantLog) || orgRows != len(f.OrgIDs) {
				t.Fatalf("%s, %s: logged cases %v and %d organisations, definition %v and %d", pname, fname, gotLog, orgRows, wantLog, len(f.OrgIDs))
			}
		}
	}
	if matched < 50 {
		t.Fatalf("the searches matched %d rows in all: the test tested too little", matched)
	}
}

// explainBoth returns PostgreSQL's plan of sql for the values in args
// (written in as literals) and the generic plan it may cache for the
// prepared statement (pgx prepares every statement). The test tables are
// small, where reading them all and sorting is rightly cheaper; so
// sequential and bitmap scans are made expensive (as
// TestDashboardQueryUsesIndex does): what is left shows whether an index
// gives each box its order. From 25,000 cases on the planner picks these
// plans by itself (docs/scale.md).
func explainBoth(ctx context.Context, t *testing.T, pool *pgxpool.Pool, types, sql string, args []string) (custom, generic string) {
	t.Helper()
	pc, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn := pc.Hijack() // its settings and statement leave with it
	defer conn.Close(ctx)
	for _, s := range []string{`SET enable_seqscan = off`, `SET enable_bitmapscan = off`, `PREPARE box(` + types + `) AS ` + sql} {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	literal := sql
	for i := len(args); i > 0; i-- {
		literal = strings.ReplaceAll(literal, fmt.Sprintf("$%d", i), args[i-1])
	}
	custom = explainLines(ctx, t, conn, `EXPLAIN `+literal)
	if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
		t.Fatal(err)
	}
	return custom, explainLines(ctx, t, conn, `EXPLAIN EXECUTE box(`+strings.Join(args, ", ")+`)`)
}

func explainLines(ctx context.Context, t *testing.T, db store.DB, sql string, args ...any) string {
	t.Helper()
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// Issue 21: each box reads its index in its order, in the plan for the
// given values and in the generic plan PostgreSQL may cache for the
// prepared statement: the DPO's queue walks tasks_dpo_queue per
// organisation and stops after 200 rows (and the rest of the last case),
// the triage box walks cases_needing_triage per
// organisation with no sort of its own, and a
// person search reads the three blind indexes with the searched values as
// index conditions, then its cases by id (cases_pkey) without a subquery
// on the requesters.
func TestExplainQueueBoxes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	orgs := seedQueue(ctx, t, pool, 6000)
	orgLit := fmt.Sprintf("'{%d,%d,%d}'", orgs[0], orgs[1], orgs[2])

	for _, c := range []struct {
		name, sql, types string
		args             []string
		want             []string
		scanned          string
		ordered          *regexp.Regexp // the per-organisation LIMIT reads this directly
	}{
		{"DPOQueue", store.DPOQueueSQL, "bigint[]", []string{orgLit},
			[]string{"Index Scan using tasks_dpo_queue on tasks", "Limit"}, "tasks",
			regexp.MustCompile(`Limit [^\n]*\n\s*->  Index Scan using tasks_dpo_queue on tasks`)},
		{"NeedingTriage", store.NeedingTriageSQL, "bigint[]", []string{orgLit},
			[]string{"Index Scan using cases_needing_triage on cases", "Limit"}, "cases",
			regexp.MustCompile(`Limit [^\n]*\n\s*->  Index Scan using cases_needing_triage`)},
		{"PersonCases", store.PersonCasesSQL, "bigint[], bytea[], bytea[]", []string{orgLit, `ARRAY['\x01'::bytea]`, `ARRAY['\x02'::bytea]`},
			[]string{"requesters_email_index", "requesters_hetu", "requesters_subject_hetu"}, "requesters", nil},
	} {
		custom, generic := explainBoth(ctx, t, pool, c.types, c.sql, c.args)
		for kind, plan := range map[string]string{"custom": custom, "generic": generic} {
			for _, w := range c.want {
				if !strings.Contains(plan, w) {
					t.Errorf("%s, %s plan lacks %q:\n%s", c.name, kind, w, plan)
				}
			}
			if strings.Contains(plan, "Seq Scan on "+c.scanned) || (c.ordered != nil && !c.ordered.MatchString(plan)) {
				t.Errorf("%s, %s plan scans %s:\n%s", c.name, kind, c.scanned, plan)
			}
			for _, l := range strings.Split(plan, "\n") {
				if strings.Contains(l, "Filter:") && strings.Contains(l, "_index = ANY") {
					t.Errorf("%s, %s plan filters a blind index instead of reading it: %s\n%s", c.name, kind, l, plan)
				}
			}
		}
	}

	// The person search's page and counts read their cases by id.
	plan, err := store.New(pool).ExplainDashboard(ctx, store.DashboardFilter{OrgIDs: orgs,
		Person: &store.PersonIndexes{Email: [][]byte{[]byte("nobody")}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "cases_pkey") || strings.Contains(plan, "requesters") || strings.Contains(plan, "SubPlan") {
		t.Errorf("person search plan does not read its cases by id:\n%s", plan)
	}
}
