package workflow

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/pdf"
	"rightsdesk/internal/store"
)

// Issue 20's letters (the texts are internal/pdf/legal.go's): what a
// pause asks of the requester (DL-8), the decision on a request for
// documents and its one-month notice (FI-2, 621/1999 §14), and where to
// turn after a request was forwarded (RD-2, D-7). Each act mails the
// requester who gave an address and, when their letters go by post
// (byPost), puts the letter in the print queue in the same transaction,
// as the extension notice and the refusal do. The case page offers the
// first three for download and sending (LettersOf); a reprint is built
// from the case and its audit events, so it renders the same bytes.

// legalLetter is a pause question, a document request's decision or its
// extension notice of c: at is when it was asked or decided; reasons the
// decision's note (an extension's reason is on the case).
func (s *Service) legalLetter(ctx context.Context, q *store.Q, org store.Org, c store.Case, kind pdf.Kind, at time.Time, reasons string) (pdf.Letter, error) {
	req, err := q.RequesterOf(ctx, org.ID, c.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return pdf.Letter{}, err
	}
	l := letterBase(org, c, req, kind)
	l.Org = letterOrg(ctx, q, org, c.Lang) // the address the requester may answer to
	l.Date = letterDay(at)
	due := DueOf(c, CalendarFor(org), s.Now())
	switch kind {
	case pdf.KindPause:
		a, err := q.LatestCaseAsk(ctx, org.ID, c.ID)
		if errors.Is(err, store.ErrNotFound) {
			return l, ErrNotAllowed
		}
		if err != nil {
			return l, err
		}
		l.Date = letterDay(a.CreatedAt)
		l.Needed, l.ReplyBy = a.Needed, DateOf(a.ReplyBy.UTC()).In(Helsinki())
		if strings.TrimSpace(req.Email) != "" { // the status page's code goes by email
			l.ReplyURL = s.BaseURL + "/" + nonEmpty(c.Lang, org.PrimaryLang) + "/o/" + org.Slug + "/status"
		}
	case pdf.KindDocDecision:
		if !c.DocumentRequest || c.DocDecision == "" {
			return l, ErrNotAllowed
		}
		l.DocDecision, l.Reasons = c.DocDecision, reasons
		docs, err := q.DocumentFilesOfCase(ctx, org.ID, c.ID)
		if err != nil {
			return l, err
		}
		for _, d := range docs { // FI-2: what was given with it
			l.Documents = append(l.Documents, d.Filename)
		}
		if c.Delivery != MethodOnSite && byPost(c, req.Email) {
			l.Delivery = MethodPaper // no address for a link: enclosed with the letter
		}
	case pdf.KindDocExtension:
		if !c.DocumentRequest || c.DocExtendedAt == nil {
			return l, ErrNotAllowed
		}
		l.Due, l.ExtendedDue = due.DocDue.In(Helsinki()), due.DocExtended.In(Helsinki())
		l.Reasons = c.DocExtensionReason
	default:
		return l, ErrNotAllowed
	}
	return l, nil
}

// caseLegalLetter rebuilds a legal letter of c from its events: the
// decision's time and note, the extension's time, the latest question.
func (s *Service) caseLegalLetter(ctx context.Context, q *store.Q, org store.Org, c store.Case, kind pdf.Kind) (pdf.Letter, error) {
	var at time.Time
	var reasons string
	switch kind {
	case pdf.KindPause: // the question of the pause the case is in
		if _, ok, err := AwaitingReply(ctx, q, c); err != nil || !ok {
			return pdf.Letter{}, errors.Join(ErrNotAllowed, err)
		}
	case pdf.KindDocDecision, pdf.KindDocExtension:
		action := ActDocDecide
		if kind == pdf.KindDocExtension {
			action = ActDocExtend
		}
		ev, err := lastEvent(ctx, q, c, string(action))
		if err != nil {
			return pdf.Letter{}, err
		}
		at = ev.At
		if kind == pdf.KindDocDecision {
			if reasons, err = eventText(ctx, q, c, ev, "note"); err != nil {
				return pdf.Letter{}, err
			}
		}
	}
	return s.legalLetter(ctx, q, org, c, kind, at, reasons)
}

// lastEvent is the case's last audit event of action.
func lastEvent(ctx context.Context, q *store.Q, c store.Case, action string) (store.AuditEvent, error) {
	trail, err := q.AuditTrail(ctx, c.OrgID, c.ID)
	if err != nil {
		return store.AuditEvent{}, err
	}
	for i := len(trail) - 1; i >= 0; i-- {
		if trail[i].Action == action {
			return trail[i], nil
		}
	}
	return store.AuditEvent{}, ErrNotAllowed
}

