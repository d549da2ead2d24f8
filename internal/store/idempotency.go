package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// Idempotent is the first answer to a POST /api/v1/requests with an
// Idempotency-Key (issue 16, item 8).
type Idempotent struct {
	RequestHash []byte
	Status      int
	Response    []byte
}

// IdempotentAnswer returns the stored answer of (org, key), or ErrNotFound.
func (q *Q) IdempotentAnswer(ctx context.Context, orgID int64, key string) (Idempotent, error) {
	var r Idempotent
	err := q.db.QueryRow(ctx, `SELECT request_hash, status, response FROM api_idempotency WHERE org_id = $1 AND idem_key = $2`,
		orgID, key).Scan(&r.RequestHash, &r.Status, &r.Response)
	return r, mapErr(err, "idempotency key")
}

// ClaimIdempotencyKey stores the answer of (org, key) in the transaction
// that produced it. When the key is taken (committed, or by a transaction
// that commits meanwhile) it returns ErrConflict and the caller rolls back.
func (q *Q) ClaimIdempotencyKey(ctx context.Context, orgID int64, key string, caseID int64, r Idempotent, now time.Time) error {
	var ok bool
	err := q.db.QueryRow(ctx, `
		INSERT INTO api_idempotency (org_id, idem_key, request_hash, case_id, status, response, created_at)
		VALUES ($1, $2, $3, nullif($4, 0), $5, $6, $7)
		ON CONFLICT (org_id, idem_key) DO NOTHING
		RETURNING true`, orgID, key, r.RequestHash, caseID, r.Status, string(r.Response), now).Scan(&ok)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrConflict
	}
	return mapErr(err, "idempotency key")
}
