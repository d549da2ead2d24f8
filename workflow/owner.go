package workflow

import (
	"context"
	"encoding/hex"
	"errors"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
)

// The register owner's side of a task (issue 6). An owner holds a link
// token (mailed by sendTaskLink; only its hash is stored). The token alone
// shows what the task email already said; the request's details and the
// answer form need a browser that proved, by a code mailed to the task's
// owner, that it belongs to that owner. The browser is a random cookie
// value; the api passes its secret.Hash here.

// ErrLinkExpired: the link's token is past its expiry. OpenTaskLink
// returns it with a view that carries only the organisation (the page
// names the DPO to ask for a new link).
var ErrLinkExpired = errors.New("task link expired")

// ErrBrowserUnverified: the browser has not confirmed the link with a code.
var ErrBrowserUnverified = errors.New("browser not verified for this task")

// Limits of the owner's code (issue 6).
const (
	// TaskCodeTTL is how long a mailed task code is valid.
	TaskCodeTTL = 15 * time.Minute
	// TaskCodeMaxAttempts is how many wrong codes one code takes.
	TaskCodeMaxAttempts = 5
	// TaskCodesPerHour bounds the codes mailed for one task.
	TaskCodesPerHour = 5
	// taskBrowserTTL: a verified browser stays known this long.
	taskBrowserTTL = 90 * 24 * time.Hour
)

// GuardianGrounds are the grounds for restricting a representative's
// access (ID-5).
var GuardianGrounds = []Ground{GroundGuardian, GroundDPA34}

// TaskView is what the task page shows. Before the browser is verified the
// page may show only what the task email said (organisation, receipt,
// register, right, due date); the rest is personal data.
type TaskView struct {
	Task      store.Task
	Org       store.Org
	Receipt   string
	CaseState State
	CaseLang  string // the language the requester wrote in
	Details   string
	// PeriodFrom/PeriodTo: the period asked for (IN-1); zero = all of it.
	PeriodFrom, PeriodTo Date
	Delivery             string
	Requester            OwnerRequester
	// Due is the date the owner is asked to answer by.
	Due Due
	// Rule is RB-1 for the task's right and basis; Grounds are the refusal
	// grounds to offer (id5_guardian only on a request made on someone
	// else's behalf, ID-5).
	Rule        Rule
	Grounds     []Ground
	Attachments []store.TaskAttachment
	// Answerable: the task is open and the case takes answers.
	Answerable bool
	Cancelled  bool
	// CodePending: a code was mailed and can still be entered.
	CodePending bool
	// Recipients: the register's published recipients (luovutukset), the
	// ones an Art 19 answer names as told (published language, D-5).
	Recipients string
}

// OwnerRequester is what an owner sees of the requester: enough to find
// the person (name and the masked henkilötunnus, ID-4), never the full
// number or contact details.
type OwnerRequester struct {
	Name            string
	HetuMask        string
	OnBehalf        bool
	Relation        string
	SubjectName     string
	SubjectHetuMask string
}

// Answered reports whether the task holds an answer.
func (v TaskView) Answered() bool { return v.Task.State == "answered" }

// ownerTask reads a task and its organisation by the task's id; callers
// hold the id from OpenTaskLink, i.e. from a valid token.
func (s *Service) ownerTask(ctx context.Context, q *store.Q, taskID int64) (store.Task, store.Org, error) {
	t, err := q.TaskByID(ctx, taskID)
	if err != nil {
		return t, store.Org{}, err
	}
	org, err := q.OrgByID(ctx, t.OrgID)
	return t, org, err
}