// eventText is the text an event recorded under key (withText's
// key_ref), or "".
func eventText(ctx context.Context, q *store.Q, c store.Case, ev store.AuditEvent, key string) (string, error) {
	ref, ok := ev.Data[key+"_ref"].(float64)
	if !ok {
		return "", nil
	}
	notes, err := q.CaseNotes(ctx, c.OrgID, c.ID)
	if err != nil {
		return "", err
	}
	return notes[int64(ref)], nil
}

// queueLetterByPost puts l in the print queue when c's letters go by
// post (paper chosen, or no email address) and there is an address to
// post it to.
func (s *Service) queueLetterByPost(ctx context.Context, q *store.Q, org store.Org, c store.Case, l pdf.Letter, actor Actor) (bool, error) {
	req, err := q.RequesterOf(ctx, org.ID, c.ID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !byPost(c, req.Email) || (strings.TrimSpace(req.Address) == "" && c.Delivery != MethodPaper) {
		return false, nil
	}
	_, err = s.queueLetter(ctx, q, org, c, l, MethodPaper, actor)
	return err == nil, err
}

type docMail struct {
	Lang, OrgName, Receipt, Decision, Reason, Date, Appeal, DPOEmail string
	// Link, Until, Privacy and Documents: the decision and the documents
	// given with it are behind a secure link (doc_delivered), until the
	// day the link ends; Privacy is where to ask for a new one.
	Link, Until, Privacy string
	Documents            int
}

// tellDocDecision tells the requester of a document request's decision
// (FI-2): by mail when they gave an address, by a letter in the print
// queue when their letters go by post. Anything not given comes with the
// appeal instructions. Documents given with the decision go to a
// requester who chose electronic delivery behind a secure link, as the
// GDPR answer does (issue 18): the decision letter and the documents,
// behind the code mailed to the same address (doc_delivered mail, its
// acceptance recorded as documents_delivered, D-29); by post they are
// enclosed with the queued letter, which lists them.
func (s *Service) tellDocDecision(ctx context.Context, tx pgx.Tx, q *store.Q, org store.Org, c store.Case, actor Actor, at time.Time, note string) (map[string]any, error) {
	lang := nonEmpty(c.Lang, org.PrimaryLang)
	req, err := q.RequesterOf(ctx, org.ID, c.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	l, err := s.legalLetter(ctx, q, org, c, pdf.KindDocDecision, at, note)
	if err != nil {
		return nil, err
	}
	told := map[string]any{}
	mailed := strings.TrimSpace(req.Email) != ""
	if mailed {
		m := docMail{Lang: lang, OrgName: org.Name(lang), Receipt: c.Receipt, Reason: note, DPOEmail: org.DPOEmail,
			Decision: s.Catalog.T(lang, "letter.doc_decision."+c.DocDecision)}
		if c.DocDecision != "disclosed" {
			m.Appeal = s.appealText(lang, org)
		}
		kind := "doc_decided"
		if len(l.Documents) > 0 && !queuedByPost(c) {
			b, err := pdf.New(s.Catalog).Bytes(l)
			if err != nil {
				return nil, err
			}
			now := s.Now()
			id, link, err := s.newLinkDelivery(ctx, q, org, c, lang, l, b, now)
			if err != nil {
				return nil, err
			}
			kind, told["delivery"], told["documents_linked"] = "doc_delivered", id, true
			m.Link, m.Until, m.Documents = link, FormatDate(HelsinkiDate(AnswerLinkExpiry(now)), lang), len(l.Documents)
			m.Privacy = nonEmpty(org.PrivacyEmail, org.DPOEmail)
		}
		if err := s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: c.ID, Kind: kind, To: req.Email, Lang: lang, Data: m}); err != nil {
			return nil, err
		}
	}
	posted, err := s.queueLetterByPost(ctx, q, org, c, l, actor)
	told["requester_mailed"], told["letter_queued"] = mailed, posted
	return told, err
}

// tellDocExtension tells the requester that their document request is
// decided within one month (FI-2), with the reason and the day.
func (s *Service) tellDocExtension(ctx context.Context, tx pgx.Tx, q *store.Q, org store.Org, c store.Case, actor Actor, at time.Time, due Due) (map[string]any, error) {
	lang := nonEmpty(c.Lang, org.PrimaryLang)
	req, err := q.RequesterOf(ctx, org.ID, c.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	mailed := strings.TrimSpace(req.Email) != ""
	if mailed {
		if err := s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: c.ID, Kind: "doc_extended", To: req.Email, Lang: lang,
			Data: docMail{Lang: lang, OrgName: org.Name(lang), Receipt: c.Receipt, Reason: c.DocExtensionReason,
				Date: FormatDate(due.DocExtended, lang), DPOEmail: org.DPOEmail}}); err != nil {
			return nil, err
		}
	}
	l, err := s.legalLetter(ctx, q, org, c, pdf.KindDocExtension, at, "")
	if err != nil {
		return nil, err
	}
	posted, err := s.queueLetterByPost(ctx, q, org, c, l, actor)
	return map[string]any{"requester_mailed": mailed, "letter_queued": posted}, err
}
