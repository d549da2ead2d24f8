package workflow

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/pdf"
	"rightsdesk/internal/store"
)

// The case's other letters (issue 18): the acknowledgement of receipt,
// the extension notice (DL-5) and the refusal (Art 12(4), the whole
// request or per register), built from the case as it stands, for the
// DPO's download, the print queue (IN-1) and `rightsdesk letter`. A
// letter's date comes from the case (the day it was entered, extended or
// refused), never from the clock, so a reprint renders the same bytes.

// LetterKinds are the kinds CaseLetter builds.
var LetterKinds = []pdf.Kind{pdf.KindAccess, pdf.KindConfirmation, pdf.KindRefusal, pdf.KindExtension, pdf.KindReceipt,
	pdf.KindPause, pdf.KindDocDecision, pdf.KindDocExtension}

// CaseLetter builds one letter of a case and records that it was rendered
// (audit "letter_rendered", ids only). A kind the case has no content for
// (an extension notice of a case never extended, a refusal of a case with
// nothing refused) is ErrNotAllowed.
func (s *Service) CaseLetter(ctx context.Context, org store.Org, caseID int64, actor Actor, kind pdf.Kind) (pdf.Letter, error) {
	if kind == pdf.KindAccess {
		return s.AccessLetter(ctx, org, caseID, actor)
	}
	var l pdf.Letter
	err := s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		c, err := q.CaseByID(ctx, org.ID, caseID)
		if err != nil {
			return err
		}
		if kind == pdf.KindPause || kind == pdf.KindDocDecision || kind == pdf.KindDocExtension { // issue 20
			if l, err = s.caseLegalLetter(ctx, q, org, c, kind); err != nil {
				return err
			}
			return s.audit(ctx, q, org.ID, caseID, actor, "letter_rendered", map[string]any{"kind": string(kind)})
		}
		if kind == pdf.KindConfirmation {
			if l, err = confirmationLetterQ(ctx, q, org, caseID); err != nil {
				return err
			}
			return s.audit(ctx, q, org.ID, caseID, actor, "letter_rendered", map[string]any{
				"kind": string(kind), "registers": len(l.Registers)})
		}
		var at time.Time
		switch kind {
		case pdf.KindExtension:
			at, err = eventTime(ctx, q, c, string(ActExtend))
		case pdf.KindRefusal:
			if c.RefusalGround != "" {
				at, err = eventTime(ctx, q, c, string(ActRefuse))
			}
		}
		if err != nil {
			return err
		}
		if l, err = s.buildLetter(ctx, q, org, c, kind, at); err != nil {
			return err
		}
		return s.audit(ctx, q, org.ID, caseID, actor, "letter_rendered", map[string]any{
			"kind": string(kind), "registers": len(l.Registers)})
	})
	return l, err
}

// letterOfKind builds a case's letter of kind in q's transaction, without
// an audit event (the caller records what the reader did).
func (s *Service) letterOfKind(ctx context.Context, q *store.Q, org store.Org, caseID int64, kind pdf.Kind) (pdf.Letter, error) {
	switch kind {
	case pdf.KindAccess, "":
		l, _, err := accessLetterQ(ctx, q, org, caseID)
		return l, err
	case pdf.KindConfirmation:
		return confirmationLetterQ(ctx, q, org, caseID)
	}
	c, err := q.CaseByID(ctx, org.ID, caseID)
	if err != nil {
		return pdf.Letter{}, err
	}
	if kind == pdf.KindPause || kind == pdf.KindDocDecision || kind == pdf.KindDocExtension { // issue 20
		// Sent by link too (SendLetter, FI-2's documents): its HTML page
		// was refused as a kind the case had no letter of.
		return s.caseLegalLetter(ctx, q, org, c, kind)
	}
	var at time.Time
	switch {
	case kind == pdf.KindExtension:
		at, err = eventTime(ctx, q, c, string(ActExtend))
	case kind == pdf.KindRefusal && c.RefusalGround != "":
		at, err = eventTime(ctx, q, c, string(ActRefuse))
	}
	if err != nil {
		return pdf.Letter{}, err
	}
	return s.buildLetter(ctx, q, org, c, kind, at)
}

// DeliveryContents is the cover note of a delivered letter for its link
// page (issue 18): what the package holds, in lang.
func (s *Service) DeliveryContents(ctx context.Context, org store.Org, d store.AnswerDelivery, lang string) ([]string, error) {
	files, portability := 0, false
	if d.Kind == string(pdf.KindDocDecision) { // FI-2: the documents given with it
		docs, err := store.New(s.Pool).DocumentFilesOfCase(ctx, org.ID, d.CaseID)
		if err != nil && !errors.Is(err, store.ErrPurged) {
			return nil, err
		}
		files = len(docs)
	}
	if d.Kind == string(pdf.KindAccess) {
		// The count is from the case as it stands; a case whose answers
		// changed since (or was purged) shows the note without it.
		if l, _, err := accessLetterQ(ctx, store.New(s.Pool), org, d.CaseID); err == nil {
			files, portability = deliveredFileCount(l), l.PortabilityOnly()
		} else if !errors.Is(err, ErrNotAllowed) && !errors.Is(err, store.ErrPurged) {
			return nil, err
		}
	}
	return s.PackageContents(lang, d.Kind, portability, files), nil
}

