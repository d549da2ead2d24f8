package store

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The DPO's dashboard and case page (issue 12): the open cases of a staff
// member's organisations by effective due date (D-13), the DPO's queue,
// and the few lookups the case page needs beyond the case aggregate.
// Every query takes the organisations in its WHERE clause.

// OpenStates are the states of a case that still runs against its deadline
// (workflow.State.Open); the dashboard lists these unless told otherwise.
var OpenStates = []string{"received", "awaiting_identity", "in_progress", "answer_ready", "paused"}

// DashboardFilter narrows the dashboard. Zero fields do not filter.
type DashboardFilter struct {
	OrgIDs []int64  // required: the staff member's organisations (or one of them)
	States []string // nil: OpenStates
	Right  string
	// Receipt matches part of a receipt number, case-insensitively.
	Receipt string
	// Channel is one of cases.channel's values.
	Channel string
	// UnitID keeps cases with a task in a register of that unit.
	UnitID int64
	// Person keeps the cases of one person (PersonIndexes): a search by
	// email or henkilötunnus through their blind indexes (issue 21).
	Person *PersonIndexes
	// DueFrom and DueTo bound the effective due date (inclusive): the
	// dashboard's bands.
	DueFrom, DueTo *time.Time
	// Assignee keeps the cases assigned to that staff member, Unassigned
	// those assigned to nobody (issue 21); both zero: anyone's.
	Assignee   int64
	Unassigned bool
	// After is the keyset cursor: rows after (effective due, id).
	After *DashboardCursor
	Limit int

	// person holds the cases Person matched once resolvePerson has run.
	person *personCases
	// unitRanges, once resolveUnitRanges has run for a unit filter, holds
	// the (organisation, open state) pairs where the unit has a case
	// (open_unit_counts); Dashboard reads no other open range.
	unitRanges map[orgState]bool
	// unitCases, when not nil, are the unit's open cases, which a page
	// reads by id (resolveUnitRanges: a small unit).
	unitCases []int64
	// mergeMax overrides maxMergedRanges (tests: 0 keeps it);
	// unitByIDMax overrides unitByIDMax (tests: 0 keeps it, -1 never).
	mergeMax    int
	unitByIDMax int
}

// DashboardCursor is a position in the dashboard's order: a row's
// SortDue and id (for a view of finished requests, SortDue is when the
// request was finished, to the microsecond).
type DashboardCursor struct {
	Due time.Time
	ID  int64
}

// FinishedStates are the states of a finished request (workflow.State's
// not Open): a view of these alone lists the most recently finished
// first (finishedKey).
var FinishedStates = []string{"answered", "closed", "refused", "withdrawn"}

// finishedKey is the order of a view of finished requests, newest first:
// when the request was answered (D-29: its link mail accepted) or,
// unanswered, refused or withdrawn (ended_at); one with neither by its
// arrival. Served backwards by cases_org_state_finished (migration 048),
// whose predicate finishedScope repeats for the planner to prove.
const finishedKey = `coalesce(c.answered_at, c.ended_at, c.received_at)`

// finishedScope is cases_org_state_finished's predicate.
const finishedScope = `
	  AND c.state IN ('answered', 'closed', 'refused', 'withdrawn')`

// Finished reports whether the filter lists finished requests only: its
// order is then the newest finished first, not the earliest deadline.
func (f DashboardFilter) Finished() bool {
	if len(f.States) == 0 {
		return false
	}
	for _, st := range f.States {
		if !slices.Contains(FinishedStates, st) {
			return false
		}
	}
	return true
}

// order is the filter's sort key, the direction of its ORDER BY (" DESC"
// for finished requests) and the keyset comparison that reads past the
// cursor.
func (f DashboardFilter) order() (key, dir, after, cast string) {
	if f.Finished() {
		return finishedKey, " DESC", "<", "::timestamptz"
	}
	return urgentKey, "", ">", "::date"
}

