package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// StatusCode is the one-time code of the requester status page
// (migrations/006). CaseID is nil for a receipt number that matched no
// case: a decoy row whose code was never sent.
type StatusCode struct {
	OrgID       int64     `db:"org_id"`
	ReceiptHash []byte    `db:"receipt_hash"`
	CaseID      *int64    `db:"case_id"`
	CodeHash    []byte    `db:"code_hash"`
	ExpiresAt   time.Time `db:"expires_at"`
	Attempts    int       `db:"attempts"`
	CreatedAt   time.Time `db:"created_at"`
}

// PutStatusCode stores a fresh code for (org, receipt hash), replacing an
// earlier one and resetting its attempts. Rows expired before purgeBefore
// are removed on the way.
func (q *Q) PutStatusCode(ctx context.Context, sc StatusCode, purgeBefore time.Time) error {
	if _, err := q.db.Exec(ctx, `DELETE FROM status_codes WHERE org_id = $1 AND expires_at < $2`, sc.OrgID, purgeBefore); err != nil {
		return mapErr(err, "status code")
	}
	_, err := q.db.Exec(ctx, `
		INSERT INTO status_codes (org_id, receipt_hash, case_id, code_hash, expires_at, attempts, created_at)
		VALUES ($1, $2, $3, $4, $5, 0, $6)
		ON CONFLICT (org_id, receipt_hash) DO UPDATE SET case_id = EXCLUDED.case_id, code_hash = EXCLUDED.code_hash,
			expires_at = EXCLUDED.expires_at, attempts = 0, created_at = EXCLUDED.created_at`,
		sc.OrgID, sc.ReceiptHash, sc.CaseID, sc.CodeHash, sc.ExpiresAt, sc.CreatedAt)
	return mapErr(err, "status code")
}

// StatusCodeForUpdate locks the code row of (org, receipt hash).
func (q *Q) StatusCodeForUpdate(ctx context.Context, orgID int64, receiptHash []byte) (StatusCode, error) {
	rows, _ := q.db.Query(ctx, `SELECT org_id, receipt_hash, case_id, code_hash, expires_at, attempts, created_at
		FROM status_codes WHERE org_id = $1 AND receipt_hash = $2 FOR UPDATE`, orgID, receiptHash)
	sc, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[StatusCode])
	return sc, mapErr(err, "status code")
}

// SetStatusCodeAttempts records the wrong tries of a code.
func (q *Q) SetStatusCodeAttempts(ctx context.Context, orgID int64, receiptHash []byte, attempts int) error {
	_, err := q.db.Exec(ctx, `UPDATE status_codes SET attempts = $3 WHERE org_id = $1 AND receipt_hash = $2`,
		orgID, receiptHash, attempts)
	return mapErr(err, "status code")
}

// DeleteStatusCode removes a used code.
func (q *Q) DeleteStatusCode(ctx context.Context, orgID int64, receiptHash []byte) error {
	_, err := q.db.Exec(ctx, `DELETE FROM status_codes WHERE org_id = $1 AND receipt_hash = $2`, orgID, receiptHash)
	return mapErr(err, "status code")
}

// CaseRegisterCounts counts the registers of a case's tasks (those not
// cancelled) and those whose every task is answered. The resident's status
// page says "1 of 2 registers answered": a register with a task per right
// (access and rectification) is one register, not two (it said "0 of 4"
// for two registers, found in a walkthrough).
func (q *Q) CaseRegisterCounts(ctx context.Context, orgID, caseID int64) (answered, total int, err error) {
	err = q.db.QueryRow(ctx, `SELECT count(*) FILTER (WHERE done), count(*) FROM (
			SELECT bool_and(state = 'answered') AS done FROM tasks
			WHERE org_id = $1 AND case_id = $2 AND state <> 'cancelled' GROUP BY register_id) r`,
		orgID, caseID).Scan(&answered, &total)
	return answered, total, mapErr(err, "tasks")
}
