package workflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/pdf"
	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
)

// Approval and rendering of the answer (issue 18, delivery). The DPO's
// approval is one transaction: its audit event, an answer_renders row and
// a River job. The job renders the case's answer letters (the access
// answer, the confirmation of the other rights, or both) outside any
// HTTP request, stores them as they go out, and delivers them by the
// requester's choice (IN-1): a link mail per letter (the case becomes
// answered, D-29), or the print queue (answered when the DPO records the
// posting or the visit). A render that fails is retried by River; each
// failed try is counted on the row, which the case page and the dashboard
// show, and a render whose tries ran out (or whose case moved on) is
// failed: the DPO approves again. No case is recorded as answered
// without a rendered letter (MarkAnswered).

// Render states.
const (
	RenderPending = "pending"
	RenderDone    = "done"
	RenderFailed  = "failed"
)

// Render failure reasons (answer_renders.failure): codes, never personal
// data; the case page translates them (answer.render.failure.*).
const (
	renderFailRender = "render"  // building or rendering a letter failed
	renderFailState  = "state"   // the case moved on before the letters went out
	renderFailEmail  = "noemail" // the requester's address is gone
)

// ErrRenderPermanent: the render cannot succeed by trying again (River:
// cancel the job); the row is failed and shown to the DPO.
var ErrRenderPermanent = errors.New("the answer cannot be rendered")

// ErrNoLetter: the case has no rendered answer letter, so it cannot be
// recorded as answered (delivered); it is an ErrNotAllowed.
var ErrNoLetter = fmt.Errorf("no rendered answer letter: %w", ErrNotAllowed)

// AnswerReady reports whether a case's tasks make an answer to approve:
// every access task answered (the access answer), or every task of the
// other rights (the confirmation), at least one letter in all.
func AnswerReady(tasks []store.Task) bool {
	acc, conf := false, false
	for _, t := range tasks {
		switch {
		case t.State == "cancelled":
		case accessTask(t):
			acc = true
		default:
			conf = true
		}
	}
	if acc && !AccessLetterReady(tasks) || conf && !ConfirmationLetterReady(tasks) {
		return false
	}
	return acc || conf
}

// SendAnswer is the DPO's approval of a case whose answer is ready: it
// records the approval (audit "answer_approved") and queues the render
// job in one transaction. ErrNotAllowed when the case is not ready or an
// approval is being rendered already; ErrNoEmail when the answer should
// go by link and the requester has no address.
func (s *Service) SendAnswer(ctx context.Context, org store.Org, caseID int64, actor Actor) error {
	return s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		c, err := q.CaseForUpdate(ctx, org.ID, caseID)
		if err != nil {
			return err
		}
		if !Allowed(State(c.State), ActMarkAnswered) {
			return ErrNotAllowed
		}
		tasks, err := q.TasksOfCase(ctx, org.ID, c.ID)
		if err != nil {
			return err
		}
		if !AnswerReady(tasks) {
			return ErrNotAllowed
		}
		renders, err := q.AnswerRendersOfCase(ctx, org.ID, c.ID)
		if err != nil {
			return err
		}
		if len(renders) > 0 && renders[0].State == RenderPending {
			return ErrNotAllowed // approved already: being rendered
		}
		if queuedByPost(c) {
			waiting, err := q.QueuedLettersOfCase(ctx, org.ID, c.ID)
			if err != nil {
				return err
			}
			for _, w := range waiting {
				if answerKind(w.Kind) && w.DoneAt == nil {
					return ErrNotAllowed // queued already: print that one
				}
			}
		} else {
			if _, err := requesterEmail(ctx, q, org.ID, c.ID); err != nil {
				return err
			}
		}
		now := s.Now()
		id, err := q.InsertAnswerRender(ctx, store.AnswerRender{OrgID: org.ID, CaseID: c.ID, ApprovedBy: string(actor), CreatedAt: now})
		if err != nil {
			return err
		}
		if err := s.audit(ctx, q, org.ID, c.ID, actor, "answer_approved", map[string]any{"render": id}); err != nil {
			return err
		}
		_, err = s.River.InsertTx(ctx, tx, jobargs.RenderAnswer{RenderID: id}, jobOpts(now, nil))
		return err
	})
}

// queuedByPost: the answer goes through the print queue (IN-1).
func queuedByPost(c store.Case) bool {
	return c.Delivery == MethodPaper || c.Delivery == MethodOnSite
}

// answerKind: a letter that answers the request (not a receipt, an
// extension notice or a refusal of the whole request).
func answerKind(k string) bool {
	return k == string(pdf.KindAccess) || k == string(pdf.KindConfirmation)
}