// DashboardRow is one case of the dashboard: no personal data (ID-4).
type DashboardRow struct {
	ID              int64      `db:"id"`
	OrgID           int64      `db:"org_id"`
	Receipt         string     `db:"receipt"`
	Rights          []string   `db:"rights"`
	DocumentRequest bool       `db:"document_request"`
	State           string     `db:"state"`
	Channel         string     `db:"channel"`
	NeedsTriage     bool       `db:"needs_triage"`
	ReceivedAt      time.Time  `db:"received_at"`
	RawEnd          time.Time  `db:"raw_end"`
	LegalDue        time.Time  `db:"legal_due"`
	SafeTarget      time.Time  `db:"safe_target"`
	ExtendedDue     *time.Time `db:"extended_due"`
	EffectiveDue    time.Time  `db:"effective_due"`
	// SortDue is the row's place in the order (urgentKey; finishedKey in
	// a view of finished requests); UrgentDue and UrgentClock the stored
	// earliest running deadline (D-23).
	SortDue        time.Time  `db:"sort_due"`
	UrgentDue      *time.Time `db:"urgent_due"`
	UrgentClock    string     `db:"urgent_clock"`
	GDPR           bool       `db:"gdpr"`
	DocDue         *time.Time `db:"doc_due"`
	DocExtendedDue *time.Time `db:"doc_extended_due"`
	DocDecidedAt   *time.Time `db:"doc_decided_at"`
	DocExtendedAt  *time.Time `db:"doc_extended_at"`
	PausedAt       *time.Time `db:"paused_at"`
	PausedDays     int        `db:"paused_days"`
	AssignedTo     *int64     `db:"assigned_to"` // the handler (issue 21)
	OpenTasks      int        `db:"open_tasks"`
	QueueTasks     int        `db:"queue_tasks"`
	// A finished request's outcome: answered when AnsweredAt is set, else
	// refused (RefusalGround set, or the state says so) or withdrawn, the
	// same reading as stats_source. EndedAt is when a request that was
	// not answered was refused or withdrawn (its event), nil otherwise.
	AnsweredAt    *time.Time `db:"answered_at"`
	RefusalGround string     `db:"refusal_ground"`
	EndedAt       *time.Time `db:"ended_at"`
}

// Case returns the deadline fields of the row as a Case, for workflow.DueOf.
func (r DashboardRow) Case() Case {
	return Case{ID: r.ID, OrgID: r.OrgID, Receipt: r.Receipt, State: r.State, ReceivedAt: r.ReceivedAt,
		RawEnd: r.RawEnd, LegalDue: r.LegalDue, SafeTarget: r.SafeTarget, ExtendedDue: r.ExtendedDue,
		PausedAt: r.PausedAt, PausedDays: r.PausedDays, GDPR: r.GDPR, DocumentRequest: r.DocumentRequest,
		DocDue: r.DocDue, DocExtendedDue: r.DocExtendedDue, DocDecidedAt: r.DocDecidedAt, DocExtendedAt: r.DocExtendedAt,
		UrgentDue: r.UrgentDue, UrgentClock: r.UrgentClock}
}

// dashboardWhere is shared by the list and its counts. Unconfirmed web and
// API submissions are not cases yet (D-8: their code may never come back);
// emailed requests are, from arrival, and wait for triage.
//
// `org_id = ANY($1) AND state = ANY($2)` is served by cases_org_state_urgent
// (org_id, state, urgentKey, id): the open cases are read by index and only
// they are sorted by urgency.
//
// The person search reads the requesters' blind indexes by
// requesters_email_index, requesters_hetu and requesters_subject_hetu: a
// henkilötunnus matches the requester's and, for a request made on
// someone's behalf, its subject's. Parameters $1 to $9 (args).
// dashboardWhere is the definition; statements take f.where(), which for
// a resolved person search reads its cases by id (dashboardWhereCases).
const dashboardWhere = dashboardFilters + `
	  AND (NOT $7::bool OR c.id IN (SELECT r.case_id FROM requesters r WHERE r.org_id = ANY($1)
		AND (r.email_index = ANY($8::bytea[]) OR r.hetu_index = ANY($9::bytea[]) OR r.subject_hetu_index = ANY($9::bytea[]))))`

// dashboardWhereCases is dashboardWhere for a person search whose cases
// resolvePerson found (issue 21): $8 the cases matched by email, $9 those
// matched by henkilötunnus. They are read by cases_pkey; a distinct
// statement, so its cached plan is never the one for the other filters.
const dashboardWhereCases = dashboardFilters + `
	  AND $7::bool AND c.id = ANY($8::bigint[] || $9::bigint[])`

// dashboardFilters are the clauses of dashboardWhere before the person
// search: the scope (organisations and states) and the other filters.
const dashboardFilters = `
	WHERE c.org_id = ANY($1) AND c.state = ANY($2)` + dashboardNarrow

