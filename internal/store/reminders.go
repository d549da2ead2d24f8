package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Queries of the deadline jobs (issue 6): reminders, escalations, the DPO
// digest, the task sweep, and failed mail for the DPO.

// AuditExists reports whether the case's chain (caseID 0: the
// organisation's own chain) holds an event of action whose data contains
// match (JSON containment). Jobs use it to do their work once, whatever
// River retries or re-inserts.
func (q *Q) AuditExists(ctx context.Context, orgID, caseID int64, action string, match map[string]any) (bool, error) {
	raw, err := json.Marshal(match)
	if err != nil {
		return false, fmt.Errorf("audit match: %w", err)
	}
	var ok bool
	err = q.db.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM audit_events
			WHERE org_id = $1 AND ((case_id IS NULL AND $2 = 0) OR case_id = $2) AND action = $3 AND data @> $4::jsonb)`,
		orgID, caseID, action, raw).Scan(&ok)
	return ok, mapErr(err, "audit lookup")
}

// LockOrg takes a row lock on an organisation for the rest of the
// transaction, serialising once-per-organisation work (the digest). NO
// KEY UPDATE does not block inserts that reference the organisation.
func (q *Q) LockOrg(ctx context.Context, orgID int64) error {
	var id int64
	err := q.db.QueryRow(ctx, `SELECT id FROM organisations WHERE id = $1 FOR NO KEY UPDATE`, orgID).Scan(&id)
	return mapErr(err, "locking organisation")
}

// TaskJobs is an open task with the deadlines its jobs and audit trail
// already cover (sweep).
type TaskJobs struct {
	TaskID int64 `db:"task_id"`
	CaseID int64 `db:"case_id"`
	// JobDues: the targets of its escalation jobs that are live or
	// completed (scheduleTaskJobs inserts reminders and escalation
	// together, so an escalation job stands for the set).
	JobDues []string `db:"job_dues"`
	// EscalatedDues: the targets it was already escalated for.
	EscalatedDues []string `db:"escalated_dues"`
}

// OpenTasksWithJobs lists an organisation's open tasks that have an owner
// email, in cases in progress, with what their jobs cover.
func (q *Q) OpenTasksWithJobs(ctx context.Context, orgID int64) ([]TaskJobs, error) {
	rows, err := q.db.Query(ctx, `
		SELECT t.id AS task_id, t.case_id,
			coalesce((SELECT array_agg(j.args->>'due') FROM river_job j
				WHERE j.kind = 'task_escalation' AND j.args @> jsonb_build_object('task_id', t.id)
				  AND j.state IN ('available', 'pending', 'retryable', 'running', 'scheduled', 'completed')), '{}') AS job_dues,
			coalesce((SELECT array_agg(a.data->>'due') FROM audit_events a
				WHERE a.org_id = t.org_id AND a.case_id = t.case_id AND a.action = 'task_escalated'
				  AND a.data @> jsonb_build_object('task', t.id)), '{}') AS escalated_dues
		FROM tasks t JOIN cases c ON c.id = t.case_id AND c.org_id = t.org_id
		WHERE t.org_id = $1 AND t.state = 'open' AND t.owner_email <> '' AND c.state = 'in_progress'
		ORDER BY t.id LIMIT 5000`, orgID)
	if err != nil {
		return nil, mapErr(err, "task sweep")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[TaskJobs])
	return out, mapErr(err, "task sweep")
}

// casesDueBySQL reads cases_org_state_urgent per state (TestExplainCaseReadsAfterIntake3).
const casesDueBySQL = `SELECT ` + caseCols + ` FROM cases
		WHERE org_id = $1 AND state = ANY($2) AND (confirmed_at IS NOT NULL OR needs_triage)
		  AND coalesce(urgent_due, extended_due, legal_due) <= $3::date
		ORDER BY coalesce(urgent_due, extended_due, legal_due), id LIMIT 1000`

// CasesDueBy lists an organisation's cases in one of states whose
// earliest running deadline (D-23: urgent_due, the GDPR effective due or
// FI-2's) is on or before until, most urgent first. Web and API submissions whose
// code never came back are not cases yet and are left out.
func (q *Q) CasesDueBy(ctx context.Context, orgID int64, states []string, until time.Time) ([]Case, error) {
	rows, err := q.db.Query(ctx, casesDueBySQL, orgID, states, until)
	return q.collectCases(ctx, rows, err, "cases due")
}

// Recipient is a staff member to mail, in their language.
type Recipient struct {
	Email string `db:"email"`
	Lang  string `db:"lang"`
}

// StaffWithRole lists the enabled accounts with role in an organisation.
func (q *Q) StaffWithRole(ctx context.Context, orgID int64, role string) ([]Recipient, error) {
	rows, err := q.db.Query(ctx, `
		SELECT u.email, u.lang FROM staff_users u JOIN memberships m ON m.user_id = u.id
		WHERE m.org_id = $1 AND m.role = $2 AND u.disabled_at IS NULL
		ORDER BY lower(u.email)`, orgID, role)
	if err != nil {
		return nil, mapErr(err, "staff with role")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Recipient])
	return out, mapErr(err, "staff with role")
}

// FailedMail is an undelivered email as the DPO sees it: what, to whom,
// for which case, and why; not its body.
type FailedMail struct {
	ID        int64     `db:"id"`
	OrgID     int64     `db:"org_id"`
	Receipt   string    `db:"receipt"` // "" when not about a case
	Kind      string    `db:"kind"`
	To        string    `db:"-"` // sealed in the outbox
	Subject   string    `db:"-"`
	Attempts  int       `db:"attempts"`
	LastError string    `db:"-"` // sealed
	CreatedAt time.Time `db:"created_at"`
	State     string    `db:"state"` // failed, or pending: still failing temporarily
}

// FailedMails lists the failed emails of the given organisations, newest
// first.
func (q *Q) FailedMails(ctx context.Context, orgIDs []int64, stuckBefore time.Time) ([]FailedMail, error) {
	rows, err := q.db.Query(ctx, `
		SELECT o.id, o.org_id, coalesce(c.receipt, '') AS receipt, o.kind, o.to_addr AS to_sealed,
			o.subject AS subject_sealed, o.attempts, o.last_error AS last_error_sealed, o.created_at, o.state, coalesce(o.case_id, 0) AS case_id
		FROM outbox o LEFT JOIN cases c ON c.id = o.case_id AND c.org_id = o.org_id
		WHERE o.org_id = ANY($1) AND (o.state = 'failed' OR (o.state = 'pending' AND o.first_failed_at < $2))
		ORDER BY o.id DESC LIMIT 200`, orgIDs, stuckBefore)
	if err != nil {
		return nil, mapErr(err, "failed mail")
	}
	type sealed struct {
		FailedMail
		ToSealed      []byte `db:"to_sealed"`
		SubjectSealed []byte `db:"subject_sealed"`
		ErrorSealed   []byte `db:"last_error_sealed"`
		CaseID        int64  `db:"case_id"`
	}
	raw, err := pgx.CollectRows(rows, pgx.RowToStructByName[sealed])
	if err != nil {
		return nil, mapErr(err, "failed mail")
	}
	out := make([]FailedMail, len(raw))
	for i, r := range raw {
		var f fieldOp
		out[i] = r.FailedMail
		out[i].To = f.open(q, ctx, r.CaseID, "outbox.to_addr", r.ToSealed)
		out[i].Subject = f.open(q, ctx, r.CaseID, "outbox.subject", r.SubjectSealed)
		out[i].LastError = f.open(q, ctx, r.CaseID, "outbox.last_error", r.ErrorSealed)
		if f.err != nil && !errors.Is(f.err, ErrPurged) {
			return nil, f.err
		}
	}
	return out, nil
}

// RequeueFailedOutbox makes a failed row of the organisation pending again
// (the DPO fixed the address or the server), or a row failing
// temporarily since before stuckBefore due now; ErrNotFound when there is
// no such row.
func (q *Q) RequeueFailedOutbox(ctx context.Context, orgID, id int64, stuckBefore time.Time) (OutboxRow, error) {
	rows, _ := q.db.Query(ctx, `UPDATE outbox SET state = 'pending', last_error = '', first_failed_at = NULL
		WHERE org_id = $1 AND id = $2 AND (state = 'failed' OR (state = 'pending' AND first_failed_at < $3)) RETURNING `+outboxCols,
		orgID, id, stuckBefore)
	return q.collectOneOutbox(ctx, rows, "requeue mail")
}
