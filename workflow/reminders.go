package workflow

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
)

// JobOutcome says what a deadline job did; workers log it and tests
// assert it.
type JobOutcome string

const (
	// OutcomeSent: the reminder or escalation was queued (mail + audit).
	OutcomeSent JobOutcome = "sent"
	// OutcomeStale: nothing to do any more: the task was answered,
	// cancelled or deleted, the case left "in progress", or its deadline
	// moved (extension, pause) so that newer jobs carry the new target.
	OutcomeStale JobOutcome = "stale"
	// OutcomeDone: this very reminder or escalation was already sent (a
	// retry, or a job re-inserted after River cleaned the first one).
	OutcomeDone JobOutcome = "done"
	// OutcomePaused: the case is paused but its target has not moved
	// (yet): the job should try again later. A pause that lasts moves the
	// target (DL-8) and the job then finds itself stale; a pause lifted the
	// same day leaves the target, and the job then fires.
	OutcomePaused JobOutcome = "paused"
)

// DigestHour is the Helsinki hour of the DPOs' daily digest.
const DigestHour = 7

// DigestDay is the day whose digest is due at now: today from DigestHour
// on, else yesterday. A process starting at night therefore asks for
// yesterday's digest, which was sent, rather than today's too early.
func DigestDay(now time.Time) Date {
	local := now.In(Helsinki())
	if local.Hour() < DigestHour {
		return HelsinkiDate(now).AddDays(-1)
	}
	return DateOf(local)
}

// taskJob runs fn for an open task whose owner target is still due and
// whose case is in progress, with the task and its case locked (the same
// order as AnswerTask: task, then case), after the case's jobs lock.
// Otherwise it reports why not.
func (s *Service) taskJob(ctx context.Context, taskID int64, due string,
	fn func(tx pgx.Tx, q *store.Q, org store.Org, c store.Case, t store.Task, d Due) (JobOutcome, error)) (JobOutcome, error) {
	pre, err := store.New(s.Pool).TaskByID(ctx, taskID)
	if errors.Is(err, store.ErrNotFound) {
		return OutcomeStale, nil // deleted with its case (retention)
	}
	if err != nil {
		return "", err
	}
	org, err := store.New(s.Pool).OrgByID(ctx, pre.OrgID)
	if err != nil {
		return "", err
	}
	var out JobOutcome
	err = s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		// The case's jobs one at a time (a task never changes case), so
		// the first of those due together mails for all (D-22).
		if err := q.LockCaseJobs(ctx, pre.CaseID); err != nil {
			return err
		}
		t, err := q.TaskForUpdate(ctx, org.ID, taskID)
		if errors.Is(err, store.ErrNotFound) {
			out = OutcomeStale
			return nil
		}
		if err != nil {
			return err
		}
		c, err := q.CaseForUpdate(ctx, org.ID, t.CaseID)
		if err != nil {
			return err
		}
		d := DueOf(c, CalendarFor(org), s.Now())
		switch {
		case t.State != "open" || t.OwnerEmail == "":
			out = OutcomeStale
		case d.OwnerTarget.String() != due:
			out = OutcomeStale // moved: the jobs of the new target do it
		case State(c.State) == StatePaused:
			out = OutcomePaused
		case State(c.State) != StateInProgress:
			out = OutcomeStale
		default:
			out, err = fn(tx, q, org, c, t, d)
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("task %d: %w", taskID, err)
	}
	return out, nil
}

