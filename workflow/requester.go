package workflow

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/pdf"
	"rightsdesk/internal/store"
)

// Talking with the requester while the clock waits (issue 20, DL-8,
// ID-5). Pausing to wait for the requester asks them, in their language,
// what is needed and by when; they answer on the status page (after the
// emailed code) with text and files, which tells the DPO, who resumes.
// The question, the answer and the files are sealed with the case key;
// audit events carry only ids.

// Limits of a requester's reply.
const (
	maxReplyText  = 4000
	maxReplyFiles = 5
	// MaxReplyFile is the largest file a requester may send.
	MaxReplyFile = 10 << 20
)

// ReplyTypes are the kinds of file a requester may send (a scanned power
// of attorney, a guardianship decision): PDF and pictures, judged by
// their contents, not by what the browser says.
var ReplyTypes = []string{"application/pdf", "image/jpeg", "image/png"}

// ErrNotAwaitingReply: the case is not paused, so no reply is asked for.
var ErrNotAwaitingReply = errors.New("the request is not waiting for the requester")

type pauseAskMail struct {
	Lang, OrgName, Receipt, Needed, By, StatusURL, DPOEmail string
}

// PauseAsking pauses the clock (DL-8) to wait for the requester and asks
// them what is needed and by when: by mail in their language when they
// gave an address, and by a letter in the print queue when their letters
// go by post (paper chosen, or no address). The audit event says which
// (requester_mailed, letter_queued).
func (s *Service) PauseAsking(ctx context.Context, org store.Org, caseID int64, actor Actor, reason, needed, by string) error {
	fe := FieldErrors{}
	reason, err := required("reason", reason, 2000)
	if err != nil {
		fe.Add("reason", err.(FieldErrors)["reason"])
	}
	needed, err = required("needed", needed, 2000)
	if err != nil {
		fe.Add("needed", err.(FieldErrors)["needed"])
	}
	replyBy, derr := ParseDate(strings.TrimSpace(by))
	if strings.TrimSpace(by) == "" {
		fe.Add("by", "case.err.required")
	} else if derr != nil || !replyBy.After(HelsinkiDate(s.Now())) {
		fe.Add("by", "case.err.reply_by")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.act(ctx, org, caseID, actor, ActPause, func(tx pgx.Tx, q *store.Q, c *store.Case) (map[string]any, error) {
		now := s.Now()
		c.PausedAt, c.PausedFromState, c.PauseReason = &now, c.State, reason
		askID, err := q.InsertCaseAsk(ctx, org.ID, store.CaseAsk{CaseID: c.ID, Needed: needed, ReplyBy: dbDate(replyBy), CreatedAt: now})
		if err != nil {
			return nil, err
		}
		req, err := q.RequesterOf(ctx, org.ID, c.ID)
		if err != nil {
			return nil, err
		}
		mailed := strings.TrimSpace(req.Email) != ""
		if mailed {
			lang := c.Lang
			if lang == "" {
				lang = org.PrimaryLang
			}
			if err := s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: c.ID, Kind: "pause_asked", To: req.Email, Lang: lang,
				Data: pauseAskMail{Lang: lang, OrgName: org.Name(lang), Receipt: c.Receipt, Needed: needed,
					By: FormatDate(replyBy, lang), StatusURL: s.BaseURL + "/" + lang + "/o/" + org.Slug + "/status",
					DPOEmail: org.DPOEmail}}); err != nil {
				return nil, err
			}
		}
		// A requester whose letters go by post gets the question as a
		// letter in the print queue (IN-1), with or without the mail.
		l, err := s.legalLetter(ctx, q, org, *c, pdf.KindPause, now, "")
		if err != nil {
			return nil, err
		}
		posted, err := s.queueLetterByPost(ctx, q, org, *c, l, actor)
		if err != nil {
			return nil, err
		}
		data := map[string]any{"ask": askID, "reply_by": replyBy.String(), "requester_mailed": mailed, "letter_queued": posted}
		if data, err = s.withText(ctx, q, *c, data, "reason", reason); err != nil {
			return nil, err
		}
		return s.withText(ctx, q, *c, data, "needed", needed)
	})
}

