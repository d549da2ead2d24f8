package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// The boxes of the DPO's default view (issue 21): emailed requests to
// triage and the DPO's queue of tasks, and the first step of a person
// search. Each reads an index in its own order and stops at its page, so
// its cost follows the page, not the open backlog (which grows with the
// intake rate).

// perOrg runs a box's statement once per organisation as an ordered index
// range stopped at the box's length (200 rows, written into the statements:
// a LIMIT parameter makes a cached generic plan guess a tenth of the table
// and sort it); the outer ORDER BY merges them. With
// `org_id = ANY(...)` PostgreSQL 15 cannot read one index range in order
// across several organisations and sorts them all instead.
const perOrg = `FROM (SELECT DISTINCT unnest($1::bigint[])) AS o(id) CROSS JOIN LATERAL (`

// TriageCase is an emailed request waiting for the DPO (issue 6).
type TriageCase struct {
	ID           int64     `db:"id"`
	OrgID        int64     `db:"org_id"`
	Receipt      string    `db:"receipt"`
	ReceivedAt   time.Time `db:"received_at"`
	EffectiveDue time.Time `db:"effective_due"`
}

const needingTriageSQL = `
	SELECT x.* ` + perOrg + `
		SELECT c.id, c.org_id, c.receipt, c.received_at, ` + urgentKey + ` AS effective_due
		FROM cases c WHERE c.org_id = o.id AND c.state = 'received' AND c.needs_triage
		ORDER BY ` + urgentKey + `, c.id LIMIT 200) AS x
	ORDER BY x.effective_due, x.id LIMIT 200`

// NeedingTriage lists the organisations' emailed requests not yet triaged,
// oldest deadline first (urgentKey, then id). Served by the partial index
// cases_needing_triage, in this order.
func (q *Q) NeedingTriage(ctx context.Context, orgIDs []int64) ([]TriageCase, error) {
	rows, err := q.db.Query(ctx, needingTriageSQL, orgIDs)
	if err != nil {
		return nil, mapErr(err, "cases needing triage")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[TriageCase])
	return out, mapErr(err, "cases needing triage")
}

// QueueTask is an open task with no owner email: the DPO answers it (D-11).
type QueueTask struct {
	TaskID       int64     `db:"task_id"`
	CaseID       int64     `db:"case_id"`
	OrgID        int64     `db:"org_id"`
	Receipt      string    `db:"receipt"`
	RegisterName string    `db:"register_name"`
	RegisterLang string    `db:"register_lang"`
	Right        string    `db:"right"`
	EffectiveDue time.Time `db:"effective_due"`
}

const dpoQueueSQL = `
	SELECT x.task_id, x.case_id, x.org_id, c.receipt, x.register_name, x.register_lang, x."right", x.effective_due
	FROM (
		SELECT t.id AS task_id, t.case_id, t.org_id, r.name AS register_name, r.language AS register_lang,
			t."right", t.case_due AS effective_due
		` + perOrg + `
			SELECT t.id, t.case_id, t.org_id, t.register_id, t."right", t.case_due FROM tasks t
			WHERE t.org_id = o.id AND t.state = 'open' AND t.owner_email = ''
			ORDER BY t.case_due, t.case_id FETCH FIRST 200 ROWS WITH TIES) AS t
		JOIN registers r ON r.id = t.register_id AND r.org_id = t.org_id
		ORDER BY t.case_due, t.case_id, r.name, t.id LIMIT 200) AS x
	JOIN cases c ON c.id = x.case_id AND c.org_id = x.org_id
	ORDER BY x.effective_due, x.case_id, x.register_name, x.task_id`

// DPOQueue lists the organisations' open tasks that have no owner email,
// by their case's urgency (urgentKey), case, register name and task.
//
// tasks.case_due is the case's urgentKey, kept by triggers (migration
// "queue"), so the partial index tasks_dpo_queue (org_id, case_due,
// case_id, id) gives the order up to the register name. Each
// organisation's walk stops after 200 tasks and the rest of the last case
// (WITH TIES): register names only order tasks within a case, so the 200
// first in full order are among these. Registers are joined after the
// walk, and cases (for the receipt) to the 200 rows shown only: joined
// inside the walk, the planner counts the organisation twice (task and
// case) and, expecting fewer than 200 rows, reads and sorts every queue
// task of the organisation. (A task's case is in the task's organisation,
// so the join drops no row.)
func (q *Q) DPOQueue(ctx context.Context, orgIDs []int64) ([]QueueTask, error) {
	rows, err := q.db.Query(ctx, dpoQueueSQL, orgIDs)
	if err != nil {
		return nil, mapErr(err, "DPO queue")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[QueueTask])
	return out, mapErr(err, "DPO queue")
}

// personCases are the cases a person search matched, found first from the
// requesters' blind indexes (a handful of rows): by email, and by
// henkilötunnus as requester or as the subject of a request made on
// someone's behalf.
type personCases struct {
	byEmail, byHetu []int64
}

const personCasesSQL = `
	SELECT ARRAY(SELECT case_id FROM requesters WHERE org_id = ANY($1) AND email_index = ANY($2::bytea[])),
		ARRAY(SELECT case_id FROM requesters WHERE org_id = ANY($1) AND hetu_index = ANY($3::bytea[])
			UNION SELECT case_id FROM requesters WHERE org_id = ANY($1) AND subject_hetu_index = ANY($3::bytea[]))`

// resolvePerson finds the cases of f's person search (issue 21), so that
// the page and its counts read those cases by id instead of testing every
// open case against the requesters (a hashed subplan over the whole open
// backlog: 300-700 ms at 1M). Each ARRAY reads one blind index; an empty
// list of indexes reads nothing. Filters without a person search are
// returned as they are.
func (q *Q) resolvePerson(ctx context.Context, f DashboardFilter) (DashboardFilter, error) {
	if f.Person == nil || f.person != nil {
		return f, nil
	}
	emails, hetus := f.Person.Email, f.Person.Hetu
	if emails == nil {
		emails = [][]byte{}
	}
	if hetus == nil {
		hetus = [][]byte{}
	}
	p := &personCases{}
	err := q.db.QueryRow(ctx, personCasesSQL, f.OrgIDs, emails, hetus).Scan(&p.byEmail, &p.byHetu)
	if err != nil {
		return f, mapErr(err, "person search")
	}
	f.person = p
	return f, nil
}
