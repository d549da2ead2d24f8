package workflow

import (
	"cmp"
	"context"
	netmail "net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/mail"
	"rightsdesk/internal/store"
)

// PaperRequest is a request that arrived by letter, phone or at the
// counter, entered by staff with its real receipt time (DL-4).
type PaperRequest struct {
	Request
	Channel    string    // paper, phone, counter
	ReceivedAt time.Time // the stamped date/time
	// IdentityMethod, when set, records that identity was established on
	// receipt (e.g. at the counter) and opens the tasks at once.
	IdentityMethod string
	// Authority, when set on a request made on behalf of someone else,
	// records the DPO's decision on the representative's authority on
	// receipt (ID-5: e.g. the guardianship decision was shown at the
	// counter); without "shown" the tasks wait for it.
	Authority string
}

// EnterRequest stores a staff-entered request: confirmed at once (no code
// to send), routed, the receipt emailed when there is an address.
func (s *Service) EnterRequest(ctx context.Context, org store.Org, actor Actor, p PaperRequest) (Submission, error) {
	v, err := s.ValidateRequest(ctx, org.ID, p.Request, false)
	fe, _ := err.(FieldErrors)
	if err != nil && fe == nil {
		return Submission{}, err
	}
	if fe == nil {
		fe = FieldErrors{}
	}
	switch p.Channel {
	case "paper", "phone", "counter":
	default:
		fe.Add("channel", "case.err.channel")
	}
	now := s.Now()
	if p.ReceivedAt.IsZero() {
		fe.Add("received_at", "case.err.received_at")
	} else if p.ReceivedAt.After(now.Add(5 * time.Minute)) {
		fe.Add("received_at", "case.err.received_future")
	}
	if p.IdentityMethod != "" {
		ok := false
		for _, m := range IdentityMethods {
			ok = ok || m == p.IdentityMethod
		}
		if !ok {
			fe.Add("method", "case.err.method")
		}
	}
	if err := fe.Err(); err != nil {
		return Submission{}, err
	}
	var sub Submission
	docsOnly := false
	err = s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		c, _, err := s.newCase(ctx, q, org, v, p.Channel, p.ReceivedAt)
		if err != nil {
			return err
		}
		c.ConfirmedAt = &now
		c.State = string(confirmedState(c, StateAwaitingIdentity))
		docsOnly = DocumentsOnly(c)
		if err := s.storeCase(ctx, q, &c, v, actor); err != nil {
			return err
		}
		if err := s.route(ctx, tx, q, org, &c); err != nil {
			return err
		}
		// The receipt (queued for the post or mailed now) says what the
		// case will be once identity shown at the counter is recorded
		// just below: not "next we confirm your identity" (ID-2).
		rc := c
		if p.IdentityMethod != "" && !docsOnly {
			rc.IdentityVerifiedAt, rc.IdentityMethod = &now, p.IdentityMethod
		}
		if err := s.queueReceipt(ctx, tx, org, rc, v.Email); err != nil {
			return err
		}
		sub = Submission{CaseID: c.ID, Receipt: c.Receipt}
		return nil
	})
	if err != nil {
		return sub, err
	}
	if p.Authority != "" && p.OnBehalf {
		if err := s.RecordAuthority(ctx, org, sub.CaseID, actor, p.Authority, ""); err != nil {
			return sub, err
		}
	}
	// A request for documents alone has no identity step (AllowedFor):
	// identity shown at the counter changes nothing for it.
	if p.IdentityMethod != "" && !docsOnly {
		if err := s.VerifyIdentity(ctx, org, sub.CaseID, actor, p.IdentityMethod, ""); err != nil {
			return sub, err
		}
	}
	c, err := store.New(s.Pool).CaseByID(ctx, org.ID, sub.CaseID)
	if err != nil {
		return sub, err
	}
	sub.Due = DueOf(c, CalendarFor(org), now)
	return sub, nil
}

// InboundMail is a request that arrived by email (issue 6).
type InboundMail struct {
	To, From   string
	Raw        []byte
	ReceivedAt time.Time // arrival at our SMTP server (DL-4, D-8)
}

// maxMessageID bounds a Message-ID kept for dedupe (RFC 5322 lines are at
// most 998 characters); a longer one is not compared.
const maxMessageID = 995

