package workflow

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/pdf"
	"rightsdesk/internal/store"
)

// ErrExtendTooLate: an extension is possible only until legal_due (DL-5,
// DL-11).
var ErrExtendTooLate = errors.New("the first month has passed; the deadline can no longer be extended")

// ErrAlreadyExtended: a case is extended once, by two months (DL-5).
var ErrAlreadyExtended = errors.New("already extended")

// act runs one transition of a case in a transaction: lock, check the
// state machine, let fn change the case, save, audit. fn returns the data
// of the audit event.
func (s *Service) act(ctx context.Context, org store.Org, caseID int64, actor Actor, a Action,
	fn func(tx pgx.Tx, q *store.Q, c *store.Case) (map[string]any, error)) error {
	var wrapped func(tx pgx.Tx, q *store.Q, c *store.Case) (map[string]any, State, error)
	if fn != nil {
		wrapped = func(tx pgx.Tx, q *store.Q, c *store.Case) (map[string]any, State, error) {
			data, err := fn(tx, q, c)
			return data, "", err
		}
	}
	return s.actTo(ctx, org, caseID, actor, a, wrapped)
}

// actTo is act whose fn may name the state the case ends in instead of the
// table's (ID-5: identity established while the representative's
// authority is not shown keeps the case waiting; the authority shown on
// a case whose identity is established opens its tasks).
func (s *Service) actTo(ctx context.Context, org store.Org, caseID int64, actor Actor, a Action,
	fn func(tx pgx.Tx, q *store.Q, c *store.Case) (map[string]any, State, error)) error {
	return s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		c, err := q.CaseForUpdate(ctx, org.ID, caseID)
		if err != nil {
			return err
		}
		next, err := Next(State(c.State), a, State(c.PausedFromState))
		if err != nil {
			return err
		}
		if !AllowedFor(c, a) {
			return ErrDocumentsOnly
		}
		from := c.State
		data := map[string]any{}
		if fn != nil {
			var to State
			if data, to, err = fn(tx, q, &c); err != nil {
				return err
			}
			if data == nil {
				data = map[string]any{}
			}
			if to != "" {
				next = to
			}
		}
		if string(next) != from {
			data["from"], data["to"] = from, string(next)
		}
		c.State, c.UpdatedAt = string(next), s.Now()
		if err := q.UpdateCase(ctx, c); err != nil {
			return err
		}
		if (next == StateRefused || next == StateWithdrawn) && string(next) != from {
			// The day it finished unanswered: a finished view's order
			// (store.FinishedStates), beside this event.
			if err := q.SetCaseEnded(ctx, c.OrgID, c.ID, c.UpdatedAt); err != nil {
				return err
			}
		}
		return s.audit(ctx, q, c.OrgID, c.ID, actor, string(a), data)
	})
}

// withText stores free text of an event (a note, a reason, a name) in
// case_notes and puts only its id in the event's data, as key+"_ref":
// audit events hold no personal data (D-25), and a purged case's texts go
// with it while its events stay. Empty text adds nothing.
func (s *Service) withText(ctx context.Context, q *store.Q, c store.Case, data map[string]any, key, text string) (map[string]any, error) {
	if data == nil {
		data = map[string]any{}
	}
	if text = strings.TrimSpace(text); text == "" {
		return data, nil
	}
	id, err := q.InsertCaseNote(ctx, c.OrgID, c.ID, key, text, s.Now())
	if err != nil {
		return nil, err
	}
	data[key+"_ref"] = id
	return data, nil
}

func required(field, text string, max int) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", FieldErrors{field: "case.err.required"}
	}
	if utf8.RuneCountInString(text) > max {
		return "", FieldErrors{field: "case.err.too_long"}
	}
	return text, nil
}

// IdentityMethods are how identity may be established (ID-1, ID-2).
var IdentityMethods = []string{"in_person", "strong_eid", "matching_data"}

// VerifyIdentity records the DPO's decision that the requester is who they
// say (ID-2) and opens the tasks: owners get their emails (D-9).
func (s *Service) VerifyIdentity(ctx context.Context, org store.Org, caseID int64, actor Actor, method, note string) error {
	ok := false
	for _, m := range IdentityMethods {
		ok = ok || m == method
	}
	if !ok {
		return FieldErrors{"method": "case.err.method"}
	}
	return s.actTo(ctx, org, caseID, actor, ActVerifyIdentity, func(tx pgx.Tx, q *store.Q, c *store.Case) (map[string]any, State, error) {
		now := s.Now()
		c.IdentityVerifiedAt, c.IdentityMethod = &now, method
		req, err := q.RequesterOf(ctx, org.ID, c.ID)
		if err != nil {
			return nil, "", err
		}
		if authorityPending(*c, req) {
			// ID-5: the tasks also wait for the representative's
			// authority; RecordAuthority opens them.
			data, err := s.withText(ctx, q, *c, map[string]any{"method": method, "authority_pending": true}, "note", note)
			return data, StateAwaitingIdentity, err
		}
		to, err := s.startTasks(ctx, tx, q, org, c)
		if err != nil {
			return nil, "", err
		}
		data, err := s.withText(ctx, q, *c, map[string]any{"method": method}, "note", note)
		return data, to, err
	})
}

