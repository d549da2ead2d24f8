package workflow

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/store"
)

// The requester status page (architecture URL map: /{lang}/o/{org}/status):
// the receipt number plus a code emailed to the address given in the
// request shows where the request stands. Whether a number exists is
// never revealed: every number gets a code row, a number without a case
// (or whose case has no email address, or is not confirmed yet) a decoy
// whose code is sent to nobody.

const (
	// StatusCodeTTL is how long an emailed status code is valid.
	StatusCodeTTL = 15 * time.Minute
	// MaxStatusAttempts wrong codes lock the code; a new one is needed.
	MaxStatusAttempts = 5
)

// NormReceipt writes a typed receipt number the way cases store it
// (store.ParseReceipt); what is no receipt number is only trimmed and
// upper-cased.
func NormReceipt(s string) string {
	if r, ok := store.ParseReceipt(s); ok {
		return r
	}
	return strings.ToUpper(strings.TrimSpace(s))
}

func (s *Service) statusReceiptHash(orgID int64, receipt string) []byte {
	return s.Keys.BlindIndex("status-receipt\x00" + strconv.FormatInt(orgID, 10) + "\x00" + receipt)
}

func (s *Service) statusCodeHash(orgID int64, receipt, code string) []byte {
	return s.Keys.BlindIndex("status-code\x00" + strconv.FormatInt(orgID, 10) + "\x00" + receipt + "\x00" + code)
}

type statusCodeMail struct {
	Lang, Code, OrgName, Receipt string
	Minutes                      int
}

// SendStatusCode stores a new code for (org, receipt) and mails it to the
// requester's address when the receipt is a confirmed case of org with an
// email address. Otherwise it stores a decoy and sends nothing. Only the
// code's keyed hash is stored. The error is for failures only: the caller
// tells every outcome the same way.
func (s *Service) SendStatusCode(ctx context.Context, org store.Org, receipt string) error {
	now := s.Now()
	receipt = NormReceipt(receipt)
	return s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		code := newCode()
		sc := store.StatusCode{OrgID: org.ID, ReceiptHash: s.statusReceiptHash(org.ID, receipt),
			CodeHash: s.statusCodeHash(org.ID, receipt, code), ExpiresAt: now.Add(StatusCodeTTL), CreatedAt: now}
		var email, lang string
		c, err := q.CaseByReceipt(ctx, []int64{org.ID}, receipt)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		case c.ConfirmedAt != nil || c.Channel != "web":
			req, err := q.RequesterOf(ctx, org.ID, c.ID)
			// A purged case (D-25) has no address left: a decoy, like a
			// case without one.
			if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrPurged) {
				return err
			}
			if err == nil && strings.TrimSpace(req.Email) != "" {
				email, lang = req.Email, c.Lang
				sc.CaseID = &c.ID
			}
		}
		if sc.CaseID == nil {
			// A decoy: a code nobody knows, so every try is wrong.
			sc.CodeHash = s.statusCodeHash(org.ID, receipt, "decoy\x00"+newCode()+newCode())
		}
		if err := q.PutStatusCode(ctx, sc, now.Add(-time.Hour)); err != nil {
			return err
		}
		if sc.CaseID == nil {
			return nil
		}
		if err := s.audit(ctx, q, org.ID, c.ID, ActorResident, "status_code_sent", nil); err != nil {
			return err
		}
		if lang == "" {
			lang = org.PrimaryLang
		}
		return s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: c.ID, Kind: "status_code", To: email, Lang: lang,
			CodeHash: sc.CodeHash, CodeTTL: StatusCodeTTL,
			Data: statusCodeMail{Lang: lang, Code: code, OrgName: org.Name(lang), Receipt: receipt, Minutes: int(StatusCodeTTL.Minutes())}})
	})
}

// CheckStatusCode checks a status code for (org, receipt). It returns nil
// when right (the code is then used up), ErrCodeWrong with the tries left,
// ErrCodeLocked after MaxStatusAttempts wrong tries, and ErrCodeExpired
// when the code is too old or none was asked for. A receipt without a case
// behaves like one whose code is always wrong.
func (s *Service) CheckStatusCode(ctx context.Context, org store.Org, receipt, code string) (remaining int, err error) {
	now := s.Now()
	receipt = NormReceipt(receipt)
	var outcome error
	err = s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		rh := s.statusReceiptHash(org.ID, receipt)
		sc, err := q.StatusCodeForUpdate(ctx, org.ID, rh)
		switch {
		case errors.Is(err, store.ErrNotFound):
			outcome = ErrCodeExpired
			return nil
		case err != nil:
			return err
		case sc.Attempts >= MaxStatusAttempts:
			outcome = ErrCodeLocked
			return nil
		case now.After(sc.ExpiresAt):
			outcome = ErrCodeExpired
			return nil
		}
		if sc.CaseID == nil || !equalHash(s.statusCodeHash(org.ID, receipt, strings.TrimSpace(code)), sc.CodeHash) {
			sc.Attempts++
			remaining = MaxStatusAttempts - sc.Attempts
			outcome = ErrCodeWrong
			if remaining <= 0 {
				outcome = ErrCodeLocked
			}
			if err := q.SetStatusCodeAttempts(ctx, org.ID, rh, sc.Attempts); err != nil {
				return err
			}
			if sc.CaseID != nil {
				return s.audit(ctx, q, org.ID, *sc.CaseID, ActorResident, "status_code_wrong", map[string]any{"attempt": sc.Attempts})
			}
			return nil
		}
		return q.DeleteStatusCode(ctx, org.ID, rh)
	})
	if err != nil {
		return 0, err
	}
	return remaining, outcome
}