// ReceiveEmail stores an emailed request as a case that needs triage: its
// receipt time is the message's arrival, the raw message is kept, and the
// DPO is told. Rights and registers are set at triage.
//
// A message whose Message-ID the organisation already holds is a delivery
// the sender retried (after our 451, say): it returns the first delivery's
// receipt and stores nothing, mails nobody.
func (s *Service) ReceiveEmail(ctx context.Context, org store.Org, in InboundMail) (string, error) {
	// One read of the message, by go-message (issue 17): the body and the
	// files in whatever charset and transfer encoding they came.
	msg, err := mail.ParseReceived(in.Raw)
	if err != nil {
		return "", err
	}
	subject := msg.Subject
	name, addr := msg.FromName, msg.FromAddr
	if addr == "" {
		addr = in.From
	}
	if name == "" {
		name = addr
	}
	lang := guessLang(subject + " " + msg.Text)
	messageID := msg.MessageID
	if len(messageID) > maxMessageID || !utf8.ValidString(messageID) || strings.ContainsRune(messageID, 0) {
		messageID = ""
	}
	var receipt string
	err = s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		inboundID, stored, err := q.InsertInbound(ctx, store.InboundMessage{OrgID: org.ID, From: addr, To: in.To,
			Subject: truncate(subject, 500), MessageID: messageID, Raw: in.Raw, ReceivedAt: in.ReceivedAt})
		if err != nil {
			return err
		}
		if !stored { // a retried delivery: its case exists
			receipt, err = q.InboundReceipt(ctx, org.ID, messageID)
			return err
		}
		details := strings.TrimSpace(subject + "\n\n" + msg.Text)
		v := validated{Request: Request{Name: truncate(name, maxName), Email: addr, Lang: lang, AllRegisters: true, Delivery: "electronic",
			Details: truncate(details, maxDetails)}}
		c, _, err := s.newCase(ctx, q, org, v, "email", in.ReceivedAt)
		if err != nil {
			return err
		}
		c.NeedsTriage = true
		if err := s.storeCase(ctx, q, &c, v, ActorResident); err != nil {
			return err
		}
		if err := q.SetInboundCase(ctx, org.ID, inboundID, c.ID); err != nil {
			return err
		}
		for _, f := range msg.Attachments {
			if _, err := q.InsertInboundFile(ctx, org.ID, inboundID, c.ID, store.InboundFile{
				Filename: CleanFilename(f.Filename, "file"), ContentType: f.ContentType, Data: f.Data}); err != nil {
				return err
			}
		}
		if len(msg.Attachments) > 0 || utf8.RuneCountInString(details) > maxDetails {
			// Ids and counts only (D-25): the names may be personal data.
			if err := s.audit(ctx, q, org.ID, c.ID, ActorSystem, "email_files_stored", map[string]any{
				"files": len(msg.Attachments), "text_truncated": utf8.RuneCountInString(details) > maxDetails}); err != nil {
				return err
			}
		}
		receipt = c.Receipt
		if org.DPOEmail == "" {
			return nil
		}
		return s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: c.ID, Kind: "triage_needed", To: org.DPOEmail, Lang: org.PrimaryLang,
			Data: dpoMail{Lang: org.PrimaryLang, OrgName: org.Name(org.PrimaryLang), Receipt: c.Receipt, Link: s.BaseURL + "/staff/cases/" + c.Receipt}})
	})
	return receipt, err
}

// EmailFile reads one file that came with a case's email, for a staff
// member, and records the download (by ids: the name may be personal
// data).
func (s *Service) EmailFile(ctx context.Context, org store.Org, caseID, fileID int64, actor Actor) (store.InboundFile, error) {
	var f store.InboundFile
	err := s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		var err error
		if f, err = q.InboundFile(ctx, org.ID, caseID, fileID); err != nil {
			return err
		}
		return s.audit(ctx, q, org.ID, caseID, actor, "email_file_downloaded", map[string]any{"file": fileID})
	})
	return f, err
}

// OriginalEmail reads the message a case was made from, as received, for
// a staff member, and records that it was viewed.
func (s *Service) OriginalEmail(ctx context.Context, org store.Org, caseID int64, actor Actor) ([]byte, error) {
	var raw []byte
	err := s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		id, r, _, err := q.InboundOfCase(ctx, org.ID, caseID)
		if err != nil {
			return err
		}
		raw = r
		return s.audit(ctx, q, org.ID, caseID, actor, "email_viewed", map[string]any{"inbound": id})
	})
	return raw, err
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// guessLang picks the reply language of an emailed request from its words;
// the DPO confirms it at triage.
func guessLang(text string) string {
	t := strings.ToLower(text)
	sv := strings.Count(t, " och ") + strings.Count(t, "uppgifter") + strings.Count(t, "begär") + strings.Count(t, " jag ")
	fi := strings.Count(t, " ja ") + strings.Count(t, "tiedot") + strings.Count(t, "pyyd") + strings.Count(t, "tietoj")
	en := strings.Count(t, " the ") + strings.Count(t, " my ") + strings.Count(t, "request")
	switch {
	case sv > fi && sv >= en:
		return "sv"
	case en > fi && en > sv:
		return "en"
	}
	return "fi"
}

