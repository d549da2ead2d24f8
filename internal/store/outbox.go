package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
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
	To        string     `db:"-"` // To, Subject, Text and HTML are sealed (crypt.go)
	Lang      string     `db:"lang"`
	Subject   string     `db:"-"`
	Text      string     `db:"-"`
	HTML      string     `db:"-"`
	MessageID string     `db:"message_id"`
	State     string     `db:"state"`
	Attempts  int        `db:"attempts"`
	LastError string     `db:"-"` // sealed: the server's answer may quote the address
	SentAt    *time.Time `db:"sent_at"`
	CreatedAt time.Time  `db:"created_at"`
	// FirstFailedAt is when temporary failures began (nil: none yet).
	FirstFailedAt *time.Time `db:"first_failed_at"`
	// CodeHash names the one-time code the mail carries (nil: none);
	// CodeTTLSecs is its validity counted from the mail's sending.
	CodeHash    []byte `db:"code_hash"`
	CodeTTLSecs int    `db:"code_ttl_secs"`
	// ReplyTo and InReplyTo become the Reply-To, In-Reply-To and
	// References headers ("" = none).
	ReplyTo   string `db:"reply_to"`
	InReplyTo string `db:"in_reply_to"`
	// ClaimedUntil, set on an intake's code mail, writes the row already
	// claimed by this process's fast path (issue 21; InsertIntake only).
	ClaimedUntil *time.Time `db:"-"`
	// LinkRenewal marks the mail of a new link for a delivered letter
	// (workflow.RenewAnswerLink): its acceptance delivers no answer
	// again (D-29).
	LinkRenewal bool `db:"link_renewal"`
}

const outboxCols = `id, coalesce(org_id, 0) AS org_id, coalesce(case_id, 0) AS case_id, coalesce(task_id, 0) AS task_id,
	kind, to_addr AS to_sealed, lang, subject AS subject_sealed, text_body AS text_sealed, html_body AS html_sealed, message_id, state, attempts, last_error AS last_error_sealed, sent_at, created_at,
	first_failed_at, code_hash, coalesce(code_ttl_secs, 0) AS code_ttl_secs, reply_to, in_reply_to, link_renewal`

// outboxSealed is an outbox row as stored: address, subject and bodies
// sealed with the case's key, or under the keyring for a mail of no case
// (staff mail).
type outboxSealed struct {
	OutboxRow
	ToSealed      []byte `db:"to_sealed"`
	SubjectSealed []byte `db:"subject_sealed"`
	TextSealed    []byte `db:"text_sealed"`
	HTMLSealed    []byte `db:"html_sealed"`
	ErrorSealed   []byte `db:"last_error_sealed"`
}

func (q *Q) openOutbox(ctx context.Context, s outboxSealed) (OutboxRow, error) {
	r := s.OutboxRow
	var f fieldOp
	r.To = f.open(q, ctx, r.CaseID, "outbox.to_addr", s.ToSealed)
	r.Subject = f.open(q, ctx, r.CaseID, "outbox.subject", s.SubjectSealed)
	r.Text = f.open(q, ctx, r.CaseID, "outbox.text_body", s.TextSealed)
	r.HTML = f.open(q, ctx, r.CaseID, "outbox.html_body", s.HTMLSealed)
	r.LastError = f.open(q, ctx, r.CaseID, "outbox.last_error", s.ErrorSealed)
	if f.err != nil {
		return s.OutboxRow, f.err
	}
	return r, nil
}

func (q *Q) collectOutbox(ctx context.Context, rows pgx.Rows, err error, what string) ([]OutboxRow, error) {
	if err != nil {
		return nil, mapErr(err, what)
	}
	raw, err := pgx.CollectRows(rows, pgx.RowToStructByName[outboxSealed])
	if err != nil {
		return nil, mapErr(err, what)
	}
	out := make([]OutboxRow, len(raw))
	for i, r := range raw {
		// A list shows the mail of a purged case without its contents.
		if out[i], err = q.openOutbox(ctx, r); err != nil && !errors.Is(err, ErrPurged) {
			return nil, err
		}
	}
	return out, nil
}

func (q *Q) collectOneOutbox(ctx context.Context, rows pgx.Rows, what string) (OutboxRow, error) {
	r, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[outboxSealed])
	if err != nil {
		return OutboxRow{}, mapErr(err, what)
	}
	return q.openOutbox(ctx, r)
}