// answerLetters builds the case's answer letters: the access answer when
// it has access tasks, the confirmation when it has tasks of other rights.
func answerLetters(ctx context.Context, q *store.Q, org store.Org, caseID int64) ([]pdf.Letter, error) {
	tasks, err := q.TasksOfCase(ctx, org.ID, caseID)
	if err != nil {
		return nil, err
	}
	if !AnswerReady(tasks) {
		return nil, ErrNotAllowed
	}
	var out []pdf.Letter
	if AccessLetterReady(tasks) {
		l, _, err := accessLetterQ(ctx, q, org, caseID)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	if ConfirmationLetterReady(tasks) {
		l, err := confirmationLetterQ(ctx, q, org, caseID)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

type renderedLetter struct {
	l pdf.Letter
	b []byte
}

// RenderAnswer is the render job's work: render the approved answer's
// letters and deliver them (see the top of this file). lastAttempt: River
// will not try again, so a failure is final. A render no longer pending
// (done, failed, or its case gone) is nothing to do.
func (s *Service) RenderAnswer(ctx context.Context, renderID int64, lastAttempt bool) error {
	q := store.New(s.Pool)
	r, err := s.pendingRender(ctx, renderID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && r.State != RenderPending) {
		return nil
	}
	if err != nil {
		return err
	}
	org, err := q.OrgByID(ctx, r.OrgID)
	if err != nil {
		return err
	}
	var letters []renderedLetter
	err = func() error {
		ls, err := answerLetters(ctx, q, org, r.CaseID)
		if err != nil {
			return err
		}
		for _, l := range ls {
			b, err := pdf.New(s.Catalog).Bytes(l)
			if err != nil {
				return fmt.Errorf("rendering the %s letter: %w", l.Kind, err)
			}
			letters = append(letters, renderedLetter{l, b})
		}
		return nil
	}()
	if errors.Is(err, ErrNotAllowed) { // a task was reopened: the answer is not ready
		return s.renderFailed(r, renderFailState, err, true)
	}
	if err != nil {
		return s.renderFailed(r, renderFailRender, err, lastAttempt)
	}
	err = s.deliverRendered(ctx, org, r, letters)
	switch {
	case errors.Is(err, errRenderStale):
		return nil
	case errors.Is(err, ErrNotAllowed):
		return s.renderFailed(r, renderFailState, err, true)
	case errors.Is(err, ErrNoEmail):
		return s.renderFailed(r, renderFailEmail, err, true)
	case err != nil:
		return s.renderFailed(r, renderFailRender, err, lastAttempt)
	}
	return nil
}

// errRenderStale: the row was no longer pending when the letters were to
// be stored (another try got there first).
var errRenderStale = errors.New("answer render no longer pending")

func (s *Service) pendingRender(ctx context.Context, id int64) (store.AnswerRender, error) {
	var r store.AnswerRender
	err := s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		var err error
		r, err = q.AnswerRenderForUpdate(ctx, id)
		return err
	})
	return r, err
}

// deliverRendered stores the rendered letters and delivers them, in one
// transaction with the render's state, audit events and mail.
func (s *Service) deliverRendered(ctx context.Context, org store.Org, r store.AnswerRender, letters []renderedLetter) error {
	actor := Actor(r.ApprovedBy)
	claim := func(q *store.Q) error {
		cur, err := q.AnswerRenderForUpdate(ctx, r.ID)
		if err != nil {
			return err
		}
		if cur.State != RenderPending {
			return errRenderStale
		}
		cur.State, cur.Attempts, cur.Failure, cur.UpdatedAt = RenderDone, cur.Attempts+1, "", s.Now()
		return q.SetAnswerRender(ctx, cur)
	}
	c, err := store.New(s.Pool).CaseByID(ctx, org.ID, r.CaseID)
	if err != nil {
		return err
	}
	if queuedByPost(c) { // IN-1: the print queue; answered when delivered
		method := MethodPaper
		if c.Delivery == MethodOnSite {
			method = MethodOnSite
		}
		return s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
			if err := claim(q); err != nil {
				return err
			}
			c, err := q.CaseForUpdate(ctx, org.ID, r.CaseID)
			if err != nil {
				return err
			}
			if !Allowed(State(c.State), ActMarkAnswered) {
				return ErrNotAllowed
			}
			for _, rl := range letters {
				if _, err := s.queueLetterBytes(ctx, q, org, c, rl.l, rl.b, method, actor); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return s.act(ctx, org, r.CaseID, actor, ActMarkAnswered, func(tx pgx.Tx, q *store.Q, c *store.Case) (map[string]any, error) {
		if err := claim(q); err != nil {
			return nil, err
		}
		email, err := requesterEmail(ctx, q, org.ID, c.ID)
		if err != nil {
			return nil, err
		}
		lang := nonEmpty(c.Lang, org.PrimaryLang)
		now := s.Now()
		expires := AnswerLinkExpiry(now)
		m := answerLinkMail{Lang: lang, OrgName: org.Name(lang), Receipt: c.Receipt,
			Until: FormatDate(HelsinkiDate(expires), lang), Privacy: nonEmpty(org.PrivacyEmail, org.DPOEmail),
			Access:      len(letters) == 1 && letters[0].l.Kind == pdf.KindAccess && !letters[0].l.PortabilityOnly(),
			Portability: len(letters) == 1 && letters[0].l.PortabilityOnly()}
		var ids []int64
		for _, rl := range letters {
			kind := string(rl.l.Kind)
			id, link, err := s.newLinkDelivery(ctx, q, org, *c, lang, rl.l, rl.b, now)
			if err != nil {
				return nil, err
			}
			ids = append(ids, id)
			if err := s.audit(ctx, q, org.ID, c.ID, actor, "answer_link_sent", map[string]any{"delivery": id, "letter_kind": kind, "render": r.ID}); err != nil {
				return nil, err
			}
			port := rl.l.PortabilityOnly()
			m.Parts = append(m.Parts, answerPart{Number: len(m.Parts) + 1, Title: s.answerTitle(lang, kind, port),
				Link: link, Contents: s.PackageContents(lang, kind, port, deliveredFileCount(rl.l))})
			if rl.l.Refuses() && m.Remedies == nil { // Art 12(4): refused in part
				m.Remedies = s.RemediesFor(lang, org)
			}
		}
		if err := s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: c.ID, Kind: "answer_link", To: email, Lang: lang, Data: m}); err != nil {
			return nil, err
		}
		c.AnsweredAt = &now
		onTime := !HelsinkiDate(now).After(DueOf(*c, CalendarFor(org), now).Effective)
		return map[string]any{"on_time": onTime, "delivery": ids[0], "render": r.ID}, nil
	})
}

// renderFailed records a failed try; final (no tries left, or one that
// cannot succeed) fails the row for the DPO to approve again. The cause
// goes to the log as its type with ids only: a letter's text is personal.
func (s *Service) renderFailed(r store.AnswerRender, reason string, cause error, final bool) error {
	ctx := context.Background()
	err := s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		cur, err := q.AnswerRenderForUpdate(ctx, r.ID)
		if err != nil {
			return err
		}
		if cur.State != RenderPending {
			return nil
		}
		cur.Attempts++
		cur.Failure, cur.UpdatedAt = reason, s.Now()
		if final {
			cur.State = RenderFailed
		}
		if err := q.SetAnswerRender(ctx, cur); err != nil {
			return err
		}
		if !final {
			return nil
		}
		return s.audit(ctx, q, cur.OrgID, cur.CaseID, Actor(cur.ApprovedBy), "answer_render_failed",
			map[string]any{"render": cur.ID, "attempts": cur.Attempts, "reason": reason})
	})
	if err != nil {
		return fmt.Errorf("recording answer render %d failure: %w", r.ID, err)
	}
	s.Logger.Error("answer render failed", "render", r.ID, "case", r.CaseID, "reason", reason, "final", final,
		"cause", fmt.Sprintf("%T", errors.Unwrap(cause)))
	if final {
		return fmt.Errorf("answer render %d: %w", r.ID, ErrRenderPermanent)
	}
	return fmt.Errorf("answer render %d: %s", r.ID, reason)
}