// SendReminder reminds a task's owner, N working days before the owner
// target (issue 6), in the owner's language. The first link cannot be
// repeated (only its hash is kept), so the reminder carries a fresh link
// and the earlier one stops working. A reminder after the target is not
// sent: the escalation takes over. The mail counts the working days
// actually left, so a reminder delayed by an outage does not mislead.
func (s *Service) SendReminder(ctx context.Context, a jobargs.TaskReminder) (JobOutcome, error) {
	return s.taskJob(ctx, a.TaskID, a.Due, func(tx pgx.Tx, q *store.Q, org store.Org, c store.Case, t store.Task, d Due) (JobOutcome, error) {
		now := s.Now()
		today, closed := HelsinkiDate(now), Calendar{EvesNonWorking: true}
		if today.After(d.OwnerTarget) {
			return OutcomeStale, nil
		}
		// Late (the workers were down): when a nearer reminder is due as
		// well, that one alone is sent.
		for _, n := range s.ReminderDays {
			if n < a.DaysBef && !closed.WorkingDaysBefore(d.OwnerTarget, n).After(today) {
				return OutcomeStale, nil
			}
		}
		mark := func(task int64) map[string]any {
			return map[string]any{"task": task, "due": a.Due, "days_before": a.DaysBef}
		}
		if done, err := q.AuditExists(ctx, org.ID, c.ID, "task_reminded", mark(t.ID)); err != nil || done {
			return OutcomeDone, err
		}
		// D-22: one mail per owner and case. The owner's other open tasks
		// of the case that this reminder has not yet reached go in the
		// same mail; their own jobs then find them reminded.
		lang := ownerLang(org, t)
		tasks, err := s.withSiblings(ctx, q, org, c, t, "task_reminded", mark, func(o store.Task) bool {
			return strings.EqualFold(o.OwnerEmail, t.OwnerEmail) && ownerLang(org, o) == lang
		})
		if err != nil {
			return "", err
		}
		exp := s.taskLinkExpiry(now, d) // as the first link's
		var lines []taskLine
		for _, tk := range tasks {
			token := secret.Token()
			tk.TokenHash, tk.TokenExpiresAt, tk.UpdatedAt = secret.Hash(token), &exp, now
			if err := q.UpdateTask(ctx, tk); err != nil {
				return "", err
			}
			lines = append(lines, taskLine{TaskID: tk.ID, To: tk.OwnerEmail, Lang: lang, Register: tk.RegisterName, RegLang: ownerLang(org, tk),
				Right: s.Catalog.T(lang, "right."+tk.Right), Link: s.BaseURL + "/" + lang + "/t/" + token})
			m := mark(tk.ID)
			m["register"], m["right"] = tk.RegisterName, tk.Right
			if err := s.audit(ctx, q, org.ID, c.ID, ActorSystem, "task_reminded", m); err != nil {
				return "", err
			}
		}
		first := lines[0]
		return OutcomeSent, s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: c.ID, TaskID: t.ID, Kind: "reminder", To: t.OwnerEmail, Lang: lang,
			Data: taskMail{Lang: lang, OrgName: org.Name(lang), Receipt: c.Receipt, Register: first.Register, RegLang: first.RegLang, Right: first.Right,
				Link: first.Link, Due: FormatDate(d.OwnerTarget, lang), DaysBefore: closed.WorkingDaysBetween(today, d.OwnerTarget), Tasks: lines}})
	})
}

// escalationMail is the data of the DPO's escalation email: the case by
// receipt, its late tasks (register, right, owner), never the requester.
// Register, Right, Owner and OwnerEmail are the first task's.
type escalationMail struct {
	Lang, OrgName, Receipt, Register, Right, Owner, OwnerEmail, Due, Link string
	RegLang                                                               string // the first register's published language (D-5)
	Tasks                                                                 []escalationLine
}

// escalationLine is one late task in an escalation.
type escalationLine struct {
	Register, Right, Owner, OwnerEmail string
	RegLang                            string // the register's published language (D-5)
}

// Escalate tells the DPO that a task passed its owner target unanswered
// (issue 6): an "escalation" mail to the organisation's DPO address and an
// audit event on the case. An organisation without a DPO address gets the
// audit event only (the dashboard shows the case as late anyway). As with
// reminders (D-22), the DPO gets one mail per case: the case's other late
// tasks not yet escalated go in it (those another transaction holds are
// left to their own jobs), and their own jobs then send nothing.
func (s *Service) Escalate(ctx context.Context, a jobargs.TaskEscalation) (JobOutcome, error) {
	return s.taskJob(ctx, a.TaskID, a.Due, func(tx pgx.Tx, q *store.Q, org store.Org, c store.Case, t store.Task, d Due) (JobOutcome, error) {
		mark := func(task int64) map[string]any { return map[string]any{"task": task, "due": a.Due} }
		if done, err := q.AuditExists(ctx, org.ID, c.ID, "task_escalated", mark(t.ID)); err != nil || done {
			return OutcomeDone, err
		}
		tasks, err := s.withSiblings(ctx, q, org, c, t, "task_escalated", mark, func(o store.Task) bool { return o.OwnerEmail != "" })
		if err != nil {
			return "", err
		}
		lang := org.PrimaryLang
		var lines []escalationLine
		for _, tk := range tasks {
			owner := tk.OwnerName
			if owner == "" {
				owner = tk.OwnerEmail
			}
			lines = append(lines, escalationLine{Register: tk.RegisterName, RegLang: ownerLang(org, tk), Right: s.Catalog.T(lang, "right."+tk.Right),
				Owner: owner, OwnerEmail: tk.OwnerEmail})
			m := mark(tk.ID)
			m["register"], m["right"], m["dpo_mailed"] = tk.RegisterName, tk.Right, org.DPOEmail != ""
			if err := s.audit(ctx, q, org.ID, c.ID, ActorSystem, "task_escalated", m); err != nil {
				return "", err
			}
		}
		if org.DPOEmail == "" {
			return OutcomeSent, nil
		}
		first := lines[0]
		return OutcomeSent, s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: c.ID, TaskID: t.ID, Kind: "escalation", To: org.DPOEmail, Lang: lang,
			Data: escalationMail{Lang: lang, OrgName: org.Name(lang), Receipt: c.Receipt, Register: first.Register, RegLang: first.RegLang, Right: first.Right,
				Owner: first.Owner, OwnerEmail: first.OwnerEmail, Due: FormatDate(d.OwnerTarget, lang),
				Link: s.BaseURL + "/staff/cases/" + c.Receipt, Tasks: lines}})
	})
}

