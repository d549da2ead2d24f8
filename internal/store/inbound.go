package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// InboundMessage is a request that arrived by email, kept raw (issue 6).
// MessageID is its Message-ID header, "" when it had none.
type InboundMessage struct {
	OrgID      int64
	From, To   string
	Subject    string
	MessageID  string
	Raw        []byte
	ReceivedAt time.Time
}

// InsertInbound stores an emailed message of the organisation, before its
// case exists (SetInboundCase links it). It stores nothing and reports
// false when the organisation already holds a message with the same
// non-empty Message-ID: a delivery retried by the sender. A concurrent
// insert of the same Message-ID waits for the other transaction and then
// reports false.
//
// The sender, subject and raw message are sealed under the keyring (no
// case yet, key id in the envelope); SetInboundCase re-seals them with the
// case's key.
func (q *Q) InsertInbound(ctx context.Context, m InboundMessage) (id int64, inserted bool, err error) {
	var f fieldOp
	from := f.seal(q, ctx, 0, "inbound_messages.from_addr", m.From)
	subject := f.seal(q, ctx, 0, "inbound_messages.subject", m.Subject)
	raw := f.seal(q, ctx, 0, "inbound_messages.raw", string(m.Raw))
	if f.err != nil {
		return 0, false, f.err
	}
	err = q.db.QueryRow(ctx, `INSERT INTO inbound_messages (org_id, from_addr, to_addr, subject, message_id, raw, received_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (org_id, message_id) WHERE message_id <> '' DO NOTHING
		RETURNING id`, m.OrgID, from, m.To, subject, m.MessageID, raw, m.ReceivedAt).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, mapErr(err, "inbound message")
}

// SetInboundCase links a stored message of the organisation to the case it
// made, and re-seals its personal parts with the case's key (so purging
// the case makes the message unreadable too).
func (q *Q) SetInboundCase(ctx context.Context, orgID, id, caseID int64) error {
	var fromS, subjS, rawS []byte
	var prevCase int64
	err := q.db.QueryRow(ctx, `SELECT from_addr, subject, raw, coalesce(case_id, 0) FROM inbound_messages
		WHERE org_id = $1 AND id = $2 FOR UPDATE`, orgID, id).Scan(&fromS, &subjS, &rawS, &prevCase)
	if err != nil {
		return mapErr(err, "inbound message")
	}
	var f fieldOp
	from := f.open(q, ctx, prevCase, "inbound_messages.from_addr", fromS)
	subj := f.open(q, ctx, prevCase, "inbound_messages.subject", subjS)
	raw := f.open(q, ctx, prevCase, "inbound_messages.raw", rawS)
	fromS = f.seal(q, ctx, caseID, "inbound_messages.from_addr", from)
	subjS = f.seal(q, ctx, caseID, "inbound_messages.subject", subj)
	rawS = f.seal(q, ctx, caseID, "inbound_messages.raw", raw)
	if f.err != nil {
		return f.err
	}
	_, err = q.db.Exec(ctx, `UPDATE inbound_messages SET case_id = $3, from_addr = $4, subject = $5, raw = $6
		WHERE org_id = $1 AND id = $2`, orgID, id, caseID, fromS, subjS, rawS)
	return mapErr(err, "inbound message")
}

// InboundReceipt is the receipt of the case that the organisation's
// message with this (non-empty) Message-ID made.
func (q *Q) InboundReceipt(ctx context.Context, orgID int64, messageID string) (string, error) {
	var receipt string
	err := q.db.QueryRow(ctx, `SELECT c.receipt FROM inbound_messages m JOIN cases c ON c.id = m.case_id AND c.org_id = m.org_id
		WHERE m.org_id = $1 AND m.message_id = $2 AND m.message_id <> ''`, orgID, messageID).Scan(&receipt)
	return receipt, mapErr(err, "inbound message")
}

// InboundFile is a file attached to an emailed request (issue 17). Data is
// only filled by InboundFile (one file), never by the listing.
type InboundFile struct {
	ID          int64     `db:"id"`
	CaseID      int64     `db:"case_id"`
	Filename    string    `db:"-"` // Filename and Data are sealed with the case key
	ContentType string    `db:"content_type"`
	Size        int64     `db:"size"`
	CreatedAt   time.Time `db:"created_at"`
	Data        []byte    `db:"-"`
}

type inboundFileSealed struct {
	InboundFile
	FilenameSealed []byte `db:"filename_sealed"`
	DataSealed     []byte `db:"data_sealed"`
}

