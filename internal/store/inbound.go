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
