package workflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/mail"
	"rightsdesk/internal/store"
)

// MailSender hands a message to an SMTP server (internal/mail.Sender).
type MailSender interface {
	Send(ctx context.Context, from string, to []string, msg []byte) error
}

// ErrMailPermanent wraps a 5xx rejection: the row is failed, not retried.
var ErrMailPermanent = errors.New("mail rejected permanently")

// DeliverMail sends one outbox row at most once per row (D-14): the row is
// locked, a row already sent is skipped, and the 250 and the "sent" mark
// are as close as they can be — a duplicate needs the process to die
// between the server's 250 and our commit. A temporary failure records the
// attempt and returns an error so River retries with backoff; a permanent
// one (5xx), or the last attempt, fails the row for the DPO to see.
func (s *Service) DeliverMail(ctx context.Context, outboxID int64, sender MailSender, lastAttempt bool) error {
	var sendErr error
	err := s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		row, err := q.OutboxForUpdate(ctx, outboxID)
		if errors.Is(err, store.ErrNotFound) {
			return nil // deleted with its case (retention): nothing to send
		}
		if err != nil {
			return err
		}
		if row.State != "pending" {
			return nil
		}
		msg := mail.Message{
			From: s.MailFrom, To: []string{row.To}, Subject: row.Subject,
			Text: row.Text, HTML: row.HTML, MessageID: row.MessageID,
			Date: s.Now(), Auto: true,
			Headers: map[string]string{"X-Rightsdesk-Kind": row.Kind},
		}
		raw, err := msg.Bytes()
		if err != nil {
			return q.MarkOutboxAttempt(ctx, row.ID, "composing: "+err.Error(), true)
		}
		from, to, err := msg.Envelope()
		if err != nil {
			return q.MarkOutboxAttempt(ctx, row.ID, "envelope: "+err.Error(), true)
		}
		sendErr = sender.Send(ctx, from, to, raw)
		switch {
		case sendErr == nil:
			return q.MarkOutboxSent(ctx, row.ID, s.Now())
		case mail.IsPermanent(sendErr) || lastAttempt:
			return q.MarkOutboxAttempt(ctx, row.ID, sendErr.Error(), true)
		default:
			return q.MarkOutboxAttempt(ctx, row.ID, sendErr.Error(), false)
		}
	})
	if err != nil {
		return fmt.Errorf("delivering outbox %d: %w", outboxID, err)
	}
	if sendErr != nil {
		if mail.IsPermanent(sendErr) {
			return fmt.Errorf("outbox %d: %w: %w", outboxID, ErrMailPermanent, sendErr)
		}
		return fmt.Errorf("outbox %d: %w", outboxID, sendErr)
	}
	return nil
}
