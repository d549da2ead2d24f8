package workflow

import (
	"context"
	"errors"
	"fmt"
	"time"

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

// ErrMailSend wraps every failed SMTP attempt DeliverMail recorded and
// logged (temporary or permanent).
var ErrMailSend = errors.New("mail not accepted")

// MailBusyError: another delivery of the row holds its claim until Until;
// try again after it (River: snooze).
type MailBusyError struct{ Until time.Time }

func (e *MailBusyError) Error() string { return "mail is being delivered by another worker" }

const (
	// MailJobTimeout bounds one delivery: claim, SMTP conversation (whose
	// dial, command and data steps have their own, shorter timeouts) and
	// record. River's rescue of a crashed delivery is derived from it.
	MailJobTimeout = 90 * time.Second
	// mailClaim is how long a delivery holds its row: longer than the job
	// may run, shorter than River waits before rescuing a crashed job, so
	// a rescued job finds the claim expired.
	mailClaim = MailJobTimeout + 15*time.Second
	// MailRescueAfter is River's RescueStuckJobsAfter for this process.
	MailRescueAfter = MailJobTimeout + 30*time.Second
	// MailStuckAfter: a mail failing temporarily for longer shows on the
	// DPO's dashboard with "send again", like a 5xx (issue 17).
	MailStuckAfter = 15 * time.Minute
)

// DeliverMail sends one outbox row (D-14) in three steps, with no database
// transaction open during the SMTP conversation (issue 17): claim the row,
// send, record the outcome. A row already sent, cancelled or failed is
// skipped; a row another delivery holds is *MailBusyError. A duplicate
// needs the process to die between the server's 250 and the record.
// A temporary failure records the attempt and returns an error so River
// retries; a permanent one (5xx), or the last attempt, fails the row for
// the DPO to see. Every failed attempt is logged with the outbox id, the
// attempt and the SMTP codes, never addresses or content (D-18).
func (s *Service) DeliverMail(ctx context.Context, outboxID int64, sender MailSender, lastAttempt bool) error {
	q := store.New(s.Pool)
	now := s.Now()
	row, ok, err := q.ClaimOutbox(ctx, outboxID, now, now.Add(mailClaim))
	if err != nil {
		return fmt.Errorf("claiming outbox %d: %w", outboxID, err)
	}
	if !ok {
		until, err := q.OutboxClaimedUntil(ctx, outboxID)
		if err != nil {
			return err
		}
		if until.After(now) {
			return &MailBusyError{Until: until}
		}
		return nil // sent, cancelled, failed, or deleted with its case
	}
	attempt := row.Attempts + 1
	if row.CodeHash != nil {
		current, err := q.OutboxCodeCurrent(ctx, row)
		if err != nil {
			return s.unclaim(ctx, row.ID, err)
		}
		if !current { // a newer code was asked for, or this one was used
			s.Logger.Info("mail not sent: its code was replaced", "outbox", row.ID, "kind", row.Kind)
			return q.CancelOutbox(ctx, row.ID)
		}
	}
	raw, from, to, err := s.outboxMessage(row, now)
	if err == nil {
		if err = sender.Send(ctx, from, to, raw); err == nil {
			return s.recordSent(row, now.Add(mailClaim))
		}
	}
	return s.recordFailure(row, attempt, err, lastAttempt)
}

// outboxMessage is the message and envelope of an outbox row, dated now.
// A row that cannot be composed is a *mail.SendError at StageInput
// (permanent).
func (s *Service) outboxMessage(row store.OutboxRow, now time.Time) (raw []byte, from string, to []string, err error) {
	msg := mail.Message{
		From: s.MailFrom, To: []string{row.To}, ReplyTo: row.ReplyTo, Subject: row.Subject,
		Text: row.Text, HTML: row.HTML, MessageID: row.MessageID,
		Date: now, Auto: true,
		Headers: map[string]string{"X-Rightsdesk-Kind": row.Kind},
	}
	if row.InReplyTo != "" {
		msg.Headers["In-Reply-To"] = row.InReplyTo
		msg.Headers["References"] = row.InReplyTo
	}
	if raw, err = msg.Bytes(); err != nil {
		return nil, "", nil, &mail.SendError{Stage: mail.StageInput, Err: fmt.Errorf("composing: %w", err)}
	}
	if from, to, err = msg.Envelope(); err != nil {
		return nil, "", nil, err
	}
	return raw, from, to, nil
}

// recordSent marks the row sent, even when the job's context has ended:
// the server has accepted the message. A failed record is retried while
// the row's claim (until) lasts, for a row left pending is sent again
// once its claim ends. Then the mails waiting for a retry may go at once,
// the server being back (issue 17), in a statement of its own: it updates
// River's jobs, which River's own statements lock too, and when it shared
// the sent mark's transaction its failure undid the mark and the mail was
// sent twice (a fault test saw it under load).
func (s *Service) recordSent(row store.OutboxRow, until time.Time) error {
	now := s.Now()
	err := s.whileClaimed(until, nil, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
			if err := q.MarkOutboxSent(ctx, row, now); err != nil {
				return err
			}
			// D-29: an electronic answer (and the documents given with a
			// decision, FI-2) is delivered when the mail server accepts
			// its link mail; the timeline says when.
			delivered := map[string]string{"answer_link": "answer_delivered", "doc_delivered": "documents_delivered"}[row.Kind]
			if delivered == "" || row.CaseID == 0 {
				return nil
			}
			if row.Kind == "answer_link" && row.LinkRenewal {
				// A new link for a delivered answer (RenewAnswerLink): the
				// answer was delivered when its first link mail was
				// accepted, and the timeline says a new link was. Should
				// none have been (the first mail failed), this one
				// delivers the answer.
				before, err := q.AnswerLinkAcceptedBefore(ctx, row.OrgID, row.CaseID, row.ID)
				if err != nil {
					return err
				}
				if before {
					delivered = "answer_link_delivered"
				}
			}
			if row.Kind == "answer_link" {
				// D-29: the case is answered then (a link mail held back by a
				// mail outage past the deadline is a late answer).
				if err := q.AnswerDeliveredAt(ctx, row.OrgID, row.CaseID, row.ID, now); err != nil {
					return err
				}
			}
			return s.audit(ctx, q, row.OrgID, row.CaseID, ActorSystem, delivered, map[string]any{"outbox": row.ID})
		})
	}, func(err error) {
		s.Logger.Warn("mail sent, recording it: will retry", "outbox", row.ID, "err", err)
	})
	if err != nil {
		return fmt.Errorf("recording outbox %d as sent: %w", row.ID, err)
	}
	if row.FirstFailedAt == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := store.New(s.Pool).ReleaseWaitingMail(ctx, now)
	switch {
	case err != nil:
		s.Logger.Warn("mail server accepts again, but the waiting mail was not released: it goes at its retry", "outbox", row.ID, "err", err)
	case n > 0:
		s.Logger.Info("mail server accepts again: waiting mail released", "outbox", row.ID, "released", n)
	}
	return nil
}