// Ask is what the requester is asked for, for the status page.
type Ask struct {
	Needed string
	By     Date
}

// AwaitingReply returns what a paused case asks of its requester; ok is
// false when the case is not paused or nothing was asked in this pause.
func AwaitingReply(ctx context.Context, q *store.Q, c store.Case) (Ask, bool, error) {
	if c.PausedAt == nil || State(c.State) != StatePaused {
		return Ask{}, false, nil
	}
	a, err := q.LatestCaseAsk(ctx, c.OrgID, c.ID)
	if errors.Is(err, store.ErrNotFound) {
		return Ask{}, false, nil
	}
	if err != nil {
		return Ask{}, false, err
	}
	if a.CreatedAt.Before(*c.PausedAt) {
		return Ask{}, false, nil // asked in an earlier pause
	}
	return Ask{Needed: a.Needed, By: DateOf(a.ReplyBy.UTC())}, true, nil
}

// ReplyPending reports whether a paused case has a reply from the
// requester given during this pause (the case page's flag).
func ReplyPending(c store.Case, replies []store.CaseReply) bool {
	if c.PausedAt == nil {
		return false
	}
	for _, r := range replies {
		if !r.CreatedAt.Before(*c.PausedAt) {
			return true
		}
	}
	return false
}

type replyDPOMail struct {
	Lang, OrgName, Receipt, Link string
	Files                        int
}

// RequesterReply stores the requester's answer to what a pause asked
// (text and files, sealed), audits it by ids and tells the DPO by mail;
// the case page shows a flag until the DPO resumes.
func (s *Service) RequesterReply(ctx context.Context, org store.Org, receipt, text string, files []Attachment) error {
	text = strings.TrimSpace(text)
	fe := FieldErrors{}
	if text == "" && len(files) == 0 {
		fe.Add("reply", "status.err.reply_empty")
	}
	if utf8.RuneCountInString(text) > maxReplyText {
		fe.Add("reply", "status.err.reply_long")
	}
	if len(files) > maxReplyFiles {
		fe.Add("files", "status.err.files_many")
	}
	var stored []store.ReplyFile
	for _, f := range files {
		switch {
		case len(f.Data) == 0:
			fe.Add("files", "task.err.file_empty")
			continue
		case len(f.Data) > MaxReplyFile:
			fe.Add("files", "task.err.file_too_large")
			continue
		}
		ct := sniffType(f.Data)
		ok := false
		for _, t := range ReplyTypes {
			ok = ok || t == ct
		}
		if !ok {
			fe.Add("files", "status.err.file_type")
			continue
		}
		stored = append(stored, store.ReplyFile{Filename: CleanFilename(f.Filename, "file"), ContentType: ct, Data: f.Data})
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		c, err := q.CaseByReceipt(ctx, []int64{org.ID}, NormReceipt(receipt))
		if err != nil {
			return err
		}
		if c, err = q.CaseForUpdate(ctx, org.ID, c.ID); err != nil {
			return err
		}
		if c.PausedAt == nil || State(c.State) != StatePaused {
			return ErrNotAwaitingReply
		}
		now := s.Now()
		id, fileIDs, err := q.InsertCaseReply(ctx, org.ID, store.CaseReply{CaseID: c.ID, Body: text, CreatedAt: now, Files: stored})
		if err != nil {
			return err
		}
		ids := make([]any, len(fileIDs))
		for i, f := range fileIDs {
			ids[i] = f
		}
		if err := s.audit(ctx, q, org.ID, c.ID, ActorResident, "requester_replied",
			map[string]any{"reply": id, "reply_files": ids}); err != nil {
			return err
		}
		if org.DPOEmail == "" {
			return nil
		}
		return s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: c.ID, Kind: "requester_replied", To: org.DPOEmail, Lang: org.PrimaryLang,
			Data: replyDPOMail{Lang: org.PrimaryLang, OrgName: org.Name(org.PrimaryLang), Receipt: c.Receipt,
				Link: s.BaseURL + "/staff/cases/" + c.Receipt, Files: len(fileIDs)}})
	})
}

