package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Talking with the requester while the clock waits (issue 20, DL-8,
// ID-5): what the DPO asked for when pausing (case_asks) and what the
// requester answered on the status page (case_replies), with files
// (case_reply_files). The question, the answer, a file's name and its
// contents are sealed with the case key, like case_notes.

// CaseAsk is what the DPO asked the requester for, and by when.
type CaseAsk struct {
	ID        int64
	CaseID    int64
	Needed    string
	ReplyBy   time.Time // a date (UTC midnight)
	CreatedAt time.Time
}

// InsertCaseAsk stores a question to the requester and returns its id.
func (q *Q) InsertCaseAsk(ctx context.Context, orgID int64, a CaseAsk) (int64, error) {
	sealed, err := q.sealStr(ctx, a.CaseID, "case_asks.needed", a.Needed)
	if err != nil {
		return 0, err
	}
	var id int64
	err = q.db.QueryRow(ctx, `INSERT INTO case_asks (org_id, case_id, needed, reply_by, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, orgID, a.CaseID, sealed, a.ReplyBy, a.CreatedAt).Scan(&id)
	return id, mapErr(err, "case ask")
}

// LatestCaseAsk returns the newest question of a case; ErrNotFound when
// none was asked.
func (q *Q) LatestCaseAsk(ctx context.Context, orgID, caseID int64) (CaseAsk, error) {
	a := CaseAsk{CaseID: caseID}
	var sealed []byte
	err := q.db.QueryRow(ctx, `SELECT id, needed, reply_by, created_at FROM case_asks
		WHERE org_id = $1 AND case_id = $2 ORDER BY id DESC LIMIT 1`, orgID, caseID).
		Scan(&a.ID, &sealed, &a.ReplyBy, &a.CreatedAt)
	if err != nil {
		return CaseAsk{}, mapErr(err, "case ask")
	}
	a.Needed, err = q.openStr(ctx, caseID, "case_asks.needed", sealed)
	return a, err
}

// CaseReply is the requester's answer given on the status page.
type CaseReply struct {
	ID        int64
	CaseID    int64
	Body      string
	CreatedAt time.Time
	Files     []ReplyFile
}

// ReplyFile is a file that came with a reply. Data is filled only by
// ReplyFile (one file), never by the listing.
type ReplyFile struct {
	ID          int64
	ReplyID     int64
	Filename    string
	ContentType string
	Size        int64
	CreatedAt   time.Time
	Data        []byte
}

// InsertCaseReply stores a reply and its files, sealed, and returns the
// reply's id and the files' ids.
func (q *Q) InsertCaseReply(ctx context.Context, orgID int64, r CaseReply) (int64, []int64, error) {
	body, err := q.sealStr(ctx, r.CaseID, "case_replies.body", r.Body)
	if err != nil {
		return 0, nil, err
	}
	var id int64
	if err := q.db.QueryRow(ctx, `INSERT INTO case_replies (org_id, case_id, body, created_at)
		VALUES ($1, $2, $3, $4) RETURNING id`, orgID, r.CaseID, body, r.CreatedAt).Scan(&id); err != nil {
		return 0, nil, mapErr(err, "case reply")
	}
	var ids []int64
	for _, f := range r.Files {
		var op fieldOp
		name := op.seal(q, ctx, r.CaseID, "case_reply_files.filename", f.Filename)
		data := op.seal(q, ctx, r.CaseID, "case_reply_files.data", string(f.Data))
		if op.err != nil {
			return 0, nil, op.err
		}
		var fid int64
		if err := q.db.QueryRow(ctx, `INSERT INTO case_reply_files (org_id, case_id, reply_id, filename, content_type, size, data, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			orgID, r.CaseID, id, name, f.ContentType, len(f.Data), data, r.CreatedAt).Scan(&fid); err != nil {
			return 0, nil, mapErr(err, "case reply file")
		}
		ids = append(ids, fid)
	}
	return id, ids, nil
}

// CaseReplies lists a case's replies, oldest first, with their files
// (without contents).
func (q *Q) CaseReplies(ctx context.Context, orgID, caseID int64) ([]CaseReply, error) {
	rows, err := q.db.Query(ctx, `SELECT id, body, created_at FROM case_replies
		WHERE org_id = $1 AND case_id = $2 ORDER BY id`, orgID, caseID)
	if err != nil {
		return nil, mapErr(err, "case replies")
	}
	type row struct {
		ID        int64     `db:"id"`
		Body      []byte    `db:"body"`
		CreatedAt time.Time `db:"created_at"`
	}
	raw, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return nil, mapErr(err, "case replies")
	}
	out := make([]CaseReply, len(raw))
	byID := map[int64]int{}
	for i, r := range raw {
		body, err := q.openStr(ctx, caseID, "case_replies.body", r.Body)
		if err != nil {
			return nil, err
		}
		out[i] = CaseReply{ID: r.ID, CaseID: caseID, Body: body, CreatedAt: r.CreatedAt}
		byID[r.ID] = i
	}
	frows, err := q.db.Query(ctx, `SELECT id, reply_id, filename, content_type, size, created_at FROM case_reply_files
		WHERE org_id = $1 AND case_id = $2 ORDER BY id`, orgID, caseID)
	if err != nil {
		return nil, mapErr(err, "case reply files")
	}
	type frow struct {
		ID          int64     `db:"id"`
		ReplyID     int64     `db:"reply_id"`
		Filename    []byte    `db:"filename"`
		ContentType string    `db:"content_type"`
		Size        int64     `db:"size"`
		CreatedAt   time.Time `db:"created_at"`
	}
	// Collected first: opening may query the case key on the same
	// connection.
	fraw, err := pgx.CollectRows(frows, pgx.RowToStructByName[frow])
	if err != nil {
		return nil, mapErr(err, "case reply files")
	}
	for _, r := range fraw {
		f := ReplyFile{ID: r.ID, ReplyID: r.ReplyID, ContentType: r.ContentType, Size: r.Size, CreatedAt: r.CreatedAt}
		if f.Filename, err = q.openStr(ctx, caseID, "case_reply_files.filename", r.Filename); err != nil {
			return nil, err
		}
		if i, ok := byID[f.ReplyID]; ok {
			out[i].Files = append(out[i].Files, f)
		}
	}
	return out, nil
}

// ReplyFile reads one file of a case's replies with its contents; another
// organisation's or case's file is ErrNotFound.
func (q *Q) ReplyFile(ctx context.Context, orgID, caseID, id int64) (ReplyFile, error) {
	var f ReplyFile
	var name, data []byte
	err := q.db.QueryRow(ctx, `SELECT id, reply_id, filename, content_type, size, created_at, data FROM case_reply_files
		WHERE org_id = $1 AND case_id = $2 AND id = $3`, orgID, caseID, id).
		Scan(&f.ID, &f.ReplyID, &name, &f.ContentType, &f.Size, &f.CreatedAt, &data)
	if err != nil {
		return ReplyFile{}, mapErr(err, "case reply file")
	}
	var op fieldOp
	f.Filename = op.open(q, ctx, caseID, "case_reply_files.filename", name)
	f.Data = []byte(op.open(q, ctx, caseID, "case_reply_files.data", data))
	return f, op.err
}
