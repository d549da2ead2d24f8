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

// Paper and on-site delivery (IN-1, issue 18): a requester who chose paper
// (or has no email address) gets the letters through the DPO's print
// queue: the letter is rendered and stored as it will be printed, and the
// DPO records the date it was posted. One who chose to view the answer on
// site gets a notice, and the DPO records when they viewed it. An access
// answer delivered this way makes the case answered when the DPO records
// the delivery, not when it is queued.

// Queue methods.
const (
	MethodPaper  = "paper"
	MethodOnSite = "on_site"
)

// ErrAlreadyDelivered: the queued letter's delivery is recorded already.
var ErrAlreadyDelivered = errors.New("the letter's delivery is already recorded")

// byPost reports whether the case's receipt, extension notice and refusal
// go through the print queue: paper chosen, or no email address to send
// them to (on-site viewing concerns the answer only).
func byPost(c store.Case, email string) bool {
	return c.Delivery == MethodPaper || strings.TrimSpace(email) == ""
}

// queueLetter renders l and puts it in the print queue (audit
// "letter_queued", ids only).
func (s *Service) queueLetter(ctx context.Context, q *store.Q, org store.Org, c store.Case, l pdf.Letter, method string, actor Actor) (int64, error) {
	b, err := pdf.New(s.Catalog).Bytes(l)
	if err != nil {
		return 0, err
	}
	return s.queueLetterBytes(ctx, q, org, c, l, b, method, actor)
}

// letterFilename is a letter's download name: the request number, what
// the letter is in its own language (an access answer needs no word) and
// the language, RD-2026-000001-vastaus-mita-teimme-fi.pdf. The English
// kind ("confirmation") in a Swedish resident's file name read as another
// receipt (found in a walkthrough).
func (s *Service) letterFilename(receipt string, kind pdf.Kind, lang string) string {
	if kind == pdf.KindAccess {
		return receipt + "-" + lang + ".pdf"
	}
	return receipt + "-" + s.Catalog.T(lang, "letter.file."+string(kind)) + "-" + lang + ".pdf"
}

// queueLetterBytes puts l, rendered as b, in the print queue.
func (s *Service) queueLetterBytes(ctx context.Context, q *store.Q, org store.Org, c store.Case, l pdf.Letter, b []byte, method string, actor Actor) (int64, error) {
	id, err := q.InsertQueuedLetter(ctx, store.QueuedLetter{OrgID: org.ID, CaseID: c.ID, Kind: string(l.Kind), Method: method,
		Lang: l.Lang, Filename: s.letterFilename(c.Receipt, l.Kind, l.Lang), CreatedAt: s.Now(), CreatedBy: string(actor)}, b)
	if err != nil {
		return 0, err
	}
	return id, s.audit(ctx, q, org.ID, c.ID, actor, "letter_queued", map[string]any{"letter_kind": string(l.Kind), "letter": id, "letter_method": method})
}

// queuePaperLetter queues a receipt, extension notice or refusal for a
// requester whose letters go by post (byPost) and who has a postal
// address; others get these by email. at: see buildLetter.
func (s *Service) queuePaperLetter(ctx context.Context, q *store.Q, org store.Org, c store.Case, kind pdf.Kind, at time.Time, actor Actor) error {
	req, err := q.RequesterOf(ctx, org.ID, c.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !byPost(c, req.Email) || (strings.TrimSpace(req.Address) == "" && c.Delivery != MethodPaper) {
		return nil
	}
	l, err := s.buildLetter(ctx, q, org, c, kind, at)
	if err != nil {
		return err
	}
	_, err = s.queueLetter(ctx, q, org, c, l, MethodPaper, actor)
	return err
}

// RecordLetterDelivery records that a queued letter of org was posted
// (paper) or viewed (on site) on day; an access answer makes its case
// answered then (answer ready -> answered, with whether day was on time).
// The day may not be in the future nor before the letter was queued
// (field "on", key print.err.date).
func (s *Service) RecordLetterDelivery(ctx context.Context, org store.Org, letterID int64, actor Actor, day Date) error {
	l, _, err := store.New(s.Pool).QueuedLetterPDF(ctx, org.ID, letterID)
	if err != nil {
		return err
	}
	now := s.Now()
	if day.IsZero() || day.After(HelsinkiDate(now)) || day.Before(HelsinkiDate(l.CreatedAt)) {
		return FieldErrors{"on": "print.err.date"}
	}
	record := func(q *store.Q) (store.QueuedLetter, error) {
		l, err := q.QueuedLetterForUpdate(ctx, org.ID, letterID)
		if err != nil {
			return l, err
		}
		if l.DoneAt != nil {
			return l, ErrAlreadyDelivered
		}
		return l, q.SetQueuedLetterDone(ctx, org.ID, l.ID, now, day.In(time.UTC), string(actor))
	}
	data := map[string]any{"letter": letterID, "letter_kind": l.Kind, "letter_method": l.Method, "delivered_on": day.String()}
	answers := answerKind(l.Kind)
	if answers { // the first answer letter delivered answers the case; a second is only recorded
		c, err := store.New(s.Pool).CaseByID(ctx, org.ID, l.CaseID)
		if err != nil {
			return err
		}
		answers = Allowed(State(c.State), ActMarkAnswered)
	}
	if !answers {
		return s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
			if _, err := record(q); err != nil {
				return err
			}
			return s.audit(ctx, q, org.ID, l.CaseID, actor, "letter_delivered", data)
		})
	}
	return s.act(ctx, org, l.CaseID, actor, ActMarkAnswered, func(_ pgx.Tx, q *store.Q, c *store.Case) (map[string]any, error) {
		if _, err := record(q); err != nil {
			return nil, err
		}
		c.AnsweredAt = &now
		data["on_time"] = !day.After(DueOf(*c, CalendarFor(org), now).Effective)
		return data, nil
	})
}

