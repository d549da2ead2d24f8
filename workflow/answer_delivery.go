package workflow

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/pdf"
	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
)

// Secure delivery of the access answer (issue 18): the DPO sends the
// answer; the PDF as it went out is stored with the case, and the resident
// gets a mail with a link /{lang}/o/{org}/answer/{token}. The token is
// random (no personal data) and only its keyed hash is stored. Opening the
// link is not enough: the page mails a one-time code to the same address,
// so a forwarded link alone does not give the answer. Every download is
// audited (ids only).

const (
	// AnswerLinkTTL is how long the link of a sent answer works (issue 18:
	// 14 days by default).
	AnswerLinkTTL = 14 * 24 * time.Hour
	// AnswerCodeTTL is how long the download page's code is valid.
	AnswerCodeTTL = StatusCodeTTL
	// MaxAnswerAttempts wrong codes lock the code; a new one is needed.
	MaxAnswerAttempts = MaxStatusAttempts
)

// ErrNoEmail: the requester gave no email address, so the answer cannot
// go by link (paper or on-site delivery is a later step).
var ErrNoEmail = errors.New("the requester has no email address")

func (s *Service) answerTokenHash(token string) []byte {
	return s.Keys.BlindIndex("answer-token\x00" + token)
}

func (s *Service) answerCodeHash(d store.AnswerDelivery, code string) []byte {
	return s.Keys.BlindIndex("answer-code\x00" + strconv.FormatInt(d.ID, 10) + "\x00" + code)
}

// newLinkDelivery stores letter l of c, rendered as b, as it goes out
// behind a secure link: the PDF sealed with the case, the keyed hash of a
// new random token, and the link's expiry (AnswerLinkExpiry). It
// returns the row's id and the link for the mail (lang: the mail's).
func (s *Service) newLinkDelivery(ctx context.Context, q *store.Q, org store.Org, c store.Case, lang string, l pdf.Letter, b []byte, now time.Time) (int64, string, error) {
	token := secret.Token()
	d := store.AnswerDelivery{OrgID: org.ID, CaseID: c.ID, TokenHash: s.answerTokenHash(token), Lang: lang, Kind: string(l.Kind),
		Filename: s.letterFilename(c.Receipt, l.Kind, l.Lang), ExpiresAt: AnswerLinkExpiry(now), CreatedAt: now}
	id, err := q.InsertAnswerDelivery(ctx, d, b)
	return id, s.AnswerURL(lang, org, token), err
}

// AnswerURL is the resident's link of a sent answer.
func (s *Service) AnswerURL(lang string, org store.Org, token string) string {
	return s.BaseURL + "/" + lang + "/o/" + org.Slug + "/answer/" + token
}

type answerLinkMail struct {
	Lang, OrgName, Receipt, Until, Privacy string
	// Parts: the answer's letters, each behind its own link, in one mail
	// (a case of access and rectification is answered by an access letter
	// and a confirmation letter: one mail, not two).
	Parts []answerPart
	// Access: the one letter is the access answer (else another answer).
	Access bool
	// Portability: the one letter answers data portability alone (Art
	// 20): the mail speaks of portability, not of access.
	Portability bool
	// Remedies: a letter refuses some registers (Art 12(4)).
	Remedies *Remedies
}

// Many reports whether the answer has more than one letter (the mail then
// numbers and titles them).
func (m answerLinkMail) Many() bool { return len(m.Parts) > 1 }

// answerPart is one letter of an answer link mail: its number and title
// (shown when the mail has several), its link and what its package holds
// (the cover note, issue 18).
type answerPart struct {
	Number   int
	Title    string
	Link     string
	Contents []string
}

type answerCodeMail struct {
	Lang, Code, OrgName, Receipt string
	Minutes                      int
	// Subject and Body: the mail's keys for the delivered letter's kind
	// (deliveryKey): a decision on a request for documents is no answer.
	Subject, Body string
}

// deliveryKey is key's wording for a delivered letter of kind: key.KIND
// where the catalogue has it, else key (the GDPR answer's words). FI-2:
// the decision on a request for documents and its documents are no
// "answer" (terms.md); the link page picks its words the same way.
func (s *Service) deliveryKey(lang, kind, key string) string {
	if kind != "" && s.Catalog.Has(lang, key+"."+kind) {
		return key + "." + kind
	}
	return key
}

// OpenAnswer finds the sent answer a link token opens in org. Unknown
// tokens (and another organisation's) are store.ErrNotFound, a link past
// its time ErrLinkExpired.
func (s *Service) OpenAnswer(ctx context.Context, org store.Org, token string) (store.AnswerDelivery, error) {
	if token == "" || len(token) > 200 {
		return store.AnswerDelivery{}, store.ErrNotFound
	}
	// Every ring key: a link mailed before a key rotation still works (issue 22).
	var d store.AnswerDelivery
	err := store.ErrNotFound
	for _, h := range s.Keys.BlindIndexes("answer-token\x00" + token) {
		if d, err = store.New(s.Pool).AnswerDeliveryByToken(ctx, org.ID, h); !errors.Is(err, store.ErrNotFound) {
			break
		}
	}
	if err != nil {
		return d, err
	}
	if !s.Now().Before(d.ExpiresAt) {
		return d, ErrLinkExpired
	}
	return d, nil
}

