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

// requesterRow is the stored form: personal columns are envelopes sealed
// with the case key (crypt.go), the email has a keyed blind index.
type requesterRow struct {
	CaseID           int64  `db:"case_id"`
	OrgID            int64  `db:"org_id"`
	Name             []byte `db:"name"`
	Email            []byte `db:"email"`
	Phone            []byte `db:"phone"`
	Address          []byte `db:"address"`
	HetuEnc          []byte `db:"hetu_enc"`
	HetuIndex        []byte `db:"hetu_index"`
	HetuMask         string `db:"hetu_mask"`
	HetuTemporary    bool   `db:"hetu_temporary"`
	OnBehalf         bool   `db:"on_behalf"`
	Relation         string `db:"relation"`
	SubjectName      []byte `db:"subject_name"`
	SubjectHetuEnc   []byte `db:"subject_hetu_enc"`
	SubjectHetuIndex []byte `db:"subject_hetu_index"`
	SubjectHetuMask  string `db:"subject_hetu_mask"`
}

const requesterCols = `case_id, org_id, name, email, phone, address, hetu_enc, hetu_index, hetu_mask, hetu_temporary,
	on_behalf, relation, subject_name, subject_hetu_enc, subject_hetu_index, subject_hetu_mask`

// UpsertRequester stores the requester of a case: name, email, phone,
// address, the subject's name and the (already encrypted) henkilötunnus
// sealed with the case key; the email's and henkilötunnus' blind indexes
// with their key ids (D-26).
func (q *Q) UpsertRequester(ctx context.Context, r Requester) error {
	var f fieldOp
	c := r.CaseID
	name := f.seal(q, ctx, c, "requesters.name", r.Name)
	email := f.seal(q, ctx, c, "requesters.email", r.Email)
	phone := f.seal(q, ctx, c, "requesters.phone", r.Phone)
	address := f.seal(q, ctx, c, "requesters.address", r.Address)
	subject := f.seal(q, ctx, c, "requesters.subject_name", r.SubjectName)
	hetu := f.seal(q, ctx, c, "requesters.hetu_enc", string(r.HetuEnc))
	subjectHetu := f.seal(q, ctx, c, "requesters.subject_hetu_enc", string(r.SubjectHetuEnc))
	if f.err != nil {
		return f.err
	}
	if r.HetuEnc == nil {
		hetu = nil
	}
	if r.SubjectHetuEnc == nil {
		subjectHetu = nil
	}
	ring, err := q.ring()
	if err != nil {
		return err
	}
	emailKey, emailIdx, err := q.emailIndex(r.Email)
	if err != nil {
		return err
	}
	hetuKey, subjectHetuKey := "", ""
	if r.HetuIndex != nil {
		hetuKey = ring.ID() // workflow computes it with Keys.BlindIndex: the current key
	}
	if r.SubjectHetuIndex != nil {
		subjectHetuKey = ring.ID()
	}
	_, err = q.db.Exec(ctx, `
		INSERT INTO requesters (`+requesterCols+`, email_index, email_index_key, hetu_index_key, subject_hetu_index_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
		ON CONFLICT (case_id) DO UPDATE SET name = $3, email = $4, phone = $5, address = $6, hetu_enc = $7,
			hetu_index = $8, hetu_mask = $9, hetu_temporary = $10, on_behalf = $11, relation = $12,
			subject_name = $13, subject_hetu_enc = $14, subject_hetu_index = $15, subject_hetu_mask = $16,
			email_index = $17, email_index_key = $18, hetu_index_key = $19, subject_hetu_index_key = $20`,
		r.CaseID, r.OrgID, name, email, phone, address, hetu, r.HetuIndex, r.HetuMask, r.HetuTemporary,
		r.OnBehalf, r.Relation, subject, subjectHetu, r.SubjectHetuIndex, r.SubjectHetuMask,
		emailIdx, emailKey, hetuKey, subjectHetuKey)
	return mapErr(err, "storing requester")
}

// RequesterOf reads the requester of a case of the organisation (ErrPurged
// once the case's key is destroyed).
func (q *Q) RequesterOf(ctx context.Context, orgID, caseID int64) (Requester, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+requesterCols+` FROM requesters WHERE org_id = $1 AND case_id = $2`, orgID, caseID)
	row, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[requesterRow])
	if err != nil {
		return Requester{}, mapErr(err, "requester")
	}
	return q.openRequester(ctx, row)
}

func (q *Q) openRequester(ctx context.Context, row requesterRow) (Requester, error) {
	var f fieldOp
	c := row.CaseID
	r := Requester{CaseID: c, OrgID: row.OrgID, HetuIndex: row.HetuIndex, HetuMask: row.HetuMask,
		HetuTemporary: row.HetuTemporary, OnBehalf: row.OnBehalf, Relation: row.Relation,
		SubjectHetuIndex: row.SubjectHetuIndex, SubjectHetuMask: row.SubjectHetuMask}
	r.Name = f.open(q, ctx, c, "requesters.name", row.Name)
	r.Email = f.open(q, ctx, c, "requesters.email", row.Email)
	r.Phone = f.open(q, ctx, c, "requesters.phone", row.Phone)
	r.Address = f.open(q, ctx, c, "requesters.address", row.Address)
	r.SubjectName = f.open(q, ctx, c, "requesters.subject_name", row.SubjectName)
	if row.HetuEnc != nil {
		r.HetuEnc = []byte(f.open(q, ctx, c, "requesters.hetu_enc", row.HetuEnc))
	}
	if row.SubjectHetuEnc != nil {
		r.SubjectHetuEnc = []byte(f.open(q, ctx, c, "requesters.subject_hetu_enc", row.SubjectHetuEnc))
	}
	if f.err != nil {
		return Requester{}, f.err
	}
	return r, nil
}