// eventTime is when the case's last event of action happened.
func eventTime(ctx context.Context, q *store.Q, c store.Case, action string) (time.Time, error) {
	trail, err := q.AuditTrail(ctx, c.OrgID, c.ID)
	if err != nil {
		return time.Time{}, err
	}
	var at time.Time
	for _, ev := range trail {
		if ev.Action == action {
			at = ev.At
		}
	}
	if at.IsZero() {
		return at, ErrNotAllowed
	}
	return at, nil
}

// letterDay is a letter's date: the Helsinki day of at (its start), so a
// letter rendered inside the act and one reprinted later agree.
func letterDay(at time.Time) time.Time {
	return HelsinkiDate(at).In(Helsinki())
}

// receiptFit is what the receipt (letter and mail) says beside its
// dates, from the case on the receipt's date (the day it was entered).
type receiptFit struct {
	// Late: the effective due date had passed by then (DL-1).
	Late bool
	// Extension: it could still be extended then and was not (DL-5).
	Extension bool
	// IdentityKnown: identity was established by then (ID-2).
	IdentityKnown bool
	// DocLate: a document request's two weeks were over by then (FI-2).
	DocLate bool
}

func receiptFitOf(c store.Case, due Due) receiptFit {
	day := HelsinkiDate(c.CreatedAt)
	return receiptFit{
		Late:          day.After(due.Effective),
		Extension:     c.ExtendedDue == nil && !day.After(due.LegalDue),
		IdentityKnown: c.IdentityVerifiedAt != nil && !HelsinkiDate(*c.IdentityVerifiedAt).After(day),
		DocLate:       c.DocumentRequest && !due.DocDue.IsZero() && day.After(due.DocDue),
	}
}

// letterBase is what every letter of the case says: who sends it, to whom,
// about which request.
func letterBase(org store.Org, c store.Case, req store.Requester, kind pdf.Kind) pdf.Letter {
	l := pdf.Letter{
		Kind: kind, Lang: c.Lang,
		Org:           senderOrg(org, c.Lang),
		Recipient:     pdf.Recipient{Name: req.Name, Address: addressLines(req.Address)},
		RequestNumber: c.Receipt, ReceivedAt: c.ReceivedAt, Delivery: c.Delivery,
	}
	if req.OnBehalf {
		l.OnBehalfOf = req.SubjectName
	}
	return l
}

// buildLetter builds a receipt, extension notice or refusal of c; at is
// the time of the extension or the whole refusal (zero otherwise).
func (s *Service) buildLetter(ctx context.Context, q *store.Q, org store.Org, c store.Case, kind pdf.Kind, at time.Time) (pdf.Letter, error) {
	req, err := q.RequesterOf(ctx, org.ID, c.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return pdf.Letter{}, err
	}
	l := letterBase(org, c, req, kind)
	due := DueOf(c, CalendarFor(org), s.Now())
	switch kind {
	case pdf.KindReceipt:
		l.Date = letterDay(c.CreatedAt)
		l.Due = due.Effective.In(Helsinki())
		// What the letter says fits the case on the letter's date, so a
		// reprint says the same: a request entered after its due date is
		// told it is late (DL-1), not promised a past date; the extension
		// is explained only while it can still be decided (DL-5, DL-11);
		// identity shown when the case was entered is not asked again (ID-2).
		fit := receiptFitOf(c, due)
		l.Late, l.NoExtension, l.IdentityKnown = fit.Late, !fit.Extension, fit.IdentityKnown
		l.Rights, l.AllRegisters = c.Rights, c.AllRegisters
		if c.DocumentRequest && !due.DocDue.IsZero() { // FI-2: its own date
			l.DocumentRequest, l.DocDue = true, due.DocDue.In(Helsinki())
			l.DocLate = fit.DocLate
		}
		if !c.AllRegisters {
			ids, err := q.CaseRegisterIDs(ctx, c.ID)
			if err != nil {
				return l, err
			}
			for _, id := range ids {
				r, err := q.Register(ctx, org.ID, id)
				if err != nil {
					return l, err
				}
				l.Registers = append(l.Registers, pdf.Register{Name: r.Name, Lang: r.Language})
			}
		}
	case pdf.KindExtension:
		if c.ExtendedDue == nil {
			return l, ErrNotAllowed
		}
		l.Date = letterDay(at)
		l.Due, l.ExtendedDue = due.LegalDue.In(Helsinki()), due.ExtendedDue.In(Helsinki())
		l.Reasons = c.ExtensionReason
	case pdf.KindRefusal:
		if c.RefusalGround != "" { // the whole request (DL-6, D-12)
			l.Date, l.Ground, l.Reasons = letterDay(at), c.RefusalGround, c.RefusalReason
			break
		}
		tasks, err := q.TasksOfCase(ctx, org.ID, c.ID)
		if err != nil {
			return l, err
		}
		date := c.ReceivedAt
		for _, t := range tasks {
			if t.State != "answered" || Answer(t.Answer) != AnswerRefused || t.AnsweredAt == nil {
				continue
			}
			r, err := q.Register(ctx, org.ID, t.RegisterID)
			if err != nil {
				return l, err
			}
			l.Registers = append(l.Registers, letterRegister(t, r, nil))
			if t.AnsweredAt.After(date) {
				date = *t.AnsweredAt
			}
		}
		if len(l.Registers) == 0 {
			return l, ErrNotAllowed
		}
		l.Date = date
	default:
		return l, ErrNotAllowed
	}
	return l, nil
}