// Pause stops the clock with a reason (DL-8). The due dates stay; the
// paused due date is shown beside them.
func (s *Service) Pause(ctx context.Context, org store.Org, caseID int64, actor Actor, reason string) error {
	reason, err := required("reason", reason, 2000)
	if err != nil {
		return err
	}
	return s.act(ctx, org, caseID, actor, ActPause, func(_ pgx.Tx, q *store.Q, c *store.Case) (map[string]any, error) {
		now := s.Now()
		c.PausedAt, c.PausedFromState, c.PauseReason = &now, c.State, reason
		return s.withText(ctx, q, *c, nil, "reason", reason)
	})
}

// Resume restarts the clock; the paused days are added up and the owners'
// reminders follow the moved target.
func (s *Service) Resume(ctx context.Context, org store.Org, caseID int64, actor Actor) error {
	err := s.act(ctx, org, caseID, actor, ActResume, func(tx pgx.Tx, q *store.Q, c *store.Case) (map[string]any, error) {
		now := s.Now()
		days := PausedDaysAt(*c, now) - c.PausedDays
		c.PausedDays += days
		c.PausedAt, c.PausedFromState = nil, ""
		due := DueOf(*c, CalendarFor(org), now)
		if err := s.rescheduleTasks(ctx, tx, q, org, *c, due); err != nil {
			return nil, err
		}
		data := map[string]any{"paused_days": days, "total_paused_days": c.PausedDays}
		if !due.PausedDue.IsZero() {
			// A pause resumed on its own day moves nothing: there is no
			// paused due date (its zero would read "0000-00-00").
			data["paused_due"] = due.PausedDue.String()
		}
		return data, nil
	})
	if err != nil {
		return err
	}
	// Owners may have answered the last task while the case was paused.
	return s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		c, err := q.CaseForUpdate(ctx, org.ID, caseID)
		if err != nil {
			return err
		}
		return s.checkAllAnswered(ctx, tx, q, org, c)
	})
}

// Extend extends the deadline by two months with reasons (DL-5), possible
// only while the first month runs (until legal_due inclusive, DL-11), and
// tells the requester in their language.
func (s *Service) Extend(ctx context.Context, org store.Org, caseID int64, actor Actor, reason string) error {
	reason, err := required("reason", reason, 4000)
	if err != nil {
		return err
	}
	return s.act(ctx, org, caseID, actor, ActExtend, func(tx pgx.Tx, q *store.Q, c *store.Case) (map[string]any, error) {
		if c.ExtendedDue != nil {
			return nil, ErrAlreadyExtended
		}
		now := s.Now()
		dl := CaseCalendar(*c).Compute(c.ReceivedAt) // D-30
		if !dl.CanExtend(HelsinkiDate(now)) {
			return nil, ErrExtendTooLate
		}
		c.ExtendedDue, c.ExtensionReason = dbDatePtr(dl.ExtendedDue), reason
		due := DueOf(*c, CalendarFor(org), now)
		if err := s.rescheduleTasks(ctx, tx, q, org, *c, due); err != nil {
			return nil, err
		}
		req, err := q.RequesterOf(ctx, org.ID, c.ID)
		if err != nil {
			return nil, err
		}
		if req.Email != "" {
			if err := s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: c.ID, Kind: "extended", To: req.Email, Lang: c.Lang,
				// The ground as the letter words it, to the person (not the
				// staff label "the requester's identity ..."); the remedies once.
				Data: letterMail{Lang: c.Lang, OrgName: org.Name(c.Lang), Receipt: c.Receipt, Reason: reason,
					Date: FormatDate(dl.ExtendedDue, c.Lang), DPOEmail: org.DPOEmail}}); err != nil {
				return nil, err
			}
		}
		if err := s.queuePaperLetter(ctx, q, org, *c, pdf.KindExtension, now, actor); err != nil { // IN-1, issue 18
			return nil, err
		}
		return s.withText(ctx, q, *c, map[string]any{"extended_due": dl.ExtendedDue.String()}, "reason", reason)
	})
}

type letterMail struct {
	Lang, OrgName, Receipt, Reason, Date, DPOEmail, Ground string
	Remedies                                               *Remedies // a refusal's (Art 12(4))
}

// RefusalGrounds for refusing a whole request (D-12, DL-6).
var RefusalGrounds = []string{"art12_5_unfounded", "art12_5_excessive", "identity_not_established"}

