package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// DocumentFile is a document given out with the decision on a request for
// documents (FI-2, migrations/047). Its name and contents are sealed with
// the case key; Data is filled only by DocumentFile (one file), never by
// the listing.
type DocumentFile struct {
	ID          int64     `db:"id"`
	CaseID      int64     `db:"-"` // read through sealedFile
	Filename    string    `db:"-"`
	ContentType string    `db:"content_type"`
	Size        int64     `db:"size"`
	CreatedAt   time.Time `db:"created_at"`
	Data        []byte    `db:"-"`
}

type documentSealed struct {
	DocumentFile
	sealedFile
}

const documentCols = `id, case_id, filename AS filename_sealed, content_type, size, created_at`

// InsertDocumentFile stores a document of a case of org, sealed, and
// returns its id; a case of another organisation is ErrNotFound.
func (q *Q) InsertDocumentFile(ctx context.Context, orgID int64, d DocumentFile) (int64, error) {
	var op fieldOp
	name := op.seal(q, ctx, d.CaseID, "document_files.filename", d.Filename)
	data := op.seal(q, ctx, d.CaseID, "document_files.data", string(d.Data))
	if op.err != nil {
		return 0, op.err
	}
	var id int64
	err := q.db.QueryRow(ctx, `INSERT INTO document_files (org_id, case_id, filename, content_type, size, data, created_at)
		SELECT org_id, id, $3, $4, $5, $6, $7 FROM cases WHERE org_id = $1 AND id = $2
		RETURNING id`, orgID, d.CaseID, name, d.ContentType, len(d.Data), data, d.CreatedAt).Scan(&id)
	return id, mapErr(err, "document file")
}

// DocumentFilesOfCase lists a case's documents without their contents,
// in the order they were given.
func (q *Q) DocumentFilesOfCase(ctx context.Context, orgID, caseID int64) ([]DocumentFile, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+documentCols+`, ''::bytea AS data_sealed FROM document_files
		WHERE org_id = $1 AND case_id = $2 ORDER BY id`, orgID, caseID)
	// Collected first: opening may query the case key on the same
	// connection.
	raw, err := pgx.CollectRows(rows, pgx.RowToStructByName[documentSealed])
	if err != nil {
		return nil, mapErr(err, "document files")
	}
	out := make([]DocumentFile, len(raw))
	for i, r := range raw {
		if out[i], err = q.openDocument(ctx, r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DocumentFile reads one document of a case with its contents; another
// organisation's or case's document is ErrNotFound.
func (q *Q) DocumentFile(ctx context.Context, orgID, caseID, id int64) (DocumentFile, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+documentCols+`, data AS data_sealed FROM document_files
		WHERE org_id = $1 AND case_id = $2 AND id = $3`, orgID, caseID, id)
	r, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[documentSealed])
	if err != nil {
		return DocumentFile{}, mapErr(err, "document file")
	}
	return q.openDocument(ctx, r)
}

func (q *Q) openDocument(ctx context.Context, s documentSealed) (DocumentFile, error) {
	d := s.DocumentFile
	var err error
	d.Filename, d.Data, err = s.open(ctx, q, "document_files")
	d.CaseID = s.sealedFile.CaseID
	return d, err
}