func (q *Q) openInboundFile(ctx context.Context, s inboundFileSealed) (InboundFile, error) {
	fl := s.InboundFile
	var f fieldOp
	fl.Filename = f.open(q, ctx, fl.CaseID, "inbound_files.filename", s.FilenameSealed)
	fl.Data = []byte(f.open(q, ctx, fl.CaseID, "inbound_files.data", s.DataSealed))
	return fl, f.err
}

// InsertInboundFile stores a file of the organisation's stored message and
// case (its size is len(f.Data)).
func (q *Q) InsertInboundFile(ctx context.Context, orgID, inboundID, caseID int64, f InboundFile) (int64, error) {
	var id int64
	var op fieldOp
	name := op.seal(q, ctx, caseID, "inbound_files.filename", f.Filename)
	data := op.seal(q, ctx, caseID, "inbound_files.data", string(f.Data))
	if op.err != nil {
		return 0, op.err
	}
	err := q.db.QueryRow(ctx, `INSERT INTO inbound_files (org_id, inbound_id, case_id, filename, content_type, size, data)
		SELECT m.org_id, m.id, nullif($3, 0), $4, $5, $6, $7 FROM inbound_messages m WHERE m.org_id = $1 AND m.id = $2
		RETURNING id`, orgID, inboundID, caseID, name, f.ContentType, int64(len(f.Data)), data).Scan(&id)
	return id, mapErr(err, "inbound file")
}

// InboundFiles lists the files that came with a case's email, without
// their contents, in the message's order.
func (q *Q) InboundFiles(ctx context.Context, orgID, caseID int64) ([]InboundFile, error) {
	rows, err := q.db.Query(ctx, `SELECT id, coalesce(case_id, 0) AS case_id, filename AS filename_sealed, content_type, size,
		created_at, ''::bytea AS data_sealed
		FROM inbound_files WHERE org_id = $1 AND case_id = $2 ORDER BY id`, orgID, caseID)
	if err != nil {
		return nil, mapErr(err, "inbound files")
	}
	raw, err := pgx.CollectRows(rows, pgx.RowToStructByName[inboundFileSealed])
	if err != nil {
		return nil, mapErr(err, "inbound files")
	}
	out := make([]InboundFile, len(raw))
	for i, r := range raw {
		if out[i], err = q.openInboundFile(ctx, r); err != nil {
			return nil, err
		}
		out[i].Data = nil
	}
	return out, nil
}

// InboundFile reads one file of a case's email, with its contents.
func (q *Q) InboundFile(ctx context.Context, orgID, caseID, id int64) (InboundFile, error) {
	rows, _ := q.db.Query(ctx, `SELECT id, coalesce(case_id, 0) AS case_id, filename AS filename_sealed, content_type, size,
		created_at, data AS data_sealed
		FROM inbound_files WHERE org_id = $1 AND case_id = $2 AND id = $3`, orgID, caseID, id)
	r, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[inboundFileSealed])
	if err != nil {
		return InboundFile{}, mapErr(err, "inbound file")
	}
	return q.openInboundFile(ctx, r)
}

// InboundOfCase is the stored email a case was made from: its id, raw
// bytes and Message-ID. ErrNotFound for a case that did not come by email.
func (q *Q) InboundOfCase(ctx context.Context, orgID, caseID int64) (id int64, raw []byte, messageID string, err error) {
	var sealed []byte
	err = q.db.QueryRow(ctx, `SELECT id, raw, message_id FROM inbound_messages WHERE org_id = $1 AND case_id = $2 ORDER BY id LIMIT 1`,
		orgID, caseID).Scan(&id, &sealed, &messageID)
	if err != nil {
		return 0, nil, "", mapErr(err, "inbound message")
	}
	raw, err = q.open(ctx, caseID, "inbound_messages.raw", sealed)
	return id, raw, messageID, err
}

// InboundIDOfCase is the id of the stored email a case was made from;
// ErrNotFound for a case that did not come by email.
func (q *Q) InboundIDOfCase(ctx context.Context, orgID, caseID int64) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `SELECT id FROM inbound_messages WHERE org_id = $1 AND case_id = $2 ORDER BY id LIMIT 1`,
		orgID, caseID).Scan(&id)
	return id, mapErr(err, "inbound message")
}

// InboundMessageIDOfCase is the Message-ID of the email a case was made
// from ("" when it had none); ErrNotFound for a case that did not come by
// email.
func (q *Q) InboundMessageIDOfCase(ctx context.Context, orgID, caseID int64) (string, error) {
	var id string
	err := q.db.QueryRow(ctx, `SELECT message_id FROM inbound_messages WHERE org_id = $1 AND case_id = $2 ORDER BY id LIMIT 1`,
		orgID, caseID).Scan(&id)
	return id, mapErr(err, "inbound message")
}