// Triage sets what an emailed request asks (issue 6, 12): rights,
// registers, language and the requester's details; the case is then routed
// like a confirmed web request.
func (s *Service) Triage(ctx context.Context, org store.Org, caseID int64, actor Actor, r Request) error {
	v, err := s.ValidateRequest(ctx, org.ID, r, true)
	if err != nil {
		return err
	}
	return s.actTo(ctx, org, caseID, actor, ActTriage, func(tx pgx.Tx, q *store.Q, c *store.Case) (map[string]any, State, error) {
		if !c.NeedsTriage {
			return nil, "", ErrNotAllowed // a web request is confirmed by its code, not triaged
		}
		now := s.Now()
		c.Rights, c.AllRegisters, c.Lang, c.Delivery, c.DocumentRequest = v.Rights, v.AllRegisters, v.Lang, v.Delivery, v.DocumentRequest
		c.GDPR = len(v.Rights) > 0
		if c.Rights == nil { // a request for documents alone: no right, not NULL
			c.Rights = []string{}
		}
		if v.Details != "" {
			c.Details = v.Details
		}
		c.PeriodFrom, c.PeriodTo = v.periodFrom, v.periodTo
		c.NeedsTriage, c.ConfirmedAt = false, &now
		if v.DocumentRequest && c.DocDue == nil {
			dl := CalendarFor(org).Compute(c.ReceivedAt)
			c.DocDue, c.DocExtendedDue = dbDatePtr(dl.DocumentRequestDue), dbDatePtr(dl.DocumentRequestExtendedDue)
		}
		req, err := s.requesterRow(org.ID, c.ID, v)
		if err != nil {
			return nil, "", err
		}
		if err := q.UpsertRequester(ctx, req); err != nil {
			return nil, "", err
		}
		if err := q.SetSubjectHetuTemporary(ctx, org.ID, c.ID, v.subjectHetuTemporary()); err != nil {
			return nil, "", err
		}
		if err := q.SetCaseRegisters(ctx, c.ID, v.RegisterIDs); err != nil {
			return nil, "", err
		}
		to := confirmedState(*c, StateAwaitingIdentity)
		c.State = string(to)
		if err := q.UpdateCase(ctx, *c); err != nil {
			return nil, "", err
		}
		if err := s.route(ctx, tx, q, org, c); err != nil {
			return nil, "", err
		}
		if err := s.queueReceipt(ctx, tx, org, *c, v.Email); err != nil {
			return nil, "", err
		}
		return map[string]any{"rights": v.Rights, "all_registers": v.AllRegisters, "registers": len(v.RegisterIDs), "lang": v.Lang}, to, nil
	})
}

// ReassignTask gives a task to another owner (audited): the old link stops
// working and the new owner gets a fresh one when the task is open.
func (s *Service) ReassignTask(ctx context.Context, org store.Org, taskID int64, actor Actor, name, email string) error {
	email = strings.TrimSpace(email)
	if a, err := netmail.ParseAddress(email); err != nil || a.Address != email {
		return FieldErrors{"email": "case.err.email"}
	}
	name = strings.TrimSpace(name)
	return s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		t, err := q.TaskForUpdate(ctx, org.ID, taskID)
		if err != nil {
			return err
		}
		c, err := q.CaseForUpdate(ctx, org.ID, t.CaseID)
		if err != nil {
			return err
		}
		if !Allowed(State(c.State), ActReassignTask) || (t.State != "waiting" && t.State != "open") {
			return ErrNotAllowed
		}
		old := t.OwnerEmail
		by := "" // the DPO passed it
		if actor == OwnerActor(t.ID) {
			by = cmp.Or(t.OwnerName, old)
		}
		t.OwnerName, t.OwnerEmail, t.TokenHash, t.UpdatedAt = name, email, nil, s.Now()
		if err := q.UpdateTask(ctx, t); err != nil {
			return err
		}
		data, err := s.withText(ctx, q, c, map[string]any{"task": t.ID, "register": t.RegisterName, "from_owner": old != ""}, "to", name)
		if err != nil {
			return err
		}
		if err := s.audit(ctx, q, org.ID, c.ID, actor, string(ActReassignTask), data); err != nil {
			return err
		}
		if t.State == "open" {
			return s.sendPassedTask(ctx, tx, q, org, c, &t, DueOf(c, CalendarFor(org), s.Now()), by)
		}
		return nil
	})
}
