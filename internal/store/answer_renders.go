package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// AnswerRender is one approval of a case's answer, rendered by a River job
// (issue 18): pending until the letters are stored, done, or failed.
type AnswerRender struct {
	ID         int64     `db:"id"`
	OrgID      int64     `db:"org_id"`
	CaseID     int64     `db:"case_id"`
	State      string    `db:"state"`
	Attempts   int       `db:"attempts"`
	Failure    string    `db:"failure"` // a reason code, never personal data
	ApprovedBy string    `db:"approved_by"`
	CreatedAt  time.Time `db:"created_at"`
	UpdatedAt  time.Time `db:"updated_at"`
}

const renderCols = `id, org_id, case_id, state, attempts, failure, approved_by, created_at, updated_at`

// InsertAnswerRender records an approval (pending). The caller checks
// that the case has none pending; the unique index backs that up.
func (q *Q) InsertAnswerRender(ctx context.Context, r AnswerRender) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `INSERT INTO answer_renders (org_id, case_id, approved_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4) RETURNING id`, r.OrgID, r.CaseID, r.ApprovedBy, r.CreatedAt).Scan(&id)
	return id, mapErr(err, "answer render")
}

// AnswerRenderForUpdate locks a render row by id (the job holds only the
// id its approval's transaction gave it).
func (q *Q) AnswerRenderForUpdate(ctx context.Context, id int64) (AnswerRender, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+renderCols+` FROM answer_renders WHERE id = $1 FOR UPDATE`, id)
	r, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[AnswerRender])
	return r, mapErr(err, "answer render")
}

// AnswerRendersOfCase lists a case's approvals, newest first.
func (q *Q) AnswerRendersOfCase(ctx context.Context, orgID, caseID int64) ([]AnswerRender, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+renderCols+` FROM answer_renders WHERE org_id = $1 AND case_id = $2 ORDER BY id DESC`, orgID, caseID)
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[AnswerRender])
	return rs, mapErr(err, "answer renders")
}

// SetAnswerRender records a render's state, tries and failure.
func (q *Q) SetAnswerRender(ctx context.Context, r AnswerRender) error {
	_, err := q.db.Exec(ctx, `UPDATE answer_renders SET state = $2, attempts = $3, failure = $4, updated_at = $5 WHERE id = $1`,
		r.ID, r.State, r.Attempts, r.Failure, r.UpdatedAt)
	return mapErr(err, "answer render")
}

// RenderTrouble is a case whose answer has not rendered: failed for good,
// or still pending after failed tries (the dashboard's warning).
type RenderTrouble struct {
	AnswerRender
	Receipt string `db:"receipt"`
}

// AnswerRenderTrouble lists the orgs' renders that failed or are retrying,
// the latest per case, oldest first; a case answered since is left out.
func (q *Q) AnswerRenderTrouble(ctx context.Context, orgIDs []int64) ([]RenderTrouble, error) {
	rows, _ := q.db.Query(ctx, `
		SELECT DISTINCT ON (r.case_id) r.id, r.org_id, r.case_id, r.state, r.attempts, r.failure, r.approved_by,
			r.created_at, r.updated_at, c.receipt
		FROM answer_renders r JOIN cases c ON c.id = r.case_id
		WHERE r.org_id = ANY($1)
		ORDER BY r.case_id, r.id DESC`, orgIDs)
	all, err := pgx.CollectRows(rows, pgx.RowToStructByName[RenderTrouble])
	if err != nil {
		return nil, mapErr(err, "answer renders")
	}
	var out []RenderTrouble
	for _, r := range all {
		if r.State == "failed" || (r.State == "pending" && r.Attempts > 0) {
			out = append(out, r)
		}
	}
	return out, nil
}

// HasRenderedAnswer reports whether a case has an answer letter stored as
// it went out: a link's delivery or a queued letter of the access answer
// or the confirmation.
func (q *Q) HasRenderedAnswer(ctx context.Context, orgID, caseID int64) (bool, error) {
	var ok bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM answer_deliveries WHERE org_id = $1 AND case_id = $2 AND kind IN ('access', 'confirmation'))
		OR EXISTS (SELECT 1 FROM letter_queue WHERE org_id = $1 AND case_id = $2 AND kind IN ('access', 'confirmation'))`, orgID, caseID).Scan(&ok)
	return ok, mapErr(err, "rendered answer")
}
