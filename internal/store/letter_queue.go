package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// QueuedLetter is a letter waiting for paper or on-site delivery
// (migrations/014_answers, IN-1). PDF is only filled by QueuedLetterPDF.
type QueuedLetter struct {
	ID        int64      `db:"id"`
	OrgID     int64      `db:"org_id"`
	CaseID    int64      `db:"case_id"`
	Receipt   string     `db:"receipt"`
	Kind      string     `db:"kind"`
	Method    string     `db:"method"`
	Lang      string     `db:"lang"`
	Filename  string     `db:"filename"`
	CreatedAt time.Time  `db:"created_at"`
	CreatedBy string     `db:"created_by"`
	DoneAt    *time.Time `db:"done_at"`
	DoneOn    *time.Time `db:"done_on"`
	DoneBy    *string    `db:"done_by"`
}

const queueCols = `l.id, l.org_id, l.case_id, c.receipt, l.kind, l.method, l.lang, l.filename, l.created_at, l.created_by,
	l.done_at, l.done_on, l.done_by`

const queueFrom = ` FROM letter_queue l JOIN cases c ON c.id = l.case_id AND c.org_id = l.org_id `

// InsertQueuedLetter stores a letter for the print queue and returns its id.
func (q *Q) InsertQueuedLetter(ctx context.Context, l QueuedLetter, pdf []byte) (int64, error) {
	var id int64
	sealed, err := q.seal(ctx, l.CaseID, "letter_queue.pdf", pdf)
	if err != nil {
		return 0, err
	}
	err = q.db.QueryRow(ctx, `INSERT INTO letter_queue (org_id, case_id, kind, method, lang, filename, pdf, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		l.OrgID, l.CaseID, l.Kind, l.Method, l.Lang, l.Filename, sealed, l.CreatedAt, l.CreatedBy).Scan(&id)
	return id, mapErr(err, "queued letter")
}

// PrintQueue lists the letters of orgs: waiting ones first (oldest first),
// then up to doneLimit of the most recently done.
func (q *Q) PrintQueue(ctx context.Context, orgIDs []int64, doneLimit int) ([]QueuedLetter, error) {
	rows, err := q.db.Query(ctx, `(SELECT `+queueCols+queueFrom+` WHERE l.org_id = ANY($1) AND l.done_at IS NULL ORDER BY l.created_at, l.id)
		UNION ALL
		(SELECT `+queueCols+queueFrom+` WHERE l.org_id = ANY($1) AND l.done_at IS NOT NULL ORDER BY l.done_at DESC, l.id DESC LIMIT $2)`,
		orgIDs, doneLimit)
	if err != nil {
		return nil, mapErr(err, "print queue")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[QueuedLetter])
	return out, mapErr(err, "print queue")
}

// QueuedLettersOfCase lists a case's queued letters, oldest first.
func (q *Q) QueuedLettersOfCase(ctx context.Context, orgID, caseID int64) ([]QueuedLetter, error) {
	rows, err := q.db.Query(ctx, `SELECT `+queueCols+queueFrom+` WHERE l.org_id = $1 AND l.case_id = $2 ORDER BY l.created_at, l.id`, orgID, caseID)
	if err != nil {
		return nil, mapErr(err, "queued letters")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[QueuedLetter])
	return out, mapErr(err, "queued letters")
}

// QueuedLetterForUpdate locks one queued letter of org.
func (q *Q) QueuedLetterForUpdate(ctx context.Context, orgID, id int64) (QueuedLetter, error) {
	rows, err := q.db.Query(ctx, `SELECT `+queueCols+queueFrom+` WHERE l.org_id = $1 AND l.id = $2 FOR UPDATE OF l`, orgID, id)
	if err != nil {
		return QueuedLetter{}, mapErr(err, "queued letter")
	}
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[QueuedLetter])
	return out, mapErr(err, "queued letter")
}

// QueuedLetterPDF reads a queued letter's PDF in org.
func (q *Q) QueuedLetterPDF(ctx context.Context, orgID, id int64) (QueuedLetter, []byte, error) {
	var b []byte
	rows, err := q.db.Query(ctx, `SELECT `+queueCols+`, l.pdf`+queueFrom+` WHERE l.org_id = $1 AND l.id = $2`, orgID, id)
	if err != nil {
		return QueuedLetter{}, nil, mapErr(err, "queued letter")
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return QueuedLetter{}, nil, mapErr(err, "queued letter")
		}
		return QueuedLetter{}, nil, mapErr(pgx.ErrNoRows, "queued letter")
	}
	var l QueuedLetter
	if err := rows.Scan(&l.ID, &l.OrgID, &l.CaseID, &l.Receipt, &l.Kind, &l.Method, &l.Lang, &l.Filename, &l.CreatedAt,
		&l.CreatedBy, &l.DoneAt, &l.DoneOn, &l.DoneBy, &b); err != nil {
		return QueuedLetter{}, nil, mapErr(err, "queued letter")
	}
	if err := rows.Err(); err != nil {
		return QueuedLetter{}, nil, mapErr(err, "queued letter")
	}
	rows.Close()
	pdf, err := q.open(ctx, l.CaseID, "letter_queue.pdf", b)
	if err != nil {
		return QueuedLetter{}, nil, err
	}
	return l, pdf, nil
}

// SetQueuedLetterDone records that a queued letter was posted or viewed.
func (q *Q) SetQueuedLetterDone(ctx context.Context, orgID, id int64, at time.Time, on time.Time, by string) error {
	_, err := q.db.Exec(ctx, `UPDATE letter_queue SET done_at = $3, done_on = $4, done_by = $5 WHERE org_id = $1 AND id = $2`,
		orgID, id, at, on, by)
	return mapErr(err, "queued letter")
}