// dashboardNarrow are the filters within the scope. The per (organisation,
// state) ranges of Dashboard take them alone: there the range's own
// `c.org_id = o.id AND c.state = s.state` is the scope, and repeating
// `org_id = ANY($1) AND state = ANY($2)` made the planner count the scope
// twice, expect a few hundred rows a range and read and sort each open
// state's whole range for a CSV batch of 500 (issue 21: 0.4-1 s at 1M).
//
// The unit filter ($6) probes the case's own tasks (tasks_case: one to a
// few rows) and their registers: a case is kept when one of its tasks is
// in a register of the unit. As `c.id IN (SELECT ... FROM tasks ...)`
// under `$6 = 0 OR`, the planner made it a hashed subplan that read every
// task of the organisations, closed history included, on each statement
// (the person search's old shape, docs/scale.md 8). The OFFSET 0 keeps the
// EXISTS a per-case probe: without it PostgreSQL may again hash the tasks
// of the whole unit first. Each probe reads the tasks of one case, so a
// page or CSV batch walking its range in order costs its own rows only.
const dashboardNarrow = `
	  AND (c.confirmed_at IS NOT NULL OR c.needs_triage)
	  AND ($3::text = '' OR $3 = ANY(c.rights))
	  AND ($4::text = '' OR c.receipt ILIKE $4)
	  AND ($5::text = '' OR c.channel = $5)
	  AND ($6::bigint = 0 OR EXISTS (SELECT FROM tasks t JOIN registers g ON g.id = t.register_id AND g.org_id = t.org_id
		WHERE t.case_id = c.id AND t.org_id = ANY($1) AND g.unit_id = $6 OFFSET 0))`

// where is the filter's WHERE clause (dashboardWhere or, for a resolved
// person search or a small unit's cases, dashboardWhereCases), over args.
func (f DashboardFilter) where() string {
	if f.byID() {
		return dashboardWhereCases
	}
	return dashboardWhere
}

// byID: the filter's cases are resolved (a person search, a small unit)
// and read by id.
func (f DashboardFilter) byID() bool { return f.person != nil || f.unitCases != nil }

// assigneeClause is the assignee filter, written in only when set (as
// the band's bounds are) and as a comparison of an index column, so that
// `assigned_to = $n` pins cases_org_state_assignee_urgent's range within
// each (organisation, state) pair and the default view's statement stays
// as it was. param adds an argument and returns its placeholder.
func (f DashboardFilter) assigneeClause(param func(v any, cast string) string) string {
	switch {
	case f.Unassigned:
		return `
			  AND c.assigned_to IS NULL`
	case f.Assignee != 0:
		return `
			  AND c.assigned_to = ` + param(f.Assignee, "::bigint")
	}
	return ""
}

// paramOf returns a param function for assigneeClause and the callers'
// own arguments: it appends to *args and names the new placeholder.
func paramOf(args *[]any) func(v any, cast string) string {
	return func(v any, cast string) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args)) + cast
	}
}

// effectiveDue is D-13's effective_due.
const effectiveDue = `coalesce(c.extended_due, c.legal_due)`

// urgentKey is the dashboard's order (D-23, D-27): a case's earliest
// running deadline (the stored urgent_due, FI-2's when it comes first),
// and for a case where nothing runs any more its effective due. Served by
// cases_org_state_urgent.
const urgentKey = `coalesce(c.urgent_due, c.extended_due, c.legal_due)`