// InsertOutbox stores a pending mail and returns its id. The Message-ID is
// derived from the row id, so every retry sends the same one (D-14); its
// right-hand side is domain, the domain of MAIL_FROM (issue 17).
func (q *Q) InsertOutbox(ctx context.Context, r OutboxRow, domain string) (int64, error) {
	var id int64
	var f fieldOp
	to := f.seal(q, ctx, r.CaseID, "outbox.to_addr", r.To)
	subj := f.seal(q, ctx, r.CaseID, "outbox.subject", r.Subject)
	text := f.seal(q, ctx, r.CaseID, "outbox.text_body", r.Text)
	html := f.seal(q, ctx, r.CaseID, "outbox.html_body", r.HTML)
	if f.err != nil {
		return 0, f.err
	}
	err := q.db.QueryRow(ctx, `
		WITH n AS (SELECT nextval(pg_get_serial_sequence('outbox', 'id')) AS id)
		INSERT INTO outbox (id, org_id, case_id, task_id, kind, to_addr, lang, subject, text_body, html_body, message_id,
			code_hash, code_ttl_secs, reply_to, in_reply_to, link_renewal)
		SELECT n.id, nullif($1, 0), nullif($2, 0), nullif($3, 0), $4, $5, $6, $7, $8, $9,
			'<outbox-' || n.id || '.' || substr(md5(random()::text), 1, 12) || '@' || $10 || '>',
			$11, nullif($12, 0), $13, $14, $15
		FROM n
		RETURNING id`,
		r.OrgID, r.CaseID, r.TaskID, r.Kind, to, r.Lang, subj, text, html, domain,
		r.CodeHash, r.CodeTTLSecs, r.ReplyTo, r.InReplyTo, r.LinkRenewal).Scan(&id)
	return id, mapErr(err, "queueing mail")
}

// ClaimOutbox claims a pending row for one delivery until until, in a
// statement of its own: the SMTP conversation then runs with no
// transaction open (issue 17). ok is false when the row is gone, no
// longer pending, or claimed by a delivery that is still running. A row
// claimed but not readable (its case key, a broken connection) is given
// back before the error returns: a claim left behind made every later try
// snooze on it as if another delivery held it.
func (q *Q) ClaimOutbox(ctx context.Context, id int64, now, until time.Time) (r OutboxRow, ok bool, err error) {
	rows, _ := q.db.Query(ctx, `UPDATE outbox SET claimed_until = $3
		WHERE id = $1 AND state = 'pending' AND (claimed_until IS NULL OR claimed_until <= $2)
		RETURNING `+outboxCols, id, now, until)
	s, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[outboxSealed])
	if errors.Is(err, pgx.ErrNoRows) {
		return r, false, nil
	}
	if err == nil {
		if r, err = q.openOutbox(ctx, s); err == nil {
			return r, true, nil
		}
	}
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, _ = q.db.Exec(uctx, `UPDATE outbox SET claimed_until = NULL WHERE id = $1 AND state = 'pending' AND claimed_until = $2`, id, until)
	return r, false, mapErr(err, fmt.Sprintf("outbox %d", id))
}

// OutboxClaimedUntil reports a pending row's live claim (zero: none, or
// the row is not pending).
func (q *Q) OutboxClaimedUntil(ctx context.Context, id int64) (time.Time, error) {
	var t *time.Time
	err := q.db.QueryRow(ctx, `SELECT claimed_until FROM outbox WHERE id = $1 AND state = 'pending'`, id).Scan(&t)
	if errors.Is(err, pgx.ErrNoRows) || t == nil {
		return time.Time{}, nil
	}
	return *t, mapErr(err, "outbox claim")
}