// withSiblings is t and the case's other open tasks that also qualify and
// that action has not yet reached for mark (under the case's lock; a task
// another transaction holds, its owner answering it and so locking it
// before the case, is left to its own job rather than waited for). They
// are read again under their locks: the caller may write them whole.
func (s *Service) withSiblings(ctx context.Context, q *store.Q, org store.Org, c store.Case, t store.Task, action string,
	mark func(int64) map[string]any, qualifies func(store.Task) bool) ([]store.Task, error) {
	all, err := q.TasksOfCase(ctx, org.ID, c.ID)
	if err != nil {
		return nil, err
	}
	var more []int64
	for _, o := range all {
		if o.ID == t.ID || o.State != "open" || !qualifies(o) {
			continue
		}
		done, err := q.AuditExists(ctx, org.ID, c.ID, action, mark(o.ID))
		if err != nil {
			return nil, err
		}
		if !done {
			more = append(more, o.ID)
		}
	}
	tasks := []store.Task{t}
	if len(more) == 0 {
		return tasks, nil
	}
	locked, err := q.LockOpenTasksSkipLocked(ctx, org.ID, more)
	if err != nil || len(locked) == 0 {
		return tasks, err
	}
	if all, err = q.TasksOfCase(ctx, org.ID, c.ID); err != nil {
		return nil, err
	}
	for _, o := range all {
		if slices.Contains(locked, o.ID) {
			tasks = append(tasks, o)
		}
	}
	return tasks, nil
}

// digestMail is the data of a DPO's daily digest.
type digestMail struct {
	Lang, OrgName, Day, Link string
	Overdue, Week            []digestRow
	// The latest audit checkpoint (issue 16): a copy of its digest outside
	// the database, so a rewritten trail cannot match it.
	CheckpointID     int64
	CheckpointDay    string
	CheckpointDigest string
	// Purged: closed cases purged at the end of their retention period
	// since the last digest (issue 22).
	Purged int
}

type digestRow struct {
	Receipt, Due, PausedDue, State, Link string
	// Clock names the running deadline Due is (D-23: the GDPR one, its
	// extension, or a document request's FI-2 clock).
	Clock    string
	Extended bool
}

// digestStates are the states a case runs against its deadline in.
var digestStates = func() []string {
	var out []string
	for _, st := range States {
		if st.Open() {
			out = append(out, string(st))
		}
	}
	return out
}()