// sniffType names a file's type by its first bytes.
func sniffType(b []byte) string {
	ct := http.DetectContentType(b)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.TrimSpace(ct)
}

// CaseReplies lists the requester's replies of a case for the case page.
func (s *Service) CaseReplies(ctx context.Context, org store.Org, caseID int64) ([]store.CaseReply, error) {
	return store.New(s.Pool).CaseReplies(ctx, org.ID, caseID)
}

// ReplyFile reads one file of a requester's reply, for a staff member,
// and records the download by ids (the name may be personal data).
func (s *Service) ReplyFile(ctx context.Context, org store.Org, caseID, fileID int64, actor Actor) (store.ReplyFile, error) {
	var f store.ReplyFile
	err := s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		var err error
		if f, err = q.ReplyFile(ctx, org.ID, caseID, fileID); err != nil {
			return err
		}
		return s.audit(ctx, q, org.ID, caseID, actor, "reply_file_downloaded", map[string]any{"reply_file": fileID})
	})
	return f, err
}

type taskCancelledMail struct {
	Lang, OrgName, Receipt, Register string
}

// WithdrawByRequester records that the requester withdrew the request on
// the status page (issue 20): the case becomes "withdrawn", open and
// waiting tasks are cancelled, each owner of an open task is told by mail
// (their link already went out), and the DPO is told. Audited as
// "withdraw" by the resident, with the number of owners told.
func (s *Service) WithdrawByRequester(ctx context.Context, org store.Org, receipt string) error {
	c, err := store.New(s.Pool).CaseByReceipt(ctx, []int64{org.ID}, NormReceipt(receipt))
	if err != nil {
		return err
	}
	return s.act(ctx, org, c.ID, ActorResident, ActWithdraw, func(tx pgx.Tx, q *store.Q, c *store.Case) (map[string]any, error) {
		tasks, err := q.TasksOfCase(ctx, org.ID, c.ID)
		if err != nil {
			return nil, err
		}
		c.PausedAt = nil
		if err := s.cancelOpenTasks(ctx, q, org, c.ID); err != nil {
			return nil, err
		}
		told := 0
		for _, t := range tasks {
			if t.State != "open" || strings.TrimSpace(t.OwnerEmail) == "" {
				continue // a waiting task's owner never heard of it
			}
			lang := ownerLang(org, t)
			if err := s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: c.ID, TaskID: t.ID, Kind: "task_cancelled", To: t.OwnerEmail, Lang: lang,
				Data: taskCancelledMail{Lang: lang, OrgName: org.Name(lang), Receipt: c.Receipt, Register: t.RegisterName}}); err != nil {
				return nil, err
			}
			told++
		}
		if org.DPOEmail != "" {
			if err := s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: c.ID, Kind: "requester_withdrew", To: org.DPOEmail, Lang: org.PrimaryLang,
				Data: dpoMail{Lang: org.PrimaryLang, OrgName: org.Name(org.PrimaryLang), Receipt: c.Receipt,
					Link: s.BaseURL + "/staff/cases/" + c.Receipt}}); err != nil {
				return nil, err
			}
		}
		return map[string]any{"by_requester": true, "owners_told": told}, nil
	})
}

// ConsentMethods are how the requester's consent to forwarding was given
// (RD-2, D-7): the DPO ticks that it was given and says how.
var ConsentMethods = []string{"in_writing", "by_email", "by_phone", "in_person"}

type forwardMail struct {
	Lang, OrgName, Receipt, Register, Name, Email, Rights, Details, DPOEmail string
}

type forwardToldMail struct {
	Lang, OrgName, Receipt, Register, Controller, Contact, DPOEmail string
}