// OutboxCodeCurrent reports whether the one-time code a mail carries is
// still the one its case, task or status page waits for: a code replaced
// (a new one was asked for) or used before the mail went out is not sent.
func (q *Q) OutboxCodeCurrent(ctx context.Context, r OutboxRow) (bool, error) {
	var ok bool
	var err error
	switch r.Kind {
	case "code":
		err = q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM cases WHERE id = $1 AND org_id = $2 AND code_hash = $3)`,
			r.CaseID, r.OrgID, r.CodeHash).Scan(&ok)
	case "task_code":
		err = q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM task_codes c JOIN tasks t ON t.id = c.task_id
			WHERE c.task_id = $1 AND t.org_id = $2 AND c.code_hash = $3)`, r.TaskID, r.OrgID, r.CodeHash).Scan(&ok)
	case "status_code":
		err = q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM status_codes WHERE org_id = $1 AND code_hash = $2)`,
			r.OrgID, r.CodeHash).Scan(&ok)
	case "answer_code":
		err = q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM answer_deliveries WHERE org_id = $1 AND case_id = $2 AND code_hash = $3)`,
			r.OrgID, r.CaseID, r.CodeHash).Scan(&ok)
	default:
		return true, nil
	}
	return ok, mapErr(err, "outbox code")
}

// extendOutboxCode makes the code a sent mail carries valid for its TTL
// from sentAt: a code mailed late, after an outage, still works (issue 17).
// A code never loses time by this. A mail sent within codeExtendSlack of
// its code's making leaves the row alone (issue 21): rewriting the case
// row for seconds was the costliest statement of a code mail's delivery
// (a new row version, its WAL and the case trigger, on every intake).
func (q *Q) extendOutboxCode(ctx context.Context, r OutboxRow, sentAt time.Time) error {
	if r.CodeHash == nil || r.CodeTTLSecs <= 0 {
		return nil
	}
	exp := sentAt.Add(time.Duration(r.CodeTTLSecs) * time.Second)
	// Rows whose code runs out before late are extended to exp; the
	// others already run (nearly) as long.
	late := exp.Add(-codeExtendSlack)
	var err error
	switch r.Kind {
	case "code":
		_, err = q.db.Exec(ctx, `UPDATE cases SET code_expires_at = $4
			WHERE id = $1 AND org_id = $2 AND code_hash = $3 AND (code_expires_at IS NULL OR code_expires_at < $5)`, r.CaseID, r.OrgID, r.CodeHash, exp, late)
	case "task_code":
		_, err = q.db.Exec(ctx, `UPDATE task_codes SET expires_at = $4
			WHERE task_id = $1 AND code_hash = $3 AND expires_at < $5 AND EXISTS (SELECT 1 FROM tasks t WHERE t.id = $1 AND t.org_id = $2)`,
			r.TaskID, r.OrgID, r.CodeHash, exp, late)
	case "status_code":
		_, err = q.db.Exec(ctx, `UPDATE status_codes SET expires_at = $3
			WHERE org_id = $1 AND code_hash = $2 AND expires_at < $4`, r.OrgID, r.CodeHash, exp, late)
	case "answer_code":
		_, err = q.db.Exec(ctx, `UPDATE answer_deliveries SET code_expires_at = $4
			WHERE org_id = $1 AND case_id = $2 AND code_hash = $3 AND (code_expires_at IS NULL OR code_expires_at < $5)`, r.OrgID, r.CaseID, r.CodeHash, exp, late)
	}
	return mapErr(err, "outbox code")
}

// codeExtendSlack: a code mail sent this soon after its code was made is
// not extended; its code runs at least its TTL less this from sending.
const codeExtendSlack = time.Minute

