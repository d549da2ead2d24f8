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

// LogAccessOnce is LogAccess unless the same actor's read of the same kind
// is already logged on the case within window before e.At: an integration
// polling where a request stands leaves one entry an hour, not thousands
// that would push the staff's reads off the case page's list.
func (q *Q) LogAccessOnce(ctx context.Context, orgID, caseID int64, e AccessEntry, window time.Duration) error {
	_, err := q.db.Exec(ctx, `INSERT INTO case_access_log (org_id, case_id, actor, what, at)
		SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM case_access_log
			WHERE case_id = $2 AND at > $5::timestamptz - make_interval(secs => $6) AND at <= $5 AND actor = $3 AND what = $4)`,
		orgID, caseID, e.Actor, e.What, e.At, window.Seconds())
	return mapErr(err, "logging access")
}