func (f DashboardFilter) args() []any {
	states := f.States
	if len(states) == 0 {
		states = OpenStates
	}
	pattern := ""
	if f.Receipt != "" {
		pattern = "%" + likeEscape(f.Receipt) + "%"
	}
	if f.person != nil {
		return []any{f.OrgIDs, states, f.Right, pattern, f.Channel, f.UnitID, true, idsOrEmpty(f.person.byEmail), idsOrEmpty(f.person.byHetu)}
	}
	if f.unitCases != nil {
		// The unit's cases are these (resolveUnitRanges read them through
		// the same join): no probe of each one's tasks again ($6 = 0).
		return []any{f.OrgIDs, states, f.Right, pattern, f.Channel, int64(0), true, f.unitCases, []int64{}}
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

func idsOrEmpty(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

// PersonIndexes are the blind indexes one person search looks for, under
// every key of the ring (rows indexed before a rotation are found too).
type PersonIndexes struct {
	Email [][]byte
	Hetu  [][]byte
}

// EmailSearch is the search for the requester with this email address.
func (q *Q) EmailSearch(email string) (*PersonIndexes, error) {
	idx, err := q.emailIndexes(email)
	if err != nil {
		return nil, err
	}
	return &PersonIndexes{Email: idx}, nil
}

// HetuSearch is the search for the henkilötunnus in its canonical form
// (workflow.Hetu.Canonical), the form intake indexes.
func (q *Q) HetuSearch(canonical string) (*PersonIndexes, error) {
	ring, err := q.ring()
	if err != nil {
		return nil, err
	}
	return &PersonIndexes{Hetu: ring.IndexesFor("hetu", canonical)}, nil
}

// LogPersonSearch records a person search (issue 21) in case_access_log
// without the searched value: one row on every case the filter finds (in
// any page) and one row per searched organisation with no case, so a
// search that found nothing is on record too. One statement.
func (q *Q) LogPersonSearch(ctx context.Context, f DashboardFilter, actor string, at time.Time) error {
	if f.Person == nil {
		return nil
	}
	f, err := q.resolvePerson(ctx, f)
	if err != nil {
		return err
	}
	args := f.args()
	param := paramOf(&args)
	where := f.where() + f.assigneeClause(param)
	actorP, atP := param(actor, "::text"), param(at, "::timestamptz")
	_, err = q.db.Exec(ctx, `
		WITH found AS (SELECT c.org_id, c.id FROM cases c`+where+`)
		INSERT INTO case_access_log (org_id, case_id, actor, what, at)
		SELECT org_id, id, `+actorP+`, 'person_searched', `+atP+` FROM found
		UNION ALL
		SELECT o, NULL, `+actorP+`, 'person_searched', `+atP+` FROM unnest($1::bigint[]) AS o`, args...)
	return mapErr(err, "logging a person search")
}

// PersonSearches counts the organisation's person searches by actor since
// since (the organisation-level rows).
func (q *Q) PersonSearches(ctx context.Context, orgID int64, actor string, since time.Time) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM case_access_log
		WHERE org_id = $1 AND case_id IS NULL AND what = 'person_searched' AND actor = $2 AND at >= $3`,
		orgID, actor, since).Scan(&n)
	return n, mapErr(err, "person searches")
}

// Unit is an organisational unit that registers belong to.
type Unit struct {
	ID    int64  `db:"id"`
	OrgID int64  `db:"org_id"`
	Name  string `db:"name"`
}

// Units lists the organisations' units by name.
func (q *Q) Units(ctx context.Context, orgIDs []int64) ([]Unit, error) {
	rows, err := q.db.Query(ctx, `SELECT id, org_id, name FROM units WHERE org_id = ANY($1) ORDER BY name, id`, orgIDs)
	if err != nil {
		return nil, mapErr(err, "units")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Unit])
	return out, mapErr(err, "units")
}

// Dashboard lists cases by their earliest running deadline, then id (the
// keyset); a view of finished requests the most recently finished first.
func (q *Q) Dashboard(ctx context.Context, f DashboardFilter) ([]DashboardRow, error) {
	f, err := q.resolvePerson(ctx, f)
	if err != nil {
		return nil, err
	}
	if f, err = q.resolveUnitRanges(ctx, f); err != nil {
		return nil, err
	}
	sql, args := f.dashboardStatement()
	rows, err := q.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapErr(err, "dashboard")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[DashboardRow])
	return out, mapErr(err, "dashboard")
}

// orgState is one (organisation, state) range of the dashboard.
type orgState struct {
	org   int64
	state string
}

// resolveUnitRanges sets f.unitRanges for a unit filter (not a person
// search): the (organisation, open state) pairs in which open_unit_counts
// counts a case of the unit (with the filter's right and channel). The
// unit is not in cases_org_state_urgent's key, so each range of the page
// reads cases until it has the page's rows or reaches its end: at 1M the
// received and awaiting_identity ranges (thousands of cases, no task yet,
// so in no unit) were read whole on every page and CSV batch (docs/scale.md
// 14.4). A pair the counts show empty has no row to give, and is left out
// (docs/scale.md 18). One sum over the unit's rows of open_unit_counts.
//
// A unit with few open cases (at most unitByIDMax) still had each range
// walked whole, a probe of its tasks per case: 4.6x its 10k time at 1M for
// a register with 0.45 % of the cases (docs/scale.md 25). When the filter
// lists open states only, its open cases are then found from the unit's
// registers by tasks_unit_open (the tasks of open cases) and the page
// reads them by id (f.unitCases), as a person search does.
func (q *Q) resolveUnitRanges(ctx context.Context, f DashboardFilter) (DashboardFilter, error) {
	if f.UnitID == 0 || f.person != nil {
		return f, nil
	}
	rows, err := q.db.Query(ctx, `SELECT org_id, state, coalesce(sum(n) FILTER (WHERE "right" = $3 AND ($5::text = '' OR channel = $5)), 0),
			coalesce(sum(n) FILTER (WHERE "right" = ''), 0)
		FROM open_unit_counts
		WHERE org_id = ANY($1) AND unit_id = $2 AND "right" IN ($3, '') AND state = ANY($4)
		GROUP BY org_id, state`, f.OrgIDs, f.UnitID, f.Right, OpenStates, f.Channel)
	if err != nil {
		return f, mapErr(err, "dashboard unit ranges")
	}
	defer rows.Close()
	f.unitRanges = map[orgState]bool{}
	var all int64 // the unit's open cases in the organisations
	for rows.Next() {
		var k orgState
		var matching, n int64
		if err := rows.Scan(&k.org, &k.state, &matching, &n); err != nil {
			return f, mapErr(err, "dashboard unit ranges")
		}
		if matching != 0 {
			f.unitRanges[k] = true
		}
		all += n
	}
	if err := rows.Err(); err != nil {
		return f, mapErr(err, "dashboard unit ranges")
	}
	byIDMax := cmp.Or(f.unitByIDMax, unitByIDMax)
	if all > int64(byIDMax) || !openOnly(f.States) {
		return f, nil
	}
	// A join, not `register_id = ANY(ARRAY(SELECT ...))`: the planner
	// guesses an array's length and, expecting 300,000 rows at 1M, compiled
	// the statement with JIT (20 ms) for 380.
	rows, err = q.db.Query(ctx, `SELECT DISTINCT t.case_id FROM registers g
		JOIN tasks t ON t.register_id = g.id AND t.org_id = g.org_id
		WHERE g.unit_id = $2 AND g.org_id = ANY($1) AND t.case_open`, f.OrgIDs, f.UnitID)
	if err != nil {
		return f, mapErr(err, "dashboard unit cases")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return f, mapErr(err, "dashboard unit cases")
	}
	f.unitCases = idsOrEmpty(ids)
	return f, nil
}

// unitByIDMax is the most open cases a unit filter reads by id
// (resolveUnitRanges). Reading a case by id costs about what probing one
// case's tasks does, and a page walking a range probes about 50 cases for
// every one of the unit's among them: above a few thousand the walk stops
// sooner than the ids are read.
const unitByIDMax = 1000

// openOnly: the filter's states (none: the open ones) are all open.
func openOnly(states []string) bool {
	for _, s := range states {
		if !slices.Contains(OpenStates, s) {
			return false
		}
	}
	return true
}

// rangeEmpty reports whether the unit filter's counts show no case in
// the organisation's open state (resolveUnitRanges); closed states are
// not counted and are always read.
func (f DashboardFilter) rangeEmpty(org int64, state string) bool {
	return f.unitRanges != nil && slices.Contains(OpenStates, state) && !f.unitRanges[orgState{org, state}]
}

// dashboardStatement is Dashboard's statement and its arguments for f
// (its person search resolved).
//
// One ordered index range per (organisation, state) pair, each a branch
// of a UNION ALL that PostgreSQL merges in order (Merge Append) and stops
// at the page's length (issue 21): with `state = ANY(...)` PostgreSQL
// reads and sorts every open case for a page of 50 (a city's whole
// backlog on each request), while cases_org_state_urgent gives each
// pair's rows already in the page's order. The merge pulls from each
// range only the rows that reach the page, so a CSV batch of 500 reads
// about 500 rows and the rows its filters drop among them in all, not
// 500 a state (with a LATERAL join per pair, each pair's LIMIT ran in
// full before the outer sort). Each branch still has its LIMIT: should the
// planner append and sort instead, it sorts at most a page a pair. Past
// maxMergedRanges pairs (many organisations) the branches' planning
// costs more than the merge saves, and the pairs are that LATERAL join.
//
// Within a branch only the pair pins the range (dashboardNarrow): the
// repeated `org_id = ANY($1) AND state = ANY($2)` made the planner count
// the scope twice, expect a few hundred rows a range and read and sort
// each state's whole range (0.4-1 s a batch at 1M). The band's bounds and
// the keyset cursor are written in only when set, as comparisons of the
// index's columns, so they are the range's Index Cond: a CSV export's next
// batch starts where the last stopped (as `$n IS NULL OR ...` they were
// filters, and the k-th batch read the k-1 batches before it again), and
// a band starts at its first date. The LIMIT is a literal: a LIMIT
// parameter makes a cached generic plan expect a tenth of the table. The
// pairs are the organisations and states in the filter's order, each
// once (the statement's text follows their number). The task counts run
// for the page's rows only (PostgreSQL computes them after the LIMIT).
//
// A person search keeps one range: it reads the handful of cases
// resolvePerson found by id, which the per-state form defeats (it walked
// each state's whole range: 5.8 s at 1M). So does a small unit, whose open
// cases resolveUnitRanges found.
func (f DashboardFilter) dashboardStatement() (string, []any) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	n := strconv.Itoa(limit)
	var args []any
	if f.byID() {
		args = f.args()
	} else {
		args = f.args()[:6]
		args[0], args[1] = distinct(f.OrgIDs), distinct(args[1].([]string))
	}
	param := paramOf(&args)
	key, dir, past, cast := f.order()
	bounds := f.assigneeClause(param)
	if f.Finished() {
		bounds += finishedScope
	}
	if f.DueFrom != nil {
		bounds += `
			  AND ` + urgentKey + ` >= ` + param(*f.DueFrom, "::date")
	}
	if f.DueTo != nil {
		bounds += `
			  AND ` + urgentKey + ` <= ` + param(*f.DueTo, "::date")
	}
	if f.After != nil {
		bounds += `
			  AND (` + key + `, c.id) ` + past + ` (` + param(f.After.Due, cast) + `, ` + param(f.After.ID, "::bigint") + `)`
	}
	branch := func(where string) string {
		return `(SELECT ` + dashboardCols + `,
				` + key + ` AS sort_due
			FROM cases c` + where + bounds + `
			ORDER BY ` + key + dir + `, c.id` + dir + `
			LIMIT ` + n + `)`
	}
	var from string
	orgs, states := 0, 0
	if !f.byID() {
		orgs, states = len(args[0].([]int64)), len(args[1].([]string))
	}
	mergeMax := cmp.Or(f.mergeMax, maxMergedRanges)
	// The (organisation, state) ranges to read: the filter's pairs, less
	// those a unit filter's counts show empty (rangeEmpty). A unit is one
	// organisation's, so with many organisations most pairs go.
	type pair struct{ i, j int }
	var pairs []pair
	if !f.byID() {
		for i, org := range args[0].([]int64) {
			for j, state := range args[1].([]string) {
				if !f.rangeEmpty(org, state) {
					pairs = append(pairs, pair{i, j})
				}
			}
		}
	}
	switch {
	case f.byID():
		from = branch(f.where())
	case len(pairs) > mergeMax && len(pairs) == orgs*states:
		from = `SELECT r.* FROM (SELECT DISTINCT unnest($1::bigint[])) AS o(id)
			CROSS JOIN (SELECT DISTINCT unnest($2::text[])) AS s(state)
			CROSS JOIN LATERAL ` + branch(`
	WHERE c.org_id = o.id AND c.state = s.state`+dashboardNarrow) + ` AS r`
	case len(pairs) > mergeMax:
		// Pruned, and still more than Dashboard merges: the LATERAL join
		// over the pairs left, not every organisation's every state (each
		// range of another organisation than the unit's was walked whole,
		// finding no case of the unit).
		po, ps := make([]int64, len(pairs)), make([]string, len(pairs))
		for k, p := range pairs {
			po[k], ps[k] = args[0].([]int64)[p.i], args[1].([]string)[p.j]
		}
		// ($2 is named for its type: the branches name the pair's state.)
		from = `SELECT r.* FROM (SELECT * FROM unnest(` + param(po, "::bigint[]") + `, ` + param(ps, "::text[]") + `) AS u(org, state)
				WHERE u.state = ANY($2::text[])) AS p
			CROSS JOIN LATERAL ` + branch(`
	WHERE c.org_id = p.org AND c.state = p.state`+dashboardNarrow) + ` AS r`
	default:
		var branches []string
		for _, p := range pairs {
			branches = append(branches, branch(`
	WHERE c.org_id = ($1::bigint[])[`+strconv.Itoa(p.i+1)+`] AND c.state = ($2::text[])[`+strconv.Itoa(p.j+1)+`]`+dashboardNarrow))
		}
		if len(branches) == 0 { // no organisation (or no range of the unit): no rows
			branches = append(branches, branch(dashboardFilters+`
			  AND false`))
		}
		from = strings.Join(branches, `
		UNION ALL `)
	}
	return `
		SELECT x.*,
			(SELECT count(*) FROM tasks t WHERE t.org_id = x.org_id AND t.case_id = x.id
				AND t.state IN ('waiting', 'open'))::int AS open_tasks,
			(SELECT count(*) FROM tasks t WHERE t.org_id = x.org_id AND t.case_id = x.id
				AND t.state = 'open' AND t.owner_email = '')::int AS queue_tasks,
			` + endedAt + ` AS ended_at
		FROM (` + from + `) AS x
		ORDER BY x.sort_due` + dir + `, x.id` + dir + `
		LIMIT ` + n, args
}

// maxMergedRanges is the most (organisation, state) ranges Dashboard
// merges as UNION ALL branches. Each branch is planned on every call: at
// 1M cases 5 branches planned in 1.4 ms, 30 in 9 ms and 150 (30
// organisations) in 177 ms. Beyond it the ranges are one LATERAL join,
// planned once for any number of pairs, where each range reads its full
// page before the outer sort (the batch's rows times the ranges: bounded,
// but not merged).
const maxMergedRanges = 30

// dashboardCols are the columns of a DashboardRow read from cases.
const dashboardCols = `c.id, c.org_id, c.receipt, c.rights, c.document_request, c.state, c.channel, c.needs_triage,
				c.received_at, c.raw_end, c.legal_due, c.safe_target, c.extended_due, ` + effectiveDue + ` AS effective_due,
				c.urgent_due, c.urgent_clock, c.gdpr, c.doc_due, c.doc_extended_due,
				c.doc_decided_at, c.doc_extended_at, c.paused_at, c.paused_days, c.assigned_to, c.answered_at, c.refusal_ground`

// endedAt is when a listed request that was not answered was refused or
// withdrawn: its event's time (the case row keeps no date of it). Only
// for the page's finished, unanswered rows (CASE evaluates the subquery
// for those alone, after the LIMIT, as the task counts), each a read of
// its own chain by audit_events_case_seq: no read of closed history. An
// aggregate, not ORDER BY seq: no Sort node in the page's plan.
const endedAt = `CASE WHEN x.answered_at IS NULL AND x.state IN ('refused', 'withdrawn', 'closed') THEN
				(SELECT max(e.at) FROM audit_events e WHERE e.case_id = x.id AND e.org_id = x.org_id
					AND e.action IN ('refuse', 'withdraw')) END`

// distinct is s without repeats, in the order of first appearance.
func distinct[T comparable](s []T) []T {
	out := make([]T, 0, len(s))
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// DashboardCounts are the numbers above the list.
type DashboardCounts struct {
	Overdue int // effective due before today
	Week    int // due today or within 7 days
	Later   int
}

// CountDashboard counts the filter's cases (without its band, cursor and
// limit) per band relative to today.
func (q *Q) CountDashboard(ctx context.Context, f DashboardFilter, today time.Time) (DashboardCounts, error) {
	var n DashboardCounts
	if f.countsMaintained() {
		// open_due_counts, open_right_counts for a right filter or
		// open_unit_counts for a unit filter (issue 21): a sum of delta rows (a few hundred per organisation after
		// the sweep's compaction) instead of a scan of the open backlog.
		args := f.args()
		from := `open_due_counts WHERE org_id = ANY($1) AND state = ANY($2) AND ($4::text = '' OR channel = $4)`
		params := []any{args[0], args[1], today, f.Channel}
		switch {
		case f.UnitID != 0:
			// Right '' is every case of the unit (docs/scale.md 18).
			from = `open_unit_counts WHERE org_id = ANY($1) AND unit_id = $5 AND "right" = $6 AND state = ANY($2)
				AND ($4::text = '' OR channel = $4)`
			params = append(params, f.UnitID, f.Right)
		case f.Right != "":
			from = `open_right_counts WHERE org_id = ANY($1) AND "right" = $5 AND state = ANY($2) AND ($4::text = '' OR channel = $4)`
			params = append(params, f.Right)
		}
		err := q.db.QueryRow(ctx, `
			SELECT coalesce(sum(n) FILTER (WHERE due < $3::date), 0),
				coalesce(sum(n) FILTER (WHERE due >= $3::date AND due <= $3::date + 7), 0),
				coalesce(sum(n) FILTER (WHERE due > $3::date + 7), 0)
			FROM `+from, params...).Scan(&n.Overdue, &n.Week, &n.Later)
		return n, mapErr(err, "dashboard counts")
	}
	return q.CountDashboardScan(ctx, f, today)
}

// countsMaintained reports whether open_due_counts (open_right_counts
// with a right, open_unit_counts with a unit) answers the filter's band
// counts: open states only, and no filter outside their keys
// (organisation, state, channel, right, unit).
func (f DashboardFilter) countsMaintained() bool {
	if f.Receipt != "" || f.Person != nil || f.Assignee != 0 || f.Unassigned {
		return false
	}
	for _, s := range f.States {
		if !slices.Contains(OpenStates, s) {
			return false
		}
	}
	return true
}

// CountDashboardScan counts as CountDashboard does, always from cases
// (the tests hold the maintained counts to it; filters outside the table's key
// take this path).
func (q *Q) CountDashboardScan(ctx context.Context, f DashboardFilter, today time.Time) (DashboardCounts, error) {
	var n DashboardCounts
	f, err := q.resolvePerson(ctx, f)
	if err != nil {
		return n, err
	}
	args := f.args()
	param := paramOf(&args)
	where := f.where() + f.assigneeClause(param)
	d := param(today, "::date")
	err = q.db.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE `+urgentKey+` < `+d+`),
			count(*) FILTER (WHERE `+urgentKey+` >= `+d+` AND `+urgentKey+` <= `+d+` + 7),
			count(*) FILTER (WHERE `+urgentKey+` > `+d+` + 7)
		FROM cases c`+where, args...).Scan(&n.Overdue, &n.Week, &n.Later)
	return n, mapErr(err, "dashboard counts")
}

// ExplainDashboard returns PostgreSQL's plan of the dashboard query for f
// (tests check that it reads an index).
func (q *Q) ExplainDashboard(ctx context.Context, f DashboardFilter) (string, error) {
	f, err := q.resolvePerson(ctx, f)
	if err != nil {
		return "", err
	}
	args := f.args()
	key, dir, _, _ := f.order()
	where := f.where() + f.assigneeClause(paramOf(&args))
	if f.Finished() {
		where += finishedScope
	}
	rows, err := q.db.Query(ctx, `EXPLAIN SELECT c.id FROM cases c`+where+`
		ORDER BY `+key+dir+`, c.id`+dir+` LIMIT 50`, args...)
	if err != nil {
		return "", mapErr(err, "explain dashboard")
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", mapErr(err, "explain dashboard")
	}
	plan := ""
	for _, l := range lines {
		plan += l + "\n"
	}
	return plan, nil
}

// ReceiptsByID maps case ids of the organisations to their receipts (the
// failed-mail box names cases by receipt).
func (q *Q) ReceiptsByID(ctx context.Context, orgIDs, ids []int64) (map[int64]string, error) {
	rows, err := q.db.Query(ctx, `SELECT id, receipt FROM cases WHERE org_id = ANY($1) AND id = ANY($2)`, orgIDs, ids)
	return collectMap[int64, string](rows, err, "receipts")
}

// sameSubject is a WITH clause naming, as "same", the ids of the
// organisation's ($1) cases whose requester is about the same data
// subject as case $2's (IN-2): repeats are about the person the request
// concerns, not the representative. The subject's henkilötunnus index
// when a request is made on behalf of someone else, else the
// requester's, match across both kinds (a child's guardian asked once,
// the grown-up child later); without one, the same email address (its
// blind index) for the requester's own requests. A represented person
// without a henkilötunnus is matched by nothing: names are sealed and
// have no blind index, and a missed repeat only loses a hint, while a
// wrong one flags a stranger. The case itself is among them.
//
// Each way of matching is its own branch, and the case's own values are
// init plans (parameters, not a join), so that each is found by its
// index (requesters_hetu, requesters_subject_hetu,
// requesters_email_index): as one join condition with an OR of CASE
// expressions it read every requester of the organisation, and the
// cases by received_at, on every case page and every confirmed web
// request (TestSameSubjectUsesIndexes).
const sameSubject = `WITH me AS (
		SELECT on_behalf, email_index, CASE WHEN on_behalf THEN subject_hetu_index ELSE hetu_index END AS hetu
		FROM requesters WHERE case_id = $2 AND org_id = $1),
	same AS (
		SELECT r.case_id FROM requesters r WHERE r.org_id = $1 AND r.hetu_index IS NOT NULL
			AND r.hetu_index = (SELECT hetu FROM me) AND NOT r.on_behalf
		UNION
		SELECT r.case_id FROM requesters r WHERE r.org_id = $1 AND r.subject_hetu_index IS NOT NULL
			AND r.subject_hetu_index = (SELECT hetu FROM me) AND r.on_behalf
		UNION
		SELECT r.case_id FROM requesters r WHERE r.org_id = $1 AND r.email_index IS NOT NULL
			AND r.email_index = (SELECT email_index FROM me WHERE NOT on_behalf) AND NOT r.on_behalf)
	`

// RepeatCount counts the organisation's other confirmed cases about the
// same data subject (sameSubject) received in [since, until]: IN-2,
// repeats are flagged for the DPO, never acted on.
func (q *Q) RepeatCount(ctx context.Context, orgID, caseID int64, since, until time.Time) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, sameSubject+`
		SELECT count(*) FROM same JOIN cases c ON c.id = same.case_id
		WHERE c.org_id = $1 AND c.id <> $2 AND c.received_at >= $3 AND c.received_at <= $4
		  AND (c.confirmed_at IS NOT NULL OR c.needs_triage)`, orgID, caseID, since, until).Scan(&n)
	return n, mapErr(err, "repeat count")
}

