package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// AnswerDelivery is one sent access answer (migrations/011): the PDF as it
// went out, the hash of its link's token and the link's one-time code.
type AnswerDelivery struct {
	ID            int64      `db:"id"`
	OrgID         int64      `db:"org_id"`
	CaseID        int64      `db:"case_id"`
	TokenHash     []byte     `db:"token_hash"`
	Lang          string     `db:"lang"`
	Filename      string     `db:"filename"`
	Kind          string     `db:"kind"` // the letter's kind (pdf.Kind)
	ExpiresAt     time.Time  `db:"expires_at"`
	CreatedAt     time.Time  `db:"created_at"`
	CodeHash      []byte     `db:"code_hash"`
	CodeExpiresAt *time.Time `db:"code_expires_at"`
	CodeAttempts  int        `db:"code_attempts"`
	Downloads     int        `db:"downloads"`
}

const deliveryCols = `id, org_id, case_id, token_hash, lang, filename, kind, expires_at, created_at,
	code_hash, code_expires_at, code_attempts, downloads`

// InsertAnswerDelivery stores a sent answer with its PDF and returns its id.
func (q *Q) InsertAnswerDelivery(ctx context.Context, d AnswerDelivery, pdf []byte) (int64, error) {
	var id int64
	pdf, err := q.seal(ctx, d.CaseID, "answer_deliveries.pdf", pdf)
	if err != nil {
		return 0, err
	}
	if d.Kind == "" {
		d.Kind = "access"
	}
	err = q.db.QueryRow(ctx, `INSERT INTO answer_deliveries (org_id, case_id, token_hash, lang, filename, pdf, expires_at, created_at, kind)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		d.OrgID, d.CaseID, d.TokenHash, d.Lang, d.Filename, pdf, d.ExpiresAt, d.CreatedAt, d.Kind).Scan(&id)
	return id, mapErr(err, "answer delivery")
}

// AnswerDeliveryByToken finds the delivery of a link token's hash in org.
func (q *Q) AnswerDeliveryByToken(ctx context.Context, orgID int64, tokenHash []byte) (AnswerDelivery, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+deliveryCols+` FROM answer_deliveries WHERE org_id = $1 AND token_hash = $2`, orgID, tokenHash)
	d, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[AnswerDelivery])
	return d, mapErr(err, "answer delivery")
}

// AnswerDeliveryForUpdate locks a delivery of org.
func (q *Q) AnswerDeliveryForUpdate(ctx context.Context, orgID, id int64) (AnswerDelivery, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+deliveryCols+` FROM answer_deliveries WHERE org_id = $1 AND id = $2 FOR UPDATE`, orgID, id)
	d, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[AnswerDelivery])
	return d, mapErr(err, "answer delivery")
}

// AnswerDeliveriesOfCase lists a case's sent answers, oldest first.
func (q *Q) AnswerDeliveriesOfCase(ctx context.Context, orgID, caseID int64) ([]AnswerDelivery, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+deliveryCols+` FROM answer_deliveries WHERE org_id = $1 AND case_id = $2 ORDER BY id`, orgID, caseID)
	ds, err := pgx.CollectRows(rows, pgx.RowToStructByName[AnswerDelivery])
	return ds, mapErr(err, "answer deliveries")
}

// SetAnswerCode stores a fresh code hash for a delivery and resets its tries.
func (q *Q) SetAnswerCode(ctx context.Context, orgID, id int64, codeHash []byte, expires time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE answer_deliveries SET code_hash = $3, code_expires_at = $4, code_attempts = 0
		WHERE org_id = $1 AND id = $2`, orgID, id, codeHash, expires)
	return mapErr(err, "answer delivery")
}

// SetAnswerCodeAttempts records the wrong tries of a delivery's code.
func (q *Q) SetAnswerCodeAttempts(ctx context.Context, orgID, id int64, attempts int) error {
	_, err := q.db.Exec(ctx, `UPDATE answer_deliveries SET code_attempts = $3 WHERE org_id = $1 AND id = $2`, orgID, id, attempts)
	return mapErr(err, "answer delivery")
}

// UseAnswerCode removes a delivery's code once it was entered right.
func (q *Q) UseAnswerCode(ctx context.Context, orgID, id int64) error {
	_, err := q.db.Exec(ctx, `UPDATE answer_deliveries SET code_hash = NULL, code_expires_at = NULL, code_attempts = 0
		WHERE org_id = $1 AND id = $2`, orgID, id)
	return mapErr(err, "answer delivery")
}

// TakeAnswerPDF counts a download and returns the stored PDF.
func (q *Q) TakeAnswerPDF(ctx context.Context, orgID, id int64) ([]byte, error) {
	var b []byte
	var caseID int64
	err := q.db.QueryRow(ctx, `UPDATE answer_deliveries SET downloads = downloads + 1
		WHERE org_id = $1 AND id = $2 RETURNING case_id, pdf`, orgID, id).Scan(&caseID, &b)
	if err != nil {
		return nil, mapErr(err, "answer delivery")
	}
	return q.open(ctx, caseID, "answer_deliveries.pdf", b)
}

// RenewAnswerLink gives a delivery a new link: its token hash and expiry
// are replaced, so the old link no longer opens it, and a code asked for
// through the old link stops working. The stored PDF stays as it is.
func (q *Q) RenewAnswerLink(ctx context.Context, orgID, id int64, tokenHash []byte, expires time.Time) error {
	tag, err := q.db.Exec(ctx, `UPDATE answer_deliveries SET token_hash = $3, expires_at = $4,
		code_hash = NULL, code_expires_at = NULL, code_attempts = 0
		WHERE org_id = $1 AND id = $2`, orgID, id, tokenHash, expires)
	if err == nil && tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return mapErr(err, "answer delivery")
}