// liveDelivery locks delivery id of org for the transaction; one whose
// link is past its time is ErrLinkExpired.
func liveDelivery(ctx context.Context, q *store.Q, org store.Org, id int64, now time.Time) (store.AnswerDelivery, error) {
	d, err := q.AnswerDeliveryForUpdate(ctx, org.ID, id)
	if err == nil && !now.Before(d.ExpiresAt) {
		err = ErrLinkExpired
	}
	return d, err
}

// SendAnswerCode mails a new one-time code for a delivery to the
// requester's address (the one the link went to); an earlier code stops
// working.
func (s *Service) SendAnswerCode(ctx context.Context, org store.Org, deliveryID int64) error {
	now := s.Now()
	return s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		d, err := liveDelivery(ctx, q, org, deliveryID, now)
		if err != nil {
			return err
		}
		c, err := q.CaseByID(ctx, org.ID, d.CaseID)
		if err != nil {
			return err
		}
		req, err := q.RequesterOf(ctx, org.ID, d.CaseID)
		if err != nil {
			return err
		}
		email := strings.TrimSpace(req.Email)
		if email == "" {
			return ErrNoEmail
		}
		code := newCode()
		h := s.answerCodeHash(d, code)
		if err := q.SetAnswerCode(ctx, org.ID, d.ID, h, now.Add(AnswerCodeTTL)); err != nil {
			return err
		}
		if err := s.audit(ctx, q, org.ID, d.CaseID, ActorResident, "answer_code_sent", map[string]any{"delivery": d.ID}); err != nil {
			return err
		}
		return s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: d.CaseID, Kind: "answer_code", To: email, Lang: d.Lang,
			CodeHash: h, CodeTTL: AnswerCodeTTL,
			Data: answerCodeMail{Lang: d.Lang, Code: code, OrgName: org.Name(d.Lang), Receipt: c.Receipt, Minutes: int(AnswerCodeTTL.Minutes()),
				Subject: s.deliveryKey(d.Lang, d.Kind, "answer.codemail.subject"), Body: s.deliveryKey(d.Lang, d.Kind, "answer.codemail.body")}})
	})
}

// CheckAnswerCode checks a delivery's code: nil when right (the code is
// then used up), ErrCodeWrong with the tries left, ErrCodeLocked after
// MaxAnswerAttempts wrong tries, ErrCodeExpired when too old or none was
// asked for.
func (s *Service) CheckAnswerCode(ctx context.Context, org store.Org, deliveryID int64, code string) (remaining int, err error) {
	now := s.Now()
	var outcome error
	err = s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		d, err := q.AnswerDeliveryForUpdate(ctx, org.ID, deliveryID)
		if err != nil {
			return err
		}
		switch {
		case !now.Before(d.ExpiresAt):
			outcome = ErrLinkExpired
			return nil
		case d.CodeHash == nil || d.CodeExpiresAt == nil:
			outcome = ErrCodeExpired
			return nil
		case d.CodeAttempts >= MaxAnswerAttempts:
			outcome = ErrCodeLocked
			return nil
		case now.After(*d.CodeExpiresAt):
			outcome = ErrCodeExpired
			return nil
		}
		if !equalHash(s.answerCodeHash(d, strings.TrimSpace(code)), d.CodeHash) {
			d.CodeAttempts++
			remaining = MaxAnswerAttempts - d.CodeAttempts
			outcome = ErrCodeWrong
			if remaining <= 0 {
				outcome = ErrCodeLocked
			}
			if err := q.SetAnswerCodeAttempts(ctx, org.ID, d.ID, d.CodeAttempts); err != nil {
				return err
			}
			return s.audit(ctx, q, org.ID, d.CaseID, ActorResident, "answer_code_wrong",
				map[string]any{"delivery": d.ID, "attempt": d.CodeAttempts})
		}
		if err := q.UseAnswerCode(ctx, org.ID, d.ID); err != nil {
			return err
		}
		return s.audit(ctx, q, org.ID, d.CaseID, ActorResident, "answer_code_ok", map[string]any{"delivery": d.ID})
	})
	if err != nil {
		return 0, err
	}
	return remaining, outcome
}

// DownloadAnswer returns the stored PDF of a delivery and audits the
// download (ids only). The caller has checked the code.
func (s *Service) DownloadAnswer(ctx context.Context, org store.Org, deliveryID int64) (store.AnswerDelivery, []byte, error) {
	now := s.Now()
	var d store.AnswerDelivery
	var b []byte
	err := s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		var err error
		if d, err = liveDelivery(ctx, q, org, deliveryID, now); err != nil {
			return err
		}
		if b, err = q.TakeAnswerPDF(ctx, org.ID, d.ID); err != nil {
			return err
		}
		return s.audit(ctx, q, org.ID, d.CaseID, ActorResident, "answer_downloaded",
			map[string]any{"delivery": d.ID, "download": d.Downloads + 1})
	})
	return d, b, err
}