// OpenTaskLink finds the task a link token opens. Unknown and revoked
// tokens (token_hash NULL after reassignment or cancellation) are
// store.ErrNotFound; an expired one is ErrLinkExpired. The first opening
// is recorded (opened_at, audit "task_opened").
func (s *Service) OpenTaskLink(ctx context.Context, token string) (TaskView, error) {
	if token == "" || len(token) > 200 {
		return TaskView{}, store.ErrNotFound
	}
	q := store.New(s.Pool)
	t, err := q.TaskByTokenHash(ctx, secret.Hash(token))
	if err != nil {
		return TaskView{}, err
	}
	org, err := q.OrgByID(ctx, t.OrgID)
	if err != nil {
		return TaskView{}, err
	}
	now := s.Now()
	if t.TokenExpiresAt != nil && !now.Before(*t.TokenExpiresAt) {
		return TaskView{Org: org}, ErrLinkExpired
	}
	if t.OpenedAt == nil {
		if err := s.markOpened(ctx, org, t.ID); err != nil {
			return TaskView{}, err
		}
		t.OpenedAt = &now
	}
	return s.taskView(ctx, q, org, t)
}

func (s *Service) markOpened(ctx context.Context, org store.Org, taskID int64) error {
	return s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		t, err := q.TaskForUpdate(ctx, org.ID, taskID)
		if err != nil || t.OpenedAt != nil {
			return err
		}
		now := s.Now()
		t.OpenedAt = &now
		if err := q.UpdateTask(ctx, t); err != nil {
			return err
		}
		return s.audit(ctx, q, org.ID, t.CaseID, OwnerActor(t.ID), "task_opened",
			map[string]any{"task": t.ID, "register": t.RegisterName, "right": t.Right})
	})
}

func (s *Service) taskView(ctx context.Context, q *store.Q, org store.Org, t store.Task) (TaskView, error) {
	c, err := q.CaseByID(ctx, org.ID, t.CaseID)
	if err != nil {
		return TaskView{}, err
	}
	req, err := q.RequesterOf(ctx, org.ID, c.ID)
	if err != nil {
		return TaskView{}, err
	}
	files, err := q.TaskAttachments(ctx, org.ID, t.ID)
	if err != nil {
		return TaskView{}, err
	}
	now := s.Now()
	pending, err := q.ActiveTaskCode(ctx, org.ID, t.ID, now, TaskCodeMaxAttempts)
	if err != nil {
		return TaskView{}, err
	}
	st := State(c.State)
	v := TaskView{
		Task: t, Org: org, Receipt: c.Receipt, CaseState: st, CaseLang: c.Lang, Details: MaskHetuInText(c.Details), // issue 16, item 3
		PeriodFrom: datePtr(c.PeriodFrom), PeriodTo: datePtr(c.PeriodTo), Delivery: c.Delivery,
		Requester: OwnerRequester{Name: MaskHetuInText(req.Name), HetuMask: req.HetuMask, OnBehalf: req.OnBehalf, Relation: req.Relation,
			SubjectName: MaskHetuInText(req.SubjectName), SubjectHetuMask: req.SubjectHetuMask},
		Due:         DueOf(c, CalendarFor(org), now),
		Rule:        RuleFor(Right(t.Right), Basis(t.LegalBasis)),
		Attachments: files,
		Answerable:  t.State == "open" && (st == StateInProgress || st == StatePaused),
		Cancelled:   t.State == "cancelled",
		CodePending: pending,
	}
	v.Grounds = OfferedGrounds(v.Rule, req.OnBehalf)
	if slices.ContainsFunc(t.AllowedAnswers, func(a string) bool { return Art19Answer(Answer(a)) }) {
		r, err := q.Register(ctx, org.ID, t.RegisterID)
		if err != nil {
			return TaskView{}, err
		}
		v.Recipients = r.Recipients
	}
	return v, nil
}

// OfferedGrounds are the refusal grounds an answer form offers: the rule's
// grounds, id5_guardian only when the request was made on someone else's
// behalf (ID-5; ValidateAnswer refuses it otherwise).
func OfferedGrounds(r Rule, onBehalf bool) []Ground {
	var out []Ground
	for _, g := range r.Grounds {
		if g == GroundGuardian && !onBehalf {
			continue
		}
		out = append(out, g)
	}
	return out
}

// boundBrowser binds a browser to the address the task's codes go to: a
// verification proves control of that mailbox, so it holds for every task
// of that owner in the organisation, and a reassignment (a new address)
// voids it for the old owner's browsers.
func boundBrowser(browserHash []byte, ownerEmail string) []byte {
	return secret.Hash("task-browser\x00" + hex.EncodeToString(browserHash) + "\x00" + strings.ToLower(strings.TrimSpace(ownerEmail)))
}