// deliveredFileCount: how many of the owners' files go with the access
// answer (those not withheld whole); none with other letters.
func deliveredFileCount(l pdf.Letter) int {
	if l.Kind != pdf.KindAccess {
		return 0
	}
	n := 0
	for _, r := range l.Registers {
		held := map[string]bool{}
		for _, w := range r.Withheld {
			if w.File != "" {
				held[w.File] = true
			}
		}
		for _, f := range r.Files {
			if !held[f] {
				n++
			}
		}
	}
	return n
}

// PackageContents is the cover note of a delivered letter (issue 18): what
// the resident finds behind the link, in lang. files: the owners' files
// delivered with an access answer, or the documents given with a decision
// on a request for documents (FI-2). portability: the access answer
// answers data portability alone (pdf.Letter.PortabilityOnly).
func (s *Service) PackageContents(lang, kind string, portability bool, files int) []string {
	out := []string{s.Catalog.T(lang, "answer.contents.letter", s.answerTitle(lang, kind, portability)),
		s.Catalog.T(lang, "answer.contents.html")}
	if kind == string(pdf.KindDocDecision) && files > 0 {
		out = append(out, s.Catalog.N(lang, "answer.contents.documents", files, files))
	}
	if kind == string(pdf.KindAccess) {
		out = append(out, s.Catalog.T(lang, "answer.contents.export"))
		if files > 0 {
			out = append(out, s.Catalog.N(lang, "answer.contents.files", files, files))
		}
	}
	return out
}

// AnswerRenderOf reads the case's latest approval (false when none).
func (s *Service) AnswerRenderOf(ctx context.Context, org store.Org, caseID int64) (store.AnswerRender, bool, error) {
	rs, err := store.New(s.Pool).AnswerRendersOfCase(ctx, org.ID, caseID)
	if err != nil || len(rs) == 0 {
		return store.AnswerRender{}, false, err
	}
	return rs[0], true, nil
}
