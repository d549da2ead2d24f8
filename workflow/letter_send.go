package workflow

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/pdf"
	"rightsdesk/internal/store"
)

// ErrLetterWaiting: a letter of the kind waits in the print queue
// already; SendLetter does not queue a second one beside it.
var ErrLetterWaiting = errors.New("a letter of this kind is waiting in the print queue")

// SendLetter delivers a case's refusal, extension notice or receipt the
// way the access answer goes (issue 18, IN-1): as a link with a one-time
// code to a requester who chose electronic delivery (the same
// answer_deliveries row and download page), or through the print queue to
// one who chose paper or on site. The case's state does not change: the
// decision it carries was recorded when it was made. ErrNoEmail when the
// link has nowhere to go.
func (s *Service) SendLetter(ctx context.Context, org store.Org, caseID int64, actor Actor, kind pdf.Kind) error {
	if kind == pdf.KindAccess {
		return s.SendAnswer(ctx, org, caseID, actor)
	}
	l, err := s.CaseLetter(ctx, org, caseID, actor, kind)
	if err != nil {
		return err
	}
	b, err := pdf.New(s.Catalog).Bytes(l)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		c, err := q.CaseForUpdate(ctx, org.ID, caseID)
		if err != nil {
			return err
		}
		if c.Delivery == MethodPaper || c.Delivery == MethodOnSite {
			// One copy of a letter in the queue at a time: a paper case
			// entered at the counter queues its receipt itself, and "Send
			// to the requester" put a second identical letter beside it
			// (walkthrough). The case row's lock orders two presses.
			queued, err := q.QueuedLettersOfCase(ctx, org.ID, c.ID)
			if err != nil {
				return err
			}
			for _, w := range queued {
				if w.Kind == string(kind) && w.DoneAt == nil {
					return ErrLetterWaiting
				}
			}
			_, err = s.queueLetter(ctx, q, org, c, l, MethodPaper, actor)
			return err
		}
		email, err := requesterEmail(ctx, q, org.ID, c.ID)
		if err != nil {
			return err
		}
		lang := nonEmpty(c.Lang, org.PrimaryLang)
		now := s.Now()
		id, link, err := s.newLinkDelivery(ctx, q, org, c, lang, l, b, now)
		if err != nil {
			return err
		}
		if err := s.audit(ctx, q, org.ID, c.ID, actor, "letter_link_sent", map[string]any{"delivery": id, "letter_kind": string(kind)}); err != nil {
			return err
		}
		m := letterLinkMail{Lang: lang, OrgName: org.Name(lang), Receipt: c.Receipt, Letter: s.Catalog.T(lang, "print.kind."+string(kind)),
			Link: link, Until: FormatDate(HelsinkiDate(AnswerLinkExpiry(now)), lang),
			Privacy: nonEmpty(org.PrivacyEmail, org.DPOEmail)}
		if l.Refuses() {
			m.Remedies = s.RemediesFor(lang, org)
		}
		return s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: c.ID, Kind: "letter_link", To: email, Lang: lang, Data: m})
	})
}

type letterLinkMail struct {
	Lang, OrgName, Receipt, Letter, Link, Until, Privacy string
	// Remedies: the letter is a refusal, or refuses some registers
	// (Art 12(4)).
	Remedies *Remedies
}

// LettersOf lists the letters a case has besides the access answer, in
// the order the case page offers them.
func LettersOf(c store.Case, tasks []store.Task) []pdf.Kind {
	out := []pdf.Kind{pdf.KindReceipt}
	if ConfirmationLetterReady(tasks) {
		out = append(out, pdf.KindConfirmation)
	}
	if c.ExtendedDue != nil {
		out = append(out, pdf.KindExtension)
	}
	refused := c.RefusalGround != ""
	for _, t := range tasks {
		refused = refused || (t.State == "answered" && Answer(t.Answer) == AnswerRefused)
	}
	if refused {
		out = append(out, pdf.KindRefusal)
	}
	// Issue 20: a document request's extension notice and decision
	// (FI-2); the pause question is added by the caller that knows one
	// was asked (AwaitingReply).
	if c.DocumentRequest && c.DocExtendedAt != nil {
		out = append(out, pdf.KindDocExtension)
	}
	if c.DocumentRequest && c.DocDecision != "" {
		out = append(out, pdf.KindDocDecision)
	}
	return out
}
