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
func (q *Q) InsertInbound(ctx context.Context, m InboundMessage) (id int64, inserted bool, err error) {
	err = q.db.QueryRow(ctx, `INSERT INTO inbound_messages (org_id, from_addr, to_addr, subject, message_id, raw, received_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (org_id, message_id) WHERE message_id <> '' DO NOTHING
		RETURNING id`, m.OrgID, m.From, m.To, m.Subject, m.MessageID, m.Raw, m.ReceivedAt).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, mapErr(err, "inbound message")
}

// SetInboundCase links a stored message of the organisation to the case it
// made.
func (q *Q) SetInboundCase(ctx context.Context, orgID, id, caseID int64) error {
	tag, err := q.db.Exec(ctx, `UPDATE inbound_messages SET case_id = $3 WHERE org_id = $1 AND id = $2`, orgID, id, caseID)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
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
	Filename    string    `db:"filename"`
	ContentType string    `db:"content_type"`
	Size        int64     `db:"size"`
	CreatedAt   time.Time `db:"created_at"`
	Data        []byte    `db:"data"`
}

// InsertInboundFile stores a file of the organisation's stored message and
// case (its size is len(f.Data)).
func (q *Q) InsertInboundFile(ctx context.Context, orgID, inboundID, caseID int64, f InboundFile) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `INSERT INTO inbound_files (org_id, inbound_id, case_id, filename, content_type, size, data)
		SELECT m.org_id, m.id, $3, $4, $5, $6, $7 FROM inbound_messages m WHERE m.org_id = $1 AND m.id = $2
		RETURNING id`, orgID, inboundID, caseID, f.Filename, f.ContentType, int64(len(f.Data)), f.Data).Scan(&id)
	return id, mapErr(err, "inbound file")
}

// InboundFiles lists the files that came with a case's email, without
// their contents, in the message's order.
func (q *Q) InboundFiles(ctx context.Context, orgID, caseID int64) ([]InboundFile, error) {
	rows, err := q.db.Query(ctx, `SELECT id, coalesce(case_id, 0) AS case_id, filename, content_type, size, created_at, ''::bytea AS data
		FROM inbound_files WHERE org_id = $1 AND case_id = $2 ORDER BY id`, orgID, caseID)
	if err != nil {
		return nil, mapErr(err, "inbound files")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[InboundFile])
	return out, mapErr(err, "inbound files")
}

// InboundFile reads one file of a case's email, with its contents.
func (q *Q) InboundFile(ctx context.Context, orgID, caseID, id int64) (InboundFile, error) {
	rows, _ := q.db.Query(ctx, `SELECT id, coalesce(case_id, 0) AS case_id, filename, content_type, size, created_at, data
		FROM inbound_files WHERE org_id = $1 AND case_id = $2 AND id = $3`, orgID, caseID, id)
	f, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[InboundFile])
	return f, mapErr(err, "inbound file")
}

// InboundOfCase is the stored email a case was made from: its id, raw
// bytes and Message-ID. ErrNotFound for a case that did not come by email.
func (q *Q) InboundOfCase(ctx context.Context, orgID, caseID int64) (id int64, raw []byte, messageID string, err error) {
	err = q.db.QueryRow(ctx, `SELECT id, raw, message_id FROM inbound_messages WHERE org_id = $1 AND case_id = $2 ORDER BY id LIMIT 1`,
		orgID, caseID).Scan(&id, &raw, &messageID)
	return id, raw, messageID, mapErr(err, "inbound message")
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