// MarkOutboxSentMany records the server's acceptance of mails the fast
// path sent (issue 21), in one statement for a batch (they have no job:
// a River job queued for one meanwhile finds its row sent and ends).
// Their codes need no extension when sent soon after being made
// (extendOutboxCode; ExtendOutboxCode for the others).
func (q *Q) MarkOutboxSentMany(ctx context.Context, ids []int64, at time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE outbox SET state = 'sent', sent_at = $2, attempts = attempts + 1, claimed_until = NULL
		WHERE id = ANY($1) AND state = 'pending'`, ids, at)
	return mapErr(err, "outbox sent")
}

// ExtendOutboxCode starts a sent mail's code validity at sentAt
// (extendOutboxCode), for a fast-path mail sent late.
func (q *Q) ExtendOutboxCode(ctx context.Context, r OutboxRow, sentAt time.Time) error {
	return q.extendOutboxCode(ctx, r, sentAt)
}

// NewMessageID is the Message-ID of outbox row id (D-14: every retry
// sends the same one), as InsertOutbox makes it in SQL: made in Go for an
// intake's code mail, which the fast path sends without reading its row.
func NewMessageID(id int64, domain string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("<outbox-%d.%s@%s>", id, hex.EncodeToString(b[:]), domain)
}

// UnclaimOutbox gives up a claim without an attempt.
func (q *Q) UnclaimOutbox(ctx context.Context, id int64) error {
	_, err := q.db.Exec(ctx, `UPDATE outbox SET claimed_until = NULL WHERE id = $1 AND state = 'pending'`, id)
	return mapErr(err, "outbox unclaim")
}

// CancelOutbox ends a pending row unsent: the code it carries is no
// longer wanted.
func (q *Q) CancelOutbox(ctx context.Context, id int64) error {
	_, err := q.db.Exec(ctx, `UPDATE outbox SET state = 'cancelled', claimed_until = NULL WHERE id = $1 AND state = 'pending'`, id)
	return mapErr(err, "outbox cancel")
}

// ReleaseWaitingMail makes every mail retry that waits for its backoff
// due at now: the server accepted a mail again, so the others need not
// wait out their backoff after an outage (issue 17). Jobs another
// transaction has locked (River moving or working them, another release)
// are skipped, not waited for: many deliveries end at once after an
// outage, and each used to wait for, or deadlock with, the others.
func (q *Q) ReleaseWaitingMail(ctx context.Context, now time.Time) (int64, error) {
	tag, err := q.db.Exec(ctx, `UPDATE river_job SET scheduled_at = $1
		WHERE id IN (SELECT id FROM river_job
		             WHERE kind = 'deliver_mail' AND state = 'retryable' AND scheduled_at > $1
		             ORDER BY id FOR UPDATE SKIP LOCKED)`, now)
	return tag.RowsAffected(), mapErr(err, "release mail")
}

// OutboxForUpdate locks one outbox row for delivery.
func (q *Q) OutboxForUpdate(ctx context.Context, id int64) (OutboxRow, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+outboxCols+` FROM outbox WHERE id = $1 FOR UPDATE`, id)
	return q.collectOneOutbox(ctx, rows, fmt.Sprintf("outbox %d", id))
}

// answerLink is the token part of an answer link in a mail body.
var answerLink = regexp.MustCompile(`/answer/[A-Za-z0-9_-]+`)

// MarkOutboxSent records the server's acceptance, and starts the
// validity of the code the mail carries at at.
func (q *Q) MarkOutboxSent(ctx context.Context, r OutboxRow, at time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE outbox SET state = 'sent', sent_at = $2, attempts = attempts + 1, last_error = '',
		claimed_until = NULL, first_failed_at = NULL WHERE id = $1`, r.ID, at)
	if err != nil {
		return mapErr(err, "outbox sent")
	}
	if r.Kind == "answer_link" || r.Kind == "doc_delivered" || r.Kind == "letter_link" {
		// A secure link's token (the answer's, a letter's, a document
		// request's decision with its documents, FI-2) lives only in the
		// mail (issue 18): once the server has it, the stored copy keeps
		// the link without it.
		var f fieldOp
		text := f.seal(q, ctx, r.CaseID, "outbox.text_body", answerLink.ReplaceAllString(r.Text, "/answer/…"))
		html := f.seal(q, ctx, r.CaseID, "outbox.html_body", answerLink.ReplaceAllString(r.HTML, "/answer/…"))
		if f.err != nil {
			return f.err
		}
		if _, err := q.db.Exec(ctx, `UPDATE outbox SET text_body = $2, html_body = $3 WHERE id = $1`, r.ID, text, html); err != nil {
			return mapErr(err, "outbox sent")
		}
	}
	return q.extendOutboxCode(ctx, r, at)
}

