package workflow

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
)

// route turns a confirmed case into tasks, one per register and right
// (D-9): the chosen registers, or every register of the organisation for
// "all registers" (D-10), for every right; withdrawal of consent only where
// the basis is consent or unknown (RB-1, D-10). Each task carries the
// register's basis and the answers RB-1 allows. Tasks are created
// "waiting"; owners hear of them when identity is established.
// A register whose controller is elsewhere answers itself (D-7).
func (s *Service) route(ctx context.Context, tx pgx.Tx, q *store.Q, org store.Org, c *store.Case) error {
	var ids []int64
	if !c.AllRegisters {
		var err error
		if ids, err = q.CaseRegisterIDs(ctx, c.ID); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil // e.g. a document request only
		}
	}
	regs, err := q.RoutingRegisters(ctx, org.ID, ids)
	if err != nil {
		return err
	}
	r, err := s.createTasks(ctx, q, org, c, regs, !c.AllRegisters)
	if err != nil {
		return err
	}
	data := map[string]any{"tasks": r.created, "controller_elsewhere": r.elsewhere}
	if r.notConsent > 0 {
		data["consent_not_basis"] = r.notConsent
	}
	return s.audit(ctx, q, c.OrgID, c.ID, ActorSystem, "routed", data)
}

// routed counts what createTasks did.
type routed struct{ created, elsewhere, notConsent int }

// createTasks makes the tasks of c in regs, one per register and right
// the register takes (RB-1). chosen: the requester named these registers,
// so a withdrawal of consent aimed at one whose basis is not consent is
// answered at once (AnswerNotConsent): the answer letter tells why, and a
// request that reached nothing else can be answered (it was stuck with no
// task). A task that exists already is left as it is.
func (s *Service) createTasks(ctx context.Context, q *store.Q, org store.Org, c *store.Case, regs []store.RoutingRegister, chosen bool) (routed, error) {
	now := s.Now()
	var out routed
	for _, r := range regs {
		basis := Basis(r.LegalBasis)
		for _, right := range c.Rights {
			notConsent := !RoutesTo(Right(right), basis)
			if notConsent && !chosen {
				continue
			}
			rule := RuleFor(Right(right), basis)
			t := store.Task{
				OrgID: org.ID, CaseID: c.ID, RegisterID: r.ID, Right: right, State: "waiting",
				LegalBasis: string(basis), AllowedAnswers: answersOf(rule), OwnerName: r.OwnerName, OwnerEmail: r.OwnerEmail,
				CreatedAt: now,
			}
			switch {
			case notConsent:
				// RB-1: aimed at it, and told (ConsentNotApplicable).
				out.notConsent++
				t.State, t.Answer, t.AnsweredAt, t.AnsweredBy = "answered", string(AnswerNotConsent), &now, string(ActorSystem)
				t.AllowedAnswers = []string{string(AnswerNotConsent)}
			case r.ControllerElsewhere:
				// D-7: the requester is told where to turn.
				t.State, t.Answer, t.AnsweredAt, t.AnsweredBy = "answered", string(AnswerElsewhere), &now, string(ActorSystem)
				t.AnswerComment = r.ElsewhereName + "\n" + r.ElsewhereContact
			}
			id, err := q.InsertTask(ctx, t)
			if err != nil {
				return out, err
			}
			if id != 0 {
				out.created++
				if r.ControllerElsewhere && !notConsent {
					out.elsewhere++
				}
			}
		}
	}
	return out, nil
}

func answersOf(r Rule) []string {
	out := make([]string, len(r.Answers))
	for i, a := range r.Answers {
		out[i] = string(a)
	}
	return out
}

// ownerLang is a task's language (D-22): its register's published
// language, else the organisation's primary one. An owner's mail is in it,
// and a register's name is marked with it where a mail is in another (D-5).
func ownerLang(org store.Org, t store.Task) string {
	if t.RegisterLang == "sv" || t.RegisterLang == "fi" {
		return t.RegisterLang
	}
	return org.PrimaryLang
}