// TaskBrowserVerified reports whether the browser may see and answer the
// task.
func (s *Service) TaskBrowserVerified(ctx context.Context, v TaskView, browserHash []byte) (bool, error) {
	return s.browserKnown(ctx, store.New(s.Pool), v.Org, v.Task, browserHash)
}

func (s *Service) browserKnown(ctx context.Context, q *store.Q, org store.Org, t store.Task, browserHash []byte) (bool, error) {
	if len(browserHash) == 0 || t.OwnerEmail == "" {
		return false, nil
	}
	return q.TaskBrowserKnown(ctx, org.ID, boundBrowser(browserHash, t.OwnerEmail), s.Now().Add(-taskBrowserTTL))
}

// taskCodeHash is the stored form of a task code, keyed and bound to the
// task.
func (s *Service) taskCodeHash(taskID int64, code string) []byte {
	return s.Keys.BlindIndex("task-code\x00" + strconv.FormatInt(taskID, 10) + "\x00" + code)
}

type taskCodeMail struct {
	Lang, OrgName, Receipt, Register, Code string
	Minutes                                int
}

// SendTaskCode mails a six-digit code to the task's owner, valid
// TaskCodeTTL for TaskCodeMaxAttempts tries; a new code replaces the old.
// At most TaskCodesPerHour codes per task (ErrTooManyCodes).
func (s *Service) SendTaskCode(ctx context.Context, taskID int64) error {
	t, org, err := s.ownerTask(ctx, store.New(s.Pool), taskID)
	if err != nil {
		return err
	}
	var outcome error
	err = s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		t, err := q.TaskForUpdate(ctx, org.ID, t.ID) // one sender at a time per task
		if err != nil {
			return err
		}
		if t.TokenHash == nil || t.OwnerEmail == "" {
			return store.ErrNotFound // revoked meanwhile
		}
		if t.State == "cancelled" {
			return ErrNotAllowed
		}
		now := s.Now()
		n, oldest, err := q.TaskAuditEventsSince(ctx, org.ID, t.CaseID, t.ID, "task_code_sent", now.Add(-time.Hour))
		if err != nil {
			return err
		}
		if n >= TaskCodesPerHour {
			outcome = &CodesLimitedError{RetryAt: oldest.Add(time.Hour)}
			return nil
		}
		code := newCode()
		codeHash := s.taskCodeHash(t.ID, code)
		if err := q.PutTaskCode(ctx, org.ID, t.ID, codeHash, now.Add(TaskCodeTTL)); err != nil {
			return err
		}
		c, err := q.CaseByID(ctx, org.ID, t.CaseID)
		if err != nil {
			return err
		}
		lang := ownerLang(org, t)
		if err := s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: t.CaseID, TaskID: t.ID, Kind: "task_code", To: t.OwnerEmail, Lang: lang,
			CodeHash: codeHash, CodeTTL: TaskCodeTTL,
			Data: taskCodeMail{Lang: lang, OrgName: org.Name(lang), Receipt: c.Receipt, Register: t.RegisterName, Code: code,
				Minutes: int(TaskCodeTTL.Minutes())}}); err != nil {
			return err
		}
		return s.audit(ctx, q, org.ID, t.CaseID, OwnerActor(t.ID), "task_code_sent", map[string]any{"task": t.ID})
	})
	if err != nil {
		return err
	}
	return outcome
}