// MarkOutboxAttempt records a failed try at now; failed=true ends the row
// visibly. The first failure's time is kept: a row pending for long after
// it shows on the dashboard.
func (q *Q) MarkOutboxAttempt(ctx context.Context, id int64, errText string, failed bool, now time.Time) error {
	state := "pending"
	if failed {
		state = "failed"
	}
	var caseID int64
	if err := q.db.QueryRow(ctx, `SELECT coalesce(case_id, 0) FROM outbox WHERE id = $1`, id).Scan(&caseID); err != nil {
		return mapErr(err, "outbox attempt")
	}
	sealed, err := q.sealFor(ctx, caseID, "outbox.last_error", []byte(errText))
	if err != nil {
		return err
	}
	_, err = q.db.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = $2, state = $3, claimed_until = NULL,
		first_failed_at = coalesce(first_failed_at, $4) WHERE id = $1`, id, sealed, state, now)
	return mapErr(err, "outbox attempt")
}

// OutboxPendingWithoutJob lists pending rows that have no live delivery
// job and no live claim: an intake's code mail, written claimed and
// without a job for the fast path (issue 21), whose process ended before
// sending it; or a row whose job was deleted by hand or discarded.
// A claimed row is left alone until its claim has ended (at now), an
// unclaimed one for a minute after it was written.
func (q *Q) OutboxPendingWithoutJob(ctx context.Context, now time.Time) ([]int64, error) {
	rows, err := q.db.Query(ctx, `
		SELECT o.id FROM outbox o
		WHERE o.state = 'pending'
		  AND (o.claimed_until IS NULL AND o.created_at < now() - interval '1 minute' OR o.claimed_until < $1)
		  AND NOT EXISTS (
			SELECT 1 FROM river_job j
			WHERE j.kind = 'deliver_mail' AND (j.args->>'outbox_id')::bigint = o.id
			  AND j.state IN ('available', 'running', 'retryable', 'scheduled', 'pending'))
		ORDER BY o.id LIMIT 1000`, now)
	if err != nil {
		return nil, mapErr(err, "outbox sweep")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, mapErr(err, "outbox sweep")
}

// OutboxByCase lists the mails of a case (timeline, tests).
func (q *Q) OutboxByCase(ctx context.Context, orgID, caseID int64) ([]OutboxRow, error) {
	rows, err := q.db.Query(ctx, `SELECT `+outboxCols+` FROM outbox WHERE org_id = $1 AND case_id = $2 ORDER BY id`, orgID, caseID)
	return q.collectOutbox(ctx, rows, err, "case mail")
}

// FailedOutbox lists mails that could not be delivered, for the DPO: the
// failed ones and those failing temporarily since before stuckBefore.
func (q *Q) FailedOutbox(ctx context.Context, orgIDs []int64, stuckBefore time.Time) ([]OutboxRow, error) {
	rows, err := q.db.Query(ctx, `SELECT `+outboxCols+` FROM outbox WHERE org_id = ANY($1)
		AND (state = 'failed' OR (state = 'pending' AND first_failed_at < $2)) ORDER BY id DESC LIMIT 200`, orgIDs, stuckBefore)
	return q.collectOutbox(ctx, rows, err, "failed mail")
}

// MailOrigin is the outbox row a caught mail came from: its organisation
// and kind.
type MailOrigin struct {
	OrgID int64
	Kind  string
}

// OutboxOriginsByMessageID maps Message-IDs (with or without angle brackets)
// to the organisation and kind of the outbox row that sent them. Mail
// without a row or without an organisation is absent from the map: the
// dev mail catcher shows it to nobody (issue 16, item 1).
func (q *Q) OutboxOriginsByMessageID(ctx context.Context, ids []string) (map[string]MailOrigin, error) {
	out := make(map[string]MailOrigin, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	bare := make([]string, len(ids))
	for i, id := range ids {
		bare[i] = "<" + strings.Trim(strings.TrimSpace(id), "<>") + ">" // as InsertOutbox writes it
	}
	rows, err := q.db.Query(ctx, `
		SELECT btrim(message_id, '<>'), org_id, kind FROM outbox
		WHERE message_id = ANY($1) AND org_id IS NOT NULL`, bare)
	if err != nil {
		return nil, mapErr(err, "outbox by message id")
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var o MailOrigin
		if err := rows.Scan(&id, &o.OrgID, &o.Kind); err != nil {
			return nil, mapErr(err, "outbox by message id")
		}
		out[id] = o
	}
	return out, mapErr(rows.Err(), "outbox by message id")
}

// OutboxByID reads one outbox row with its address and bodies opened
// (tools such as scripts/mtacheck, which can no longer filter the sealed
// columns in SQL).
func (q *Q) OutboxByID(ctx context.Context, id int64) (OutboxRow, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+outboxCols+` FROM outbox WHERE id = $1`, id)
	return q.collectOneOutbox(ctx, rows, fmt.Sprintf("outbox %d", id))
}