// openTasks gives waiting tasks to their owners when the case enters "in
// progress" (D-9): a signed, expiring link per task, sent in one email per
// owner (an owner of several registers is not sent one mail each), and
// reminder and escalation jobs. A task without an owner email stays in the
// DPO's queue (D-11).
func (s *Service) openTasks(ctx context.Context, tx pgx.Tx, q *store.Q, org store.Org, c store.Case) error {
	tasks, err := q.TasksOfCase(ctx, org.ID, c.ID)
	if err != nil {
		return err
	}
	now := s.Now()
	due := DueOf(c, CalendarFor(org), now)
	var owners []string
	byOwner := map[string][]taskLine{}
	for _, t := range tasks {
		if t.State != "waiting" {
			continue
		}
		t.State, t.UpdatedAt = "open", now
		if t.OwnerEmail == "" {
			if err := q.UpdateTask(ctx, t); err != nil {
				return err
			}
			continue
		}
		line, err := s.issueTaskLink(ctx, tx, q, org, c, &t, due)
		if err != nil {
			return err
		}
		key := strings.ToLower(t.OwnerEmail)
		if _, seen := byOwner[key]; !seen {
			owners = append(owners, key)
		}
		byOwner[key] = append(byOwner[key], line)
	}
	for _, o := range owners {
		if err := s.mailOwner(ctx, tx, org, c, due, byOwner[o], "task"); err != nil {
			return err
		}
	}
	return s.checkAllAnswered(ctx, tx, q, org, c)
}

// taskMail is the data of an owner's task email. It names the case by
// receipt and the registers; never the henkilötunnus (ID-4).
type taskMail struct {
	Lang, OrgName, Receipt, Register, Right, Link, Due string
	RegLang                                            string // the first register's published language (D-5)
	DaysBefore                                         int
	Tasks                                              []taskLine
	// A task passed on (ReassignTask): by its owner (PassedBy, the name
	// or address) or by the DPO (PassedByDPO). The new owner is not the
	// register's owner in the catalogue, so the mail does not say so.
	PassedBy    string
	PassedByDPO bool
}

// taskLine is one task in an owner's email.
type taskLine struct {
	TaskID                          int64
	To, Lang, Register, Right, Link string
	RegLang                         string // the register's published language: its name is marked with it (D-5)
}

// taskLinkExpiry is when a task link issued at now stops working: after
// TaskLinkTTL, and never before 30 days past the running deadline.
func (s *Service) taskLinkExpiry(now time.Time, due Due) time.Time {
	return maxTime(now.Add(s.TaskLinkTTL), dbDate(due.Effective).Add(30*24*time.Hour))
}

// issueTaskLink issues a fresh link token for t (revoking any previous
// one), saves t, audits and schedules its reminders. Only the token's hash
// is stored; the link exists only in the email.
func (s *Service) issueTaskLink(ctx context.Context, tx pgx.Tx, q *store.Q, org store.Org, c store.Case, t *store.Task, due Due) (taskLine, error) {
	now := s.Now()
	token := secret.Token()
	exp := s.taskLinkExpiry(now, due)
	t.TokenHash, t.TokenExpiresAt, t.UpdatedAt = secret.Hash(token), &exp, now
	if err := q.UpdateTask(ctx, *t); err != nil {
		return taskLine{}, err
	}
	lang := ownerLang(org, *t)
	if err := s.audit(ctx, q, c.OrgID, c.ID, ActorSystem, "task_sent", map[string]any{"task": t.ID, "register": t.RegisterName, "right": t.Right}); err != nil {
		return taskLine{}, err
	}
	if err := s.scheduleTaskJobs(ctx, tx, *t, due); err != nil {
		return taskLine{}, err
	}
	return taskLine{TaskID: t.ID, To: t.OwnerEmail, Lang: lang, Register: t.RegisterName, RegLang: lang,
		Right: s.Catalog.T(lang, "right."+t.Right), Link: s.BaseURL + "/" + lang + "/t/" + token}, nil
}

// mailOwner sends one owner their task links of a case, in the language of
// the first (an owner's registers share the organisation's language).
func (s *Service) mailOwner(ctx context.Context, tx pgx.Tx, org store.Org, c store.Case, due Due, lines []taskLine, kind string) error {
	first := lines[0]
	return s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: c.ID, TaskID: first.TaskID, Kind: kind, To: first.To, Lang: first.Lang,
		Data: s.taskMailData(org, c, due, lines)})
}

