package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// APIToken is an organisation's integration token (D-20): only the hash of
// the token is stored.
type APIToken struct {
	ID         int64      `db:"id"`
	OrgID      int64      `db:"org_id"`
	Name       string     `db:"name"`
	CreatedAt  time.Time  `db:"created_at"`
	LastUsedAt *time.Time `db:"last_used_at"`
	RevokedAt  *time.Time `db:"revoked_at"`
	// Org is the token's organisation (UseAPIToken only).
	Org Org `db:"-"`
}

const tokenCols = `id, org_id, name, created_at, last_used_at, revoked_at`

// InsertAPIToken stores a new token of an organisation. A revoked token of
// the same name is replaced (its uses stay in the audit trail); an active
// one is ErrConflict.
func (q *Q) InsertAPIToken(ctx context.Context, orgID int64, name string, hash []byte, at time.Time) (int64, error) {
	if _, err := q.db.Exec(ctx, `DELETE FROM api_tokens WHERE org_id = $1 AND name = $2 AND revoked_at IS NOT NULL`, orgID, name); err != nil {
		return 0, mapErr(err, "replacing revoked token")
	}
	var id int64
	err := q.db.QueryRow(ctx, `INSERT INTO api_tokens (org_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		orgID, name, hash, at).Scan(&id)
	orgsChanged()
	return id, mapErr(err, "creating token")
}

// APITokens lists an organisation's tokens by name.
func (q *Q) APITokens(ctx context.Context, orgID int64) ([]APIToken, error) {
	rows, err := q.db.Query(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE org_id = $1 ORDER BY name`, orgID)
	if err != nil {
		return nil, mapErr(err, "listing tokens")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[APIToken])
	return out, mapErr(err, "listing tokens")
}

// RevokeAPIToken revokes an organisation's active token by name
// (ErrNotFound when there is none).
func (q *Q) RevokeAPIToken(ctx context.Context, orgID int64, name string, at time.Time) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `UPDATE api_tokens SET revoked_at = $3 WHERE org_id = $1 AND name = $2 AND revoked_at IS NULL RETURNING id`,
		orgID, name, at).Scan(&id)
	orgsChanged()
	return id, mapErr(err, "revoking token")
}

// UseAPIToken finds the active token with this hash, with its
// organisation (Org), and records its use. The hash is the credential, so
// this is the one look-up not keyed by organisation: it is how the
// organisation is learnt (ErrNotFound for an unknown or revoked token).
//
// last_used_at is written at most once a minute (apiTokenUseGrain) and
// never waited for (SKIP LOCKED): writing it on every request made the
// token's row a hot row that every API request of the organisation
// queued on (issue 21). One statement, one round trip.
func (q *Q) UseAPIToken(ctx context.Context, hash []byte, at time.Time) (APIToken, error) {
	rows, _ := q.db.Query(ctx, `
		WITH t AS (
			SELECT id AS token_id, org_id AS token_org, name AS token_name, created_at AS token_created_at,
				last_used_at AS token_last_used_at
			FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL),
		used AS (
			UPDATE api_tokens a SET last_used_at = $2::timestamptz
			FROM (SELECT id FROM api_tokens WHERE id = (SELECT token_id FROM t)
				AND (last_used_at IS NULL OR last_used_at <= $2::timestamptz - $3::interval) FOR UPDATE SKIP LOCKED) l
			WHERE a.id = l.id
			RETURNING a.id)
		SELECT t.token_id, t.token_org, t.token_name, t.token_created_at,
			coalesce((SELECT $2::timestamptz FROM used), t.token_last_used_at) AS token_last_used_at, `+orgCols+`
		FROM t JOIN organisations ON organisations.id = t.token_org`+orgOpenFrom, hash, at, apiTokenUseGrain)
	r, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[tokenOrgRow])
	if err != nil {
		return APIToken{}, mapErr(err, "token")
	}
	return APIToken{ID: r.TokenID, OrgID: r.TokenOrg, Name: r.TokenName, CreatedAt: r.TokenCreatedAt,
		LastUsedAt: r.TokenLastUsedAt, Org: r.Org}, nil
}

// apiTokenUseGrain is how stale a token's last_used_at may be (D-20).
const apiTokenUseGrain = "1 minute"

type tokenOrgRow struct {
	TokenID         int64      `db:"token_id"`
	TokenOrg        int64      `db:"token_org"`
	TokenName       string     `db:"token_name"`
	TokenCreatedAt  time.Time  `db:"token_created_at"`
	TokenLastUsedAt *time.Time `db:"token_last_used_at"`
	Org
}
