package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// The owner's side of a task link (issue 6): the browsers that proved, by
// an emailed code, that they may open a task, the pending code, and the
// files an owner uploaded. task_browsers and task_codes carry no org_id;
// every query reaches them through tasks, scoped by the organisation.

// TaskAttachment is a file an owner uploaded with an answer. Data is only
// filled by TaskAttachment (one file), never by the listing.
type TaskAttachment struct {
	ID          int64     `db:"id"`
	TaskID      int64     `db:"task_id"`
	Filename    string    `db:"-"` // Filename and Data are sealed with the case key
	ContentType string    `db:"content_type"`
	Size        int64     `db:"size"`
	CreatedAt   time.Time `db:"created_at"`
	Data        []byte    `db:"-"`
}

type attachmentSealed struct {
	TaskAttachment
	sealedFile
}

// sealedFile is the sealed name and contents of a file stored with a case
// (a task's attachment, a document given with a decision) as read: the
// contents are empty in a listing.
type sealedFile struct {
	CaseID         int64  `db:"case_id"`
	FilenameSealed []byte `db:"filename_sealed"`
	DataSealed     []byte `db:"data_sealed"`
}

// open opens the file's name and contents, sealed for table's filename
// and data columns.
func (s sealedFile) open(ctx context.Context, q *Q, table string) (string, []byte, error) {
	var f fieldOp
	name := f.open(q, ctx, s.CaseID, table+".filename", s.FilenameSealed)
	data := []byte{}
	if len(s.DataSealed) > 0 {
		data = []byte(f.open(q, ctx, s.CaseID, table+".data", s.DataSealed))
	}
	return name, data, f.err
}

func (q *Q) openAttachment(ctx context.Context, s attachmentSealed) (TaskAttachment, error) {
	a := s.TaskAttachment
	var err error
	a.Filename, a.Data, err = s.open(ctx, q, "task_attachments")
	return a, err
}

func (q *Q) collectAttachments(ctx context.Context, rows pgx.Rows, err error, what string) ([]TaskAttachment, error) {
	if err != nil {
		return nil, mapErr(err, what)
	}
	raw, err := pgx.CollectRows(rows, pgx.RowToStructByName[attachmentSealed])
	if err != nil {
		return nil, mapErr(err, what)
	}
	out := make([]TaskAttachment, len(raw))
	for i, r := range raw {
		if out[i], err = q.openAttachment(ctx, r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

const attachmentCols = `a.id, a.task_id, t.case_id, a.filename AS filename_sealed, a.content_type, a.size, a.created_at`

// TaskAttachments lists a task's files without their contents.
func (q *Q) TaskAttachments(ctx context.Context, orgID, taskID int64) ([]TaskAttachment, error) {
	rows, err := q.db.Query(ctx, `SELECT `+attachmentCols+`, ''::bytea AS data_sealed
		FROM task_attachments a JOIN tasks t ON t.id = a.task_id AND t.org_id = a.org_id
		WHERE a.org_id = $1 AND a.task_id = $2 ORDER BY a.id`, orgID, taskID)
	return q.collectAttachments(ctx, rows, err, "task attachments")
}

// CaseAttachments lists the files of every task of a case, without their
// contents, by task and upload order.
func (q *Q) CaseAttachments(ctx context.Context, orgID, caseID int64) ([]TaskAttachment, error) {
	rows, err := q.db.Query(ctx, `SELECT `+attachmentCols+`, ''::bytea AS data_sealed
		FROM task_attachments a JOIN tasks t ON t.id = a.task_id AND t.org_id = a.org_id
		WHERE a.org_id = $1 AND t.case_id = $2 ORDER BY a.task_id, a.id`, orgID, caseID)
	return q.collectAttachments(ctx, rows, err, "case attachments")
}

// TaskAttachment reads one file of a task, with its contents.
func (q *Q) TaskAttachment(ctx context.Context, orgID, taskID, id int64) (TaskAttachment, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+attachmentCols+`, a.data AS data_sealed
		FROM task_attachments a JOIN tasks t ON t.id = a.task_id AND t.org_id = a.org_id
		WHERE a.org_id = $1 AND a.task_id = $2 AND a.id = $3`, orgID, taskID, id)
	r, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[attachmentSealed])
	if err != nil {
		return TaskAttachment{}, mapErr(err, "task attachment")
	}
	return q.openAttachment(ctx, r)
}

// InsertAttachment stores a file uploaded with the answer of a task of the
// organisation (its size is len(a.Data)) and returns its id; a task of
// another organisation is ErrNotFound.
func (q *Q) InsertAttachment(ctx context.Context, orgID, taskID int64, a TaskAttachment) (int64, error) {
	var id, caseID int64
	if err := q.db.QueryRow(ctx, `SELECT case_id FROM tasks WHERE org_id = $1 AND id = $2`, orgID, taskID).Scan(&caseID); err != nil {
		return 0, mapErr(err, "task attachment")
	}
	var f fieldOp
	name := f.seal(q, ctx, caseID, "task_attachments.filename", a.Filename)
	data := f.seal(q, ctx, caseID, "task_attachments.data", string(a.Data))
	if f.err != nil {
		return 0, f.err
	}
	err := q.db.QueryRow(ctx, `INSERT INTO task_attachments (org_id, task_id, filename, content_type, size, data)
		SELECT org_id, id, $3, $4, $5, $6 FROM tasks WHERE org_id = $1 AND id = $2
		RETURNING id`, orgID, taskID, name, a.ContentType, len(a.Data), data).Scan(&id)
	return id, mapErr(err, "task attachment")
}

// TaskBrowserKnown reports whether a browser hash was verified, since
// `since`, for any task of the organisation. Callers bind the hash to what
// it proves (the owner's address), so a match on another task of the same
// owner counts too.
func (q *Q) TaskBrowserKnown(ctx context.Context, orgID int64, hash []byte, since time.Time) (bool, error) {
	var ok bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (
		SELECT 1 FROM task_browsers b JOIN tasks t ON t.id = b.task_id
		WHERE t.org_id = $1 AND b.browser_hash = $2 AND b.verified_at >= $3)`, orgID, hash, since).Scan(&ok)
	return ok, mapErr(err, "task browser")
}

// AddTaskBrowser records a verified browser for a task of the organisation.
func (q *Q) AddTaskBrowser(ctx context.Context, orgID, taskID int64, hash []byte, at time.Time) error {
	tag, err := q.db.Exec(ctx, `INSERT INTO task_browsers (task_id, browser_hash, verified_at)
		SELECT id, $3, $4 FROM tasks WHERE org_id = $1 AND id = $2
		ON CONFLICT (task_id, browser_hash) DO UPDATE SET verified_at = EXCLUDED.verified_at`, orgID, taskID, hash, at)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return mapErr(err, "task browser")
}

// TaskCode is the pending one-time code of a task link.
type TaskCode struct {
	TaskID    int64     `db:"task_id"`
	CodeHash  []byte    `db:"code_hash"`
	ExpiresAt time.Time `db:"expires_at"`
	Attempts  int       `db:"attempts"`
}

// TaskCodeForUpdate locks the pending code of a task of the organisation.
func (q *Q) TaskCodeForUpdate(ctx context.Context, orgID, taskID int64) (TaskCode, error) {
	rows, _ := q.db.Query(ctx, `SELECT c.task_id, c.code_hash, c.expires_at, c.attempts
		FROM task_codes c JOIN tasks t ON t.id = c.task_id
		WHERE t.org_id = $1 AND c.task_id = $2 FOR UPDATE OF c`, orgID, taskID)
	c, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[TaskCode])
	return c, mapErr(err, "task code")
}

// ActiveTaskCode reports whether a task of the organisation has a code
// that is still valid at now and has tries left.
func (q *Q) ActiveTaskCode(ctx context.Context, orgID, taskID int64, now time.Time, maxAttempts int) (bool, error) {
	var ok bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (
		SELECT 1 FROM task_codes c JOIN tasks t ON t.id = c.task_id
		WHERE t.org_id = $1 AND c.task_id = $2 AND c.expires_at > $3 AND c.attempts < $4)`,
		orgID, taskID, now, maxAttempts).Scan(&ok)
	return ok, mapErr(err, "task code")
}

