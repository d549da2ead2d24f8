package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Requester is who asked, and (ID-5) whom the request is about when made
// on someone else's behalf. The henkilötunnus is only ever stored
// encrypted, with a blind index and a mask (ID-4).
type Requester struct {
	CaseID           int64  `db:"case_id"`
	OrgID            int64  `db:"org_id"`
	Name             string `db:"name"`
	Email            string `db:"email"`
	Phone            string `db:"phone"`
	Address          string `db:"address"`
	HetuEnc          []byte `db:"hetu_enc"`
	HetuIndex        []byte `db:"hetu_index"`
	HetuMask         string `db:"hetu_mask"`
	HetuTemporary    bool   `db:"hetu_temporary"`
	OnBehalf         bool   `db:"on_behalf"`
	Relation         string `db:"relation"`
	SubjectName      string `db:"subject_name"`
	SubjectHetuEnc   []byte `db:"subject_hetu_enc"`
	SubjectHetuIndex []byte `db:"subject_hetu_index"`
	SubjectHetuMask  string `db:"subject_hetu_mask"`
}

const requesterCols = `case_id, org_id, name, email, phone, address, hetu_enc, hetu_index, hetu_mask, hetu_temporary,
	on_behalf, relation, subject_name, subject_hetu_enc, subject_hetu_index, subject_hetu_mask`

// UpsertRequester stores the requester of a case.
func (q *Q) UpsertRequester(ctx context.Context, r Requester) error {
	_, err := q.db.Exec(ctx, `
		INSERT INTO requesters (`+requesterCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		ON CONFLICT (case_id) DO UPDATE SET name = $3, email = $4, phone = $5, address = $6, hetu_enc = $7,
			hetu_index = $8, hetu_mask = $9, hetu_temporary = $10, on_behalf = $11, relation = $12,
			subject_name = $13, subject_hetu_enc = $14, subject_hetu_index = $15, subject_hetu_mask = $16`,
		r.CaseID, r.OrgID, r.Name, r.Email, r.Phone, r.Address, r.HetuEnc, r.HetuIndex, r.HetuMask, r.HetuTemporary,
		r.OnBehalf, r.Relation, r.SubjectName, r.SubjectHetuEnc, r.SubjectHetuIndex, r.SubjectHetuMask)
	return mapErr(err, "storing requester")
}

// RequesterOf reads the requester of a case of the organisation.
func (q *Q) RequesterOf(ctx context.Context, orgID, caseID int64) (Requester, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+requesterCols+` FROM requesters WHERE org_id = $1 AND case_id = $2`, orgID, caseID)
	r, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[Requester])
	return r, mapErr(err, "requester")
}