// taskMailData is an owner mail's data: the first line's language and
// register, every line's task.
func (s *Service) taskMailData(org store.Org, c store.Case, due Due, lines []taskLine) taskMail {
	first := lines[0]
	lang := first.Lang
	return taskMail{Lang: lang, OrgName: org.Name(lang), Receipt: c.Receipt, Register: first.Register, RegLang: first.RegLang,
		Right: first.Right, Link: first.Link, Due: FormatDate(due.OwnerTarget, lang), Tasks: lines}
}

// sendPassedTask issues a fresh link for a task passed on to a new owner
// and mails it, saying who passed it: its owner (by), or the DPO (by "").
func (s *Service) sendPassedTask(ctx context.Context, tx pgx.Tx, q *store.Q, org store.Org, c store.Case, t *store.Task, due Due, by string) error {
	line, err := s.issueTaskLink(ctx, tx, q, org, c, t, due)
	if err != nil {
		return err
	}
	d := s.taskMailData(org, c, due, []taskLine{line})
	d.PassedBy, d.PassedByDPO = by, by == ""
	return s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: c.ID, TaskID: line.TaskID, Kind: "task", To: line.To, Lang: line.Lang, Data: d})
}

// scheduleTaskJobs inserts the reminders (N working days before the owner
// target) and the escalation (the working day after it) of an open task.
// The target is in the args, so jobs are unique per (task, kind, due date)
// and a moved deadline schedules new ones while the old find themselves
// stale (issue 6).
func (s *Service) scheduleTaskJobs(ctx context.Context, tx pgx.Tx, t store.Task, due Due) error {
	closed := Calendar{EvesNonWorking: true}
	target := due.OwnerTarget.String()
	unique := &uniqueByArgs
	for _, n := range s.ReminderDays {
		day := closed.WorkingDaysBefore(due.OwnerTarget, n)
		at := day.In(Helsinki()).Add(8 * time.Hour)
		if !at.After(s.Now()) {
			continue
		}
		if _, err := s.River.InsertTx(ctx, tx, jobargs.TaskReminder{TaskID: t.ID, Due: target, DaysBef: n},
			jobOpts(at, unique)); err != nil {
			return fmt.Errorf("scheduling reminder: %w", err)
		}
	}
	at := closed.NextWorkingDay(due.OwnerTarget).In(Helsinki()).Add(8 * time.Hour)
	if _, err := s.River.InsertTx(ctx, tx, jobargs.TaskEscalation{TaskID: t.ID, Due: target}, jobOpts(at, unique)); err != nil {
		return fmt.Errorf("scheduling escalation: %w", err)
	}
	return nil
}

// checkAllAnswered moves an in-progress case to "answer ready" when no
// task is open, and tells the DPO.
func (s *Service) checkAllAnswered(ctx context.Context, tx pgx.Tx, q *store.Q, org store.Org, c store.Case) error {
	// A request for documents alone has no tasks and no GDPR answer: its
	// decision answers it (DecideDocumentRequest).
	if State(c.State) != StateInProgress || DocumentsOnly(c) {
		return nil
	}
	open, err := q.OpenTaskCount(ctx, org.ID, c.ID)
	if err != nil || open > 0 {
		return err
	}
	next, err := Next(StateInProgress, ActAllAnswered, "")
	if err != nil {
		return err
	}
	c.State, c.UpdatedAt = string(next), s.Now()
	if err := q.UpdateCase(ctx, c); err != nil {
		return err
	}
	if err := s.audit(ctx, q, c.OrgID, c.ID, ActorSystem, "answer_ready", nil); err != nil {
		return err
	}
	if org.DPOEmail == "" {
		return nil
	}
	lang := org.PrimaryLang
	return s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: c.ID, Kind: "answer_ready", To: org.DPOEmail, Lang: lang,
		Data: dpoMail{Lang: lang, OrgName: org.Name(lang), Receipt: c.Receipt, Link: s.BaseURL + "/staff/cases/" + c.Receipt}})
}

type dpoMail struct {
	Lang, OrgName, Receipt, Link, Register, Due string
}