// Forward forwards a request for a register whose controller is elsewhere
// (RD-2, D-7) by email to the other controller's address, once the
// requester consented (consent true, and how); the requester is told in
// their language where to turn, by mail or, when their letters go by
// post, by a letter in the print queue. Audited ("forward") with the
// register, the consent's method and ids only.
func (s *Service) Forward(ctx context.Context, org store.Org, caseID int64, actor Actor, registerID int64, to string, consent bool, method string) error {
	to = strings.TrimSpace(to)
	fe := FieldErrors{}
	if !consent {
		fe.Add("consent", "forward.err.consent")
	}
	ok := false
	for _, m := range ConsentMethods {
		ok = ok || m == method
	}
	if !ok {
		fe.Add("consent_method", "forward.err.consent")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		c, err := q.CaseForUpdate(ctx, org.ID, caseID)
		if err != nil {
			return err
		}
		// Only a register the request concerns, whose controller is
		// elsewhere (D-7), is forwarded.
		r, err := ForwardableRegister(ctx, q, c, registerID)
		if err != nil {
			return err
		}
		if to == "" { // the address in the controller's contact details
			to = contactEmail.FindString(r.ElsewhereContact)
		}
		if !strings.Contains(to, "@") || strings.ContainsAny(to, " \r\n<>,;") {
			return FieldErrors{"to": "forward.err.to"}
		}
		req, err := q.RequesterOf(ctx, org.ID, c.ID)
		if err != nil {
			return err
		}
		lang := org.PrimaryLang
		var rights []string
		for _, x := range c.Rights {
			rights = append(rights, s.Catalog.T(lang, "right."+x))
		}
		if err := s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: c.ID, Kind: "forwarded", To: to, Lang: lang,
			Data: forwardMail{Lang: lang, OrgName: org.Name(lang), Receipt: c.Receipt, Register: r.Name, Name: req.Name,
				Email: req.Email, Rights: strings.Join(rights, ", "), Details: c.Details, DPOEmail: org.DPOEmail}}); err != nil {
			return err
		}
		mailed := strings.TrimSpace(req.Email) != ""
		if mailed {
			rl := c.Lang
			if rl == "" {
				rl = org.PrimaryLang
			}
			if err := s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: c.ID, Kind: "forward_told", To: req.Email, Lang: rl,
				Data: forwardToldMail{Lang: rl, OrgName: org.Name(rl), Receipt: c.Receipt, Register: r.Name,
					Controller: r.ElsewhereName, Contact: r.ElsewhereContact, DPOEmail: org.DPOEmail}}); err != nil {
				return err
			}
		}
		// A requester whose letters go by post is told where to turn by
		// letter (IN-1).
		l := letterBase(org, c, req, pdf.KindForward)
		l.Org, l.Date = letterOrg(ctx, q, org, c.Lang), letterDay(s.Now())
		l.Registers = []pdf.Register{{Name: r.Name, Lang: r.Language, ElsewhereName: r.ElsewhereName, ElsewhereContact: r.ElsewhereContact}}
		posted, err := s.queueLetterByPost(ctx, q, org, c, l, actor)
		if err != nil {
			return err
		}
		data := map[string]any{"register": r.Name, "consent": true, "consent_method": method, "requester_mailed": mailed,
			"letter_queued": posted}
		if data, err = s.withText(ctx, q, c, data, "forwarded_to", to); err != nil {
			return err
		}
		return s.audit(ctx, q, org.ID, c.ID, actor, "forward", data)
	})
}

// contactEmail finds an email address in contact details written as
// published ("Kirjaamo, PL 13, 00099 Helsinki, kirjaamo@example.fi").
var contactEmail = regexp.MustCompile(`[^\s<>(),;:"]+@[^\s<>(),;:"]+\.[^\s<>(),;:".]+`)

// ForwardableRegisters are the registers of c the DPO may forward the
// request for (RD-2, D-7): those it concerns whose controller is
// elsewhere.
func ForwardableRegisters(ctx context.Context, q *store.Q, c store.Case) ([]store.Register, error) {
	return q.ElsewhereRegistersOfCase(ctx, c.OrgID, c.ID, c.AllRegisters)
}

// ForwardableRegister is one of ForwardableRegisters; another register
// (one the request does not concern, or whose controller is the
// organisation itself) is ErrNotAllowed.
func ForwardableRegister(ctx context.Context, q *store.Q, c store.Case, registerID int64) (store.Register, error) {
	regs, err := ForwardableRegisters(ctx, q, c)
	if err != nil {
		return store.Register{}, err
	}
	for _, r := range regs {
		if r.ID == registerID {
			return r, nil
		}
	}
	return store.Register{}, ErrNotAllowed
}