// SendDigests mails each organisation's DPOs the open cases that are
// overdue or due within 7 days on day, by effective due date (D-13): one
// mail per DPO address (the organisation's DPO email and every staff
// account with the dpo role there), at most once per organisation and
// day, however often it runs. It returns how many mails it queued.
func (s *Service) SendDigests(ctx context.Context, day Date) (int, error) {
	orgs, err := store.New(s.Pool).Orgs(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for _, org := range orgs {
		n, err := s.sendDigest(ctx, org, day)
		if err != nil {
			errs = append(errs, fmt.Errorf("digest of %s: %w", org.Slug, err))
			continue
		}
		sent += n
	}
	return sent, errors.Join(errs...)
}

func (s *Service) sendDigest(ctx context.Context, org store.Org, day Date) (int, error) {
	sent := 0
	err := s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		if err := q.LockOrg(ctx, org.ID); err != nil {
			return err
		}
		mark := map[string]any{"day": day.String()}
		if done, err := q.AuditExists(ctx, org.ID, 0, "digest_sent", mark); err != nil || done {
			return err
		}
		cases, err := q.CasesDueBy(ctx, org.ID, digestStates, dbDate(day.AddDays(7)))
		if err != nil {
			return err
		}
		// Issue 22: the cases purged since the last digest (counted once).
		purged, err := q.UnreportedPurges(ctx, org.ID, s.Now())
		if err != nil || (len(cases) == 0 && purged == 0) {
			return err
		}
		to := []store.Recipient{}
		if org.DPOEmail != "" {
			to = append(to, store.Recipient{Email: org.DPOEmail, Lang: org.PrimaryLang})
		}
		staff, err := q.StaffWithRole(ctx, org.ID, "dpo")
		if err != nil {
			return err
		}
		cp, err := s.LatestCheckpointDigest(ctx, q)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		now, cal, overdue := s.Now(), CalendarFor(org), 0
		for _, r := range append(to, staff...) {
			key := strings.ToLower(strings.TrimSpace(r.Email))
			if key == "" || seen[key] {
				continue
			}
			seen[key] = true
			lang := r.Lang
			if lang != "fi" && lang != "sv" && lang != "en" {
				lang = org.PrimaryLang
			}
			m := digestMail{Lang: lang, OrgName: org.Name(lang), Day: FormatDate(day, lang), Link: s.BaseURL + "/staff/cases", Purged: purged}
			if cp.ID != 0 {
				m.CheckpointID, m.CheckpointDay, m.CheckpointDigest = cp.ID, FormatDate(HelsinkiDate(cp.At), lang), hex.EncodeToString(cp.Digest)
			}
			for _, c := range cases {
				d := DueOf(c, cal, now)
				urgent, clock := UrgencyOf(d)
				row := digestRow{Receipt: c.Receipt, Due: FormatDate(urgent, lang),
					Clock: s.Catalog.T(lang, "clock."+string(clock)),
					State: s.Catalog.T(lang, "state."+c.State), Link: s.BaseURL + "/staff/cases/" + c.Receipt,
					Extended: !d.ExtendedDue.IsZero()}
				if clock == ClockGDPR || clock == ClockExtended {
					// DL-8 beside the running date, the extension counted (DL-11).
					row.PausedDue = FormatDate(d.PausedEffective, lang)
				}
				if BandOf(urgent, day) == BandOverdue {
					m.Overdue = append(m.Overdue, row)
				} else {
					m.Week = append(m.Week, row)
				}
			}
			overdue = len(m.Overdue)
			if err := s.queueMail(ctx, tx, Mail{OrgID: org.ID, Kind: "digest", To: r.Email, Lang: lang, Data: m}); err != nil {
				return err
			}
			sent++
		}
		mark["cases"], mark["overdue"], mark["recipients"] = len(cases), overdue, sent
		if purged > 0 {
			mark["purged"] = purged
		}
		return s.audit(ctx, q, org.ID, 0, ActorSystem, "digest_sent", mark)
	})
	if err != nil {
		return 0, err
	}
	return sent, nil
}

// FailedMail lists the emails that could not be delivered (a 5xx, or
// retries exhausted) or that keep failing temporarily for longer than
// MailStuckAfter, in the given organisations, for the DPO to see and act
// on (issues 6, 17: failures are visible, never silent).
func (s *Service) FailedMail(ctx context.Context, orgIDs []int64) ([]store.FailedMail, error) {
	return store.New(s.Pool).FailedMails(ctx, orgIDs, s.MailStuckBefore())
}

// MailStuckBefore: a pending mail whose failures began before this time
// is shown with the failed ones.
func (s *Service) MailStuckBefore() time.Time { return s.Now().Add(-MailStuckAfter) }

// RetryMail queues a failed email again (after the DPO fixed the address
// or the server), or sends one that keeps failing temporarily now, with
// its delivery job, audited. The Message-ID stays the row's (D-14). A code
// the mail carries counts its validity from the new sending; a code that
// was replaced meanwhile is not sent at all (DeliverMail cancels the row).
func (s *Service) RetryMail(ctx context.Context, org store.Org, outboxID int64, actor Actor) error {
	return s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		row, err := q.RequeueFailedOutbox(ctx, org.ID, outboxID, s.MailStuckBefore())
		if err != nil {
			return err
		}
		if _, err := s.River.InsertTx(ctx, tx, jobargs.DeliverMail{OutboxID: row.ID}, jobOpts(s.Now(), nil)); err != nil {
			return fmt.Errorf("queueing mail %d: %w", row.ID, err)
		}
		return s.audit(ctx, q, org.ID, row.CaseID, actor, "mail_requeued", map[string]any{"outbox": row.ID, "kind": row.Kind})
	})
}
