package workflow

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/pdf"
	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
)

// A new link for a delivered letter (issue 18): the resident's expired
// link page and the link mail say to ask the privacy address for a new
// link, and the DPO sends one from the case page. The letter is not
// rendered again: the resident gets the same stored PDF behind a new
// token, the old token stops working, and the case's answered date stays
// where the first delivery put it (D-29).

// RenewAnswerLink mails the requester a new link to a delivery of org: a
// new token and expiry (AnswerLinkExpiry) for the same stored PDF, audited
// on the case by ids ("answer_link_renewed"). The mail of an answer
// letter is an answer link mail as the first one was: store.AnswerDeliveredAt
// moves the answered date only for a case's first accepted one (D-29), and
// its acceptance is "answer_link_delivered" on the timeline, not a second
// "answer_delivered" (recordSent).
// ErrNoEmail when the requester has no address; ErrNotAllowed when the
// case's data is purged (the PDF with it).
func (s *Service) RenewAnswerLink(ctx context.Context, org store.Org, caseID, deliveryID int64, actor Actor) error {
	return s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		d, err := q.AnswerDeliveryForUpdate(ctx, org.ID, deliveryID)
		if err != nil {
			return err
		}
		if d.CaseID != caseID {
			return store.ErrNotFound
		}
		if d.Filename == "" { // purged: no PDF to link to
			return ErrNotAllowed
		}
		c, err := q.CaseByID(ctx, org.ID, d.CaseID)
		if err != nil {
			return err
		}
		email, err := requesterEmail(ctx, q, org.ID, d.CaseID)
		if err != nil {
			return err
		}
		token := secret.Token()
		expires := AnswerLinkExpiry(s.Now())
		if err := q.RenewAnswerLink(ctx, org.ID, d.ID, s.answerTokenHash(token), expires); err != nil {
			return err
		}
		if err := s.audit(ctx, q, org.ID, d.CaseID, actor, "answer_link_renewed", map[string]any{"delivery": d.ID, "letter_kind": d.Kind}); err != nil {
			return err
		}
		m, err := s.renewedLinkMail(ctx, q, org, c, d, email, s.AnswerURL(d.Lang, org, token), expires)
		if err != nil {
			return err
		}
		m.LinkRenewal = true // D-29: its acceptance is a new link's delivery, not the answer's
		return s.queueMail(ctx, tx, m)
	})
}

// renewedLinkMail is the mail of a new link: an answer letter's is an
// answer link mail (its token is scrubbed from the stored copy once sent,
// as the first one's), another letter's a letter link mail.
func (s *Service) renewedLinkMail(ctx context.Context, q *store.Q, org store.Org, c store.Case, d store.AnswerDelivery,
	to, link string, expires time.Time) (Mail, error) {
	lang := d.Lang
	until := FormatDate(HelsinkiDate(expires), lang)
	privacy := nonEmpty(org.PrivacyEmail, org.DPOEmail)
	remedies, err := s.deliveryRefuses(ctx, q, org, c, d)
	if err != nil {
		return Mail{}, err
	}
	var rem *Remedies
	if remedies {
		rem = s.RemediesFor(lang, org)
	}
	if !answerKind(d.Kind) {
		return Mail{OrgID: org.ID, CaseID: c.ID, Kind: "letter_link", To: to, Lang: lang,
			Data: letterLinkMail{Lang: lang, OrgName: org.Name(lang), Receipt: c.Receipt, Letter: s.Catalog.T(lang, "print.kind."+d.Kind),
				Link: link, Until: until, Privacy: privacy, Remedies: rem}}, nil
	}
	contents, err := s.DeliveryContents(ctx, org, d, lang)
	if err != nil {
		return Mail{}, err
	}
	// An access answer to a request for portability alone is named as
	// such, as the first mail named it (Art 20).
	tasks, err := q.TasksOfCase(ctx, org.ID, c.ID)
	if err != nil {
		return Mail{}, err
	}
	port := d.Kind == string(pdf.KindAccess) && portabilityOnly(tasks)
	m := answerLinkMail{Lang: lang, OrgName: org.Name(lang), Receipt: c.Receipt, Until: until, Privacy: privacy,
		Access: d.Kind == string(pdf.KindAccess) && !port, Portability: port, Remedies: rem,
		Parts: []answerPart{{Number: 1, Title: s.answerTitle(lang, d.Kind, port), Link: link, Contents: contents}}}
	return Mail{OrgID: org.ID, CaseID: c.ID, Kind: "answer_link", To: to, Lang: lang, Data: m}, nil
}

// deliveryRefuses reports whether a delivered letter refuses some of the
// request (Art 12(4): its mail then says where to turn), from the case's
// tasks as they stand, as the letter was made from them.
func (s *Service) deliveryRefuses(ctx context.Context, q *store.Q, org store.Org, c store.Case, d store.AnswerDelivery) (bool, error) {
	switch pdf.Kind(d.Kind) {
	case pdf.KindRefusal:
		return true, nil
	case pdf.KindAccess, pdf.KindConfirmation:
	default:
		return false, nil
	}
	tasks, err := q.TasksOfCase(ctx, org.ID, c.ID)
	if err != nil {
		return false, err
	}
	for _, t := range tasks {
		if t.State == "answered" && Answer(t.Answer) == AnswerRefused && accessTask(t) == (d.Kind == string(pdf.KindAccess)) {
			return true, nil
		}
	}
	return false, nil
}

// requesterEmail is the address a case's mails to the requester go to;
// ErrNoEmail when there is none (none given, or the requester is gone).
func requesterEmail(ctx context.Context, q *store.Q, orgID, caseID int64) (string, error) {
	req, err := q.RequesterOf(ctx, orgID, caseID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	if email := strings.TrimSpace(req.Email); email != "" {
		return email, nil
	}
	return "", ErrNoEmail
}
