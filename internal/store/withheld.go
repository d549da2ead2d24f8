package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Withheld is one mark on an owner's answer (migrations/014_answers): a
// row of the extract (Row), a cell (Row and Col, 1-based) or a whole
// uploaded file (AttachmentID), left out of the letter with its ground and
// reason (Art 15(4), 1050/2018 §34, ID-5).
type Withheld struct {
	ID           int64     `db:"id"`
	OrgID        int64     `db:"org_id"`
	CaseID       int64     `db:"case_id"`
	TaskID       int64     `db:"task_id"`
	Row          *int      `db:"row_no"`
	Col          *int      `db:"col_no"`
	AttachmentID *int64    `db:"attachment_id"`
	Ground       string    `db:"ground"`
	Reason       string    `db:"-"` // sealed with the case key
	CreatedAt    time.Time `db:"created_at"`
	CreatedBy    string    `db:"created_by"`
}

const withheldCols = `id, org_id, case_id, task_id, row_no, col_no, attachment_id, ground, reason AS reason_sealed, created_at, created_by`

// InsertWithheld stores a mark and returns its id.
func (q *Q) InsertWithheld(ctx context.Context, w Withheld) (int64, error) {
	var id int64
	reason, err := q.sealStr(ctx, w.CaseID, "answer_withheld.reason", w.Reason)
	if err != nil {
		return 0, err
	}
	err = q.db.QueryRow(ctx, `INSERT INTO answer_withheld (org_id, case_id, task_id, row_no, col_no, attachment_id,
			ground, reason, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		w.OrgID, w.CaseID, w.TaskID, w.Row, w.Col, w.AttachmentID, w.Ground, reason, w.CreatedAt, w.CreatedBy).Scan(&id)
	return id, mapErr(err, "withheld mark")
}

// WithheldOfCase lists a case's marks by task, files after rows, then row,
// cell and creation order.
func (q *Q) WithheldOfCase(ctx context.Context, orgID, caseID int64) ([]Withheld, error) {
	rows, err := q.db.Query(ctx, `SELECT `+withheldCols+` FROM answer_withheld
		WHERE org_id = $1 AND case_id = $2
		ORDER BY task_id, attachment_id NULLS FIRST, row_no, col_no NULLS FIRST, id`, orgID, caseID)
	if err != nil {
		return nil, mapErr(err, "withheld marks")
	}
	return q.collectWithheld(ctx, rows)
}

// WithheldOfTask lists one task's marks in the same order.
func (q *Q) WithheldOfTask(ctx context.Context, orgID, taskID int64) ([]Withheld, error) {
	rows, err := q.db.Query(ctx, `SELECT `+withheldCols+` FROM answer_withheld
		WHERE org_id = $1 AND task_id = $2
		ORDER BY attachment_id NULLS FIRST, row_no, col_no NULLS FIRST, id`, orgID, taskID)
	if err != nil {
		return nil, mapErr(err, "withheld marks")
	}
	return q.collectWithheld(ctx, rows)
}

// DeleteWithheld removes one mark of a task; another task's (or
// organisation's) mark is ErrNotFound.
func (q *Q) DeleteWithheld(ctx context.Context, orgID, taskID, id int64) error {
	tag, err := q.db.Exec(ctx, `DELETE FROM answer_withheld WHERE org_id = $1 AND task_id = $2 AND id = $3`, orgID, taskID, id)
	if err != nil {
		return mapErr(err, "withheld mark")
	}
	if tag.RowsAffected() == 0 {
		return mapErr(pgx.ErrNoRows, "withheld mark")
	}
	return nil
}

// collectWithheld reads rows of withheldCols and opens each reason.
func (q *Q) collectWithheld(ctx context.Context, rows pgx.Rows) ([]Withheld, error) {
	type sealed struct {
		Withheld
		ReasonSealed []byte `db:"reason_sealed"`
	}
	raw, err := pgx.CollectRows(rows, pgx.RowToStructByName[sealed])
	if err != nil {
		return nil, mapErr(err, "withheld marks")
	}
	out := make([]Withheld, len(raw))
	for i, r := range raw {
		out[i] = r.Withheld
		if out[i].Reason, err = q.openStr(ctx, r.CaseID, "answer_withheld.reason", r.ReasonSealed); err != nil {
			return nil, err
		}
	}
	return out, nil
}
