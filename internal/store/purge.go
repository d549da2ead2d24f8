package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// Retention purge (issue 22, D-25, D-28): a closed case older than its
// organisation's retention_years is purged. The case row and its audit
// chain stay (events hold no personal data); its key is destroyed, every
// personal row and blob goes, and a tombstone keeps the statistics.

// Tombstone is what stays of a purged case for statistics.
type Tombstone struct {
	CaseID     int64      `db:"case_id"`
	OrgID      int64      `db:"org_id"`
	Receipt    string     `db:"receipt"`
	Rights     []string   `db:"rights"`
	Channel    string     `db:"channel"`
	ReceivedAt time.Time  `db:"received_at"`
	AnsweredAt *time.Time `db:"answered_at"`
	ClosedAt   time.Time  `db:"closed_at"`
	OnTime     *bool      `db:"on_time"`
	Outcome    string     `db:"outcome"`
	PurgedAt   time.Time  `db:"purged_at"`
	ReportedAt *time.Time `db:"reported_at"`
}

// CasesDueForPurge lists up to limit closed cases (oldest closing first)
// whose organisation's retention period ended before now and that are not
// purged yet.
func (q *Q) CasesDueForPurge(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	rows, err := q.db.Query(ctx, `
		SELECT c.id FROM cases c JOIN organisations o ON o.id = c.org_id
		WHERE c.closed_at IS NOT NULL AND c.state = 'closed'
		  AND c.closed_at < $1::timestamptz - make_interval(years => o.retention_years)
		  AND NOT EXISTS (SELECT 1 FROM purged_cases p WHERE p.case_id = c.id)
		ORDER BY c.closed_at, c.id LIMIT $2`, now, limit)
	if err != nil {
		return nil, mapErr(err, "cases due for purge")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, mapErr(err, "cases due for purge")
}

// PurgeCase purges one case in the caller's transaction: it locks the
// case, checks again that it is due (now, the organisation's period) and
// not purged yet, writes the tombstone, destroys the key and deletes the
// personal rows, blobs and the River jobs whose arguments name them.
// It returns the tombstone and false when there was nothing to do.
func (q *Q) PurgeCase(ctx context.Context, caseID int64, now time.Time) (Tombstone, bool, error) {
	var t Tombstone
	var refusal string
	err := q.db.QueryRow(ctx, `
		SELECT c.id, c.org_id, c.receipt, c.rights, c.channel, c.received_at, c.answered_at, c.closed_at, c.refusal_ground
		FROM cases c JOIN organisations o ON o.id = c.org_id
		WHERE c.id = $1 AND c.closed_at IS NOT NULL AND c.state = 'closed'
		  AND c.closed_at < $2::timestamptz - make_interval(years => o.retention_years)
		  AND NOT EXISTS (SELECT 1 FROM purged_cases p WHERE p.case_id = c.id)
		FOR UPDATE OF c`, caseID, now).Scan(&t.CaseID, &t.OrgID, &t.Receipt, &t.Rights, &t.Channel, &t.ReceivedAt,
		&t.AnsweredAt, &t.ClosedAt, &refusal)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, false, nil
	}
	if err != nil {
		return t, false, mapErr(err, "purge: case")
	}
	switch {
	case t.AnsweredAt != nil:
		t.Outcome = "answered"
	case refusal != "":
		t.Outcome = "refused"
	default:
		t.Outcome = "withdrawn"
	}
	// On time as the statistics count it (stats_source, issue 21): as the
	// answer's event recorded it (MarkAnswered, SendAnswer), else the
	// answer's date against the effective due date; so the tombstone
	// keeps the figures the live case gave.
	var onTime *bool
	err = q.db.QueryRow(ctx, `SELECT on_time FROM stats_source WHERE case_id = $1`, caseID).Scan(&onTime)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return t, false, mapErr(err, "purge: on time")
	}
	t.OnTime, t.PurgedAt = onTime, now
	if _, err := q.db.Exec(ctx, `INSERT INTO purged_cases (case_id, org_id, receipt, rights, channel, received_at,
		answered_at, closed_at, on_time, outcome, purged_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		t.CaseID, t.OrgID, t.Receipt, t.Rights, t.Channel, t.ReceivedAt, t.AnsweredAt, t.ClosedAt, t.OnTime, t.Outcome, t.PurgedAt); err != nil {
		return t, false, mapErr(err, "purge: tombstone")
	}
	if err := q.DestroyCaseKey(ctx, caseID); err != nil {
		return t, false, err
	}
	if err := q.deleteCaseData(ctx, caseID, now); err != nil {
		return t, false, err
	}
	return t, true, nil
}

// purgeStatements delete or blank every personal value of a case ($1).
// The jobs go first: their arguments name outbox rows and tasks.
var purgeStatements = []struct{ what, sql string }{
	{"jobs", `DELETE FROM river_job WHERE state NOT IN ('running')
		AND ((kind = 'deliver_mail' AND (args->>'outbox_id')::bigint IN
		        (SELECT id FROM outbox WHERE case_id = $1 OR task_id = ANY (ARRAY(SELECT id FROM tasks WHERE case_id = $1))))
		  OR (kind IN ('task_reminder', 'task_escalation') AND (args->>'task_id')::bigint IN (SELECT id FROM tasks WHERE case_id = $1)))`},
	// "task_id = ANY (ARRAY(...))", not "task_id IN (SELECT ...)": beside
	// the OR, the IN became a hashed subplan that no index serves, and
	// every purged case read the whole outbox (TestPurgeUsesIndexes).
	{"outbox", `DELETE FROM outbox WHERE case_id = $1 OR task_id = ANY (ARRAY(SELECT id FROM tasks WHERE case_id = $1))`},
	{"inbound", `DELETE FROM inbound_messages WHERE case_id = $1`},
	{"inbound files", `DELETE FROM inbound_files WHERE case_id = $1`},
	{"notes", `DELETE FROM case_notes WHERE case_id = $1`},
	// What the DPO asked the requester during a pause and what they sent
	// back (DL-8): sealed under the case key, deleted with it.
	{"reply files", `DELETE FROM case_reply_files WHERE case_id = $1`},
	{"replies", `DELETE FROM case_replies WHERE case_id = $1`},
	{"asks", `DELETE FROM case_asks WHERE case_id = $1`},
	{"withheld", `DELETE FROM answer_withheld WHERE case_id = $1`},
	{"documents", `DELETE FROM document_files WHERE case_id = $1`}, // FI-2: the documents given out
	{"print queue", `DELETE FROM letter_queue WHERE case_id = $1`},
	{"status codes", `DELETE FROM status_codes WHERE case_id = $1`},
	{"idempotency", `DELETE FROM api_idempotency WHERE case_id = $1`},
	{"attachments", `DELETE FROM task_attachments WHERE task_id IN (SELECT id FROM tasks WHERE case_id = $1)`},
	{"task codes", `DELETE FROM task_codes WHERE task_id IN (SELECT id FROM tasks WHERE case_id = $1)`},
	{"task browsers", `DELETE FROM task_browsers WHERE task_id IN (SELECT id FROM tasks WHERE case_id = $1)`},
	{"tasks", `UPDATE tasks SET extract_text = '', answer_comment = '', answer_changes = '', recipients_told = '',
		letter_comment = '', letter_changes = '', letter_told = '', token_hash = NULL,
		token_expires_at = NULL WHERE case_id = $1`},
	// The answer link's row stays without its PDF, expired: the link
	// answers 410 Gone, not "unknown".
	{"deliveries", `UPDATE answer_deliveries SET pdf = '', filename = '', code_hash = NULL, code_expires_at = NULL,
		expires_at = least(expires_at, $2) WHERE case_id = $1`},
	{"requester", `UPDATE requesters SET name = '', email = '', phone = '', address = '', email_index = NULL,
		hetu_enc = NULL, hetu_index = NULL, hetu_mask = '', subject_name = '', subject_hetu_enc = NULL,
		subject_hetu_index = NULL, subject_hetu_mask = '' WHERE case_id = $1`},
	{"case", `UPDATE cases SET details = '', extension_reason = '', pause_reason = '', refusal_reason = '',
		doc_extension_reason = '', code_hash = NULL WHERE id = $1`},
}

func (q *Q) deleteCaseData(ctx context.Context, caseID int64, now time.Time) error {
	for _, st := range purgeStatements {
		args := []any{caseID}
		if st.what == "deliveries" {
			args = append(args, now)
		}
		if _, err := q.db.Exec(ctx, st.sql, args...); err != nil {
			return mapErr(err, "purge: "+st.what)
		}
	}
	return nil
}

// UnreportedPurges counts an organisation's purged cases no digest has
// reported yet and marks them reported at now.
func (q *Q) UnreportedPurges(ctx context.Context, orgID int64, now time.Time) (int, error) {
	tag, err := q.db.Exec(ctx, `UPDATE purged_cases SET reported_at = $2 WHERE org_id = $1 AND reported_at IS NULL`, orgID, now)
	if err != nil {
		return 0, mapErr(err, "purged cases")
	}
	return int(tag.RowsAffected()), nil
}

// TombstoneOf returns a purged case's tombstone (ErrNotFound: not purged).
func (q *Q) TombstoneOf(ctx context.Context, orgID, caseID int64) (Tombstone, error) {
	rows, err := q.db.Query(ctx, `SELECT case_id, org_id, receipt, rights, channel, received_at, answered_at, closed_at,
		on_time, outcome, purged_at, reported_at FROM purged_cases WHERE org_id = $1 AND case_id = $2`, orgID, caseID)
	if err != nil {
		return Tombstone{}, mapErr(err, "tombstone")
	}
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Tombstone])
	return t, mapErr(err, "tombstone")
}

// ArchiveLetter is a generated letter of a case, as sent or queued.
type ArchiveLetter struct {
	Name string
	At   time.Time
	PDF  []byte
}

// ClosedCasesBefore lists an organisation's closed, not yet purged cases
// closed before t (oldest first), for the archive package.
func (q *Q) ClosedCasesBefore(ctx context.Context, orgID int64, t time.Time, limit int) ([]int64, error) {
	rows, err := q.db.Query(ctx, `SELECT id FROM cases c WHERE org_id = $1 AND state = 'closed' AND closed_at < $2
		AND NOT EXISTS (SELECT 1 FROM purged_cases p WHERE p.case_id = c.id) ORDER BY closed_at, id LIMIT $3`, orgID, t, limit)
	if err != nil {
		return nil, mapErr(err, "closed cases")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, mapErr(err, "closed cases")
}

// CaseLetters returns a case's generated letters: the answers delivered by
// link and the letters of the print queue, opened, without counting a
// download.
func (q *Q) CaseLetters(ctx context.Context, orgID, caseID int64) ([]ArchiveLetter, error) {
	rows, err := q.db.Query(ctx, `
		SELECT 'answer-' || id || '-' || lang || '.pdf', created_at, pdf, true FROM answer_deliveries WHERE org_id = $1 AND case_id = $2
		UNION ALL
		SELECT kind || '-' || id || '-' || lang || '.pdf', created_at, pdf, false FROM letter_queue WHERE org_id = $1 AND case_id = $2
		ORDER BY 2, 1`, orgID, caseID)
	if err != nil {
		return nil, mapErr(err, "case letters")
	}
	type raw struct {
		l      ArchiveLetter
		sealed bool
	}
	var rs []raw
	for rows.Next() {
		var r raw
		if err := rows.Scan(&r.l.Name, &r.l.At, &r.l.PDF, &r.sealed); err != nil {
			rows.Close()
			return nil, mapErr(err, "case letters")
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, "case letters")
	}
	out := make([]ArchiveLetter, 0, len(rs))
	for _, r := range rs {
		if r.sealed {
			b, err := q.open(ctx, caseID, "answer_deliveries.pdf", r.l.PDF)
			if err != nil {
				return nil, err
			}
			r.l.PDF = b
		}
		if len(r.l.PDF) > 0 {
			out = append(out, r.l)
		}
	}
	return out, nil
}