// Refuse refuses the whole request with a ground and reasons (DL-6); the
// requester is told, with the right to complain and to go to court.
func (s *Service) Refuse(ctx context.Context, org store.Org, caseID int64, actor Actor, ground, reason string) error {
	ok := false
	for _, g := range RefusalGrounds {
		ok = ok || g == ground
	}
	fe := FieldErrors{}
	if !ok {
		fe.Add("ground", "case.err.ground")
	}
	reason, rerr := required("reason", reason, 4000)
	if rerr != nil {
		for k, v := range rerr.(FieldErrors) {
			fe.Add(k, v)
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.act(ctx, org, caseID, actor, ActRefuse, func(tx pgx.Tx, q *store.Q, c *store.Case) (map[string]any, error) {
		c.RefusalGround, c.RefusalReason, c.PausedAt = ground, reason, nil
		if err := s.cancelOpenTasks(ctx, q, org, c.ID); err != nil {
			return nil, err
		}
		req, err := q.RequesterOf(ctx, org.ID, c.ID)
		if err != nil {
			return nil, err
		}
		if req.Email != "" {
			if err := s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: c.ID, Kind: "refused", To: req.Email, Lang: c.Lang,
				// The ground as the letter words it, to the person (not the
				// staff label "the requester's identity ..."); the remedies once.
				Data: letterMail{Lang: c.Lang, OrgName: org.Name(c.Lang), Receipt: c.Receipt, Reason: reason,
					Ground: s.Catalog.T(c.Lang, "letter.ground."+ground), DPOEmail: org.DPOEmail, Remedies: s.RemediesFor(c.Lang, org)}}); err != nil {
				return nil, err
			}
		}
		if err := s.queuePaperLetter(ctx, q, org, *c, pdf.KindRefusal, s.Now(), actor); err != nil { // IN-1, issue 18
			return nil, err
		}
		return s.withText(ctx, q, *c, map[string]any{"ground": ground}, "reason", reason)
	})
}

// Withdraw records that the requester withdrew the request.
func (s *Service) Withdraw(ctx context.Context, org store.Org, caseID int64, actor Actor, note string) error {
	return s.act(ctx, org, caseID, actor, ActWithdraw, func(_ pgx.Tx, q *store.Q, c *store.Case) (map[string]any, error) {
		c.PausedAt = nil
		if err := s.cancelOpenTasks(ctx, q, org, c.ID); err != nil {
			return nil, err
		}
		return s.withText(ctx, q, *c, nil, "note", note)
	})
}

// MarkAnswered records that the answer went out (answer ready ->
// answered) by a way the product did not deliver (handed over in person,
// say). Not without a rendered answer letter (issue 18): what went out
// must be on record: ErrNoLetter (an ErrNotAllowed) otherwise.
func (s *Service) MarkAnswered(ctx context.Context, org store.Org, caseID int64, actor Actor, note string) error {
	return s.act(ctx, org, caseID, actor, ActMarkAnswered, func(_ pgx.Tx, q *store.Q, c *store.Case) (map[string]any, error) {
		if ok, err := q.HasRenderedAnswer(ctx, org.ID, c.ID); err != nil {
			return nil, err
		} else if !ok {
			return nil, ErrNoLetter
		}
		now := s.Now()
		c.AnsweredAt = &now
		onTime := !HelsinkiDate(now).After(DueOf(*c, CalendarFor(org), now).Effective)
		return s.withText(ctx, q, *c, map[string]any{"on_time": onTime}, "note", note)
	})
}

// Close closes an answered, refused or withdrawn case.
func (s *Service) Close(ctx context.Context, org store.Org, caseID int64, actor Actor) error {
	return s.act(ctx, org, caseID, actor, ActClose, func(_ pgx.Tx, _ *store.Q, c *store.Case) (map[string]any, error) {
		now := s.Now()
		c.ClosedAt = &now
		return nil, nil
	})
}

// AddNote adds an internal note to the timeline.
func (s *Service) AddNote(ctx context.Context, org store.Org, caseID int64, actor Actor, text string) error {
	text, err := required("note", text, 4000)
	if err != nil {
		return err
	}
	return s.act(ctx, org, caseID, actor, ActNote, func(_ pgx.Tx, q *store.Q, c *store.Case) (map[string]any, error) {
		return s.withText(ctx, q, *c, nil, "note", text)
	})
}

// cancelOpenTasks cancels what owners still have open (refusal,
// withdrawal): their links stop working.
func (s *Service) cancelOpenTasks(ctx context.Context, q *store.Q, org store.Org, caseID int64) error {
	tasks, err := q.TasksOfCase(ctx, org.ID, caseID)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if t.State == "waiting" || t.State == "open" {
			// The link keeps working to tell the owner no answer is needed.
			t.State, t.UpdatedAt = "cancelled", s.Now()
			if err := q.UpdateTask(ctx, t); err != nil {
				return err
			}
		}
	}
	return nil
}

// rescheduleTasks makes the reminders of open tasks follow a moved
// deadline (extension, pause): new jobs with the new target; the old ones
// see a different target when they run and do nothing.
func (s *Service) rescheduleTasks(ctx context.Context, tx pgx.Tx, q *store.Q, org store.Org, c store.Case, due Due) error {
	tasks, err := q.TasksOfCase(ctx, org.ID, c.ID)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if t.State == "open" && t.OwnerEmail != "" {
			if err := s.scheduleTaskJobs(ctx, tx, t, due); err != nil {
				return err
			}
		}
	}
	return nil
}
