package workflow

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/store"
)

// Issue 20, legal exactness: the document request's own decision and
// extension (FI-2) and the DPO's decision on a representative's authority
// (ID-5). Each is a case action: one transaction, audited.

// ErrNotDocumentRequest: the case is not (also) a request for documents.
var ErrNotDocumentRequest = errors.New("not a document request")

// ErrDocumentsOnly: a request for documents alone does not take the
// GDPR's steps (identity, pause, extension, Art 12(5) refusal: AllowedFor).
var ErrDocumentsOnly = fmt.Errorf("%w: a request for documents alone has no GDPR step", ErrNotAllowed)

// ErrDocDecided: a document request is decided once.
var ErrDocDecided = errors.New("the document request is already decided")

// ErrDocAlreadyExtended: the one-month clock is chosen once (FI-2).
var ErrDocAlreadyExtended = errors.New("the document request already runs on its one-month clock")

// ErrDocExtendTooLate: the two weeks have passed; the one-month clock can
// no longer be chosen (621/1999 §14: it is for a request that needs it,
// decided while the two weeks run).
var ErrDocExtendTooLate = errors.New("the two weeks have passed")

// ErrNotOnBehalf: the request is the requester's own; there is no
// representative whose authority could be decided.
var ErrNotOnBehalf = errors.New("not a request on behalf of someone else")

// DocDecisions are how a document request is decided (621/1999 §14):
// the documents given, given in part, or refused (a refusal is a written
// decision with appeal instructions; its letter comes with the answers
// issue's letters).
var DocDecisions = []string{"disclosed", "partly_disclosed", "refused"}

// Authorities are the DPO's decisions on a representative's authority
// (ID-5).
const (
	AuthorityShown             = "shown"
	AuthorityNotShown          = "not_shown"
	AuthorityDocumentRequested = "document_requested"
)

// Authorities lists them in the order the case page offers them.
var Authorities = []string{AuthorityShown, AuthorityNotShown, AuthorityDocumentRequested}

// DecideDocumentRequest records the decision on a document request (FI-2):
// its clock stops, so the case's urgency (urgent_due) falls back to the
// GDPR deadline in the same transaction, and owners' reminders follow.
// The requester is told in the same transaction (tellDocDecision), so a
// request for documents alone is answered by it: nothing else runs, and
// the DPO closes it.
//
// docs are the documents given out with a decision that gives them (in
// whole or in part): stored with the case, sealed, listed in the decision
// letter, and delivered with it (tellDocDecision) the way the requester
// chose: behind the decision's secure link, or enclosed with the letter
// in the print queue. A refusal gives no documents.
func (s *Service) DecideDocumentRequest(ctx context.Context, org store.Org, caseID int64, actor Actor, decision, note string, docs []Attachment) error {
	if !slices.Contains(DocDecisions, decision) {
		return FieldErrors{"decision": "case.err.doc_decision"}
	}
	fe := FieldErrors{}
	if decision == "refused" && len(docs) > 0 {
		fe.Add("files", "case.err.doc_files_refused")
	}
	checkFiles(fe, docs)
	if err := fe.Err(); err != nil {
		return err
	}
	// Documents not given, in whole or in part, are a decision with its
	// reasons (Administrative Procedure Act 434/2003 §45): they go in the
	// requester's letter.
	if decision != "disclosed" {
		if _, err := required("note", note, 4000); err != nil {
			return err
		}
	}
	return s.actTo(ctx, org, caseID, actor, ActDocDecide, func(tx pgx.Tx, q *store.Q, c *store.Case) (map[string]any, State, error) {
		if !c.DocumentRequest {
			return nil, "", ErrNotDocumentRequest
		}
		if c.DocDecidedAt != nil {
			return nil, "", ErrDocDecided
		}
		now := s.Now()
		before := DueOf(*c, CalendarFor(org), now)
		if err := q.SetDocDecision(ctx, org.ID, c.ID, decision, now); err != nil {
			return nil, "", err
		}
		c.DocDecidedAt, c.DocDecision = &now, decision
		for _, f := range docs {
			ct := nonEmpty(f.ContentType, "application/octet-stream")
			if _, err := q.InsertDocumentFile(ctx, org.ID, store.DocumentFile{CaseID: c.ID,
				Filename: CleanFilename(f.Filename, "document"), ContentType: ct, Data: f.Data, CreatedAt: now}); err != nil {
				return nil, "", err
			}
		}
		if err := s.rescheduleTasks(ctx, tx, q, org, *c, DueOf(*c, CalendarFor(org), now)); err != nil {
			return nil, "", err
		}
		told, err := s.tellDocDecision(ctx, tx, q, org, *c, actor, now, strings.TrimSpace(note))
		if err != nil {
			return nil, "", err
		}
		data := map[string]any{"decision": decision, "doc_due": before.DocEffective.String(),
			"on_time": !HelsinkiDate(now).After(before.DocEffective), "documents": len(docs)}
		maps.Copy(data, told)
		var to State // the table's: the state stays
		if DocumentsOnly(*c) {
			// Answered by its decision. A pause from before such a
			// request lost its GDPR steps ends with it, as a refusal's.
			to, c.AnsweredAt = StateAnswered, &now
			if c.PausedAt != nil {
				c.PausedDays, c.PausedAt, c.PausedFromState = PausedDaysAt(*c, now), nil, ""
			}
		}
		data, err = s.withText(ctx, q, *c, data, "note", note)
		return data, to, err
	})
}