// RecentSameSubject finds the organisation's confirmed cases about the
// same data subject as caseID (sameSubject) received since since, oldest
// first, for duplicate linking (issue 5): a guardian's requests for two
// children are not duplicates of each other.
func (q *Q) RecentSameSubject(ctx context.Context, orgID, caseID int64, since time.Time) ([]Case, error) {
	rows, err := q.db.Query(ctx, sameSubject+`
		SELECT `+prefixed("c", caseCols)+` FROM same JOIN cases c ON c.id = same.case_id
		WHERE c.org_id = $1 AND c.id <> $2 AND c.received_at >= $3 AND c.confirmed_at IS NOT NULL
		ORDER BY c.received_at`, orgID, caseID, since)
	return q.collectCases(ctx, rows, err, "similar cases")
}

// StaffNames maps staff user ids to their names (or emails when unnamed),
// for the timeline's actors.
func (q *Q) StaffNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	rows, err := q.db.Query(ctx, `SELECT id, CASE WHEN name <> '' THEN name ELSE email END FROM staff_users WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, mapErr(err, "staff names")
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var n string
		if err := rows.Scan(&id, &n); err != nil {
			return nil, mapErr(err, "staff names")
		}
		out[id] = n
	}
	return out, mapErr(rows.Err(), "staff names")
}