// VerifyTaskCode checks a task code; on success the browser becomes known
// for the task (and the owner's other tasks). A wrong code is counted and
// committed before ErrCodeWrong is returned; the last allowed wrong try
// ends the code (ErrCodeLocked); no code or an old one is ErrCodeExpired.
func (s *Service) VerifyTaskCode(ctx context.Context, taskID int64, code string, browserHash []byte) error {
	if len(browserHash) == 0 {
		return ErrBrowserUnverified
	}
	t, org, err := s.ownerTask(ctx, store.New(s.Pool), taskID)
	if err != nil {
		return err
	}
	code = normalizeCode(code)
	var outcome error
	err = s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		t, err := q.TaskForUpdate(ctx, org.ID, t.ID)
		if err != nil {
			return err
		}
		if t.TokenHash == nil || t.OwnerEmail == "" {
			return store.ErrNotFound
		}
		tc, err := q.TaskCodeForUpdate(ctx, org.ID, t.ID)
		if errors.Is(err, store.ErrNotFound) {
			outcome = ErrCodeExpired
			return nil
		}
		if err != nil {
			return err
		}
		now := s.Now()
		switch {
		case tc.Attempts >= TaskCodeMaxAttempts:
			outcome = ErrCodeLocked
			return nil
		case !now.Before(tc.ExpiresAt):
			outcome = ErrCodeExpired
			return q.DeleteTaskCode(ctx, org.ID, t.ID)
		}
		if !equalHash(s.taskCodeHash(t.ID, code), tc.CodeHash) {
			tc.Attempts++
			outcome = ErrCodeWrong
			if tc.Attempts >= TaskCodeMaxAttempts {
				outcome = ErrCodeLocked
			}
			if err := q.SetTaskCodeAttempts(ctx, org.ID, t.ID, tc.Attempts); err != nil {
				return err
			}
			return s.audit(ctx, q, org.ID, t.CaseID, OwnerActor(t.ID), "task_code_wrong",
				map[string]any{"task": t.ID, "attempt": tc.Attempts})
		}
		if err := q.DeleteTaskCode(ctx, org.ID, t.ID); err != nil {
			return err
		}
		if err := q.AddTaskBrowser(ctx, org.ID, t.ID, boundBrowser(browserHash, t.OwnerEmail), now); err != nil {
			return err
		}
		return s.audit(ctx, q, org.ID, t.CaseID, OwnerActor(t.ID), "task_browser_verified", map[string]any{"task": t.ID})
	})
	if err != nil {
		return err
	}
	return outcome
}

// normalizeCode drops what people type around a code (spaces, dashes).
func normalizeCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, code)
}

// OwnerAnswer records the owner's answer through the link: the browser
// must be verified. The answer is checked by AnswerTask (ValidateAnswer:
// RB-1 and ID-5), as the DPO's is.
func (s *Service) OwnerAnswer(ctx context.Context, taskID int64, browserHash []byte, a TaskAnswer) error {
	q := store.New(s.Pool)
	t, org, err := s.ownerTask(ctx, q, taskID)
	if err != nil {
		return err
	}
	if ok, err := s.browserKnown(ctx, q, org, t, browserHash); err != nil {
		return err
	} else if !ok {
		return ErrBrowserUnverified
	}
	return s.AnswerTask(ctx, org, t.ID, OwnerActor(t.ID), a)
}

// OwnerReassign passes the task to a colleague (audited as the owner): the
// colleague gets a fresh link, this one stops working, and browsers
// verified for the old owner no longer open the task.
func (s *Service) OwnerReassign(ctx context.Context, taskID int64, browserHash []byte, name, email string) error {
	q := store.New(s.Pool)
	t, org, err := s.ownerTask(ctx, q, taskID)
	if err != nil {
		return err
	}
	if ok, err := s.browserKnown(ctx, q, org, t, browserHash); err != nil {
		return err
	} else if !ok {
		return ErrBrowserUnverified
	}
	name, email = strings.TrimSpace(name), strings.TrimSpace(email)
	fe := FieldErrors{}
	switch {
	case name == "":
		fe.Add("name", "task.err.name")
	case utf8.RuneCountInString(name) > 200:
		fe.Add("name", "task.err.too_long")
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		fe.Add("email", "task.err.email")
	} else if strings.EqualFold(email, t.OwnerEmail) {
		fe.Add("email", "task.err.same_owner")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if t.State != "open" {
		return ErrNotAllowed
	}
	err = s.ReassignTask(ctx, org, t.ID, OwnerActor(t.ID), name, email)
	var rfe FieldErrors
	if errors.As(err, &rfe) {
		return FieldErrors{"email": "task.err.email"}
	}
	return err
}