// whileClaimed runs record until it succeeds, backing off from 50 ms to
// 5 s between tries, while a row's claim (until, on the service's clock)
// outlasts the next wait and stop (nil: never) says go on; it returns the
// last error when it gives up. A sent mail's record must not be given up
// sooner: a row left pending is sent again once its claim ends. warn is
// told of each failure that will be retried.
func (s *Service) whileClaimed(until time.Time, stop func() bool, record func() error, warn func(error)) error {
	deadline := time.Now().Add(until.Sub(s.Now())) // the claim's end on the wall clock
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		err := record()
		if err == nil {
			return nil
		}
		if time.Now().Add(wait).After(deadline) || (stop != nil && stop()) {
			return err
		}
		warn(err)
		time.Sleep(wait)
	}
}

// recordFailure logs a failed attempt and records it on the row.
func (s *Service) recordFailure(row store.OutboxRow, attempt int, sendErr error, lastAttempt bool) error {
	permanent := mail.IsPermanent(sendErr)
	attrs := []any{"outbox", row.ID, "kind", row.Kind, "attempt", attempt, "permanent", permanent}
	var se *mail.SendError
	if errors.As(sendErr, &se) {
		attrs = append(attrs, "stage", string(se.Stage), "smtp_code", se.Code, "enhanced_status", se.EnhancedCode)
	}
	switch {
	case permanent || lastAttempt:
		s.Logger.Error("mail delivery failed for good", attrs...)
	default:
		s.Logger.Warn("mail delivery failed, will retry", attrs...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := store.New(s.Pool).MarkOutboxAttempt(ctx, row.ID, sendErr.Error(), permanent || lastAttempt, s.Now()); err != nil {
		return fmt.Errorf("recording outbox %d attempt: %w", row.ID, err)
	}
	return &deliveryError{outbox: row.ID, permanent: permanent, cause: sendErr}
}

// deliveryError is a failed send as River keeps it (in the job's errors,
// in plain text): the stage and the SMTP codes, never the server's reply
// text, which may quote the recipient's address and is kept only sealed
// on the outbox row. It still wraps the cause for errors.Is and As.
type deliveryError struct {
	outbox    int64
	permanent bool
	cause     error
}

func (e *deliveryError) Error() string {
	what := e.cause.Error()
	var se *mail.SendError
	if errors.As(e.cause, &se) {
		what = se.Summary()
	}
	if e.permanent {
		return fmt.Sprintf("outbox %d: %v: %v: %s", e.outbox, ErrMailSend, ErrMailPermanent, what)
	}
	return fmt.Sprintf("outbox %d: %v: %s", e.outbox, ErrMailSend, what)
}

func (e *deliveryError) Unwrap() []error {
	if e.permanent {
		return []error{ErrMailSend, ErrMailPermanent, e.cause}
	}
	return []error{ErrMailSend, e.cause}
}

// unclaim gives a claimed row back after a database error before sending.
func (s *Service) unclaim(ctx context.Context, id int64, cause error) error {
	_ = store.New(s.Pool).UnclaimOutbox(ctx, id)
	return cause
}