// settleDecidedDocuments answers org's requests for documents alone that
// were decided before a decision answered such a request (FI-2, found in
// a walkthrough): they stayed open for good, with nothing to do and no
// way to be closed. Each is answered as of its decision, by the system,
// audited; the DPO closes it as any answered case.
func (s *Service) settleDecidedDocuments(ctx context.Context, org store.Org) (int, error) {
	ids, err := store.New(s.Pool).DecidedDocumentsOnlyOpen(ctx, org.ID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		err := s.actTo(ctx, org, id, ActorSystem, ActDocAnswered, func(_ pgx.Tx, _ *store.Q, c *store.Case) (map[string]any, State, error) {
			if !DocumentsOnly(*c) || c.DocDecidedAt == nil {
				return nil, "", ErrNotAllowed // changed since the list was read
			}
			c.AnsweredAt = c.DocDecidedAt
			if c.PausedAt != nil {
				c.PausedDays, c.PausedAt, c.PausedFromState = PausedDaysAt(*c, s.Now()), nil, ""
			}
			return nil, "", nil // the decision's own event says when
		})
		if errors.Is(err, ErrNotAllowed) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("answering decided document request %d: %w", id, err)
		}
		n++
	}
	return n, nil
}

// ExtendDocumentRequest moves a document request to its one-month clock
// (621/1999 §14: a large number of documents, or a request hard to
// decide), with the reason, while its two weeks run. The requester's
// letter comes with the answers issue's letters.
func (s *Service) ExtendDocumentRequest(ctx context.Context, org store.Org, caseID int64, actor Actor, reason string) error {
	reason, err := required("reason", reason, 4000)
	if err != nil {
		return err
	}
	return s.act(ctx, org, caseID, actor, ActDocExtend, func(tx pgx.Tx, q *store.Q, c *store.Case) (map[string]any, error) {
		switch {
		case !c.DocumentRequest:
			return nil, ErrNotDocumentRequest
		case c.DocDecidedAt != nil:
			return nil, ErrDocDecided
		case c.DocExtendedAt != nil:
			return nil, ErrDocAlreadyExtended
		}
		now := s.Now()
		if c.DocDue == nil || HelsinkiDate(now).After(dateOf(*c.DocDue)) {
			return nil, ErrDocExtendTooLate
		}
		if err := q.SetDocExtension(ctx, org.ID, c.ID, reason, now); err != nil {
			return nil, err
		}
		c.DocExtendedAt, c.DocExtensionReason = &now, reason
		due := DueOf(*c, CalendarFor(org), now)
		if err := s.rescheduleTasks(ctx, tx, q, org, *c, due); err != nil {
			return nil, err
		}
		told, err := s.tellDocExtension(ctx, tx, q, org, *c, actor, now, due)
		if err != nil {
			return nil, err
		}
		told["doc_extended_due"] = due.DocEffective.String()
		return s.withText(ctx, q, *c, told, "reason", reason)
	})
}

// authorityPending: a request made on behalf of someone else waits for
// the DPO's decision that the representative's authority is shown (ID-5),
// as every request waits for identity (D-9).
func authorityPending(c store.Case, req store.Requester) bool {
	return req.OnBehalf && c.Authority != AuthorityShown
}

// RecordAuthority records the DPO's decision on a representative's
// authority (ID-5): shown, not shown, or a document (a power of attorney,
// a guardianship decision) asked for. "Shown" on a case whose identity is
// established opens the owners' tasks; the other decisions keep them
// waiting (the DPO may then pause for the document, DL-8, or refuse).
func (s *Service) RecordAuthority(ctx context.Context, org store.Org, caseID int64, actor Actor, decision, note string) error {
	if !slices.Contains(Authorities, decision) {
		return FieldErrors{"authority": "case.err.authority"}
	}
	return s.actTo(ctx, org, caseID, actor, ActAuthority, func(tx pgx.Tx, q *store.Q, c *store.Case) (map[string]any, State, error) {
		req, err := q.RequesterOf(ctx, org.ID, c.ID)
		if err != nil {
			return nil, "", err
		}
		if !req.OnBehalf {
			return nil, "", ErrNotOnBehalf
		}
		now := s.Now()
		if err := q.SetAuthority(ctx, org.ID, c.ID, decision, now); err != nil {
			return nil, "", err
		}
		c.Authority, c.AuthorityAt = decision, &now
		data, err := s.withText(ctx, q, *c, map[string]any{"authority": decision}, "note", note)
		if err != nil {
			return nil, "", err
		}
		if decision != AuthorityShown || State(c.State) != StateAwaitingIdentity || c.IdentityVerifiedAt == nil {
			return data, "", nil
		}
		// Identity was established before: the tasks go out now (D-9).
		to, err := s.startTasks(ctx, tx, q, org, c)
		return data, to, err
	})
}

// Published is text shown as its organisation published it (a register's
// name), with the language it was published in (D-5): a page in another
// language marks it with lang.
type Published struct{ Text, Lang string }

// ConsentNotApplicable lists the chosen registers a withdrawal of consent
// was aimed at whose basis is not consent (RB-1, D-10): nothing is routed
// to them, and the requester (receipt, status page) and the DPO (case
// page) are told so, instead of the request being silently dropped there.
// "All registers" is not aimed at any one register: it lists nothing.
func ConsentNotApplicable(ctx context.Context, q *store.Q, c store.Case) ([]store.RoutingRegister, error) {
	if c.AllRegisters || !slices.Contains(c.Rights, string(RightWithdrawConsent)) {
		return nil, nil
	}
	ids, err := q.CaseRegisterIDs(ctx, c.ID)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	regs, err := q.RoutingRegisters(ctx, c.OrgID, ids)
	if err != nil {
		return nil, err
	}
	var out []store.RoutingRegister
	for _, r := range regs {
		if !RoutesTo(RightWithdrawConsent, Basis(r.LegalBasis)) {
			out = append(out, r)
		}
	}
	return out, nil
}