// PutTaskCode replaces the pending code of a task of the organisation; a
// new code starts with no failed tries.
func (q *Q) PutTaskCode(ctx context.Context, orgID, taskID int64, hash []byte, expires time.Time) error {
	tag, err := q.db.Exec(ctx, `INSERT INTO task_codes (task_id, code_hash, expires_at, attempts)
		SELECT id, $3, $4, 0 FROM tasks WHERE org_id = $1 AND id = $2
		ON CONFLICT (task_id) DO UPDATE SET code_hash = EXCLUDED.code_hash, expires_at = EXCLUDED.expires_at, attempts = 0`,
		orgID, taskID, hash, expires)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return mapErr(err, "task code")
}

// SetTaskCodeAttempts records the failed tries of a task's pending code.
func (q *Q) SetTaskCodeAttempts(ctx context.Context, orgID, taskID int64, attempts int) error {
	_, err := q.db.Exec(ctx, `UPDATE task_codes c SET attempts = $3 FROM tasks t
		WHERE t.id = c.task_id AND t.org_id = $1 AND c.task_id = $2`, orgID, taskID, attempts)
	return mapErr(err, "task code")
}

// DeleteTaskCode removes a task's pending code (used or replaced).
func (q *Q) DeleteTaskCode(ctx context.Context, orgID, taskID int64) error {
	_, err := q.db.Exec(ctx, `DELETE FROM task_codes c USING tasks t
		WHERE t.id = c.task_id AND t.org_id = $1 AND c.task_id = $2`, orgID, taskID)
	return mapErr(err, "task code")
}

// TaskAuditEventsSince counts a case's audit events of one action about
// one task (data->>'task') since `since`, and returns the oldest one's time
// (since when there is none): code sending is rate-limited on what the
// audit trail already records, and a slot frees when that event leaves
// the window.
func (q *Q) TaskAuditEventsSince(ctx context.Context, orgID, caseID, taskID int64, action string, since time.Time) (int, time.Time, error) {
	var n int
	var oldest time.Time
	err := q.db.QueryRow(ctx, `SELECT count(*), coalesce(min(at), $5) FROM audit_events
		WHERE org_id = $1 AND case_id = $2 AND action = $3 AND data->'task' = to_jsonb($4::bigint) AND at >= $5`,
		orgID, caseID, action, taskID, since).Scan(&n, &oldest)
	return n, oldest, mapErr(err, "task audit events")
}