// CaseStatus is what the requester sees of a case: no names, no
// henkilötunnus, no owners.
type CaseStatus struct {
	Receipt           string
	State             State
	ReceivedAt        time.Time
	Due               Due
	ExtensionReason   string
	Paused            bool
	RegistersAnswered int
	RegistersTotal    int
	// Delivery of an answer on paper or on site (IN-1, issue 18): the
	// status.delivery.* key of what happened, and its day once recorded.
	Delivery   string
	DeliveryOn Date
	// ConsentNot: chosen registers a withdrawal of consent does not reach
	// (RB-1): their basis is not consent.
	ConsentNot []Published
	// Ask: what a pause asks of the requester (issue 20, DL-8), when
	// AskOpen.
	Ask     Ask
	AskOpen bool
	// RepliedAt is when the requester last answered this pause's
	// question (zero: not yet): the page says so above the form, which
	// stays for anything more.
	RepliedAt time.Time
	// CanWithdraw: the requester may still withdraw the request.
	CanWithdraw bool
	// RefusedInPart: the answer went out and refuses some registers
	// (Art 12(4)); the page then shows the remedies, as for a refusal.
	RefusedInPart bool
	// DocumentRequest: the request asks for documents (FI-2); its date is
	// Due.DocDeadline until DocDecision is made, on DocDecidedOn.
	// DocumentsOnly: it asks for nothing else, so no GDPR date is its.
	DocumentRequest, DocumentsOnly bool
	DocDecision                    string
	DocDecidedOn                   Date
}

// StatusOf returns the status of the case with receipt in org and audits
// "status_viewed" (the requester proved the emailed code, api/status.go).
func (s *Service) StatusOf(ctx context.Context, org store.Org, receipt string) (CaseStatus, error) {
	now := s.Now()
	var st CaseStatus
	err := s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		c, err := q.CaseByReceipt(ctx, []int64{org.ID}, NormReceipt(receipt))
		if err != nil {
			return err
		}
		answered, total, err := q.CaseRegisterCounts(ctx, org.ID, c.ID)
		if err != nil {
			return err
		}
		st = CaseStatus{Receipt: c.Receipt, State: State(c.State), ReceivedAt: c.ReceivedAt,
			Due: DueOf(c, CalendarFor(org), now), Paused: c.PausedAt != nil || State(c.State) == StatePaused,
			RegistersAnswered: answered, RegistersTotal: total,
			DocumentRequest: c.DocumentRequest, DocumentsOnly: DocumentsOnly(c), DocDecision: c.DocDecision}
		if c.DocDecidedAt != nil {
			st.DocDecidedOn = HelsinkiDate(*c.DocDecidedAt)
		}
		if c.ExtendedDue != nil {
			st.ExtensionReason = c.ExtensionReason
		}
		queued, err := q.QueuedLettersOfCase(ctx, org.ID, c.ID)
		if err != nil {
			return err
		}
		for _, l := range queued {
			if l.Kind != "access" {
				continue
			}
			st.Delivery, st.DeliveryOn = "status.delivery."+l.Method+"_waiting", Date{}
			if l.DoneAt != nil && l.DoneOn != nil {
				st.Delivery, st.DeliveryOn = "status.delivery."+l.Method+"_done", DateOf(*l.DoneOn)
			}
		}
		if st.Ask, st.AskOpen, err = AwaitingReply(ctx, q, c); err != nil {
			return err
		}
		if st.AskOpen {
			replies, err := q.CaseReplies(ctx, org.ID, c.ID)
			if err != nil {
				return err
			}
			for _, r := range replies {
				if !r.CreatedAt.Before(*c.PausedAt) && r.CreatedAt.After(st.RepliedAt) {
					st.RepliedAt = r.CreatedAt
				}
			}
		}
		st.CanWithdraw = Allowed(State(c.State), ActWithdraw)
		if st.State == StateAnswered || st.State == StateClosed {
			tasks, err := q.TasksOfCase(ctx, org.ID, c.ID)
			if err != nil {
				return err
			}
			for _, t := range tasks {
				st.RefusedInPart = st.RefusedInPart || (t.State == "answered" && Answer(t.Answer) == AnswerRefused)
			}
		}
		notConsent, err := ConsentNotApplicable(ctx, q, c)
		if err != nil {
			return err
		}
		for _, r := range notConsent {
			st.ConsentNot = append(st.ConsentNot, Published{Text: r.Name, Lang: r.Language})
		}
		return s.audit(ctx, q, org.ID, c.ID, ActorResident, "status_viewed", nil)
	})
	return st, err
}
