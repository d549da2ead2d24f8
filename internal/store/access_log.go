package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// AccessEntry is one read of a case's personal data (issue 16 item 11):
// who (an actor code), what, which task or file (Ref, 0 for none), when.
type AccessEntry struct {
	Actor string    `db:"actor"`
	What  string    `db:"what"`
	Ref   int64     `db:"ref"`
	At    time.Time `db:"at"`
}

// LogAccess records one read with a single INSERT.
func (q *Q) LogAccess(ctx context.Context, orgID, caseID int64, e AccessEntry) error {
	var ref *int64
	if e.Ref != 0 {
		ref = &e.Ref
	}
	_, err := q.db.Exec(ctx, `INSERT INTO case_access_log (org_id, case_id, actor, what, ref, at) VALUES ($1, $2, $3, $4, $5, $6)`,
		orgID, caseID, e.Actor, e.What, ref, e.At)
	return mapErr(err, "logging access")
}

// AccessLog returns a case's reads, newest first, at most limit.
func (q *Q) AccessLog(ctx context.Context, orgID, caseID int64, limit int) ([]AccessEntry, error) {
	rows, _ := q.db.Query(ctx, `SELECT actor, what, coalesce(ref, 0) AS ref, at FROM case_access_log
		WHERE org_id = $1 AND case_id = $2 ORDER BY at DESC, id DESC LIMIT $3`, orgID, caseID, limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[AccessEntry])
	return out, mapErr(err, "access log")
}
