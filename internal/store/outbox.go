package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// OutboxRow is one email, written in the transaction that caused it.
type OutboxRow struct {
	ID        int64      `db:"id"`
	OrgID     int64      `db:"org_id"`
	CaseID    int64      `db:"case_id"`
	TaskID    int64      `db:"task_id"`
	Kind      string     `db:"kind"`
	To        string     `db:"to_addr"`
	Lang      string     `db:"lang"`
	Subject   string     `db:"subject"`
	Text      string     `db:"text_body"`
	HTML      string     `db:"html_body"`
	MessageID string     `db:"message_id"`
	State     string     `db:"state"`
	Attempts  int        `db:"attempts"`
	LastError string     `db:"last_error"`
	SentAt    *time.Time `db:"sent_at"`
	CreatedAt time.Time  `db:"created_at"`
}

const outboxCols = `id, coalesce(org_id, 0) AS org_id, coalesce(case_id, 0) AS case_id, coalesce(task_id, 0) AS task_id,
	kind, to_addr, lang, subject, text_body, html_body, message_id, state, attempts, last_error, sent_at, created_at`

// InsertOutbox stores a pending mail and returns its id. The Message-ID is
// derived from the row id, so every retry sends the same one (D-14).
func (q *Q) InsertOutbox(ctx context.Context, r OutboxRow) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `
		WITH n AS (SELECT nextval(pg_get_serial_sequence('outbox', 'id')) AS id)
		INSERT INTO outbox (id, org_id, case_id, task_id, kind, to_addr, lang, subject, text_body, html_body, message_id)
		SELECT n.id, nullif($1, 0), nullif($2, 0), nullif($3, 0), $4, $5, $6, $7, $8, $9,
			'<outbox-' || n.id || '.' || substr(md5(random()::text), 1, 12) || '@rightsdesk>'
		FROM n
		RETURNING id`,
		r.OrgID, r.CaseID, r.TaskID, r.Kind, r.To, r.Lang, r.Subject, r.Text, r.HTML).Scan(&id)
	return id, mapErr(err, "queueing mail")
}

// OutboxForUpdate locks one outbox row for delivery.
func (q *Q) OutboxForUpdate(ctx context.Context, id int64) (OutboxRow, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+outboxCols+` FROM outbox WHERE id = $1 FOR UPDATE`, id)
	r, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[OutboxRow])
	return r, mapErr(err, fmt.Sprintf("outbox %d", id))
}

// MarkOutboxSent records the server's acceptance.
func (q *Q) MarkOutboxSent(ctx context.Context, id int64, at time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE outbox SET state = 'sent', sent_at = $2, attempts = attempts + 1, last_error = '' WHERE id = $1`, id, at)
	return mapErr(err, "outbox sent")
}

// MarkOutboxAttempt records a failed try; failed=true ends the row visibly.
func (q *Q) MarkOutboxAttempt(ctx context.Context, id int64, errText string, failed bool) error {
	state := "pending"
	if failed {
		state = "failed"
	}
	_, err := q.db.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = $2, state = $3 WHERE id = $1`, id, errText, state)
	return mapErr(err, "outbox attempt")
}

// OutboxPendingWithoutJob lists pending rows that have no live delivery
// job (a crash between writing and queueing can't happen, since both
// commit together, but a job deleted by hand or a discarded one can).
func (q *Q) OutboxPendingWithoutJob(ctx context.Context) ([]int64, error) {
	rows, err := q.db.Query(ctx, `
		SELECT o.id FROM outbox o
		WHERE o.state = 'pending' AND o.created_at < now() - interval '1 minute'
		  AND NOT EXISTS (
			SELECT 1 FROM river_job j
			WHERE j.kind = 'deliver_mail' AND (j.args->>'outbox_id')::bigint = o.id
			  AND j.state IN ('available', 'running', 'retryable', 'scheduled', 'pending'))
		ORDER BY o.id LIMIT 1000`)
	if err != nil {
		return nil, mapErr(err, "outbox sweep")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, mapErr(err, "outbox sweep")
}

// OutboxByCase lists the mails of a case (timeline, tests).
func (q *Q) OutboxByCase(ctx context.Context, orgID, caseID int64) ([]OutboxRow, error) {
	rows, err := q.db.Query(ctx, `SELECT `+outboxCols+` FROM outbox WHERE org_id = $1 AND case_id = $2 ORDER BY id`, orgID, caseID)
	if err != nil {
		return nil, mapErr(err, "case mail")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[OutboxRow])
	return out, mapErr(err, "case mail")
}

// FailedOutbox lists mails that could not be delivered, for the DPO.
func (q *Q) FailedOutbox(ctx context.Context, orgIDs []int64) ([]OutboxRow, error) {
	rows, err := q.db.Query(ctx, `SELECT `+outboxCols+` FROM outbox WHERE state = 'failed' AND org_id = ANY($1) ORDER BY id DESC LIMIT 200`, orgIDs)
	if err != nil {
		return nil, mapErr(err, "failed mail")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[OutboxRow])
	return out, mapErr(err, "failed mail")
}

// OutboxOrgsByMessageID maps Message-IDs (with or without angle brackets)
// to the organisation of the outbox row that sent them. Mail without a row
// or without an organisation is absent from the map: the dev mail catcher
// shows it to nobody (issue 16, item 1).
func (q *Q) OutboxOrgsByMessageID(ctx context.Context, ids []string) (map[string]int64, error) {
	out := make(map[string]int64, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	bare := make([]string, len(ids))
	for i, id := range ids {
		bare[i] = "<" + strings.Trim(strings.TrimSpace(id), "<>") + ">" // as InsertOutbox writes it
	}
	rows, err := q.db.Query(ctx, `
		SELECT btrim(message_id, '<>'), org_id FROM outbox
		WHERE message_id = ANY($1) AND org_id IS NOT NULL`, bare)
	if err != nil {
		return nil, mapErr(err, "outbox by message id")
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var org int64
		if err := rows.Scan(&id, &org); err != nil {
			return nil, mapErr(err, "outbox by message id")
		}
		out[id] = org
	}
	return out, mapErr(rows.Err(), "outbox by message id")
}