// PrintQueue lists the letters of orgs waiting for the post or a visit,
// then the most recently delivered.
func (s *Service) PrintQueue(ctx context.Context, orgIDs []int64) ([]store.QueuedLetter, error) {
	return store.New(s.Pool).PrintQueue(ctx, orgIDs, 30)
}

// QueuedLetterPDF reads a queued letter for printing and records the read
// in the case's access log.
func (s *Service) QueuedLetterPDF(ctx context.Context, org store.Org, letterID int64, actor Actor) (store.QueuedLetter, []byte, error) {
	l, b, err := store.New(s.Pool).QueuedLetterPDF(ctx, org.ID, letterID)
	if err != nil {
		return l, nil, err
	}
	return l, b, s.LogAccess(ctx, org.ID, l.CaseID, actor, AccessLetterDownloaded, letterID)
}

// EnclosedDocument is a document to put in the envelope with a queued
// letter (FI-2), without its contents; Pages is 0 when unknown.
type EnclosedDocument struct {
	store.DocumentFile
	Pages int
}

// EnclosedDocuments lists the documents to enclose with a queued letter:
// those given with the case's decision on its request for documents when
// the letter is that decision (its letter lists them as enclosed), none
// with any other letter. countPages reads each one to tell its pages
// where the file says (a PDF's page tree); reading for that is no
// download, so it is not audited.
func (s *Service) EnclosedDocuments(ctx context.Context, l store.QueuedLetter, countPages bool) ([]EnclosedDocument, error) {
	if l.Kind != string(pdf.KindDocDecision) {
		return nil, nil
	}
	q := store.New(s.Pool)
	docs, err := q.DocumentFilesOfCase(ctx, l.OrgID, l.CaseID)
	if errors.Is(err, store.ErrPurged) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]EnclosedDocument, len(docs))
	for i, d := range docs {
		out[i].DocumentFile = d
		if !countPages {
			continue
		}
		f, err := q.DocumentFile(ctx, l.OrgID, l.CaseID, d.ID)
		if err != nil {
			return nil, err
		}
		out[i].Pages, _ = pdf.PageCount(f.Data)
	}
	return out, nil
}

// EnclosedDocument reads one document enclosed with a queued decision
// letter of org, for printing (FI-2), and audits the download by ids
// (document_file_downloaded, with the letter) and in the case's access
// log. A document of another case, or a letter that encloses none, is
// store.ErrNotFound.
func (s *Service) EnclosedDocument(ctx context.Context, org store.Org, letterID, documentID int64, actor Actor) (store.DocumentFile, error) {
	var f store.DocumentFile
	err := s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		l, err := q.QueuedLetterForUpdate(ctx, org.ID, letterID) // its kind and case; the PDF is not needed
		if err != nil {
			return err
		}
		if l.Kind != string(pdf.KindDocDecision) {
			return store.ErrNotFound
		}
		if f, err = q.DocumentFile(ctx, org.ID, l.CaseID, documentID); err != nil {
			return err
		}
		return s.audit(ctx, q, org.ID, l.CaseID, actor, "document_file_downloaded", map[string]any{"document": f.ID, "letter": l.ID})
	})
	if err != nil {
		return f, err
	}
	return f, s.LogAccess(ctx, org.ID, f.CaseID, actor, AccessFileDownloaded, f.ID)
}
