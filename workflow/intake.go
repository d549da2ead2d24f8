package workflow

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"rightsdesk/internal/i18n"
	"rightsdesk/internal/pdf"
	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
)

// Request is what a person asks, from the web form, the API or a staff
// member entering a letter (IN-1: which data, all or a period, in what
// form, name and contact; nothing more is required).
type Request struct {
	Rights          []string
	AllRegisters    bool
	RegisterIDs     []int64
	Details         string
	PeriodFrom      string // YYYY-MM-DD, optional
	PeriodTo        string
	Delivery        string // electronic (default), paper, on_site
	Name            string
	Email           string
	Phone           string
	Address         string
	Hetu            string // optional (ID-3)
	OnBehalf        bool   // ID-5
	Relation        string
	SubjectName     string
	SubjectHetu     string
	Lang            string // reply language (FI-3)
	DocumentRequest bool   // FI-2: also a request for documents under the Openness Act
}

// Limits on free text, generous for real use and bounded against abuse.
const (
	maxName    = 200
	maxDetails = 10000
	maxAddress = 500
)

// validated is a Request after validation and normalisation.
type validated struct {
	Request
	periodFrom, periodTo *time.Time
	hetu, subjectHetu    *Hetu
}

// ValidateRequest checks every field and returns FieldErrors whose values
// are message keys (intake.err.*). Register ids are checked against the
// organisation's catalogue.
func (s *Service) ValidateRequest(ctx context.Context, orgID int64, r Request, requireEmail bool) (validated, error) {
	v := validated{Request: r}
	fe := FieldErrors{}
	v.Name = strings.TrimSpace(r.Name)
	v.Email = strings.TrimSpace(r.Email)
	v.Phone = strings.TrimSpace(r.Phone)
	v.Address = strings.TrimSpace(r.Address)
	v.Details = strings.TrimSpace(r.Details)
	v.SubjectName = strings.TrimSpace(r.SubjectName)

	seen := map[string]bool{}
	v.Rights = nil
	for _, x := range r.Rights {
		if !ValidRight(x) {
			fe.Add("rights", "intake.err.rights")
			continue
		}
		if !seen[x] {
			seen[x] = true
			v.Rights = append(v.Rights, x)
		}
	}
	// Keep the form's order of rights, whatever order they came in.
	slices.SortFunc(v.Rights, func(a, b string) int {
		return slices.Index(Rights, Right(a)) - slices.Index(Rights, Right(b))
	})
	if len(v.Rights) == 0 && !r.DocumentRequest {
		fe.Add("rights", "intake.err.rights")
	}
	if !r.AllRegisters {
		if len(r.RegisterIDs) == 0 {
			fe.Add("registers", "intake.err.registers")
		} else {
			ids := slices.Clone(r.RegisterIDs)
			slices.Sort(ids)
			ids = slices.Compact(ids)
			found, err := store.New(s.Pool).RoutingRegisters(ctx, orgID, ids)
			if err != nil {
				return v, err
			}
			if len(found) != len(ids) {
				fe.Add("registers", "intake.err.registers")
			}
			v.RegisterIDs = ids
		}
	} else {
		v.RegisterIDs = nil
	}
	if seen[string(RightRectification)] && v.Details == "" {
		fe.Add("details", "intake.err.details_rectification")
	}
	if utf8.RuneCountInString(v.Details) > maxDetails {
		fe.Add("details", "intake.err.details_too_long") // names maxDetails
	}
	if r.PeriodFrom != "" || r.PeriodTo != "" {
		from, ferr := ParseDate(strings.TrimSpace(r.PeriodFrom))
		to, terr := ParseDate(strings.TrimSpace(r.PeriodTo))
		switch {
		case r.PeriodFrom != "" && ferr != nil:
			fe.Add("period_from", "intake.err.date")
		case r.PeriodTo != "" && terr != nil:
			fe.Add("period_to", "intake.err.date")
		case r.PeriodFrom != "" && r.PeriodTo != "" && to.Before(from):
			fe.Add("period_to", "intake.err.period_order")
		}
		if ferr == nil {
			v.periodFrom = dbDatePtr(from)
		}
		if terr == nil {
			v.periodTo = dbDatePtr(to)
		}
	}
	if v.Delivery == "" {
		v.Delivery = "electronic"
	}
	switch v.Delivery {
	case "electronic", "on_site":
	case "paper":
		if v.Address == "" {
			fe.Add("address", "intake.err.address_paper")
		}
	default:
		fe.Add("delivery", "intake.err.delivery")
	}
	if v.Name == "" {
		fe.Add("name", "intake.err.name")
	} else if utf8.RuneCountInString(v.Name) > maxName || strings.ContainsAny(v.Name, "\r\n<>") {
		fe.Add("name", "intake.err.name_invalid")
	} else if hetuInText.MatchString(v.Name) {
		// ID-4: a henkilötunnus typed as the name would stand unmasked
		// in every mail, letter and list that names the requester.
		fe.Add("name", "intake.err.name_hetu")
	}
	if v.Email == "" {
		if requireEmail {
			fe.Add("email", "intake.err.email")
		}
	} else if a, err := mail.ParseAddress(v.Email); err != nil || a.Address != v.Email || !strings.Contains(v.Email[strings.LastIndexByte(v.Email, '@')+1:], ".") {
		fe.Add("email", "intake.err.email_invalid")
	}
	if v.Phone != "" && !validPhone(v.Phone) {
		fe.Add("phone", "intake.err.phone")
	}
	if utf8.RuneCountInString(v.Address) > maxAddress {
		fe.Add("address", "intake.err.address_too_long") // names maxAddress
	}
	if h := strings.TrimSpace(r.Hetu); h != "" {
		p, err := ParseHetuAt(h, HelsinkiDate(s.Now()))
		if err != nil {
			fe.Add("hetu", hetuErrKey(err))
		} else {
			v.hetu = &p
		}
	}
	if r.OnBehalf {
		switch r.Relation {
		case "guardian", "court_guardian", "power_of_attorney", "other":
		default:
			fe.Add("relation", "intake.err.relation")
		}
		if v.SubjectName == "" {
			fe.Add("subject_name", "intake.err.subject_name")
		} else if hetuInText.MatchString(v.SubjectName) {
			fe.Add("subject_name", "intake.err.subject_name_hetu") // ID-4, as the requester's name
		}
		if h := strings.TrimSpace(r.SubjectHetu); h != "" {
			p, err := ParseHetuAt(h, HelsinkiDate(s.Now()))
			if err != nil {
				fe.Add("subject_hetu", hetuErrKey(err))
			} else {
				v.subjectHetu = &p
			}
		}
	} else {
		v.Relation, v.SubjectName, v.SubjectHetu = "", "", ""
	}
	if !i18n.Valid(v.Lang) {
		fe.Add("lang", "intake.err.lang")
	}
	return v, fe.Err()
}

// subjectHetuTemporary: the represented person's henkilötunnus is a
// temporary number (900-999, ID-3), flagged to staff (ID-5).
func (v validated) subjectHetuTemporary() bool {
	return v.OnBehalf && v.subjectHetu != nil && v.subjectHetu.Temporary()
}

func hetuErrKey(err error) string {
	var he *HetuError
	if errors.As(err, &he) {
		return "intake.err.hetu." + string(he.Fault)
	}
	return "intake.err.hetu.characters"
}

func validPhone(p string) bool {
	digits := 0
	for _, r := range p {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+ -()", r):
		default:
			return false
		}
	}
	return digits >= 5 && digits <= 15
}

// Submission is a stored request.
type Submission struct {
	CaseID     int64
	Receipt    string
	Due        Due
	ReceivedAt time.Time // as committed
	State      string    // as committed
}

// codeHash binds a one-time code to its case's receipt under the key.
// codeMatches checks a code against its stored hash under every ring key
// (a code mailed before a key rotation still confirms, issue 22).
func (s *Service) codeMatches(receipt, code string, stored []byte) bool {
	for _, h := range s.Keys.BlindIndexes("email-code\x00" + receipt + "\x00" + code) {
		if equalHash(h, stored) {
			return true
		}
	}
	return false
}

func (s *Service) codeHash(receipt, code string) []byte {
	return s.Keys.BlindIndex("email-code\x00" + receipt + "\x00" + code)
}

// newCase fills the parts of a case common to every channel: receipt and
// deadlines from the receipt time (DL-4, D-8).
func (s *Service) newCase(ctx context.Context, q *store.Q, org store.Org, v validated, channel string, receivedAt time.Time) (store.Case, Deadlines, error) {
	receipt, err := q.NextReceipt(ctx, HelsinkiDate(receivedAt).Year)
	if err != nil {
		return store.Case{}, Deadlines{}, err
	}
	c, dl := s.caseOf(org, v, channel, receivedAt, receipt)
	return c, dl, nil
}

// caseOf is newCase with its receipt number drawn already.
func (s *Service) caseOf(org store.Org, v validated, channel string, receivedAt time.Time, receipt string) (store.Case, Deadlines) {
	dl := CalendarFor(org).Compute(receivedAt)
	rights := v.Rights
	if rights == nil {
		rights = []string{}
	}
	c := store.Case{
		OrgID: org.ID, Receipt: receipt, GDPR: len(rights) > 0, DocumentRequest: v.DocumentRequest,
		Rights: rights, AllRegisters: v.AllRegisters, Details: v.Details,
		PeriodFrom: v.periodFrom, PeriodTo: v.periodTo, Delivery: v.Delivery, Lang: v.Lang, Channel: channel,
		State: string(StateReceived), ReceivedAt: receivedAt,
		RawEnd: dbDate(dl.RawEnd), LegalDue: dbDate(dl.LegalDue), SafeTarget: dbDate(dl.SafeTarget),
		CreatedAt: s.Now(), EvesNonWorking: org.EvesNonWorking, // D-30
	}
	if v.DocumentRequest {
		c.DocDue, c.DocExtendedDue = dbDatePtr(dl.DocumentRequestDue), dbDatePtr(dl.DocumentRequestExtendedDue)
	}
	return c, dl
}

// requesterRow encrypts the henkilötunnus fields (ID-4).
func (s *Service) requesterRow(orgID, caseID int64, v validated) (store.Requester, error) {
	r := store.Requester{CaseID: caseID, OrgID: orgID, Name: v.Name, Email: v.Email, Phone: v.Phone,
		Address: v.Address, OnBehalf: v.OnBehalf, Relation: v.Relation, SubjectName: v.SubjectName}
	var err error
	if v.hetu != nil {
		if r.HetuEnc, err = s.Keys.Encrypt([]byte(v.hetu.Canonical())); err != nil {
			return r, err
		}
		r.HetuIndex = s.Keys.BlindIndex("hetu\x00" + v.hetu.Canonical())
		r.HetuMask = v.hetu.Masked()
		r.HetuTemporary = v.hetu.Temporary()
	}
	if v.subjectHetu != nil {
		if r.SubjectHetuEnc, err = s.Keys.Encrypt([]byte(v.subjectHetu.Canonical())); err != nil {
			return r, err
		}
		r.SubjectHetuIndex = s.Keys.BlindIndex("hetu\x00" + v.subjectHetu.Canonical())
		r.SubjectHetuMask = v.subjectHetu.Masked()
	}
	return r, nil
}

// storeCase inserts case, requester and chosen registers, and audits the
// receipt.
func (s *Service) storeCase(ctx context.Context, q *store.Q, c *store.Case, v validated, actor Actor) error {
	id, err := q.InsertCase(ctx, *c)
	if err != nil {
		return err
	}
	c.ID = id
	req, err := s.requesterRow(c.OrgID, id, v)
	if err != nil {
		return err
	}
	if err := q.UpsertRequester(ctx, req); err != nil {
		return err
	}
	if v.subjectHetuTemporary() { // ID-3, ID-5: flagged to staff on the case page
		if err := q.SetSubjectHetuTemporary(ctx, c.OrgID, id, true); err != nil {
			return err
		}
		c.SubjectHetuTemporary = true
	}
	if !v.AllRegisters {
		if err := q.SetCaseRegisters(ctx, id, v.RegisterIDs); err != nil {
			return err
		}
	}
	if c.Channel == "web" {
		return nil // D-25: a web submission's first event is written when its code is confirmed
	}
	return s.auditReceived(ctx, q, *c, len(v.RegisterIDs), v.OnBehalf, v.hetu != nil && v.hetu.Temporary(), actor, s.Now())
}

// auditReceived writes a case's first event, "received".
func (s *Service) auditReceived(ctx context.Context, q *store.Q, c store.Case, registers int, onBehalf, hetuTemporary bool, actor Actor, at time.Time) error {
	return q.AppendAudit(ctx, s.Keys, receivedEvent(c, registers, onBehalf, hetuTemporary, actor, at))
}

// receivedEvent is a case's first event, "received": ids, dates and
// flags, no personal data (D-25).
func receivedEvent(c store.Case, registers int, onBehalf, hetuTemporary bool, actor Actor, at time.Time) store.AuditEvent {
	data := map[string]any{"channel": c.Channel, "rights": c.Rights, "all_registers": c.AllRegisters,
		"registers": registers, "lang": c.Lang, "received_at": c.ReceivedAt, "legal_due": dateOf(c.LegalDue).String(),
		"on_behalf": onBehalf, "document_request": c.DocumentRequest}
	if hetuTemporary {
		data["hetu_temporary"] = true // ID-3: flagged to staff
	}
	return store.AuditEvent{OrgID: c.OrgID, CaseID: c.ID, Actor: string(actor), Action: "received", Data: data, At: at}
}

// unchained: a web submission before its code is confirmed has no audit
// chain yet (D-25), so purging it touches none; its attempts are counted
// on the case row and summed up in the "confirmed" event.
func unchained(c store.Case) bool { return c.Channel == "web" && c.ConfirmedAt == nil }

// SubmitWeb stores a web request with its receipt time and emails a
// one-time code (ID-2). The request is received now (DL-4, D-8), but is
// routed only when the code comes back.
func (s *Service) SubmitWeb(ctx context.Context, org store.Org, r Request) (Submission, error) {
	sub, _, err := s.submit(ctx, org, r, "web", ActorResident, nil)
	return sub, err
}

// SubmitAPI stores a request from an integration like a web request; actor
// is the integration's token (TokenActor), which the case's first event
// names (D-20: a token's use is recorded on the case it creates).
func (s *Service) SubmitAPI(ctx context.Context, org store.Org, r Request, actor Actor) (Submission, error) {
	sub, _, err := s.submit(ctx, org, r, "api", actor, nil)
	return sub, err
}

// Idempotent is the answer to an API request, made before the commit so
// that a stored request is never answered with an error, and stored with
// the request under its Idempotency-Key when Key is set (issue 16, item
// 8).
type Idempotent struct {
	Key         string
	RequestHash []byte
	Status      int
	Response    func(Submission) ([]byte, error)
}

// SubmitAPIOnce is SubmitAPI that stores the Idempotency-Key's answer in
// the same transaction and returns it. A key taken by a request that
// committed first is store.ErrConflict, and nothing is stored.
func (s *Service) SubmitAPIOnce(ctx context.Context, org store.Org, r Request, actor Actor, key *Idempotent) (Submission, []byte, error) {
	return s.submit(ctx, org, r, "api", actor, key)
}

// submit stores a request in one round trip of its own (issue 21): its
// ids come from a block drawn ahead (store.IntakeIDBlock), and every row
// with the code mail's River job goes in one batch on the pool, which is
// its own transaction (store.InsertIntake): stored whole, committed
// durably, or not at all. Nothing on the path locks a row other requests
// of the organisation need.
func (s *Service) submit(ctx context.Context, org store.Org, r Request, channel string, actor Actor, key *Idempotent) (Submission, []byte, error) {
	v, err := s.ValidateRequest(ctx, org.ID, r, true)
	if err != nil {
		return Submission{}, nil, err
	}
	now := s.Now()
	ids, err := s.newIntakeIDs(ctx)
	if err != nil {
		return Submission{}, nil, err
	}
	c, _ := s.caseOf(org, v, channel, now, store.FormatReceipt(HelsinkiDate(now).Year, ids.ReceiptN))
	c.ID = ids.CaseID
	code := newCode()
	c.CodeHash = s.codeHash(c.Receipt, code)
	exp := now.Add(s.CodeTTL)
	c.CodeExpiresAt, c.CodesSent = &exp, 1
	c.SubjectHetuTemporary = v.subjectHetuTemporary() // ID-3, ID-5: flagged to staff on the case page
	req, err := s.requesterRow(org.ID, c.ID, v)
	if err != nil {
		return Submission{}, nil, err
	}
	mail, err := s.composeMail(Mail{OrgID: org.ID, CaseID: c.ID, Kind: "code", To: v.Email, Lang: v.Lang,
		CodeHash: c.CodeHash, CodeTTL: s.CodeTTL, Data: codeMail{Lang: v.Lang, Code: code, OrgName: org.Name(v.Lang), Minutes: int(s.CodeTTL.Minutes())}}, &org)
	if err != nil {
		return Submission{}, nil, err
	}
	mail.ID = ids.OutboxID
	in := store.Intake{Case: c, Requester: req, Outbox: mail, MailDomain: s.MailDomain(), AuditKeys: s.Keys}
	if !v.AllRegisters {
		in.RegisterIDs = v.RegisterIDs
	}
	if channel != "web" { // D-25: a web submission's first event is written when its code is confirmed
		ev := receivedEvent(c, len(v.RegisterIDs), v.OnBehalf, v.hetu != nil && v.hetu.Temporary(), actor, now)
		in.Audit = &ev
	}
	sub := Submission{CaseID: c.ID, Receipt: c.Receipt, Due: DueOf(c, CalendarFor(org), now), ReceivedAt: c.ReceivedAt.Truncate(time.Microsecond), State: c.State}
	var answer []byte
	if key != nil {
		if answer, err = key.Response(sub); err != nil {
			return Submission{}, nil, err
		}
		if key.Key != "" {
			in.Idempotency = &store.IdempotencyClaim{Key: key.Key,
				Idempotent: store.Idempotent{RequestHash: key.RequestHash, Status: key.Status, Response: answer}}
		}
	}
	// The code mail goes out from this process right after the commit when
	// the fast path takes it, with no River job (the periodic backstop
	// queues one if the process ends first, issue 21); otherwise its job
	// is due at once. Nothing may fail between the offer and the hand-off
	// but the insert itself.
	fast := s.offerIntakeMail(&in.Outbox, now)
	if !fast { // no reservation taken: an error here gives nothing back
		job, err := intakeJob(jobargs.DeliverMail{OutboxID: in.Outbox.ID}, jobOpts(now, nil))
		if err != nil {
			return Submission{}, nil, err
		}
		in.Job = &job
	}
	err = store.New(s.Pool).InsertIntake(ctx, in)
	if fast {
		s.handIntakeMail(in.Outbox, now, err)
	}
	if err != nil {
		return Submission{}, nil, err
	}
	return sub, answer, nil
}

// newIntakeIDs draws a new request's ids: from the service's block, or
// in a round trip of their own on a Service that was not Init'ed.
func (s *Service) newIntakeIDs(ctx context.Context) (store.IntakeIDs, error) {
	if s.intakeIDs == nil {
		return store.New(s.Pool).NewIntakeIDs(ctx)
	}
	return s.intakeIDs.Next(ctx, store.New(s.Pool))
}

// intakeJob is the job row River's InsertTx would write for args and opts
// (InsertTx's defaults: the args' InsertOpts, then River's), for a plain
// insert in the intake's batch. What a plain insert cannot do (unique
// jobs, tags, metadata, pending jobs, no ScheduledAt: InsertTx would
// insert those available and NOTIFY) is refused, not silently dropped.
func intakeJob(args river.JobArgs, opts *river.InsertOpts) (store.IntakeJob, error) {
	var def river.InsertOpts
	if a, ok := args.(river.JobArgsWithInsertOpts); ok {
		def = a.InsertOpts()
	}
	o := *opts
	if o.ScheduledAt.IsZero() || !reflect.ValueOf(o.UniqueOpts).IsZero() || len(o.Tags) > 0 || len(def.Tags) > 0 || len(o.Metadata) > 0 ||
		o.Pending || !reflect.ValueOf(def.UniqueOpts).IsZero() || !def.ScheduledAt.IsZero() {
		return store.IntakeJob{}, fmt.Errorf("job %s: options a plain insert does not write", args.Kind())
	}
	b, err := json.Marshal(args)
	if err != nil {
		return store.IntakeJob{}, fmt.Errorf("job %s: %w", args.Kind(), err)
	}
	return store.IntakeJob{Kind: args.Kind(), Args: b, ScheduledAt: o.ScheduledAt,
		Queue:       cmp.Or(o.Queue, def.Queue, river.QueueDefault),
		Priority:    cmp.Or(o.Priority, def.Priority, river.PriorityDefault),
		MaxAttempts: cmp.Or(o.MaxAttempts, def.MaxAttempts, river.MaxAttemptsDefault)}, nil
}

type codeMail struct {
	Lang, Code, OrgName string
	Minutes             int
}

// Errors of the code flow; the form explains each.
var (
	ErrCodeWrong      = errors.New("wrong code")
	ErrCodeExpired    = errors.New("code expired")
	ErrCodeLocked     = errors.New("too many wrong codes")
	ErrTooManyCodes   = errors.New("too many codes sent")
	ErrAlreadyDone    = errors.New("already confirmed")
	ErrSubmissionGone = errors.New("submission expired")
)

// CodesLimitedError is ErrTooManyCodes over a sliding window: RetryAt is
// when the oldest code sent leaves it and another may be sent.
type CodesLimitedError struct{ RetryAt time.Time }

func (e *CodesLimitedError) Error() string { return ErrTooManyCodes.Error() }
func (e *CodesLimitedError) Unwrap() error { return ErrTooManyCodes }

// MaxCodeAttempts is how many wrong codes a submission takes before a new
// code is needed (issue 5).
const MaxCodeAttempts = 5

// MaxCodesSent bounds how many codes one submission may ask for.
const MaxCodesSent = 5

// unconfirmedTTL: unconfirmed submissions are purged after 24 h (D-8).
const unconfirmedTTL = 24 * time.Hour

// CodeResult tells the form what happened.
type CodeResult struct {
	Receipt   string
	Due       Due
	Remaining int // tries left after a wrong code
	// No duplicate receipt here: a duplicate link is for staff only, the
	// submitter learns nothing about another request (issue 16, item 2).
}

// ConfirmCode checks the emailed code. On success the case is confirmed,
// routed into waiting tasks (D-9) and the receipt is emailed (IN-3). A
// wrong code is counted (and committed) before the error is returned.
func (s *Service) ConfirmCode(ctx context.Context, org store.Org, caseID int64, code string) (CodeResult, error) {
	now := s.Now()
	var res CodeResult
	var outcome error
	err := s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		c, gone, err := s.pendingSubmission(ctx, q, org, caseID, now)
		if err != nil || gone != nil {
			outcome = gone
			if c.ID != 0 {
				res.Receipt, res.Due = c.Receipt, DueOf(c, CalendarFor(org), now)
			}
			return err
		}
		res.Receipt = c.Receipt
		res.Due = DueOf(c, CalendarFor(org), now)
		switch {
		case c.CodeHash == nil || c.CodeAttempts >= MaxCodeAttempts:
			outcome = ErrCodeLocked
			return nil
		case c.CodeExpiresAt == nil || now.After(*c.CodeExpiresAt):
			outcome = ErrCodeExpired
			return nil
		}
		code = strings.TrimSpace(code)
		if !s.codeMatches(c.Receipt, code, c.CodeHash) {
			c.CodeAttempts++
			c.UpdatedAt = now
			res.Remaining = MaxCodeAttempts - c.CodeAttempts
			outcome = ErrCodeWrong
			if res.Remaining <= 0 {
				c.CodeHash, outcome = nil, ErrCodeLocked
			}
			if err := q.UpdateCase(ctx, c); err != nil || unchained(c) {
				return err
			}
			return s.audit(ctx, q, c.OrgID, c.ID, ActorResident, "code_wrong", map[string]any{"attempt": c.CodeAttempts})
		}
		next, err := Next(State(c.State), ActConfirmCode, "")
		if err != nil {
			return err
		}
		c.State = string(confirmedState(c, next))
		c.ConfirmedAt, c.EmailVerifiedAt = &now, &now
		c.CodeHash, c.CodeExpiresAt, c.UpdatedAt = nil, nil, now
		req, err := q.RequesterOf(ctx, org.ID, c.ID)
		if err != nil {
			return err
		}
		dup, err := s.linkDuplicate(ctx, q, &c, req)
		if err != nil {
			return err
		}
		if err := q.UpdateCase(ctx, c); err != nil {
			return err
		}
		if c.Channel == "web" {
			regs, err := q.CaseRegisterIDs(ctx, c.ID)
			if err != nil {
				return err
			}
			if err := s.auditReceived(ctx, q, c, len(regs), req.OnBehalf, req.HetuTemporary, ActorResident, c.ReceivedAt); err != nil {
				return err
			}
		}
		if err := s.audit(ctx, q, c.OrgID, c.ID, ActorResident, "confirmed", map[string]any{"email_verified": true, "duplicate_of": dup,
			"codes_sent": c.CodesSent}); err != nil {
			return err
		}
		if err := s.route(ctx, tx, q, org, &c); err != nil {
			return err
		}
		return s.queueReceipt(ctx, tx, org, c, req.Email)
	})
	if err != nil {
		return res, err
	}
	return res, outcome
}

// pendingSubmission locks a web submission waiting for its code. gone is
// ErrSubmissionGone (purged or older than 24 h) or ErrAlreadyDone
// (confirmed): outcomes for the person, not failures.
func (s *Service) pendingSubmission(ctx context.Context, q *store.Q, org store.Org, caseID int64, now time.Time) (c store.Case, gone, err error) {
	c, err = q.CaseForUpdate(ctx, org.ID, caseID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return c, ErrSubmissionGone, nil
	case err != nil:
		return c, nil, err
	case c.ConfirmedAt != nil:
		return c, ErrAlreadyDone, nil
	case now.Sub(c.ReceivedAt) > unconfirmedTTL:
		return c, ErrSubmissionGone, nil
	}
	return c, nil, nil
}

// ResendCode sends a fresh code (after expiry or too many tries).
func (s *Service) ResendCode(ctx context.Context, org store.Org, caseID int64) error {
	now := s.Now()
	var outcome error
	err := s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		c, gone, err := s.pendingSubmission(ctx, q, org, caseID, now)
		if err != nil || gone != nil {
			outcome = gone
			return err
		}
		switch {
		case c.CodesSent >= MaxCodesSent:
			outcome = ErrTooManyCodes
			return nil
		}
		req, err := q.RequesterOf(ctx, org.ID, c.ID)
		if err != nil {
			return err
		}
		code := newCode()
		exp := now.Add(s.CodeTTL)
		c.CodeHash, c.CodeExpiresAt, c.CodeAttempts, c.UpdatedAt = s.codeHash(c.Receipt, code), &exp, 0, now
		c.CodesSent++
		if err := q.UpdateCase(ctx, c); err != nil {
			return err
		}
		if !unchained(c) {
			if err := s.audit(ctx, q, c.OrgID, c.ID, ActorResident, "code_resent", map[string]any{"codes_sent": c.CodesSent}); err != nil {
				return err
			}
		}
		return s.queueMail(ctx, tx, Mail{OrgID: org.ID, CaseID: c.ID, Kind: "code", To: req.Email, Lang: c.Lang,
			CodeHash: c.CodeHash, CodeTTL: s.CodeTTL, Data: codeMail{Lang: c.Lang, Code: code, OrgName: org.Name(c.Lang), Minutes: int(s.CodeTTL.Minutes())}})
	})
	if err != nil {
		return err
	}
	return outcome
}

// linkDuplicate links a case to an earlier one about the same person (the
// data subject, IN-2) for the same rights and registers within a day:
// linked, not dropped (issue 5). It returns the earlier receipt, or "",
// for the audit trail and staff only: never show it to the submitter
// (issue 16, item 2).
func (s *Service) linkDuplicate(ctx context.Context, q *store.Q, c *store.Case, req store.Requester) (string, error) {
	recent, err := q.RecentSameSubject(ctx, c.OrgID, c.ID, c.ReceivedAt.Add(-24*time.Hour))
	if err != nil {
		return "", err
	}
	mine, err := q.CaseRegisterIDs(ctx, c.ID)
	if err != nil {
		return "", err
	}
	for _, o := range recent {
		if o.AllRegisters != c.AllRegisters || !sameSet(o.Rights, c.Rights) {
			continue
		}
		theirs, err := q.CaseRegisterIDs(ctx, o.ID)
		if err != nil {
			return "", err
		}
		if !slices.Equal(mine, theirs) {
			continue
		}
		id := o.ID
		c.DuplicateOf = &id
		return o.Receipt, nil
	}
	return "", nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// receiptMail is the data of the receipt email (IN-3).
type receiptMail struct {
	Lang, Receipt, OrgName string
	Received               string
	LegalDue               string
	Rights                 []string
	DocDue                 string
	StatusURL              string // the status page, where the request number leads (issue 15)
	// Delivery is how the answer was asked for (IN-1): electronic,
	// paper or on_site; the mail says that, not always "a secure link".
	Delivery string
	// ConsentNot names the chosen registers a withdrawal of consent does
	// not reach: their basis is not consent (RB-1).
	ConsentNot []string
	// Next is the key of what happens next: owners look up the data, or
	// (a withdrawal of consent none of whose registers rest on consent)
	// only the answer follows, as no owner is asked.
	Next string
	// DocumentsOnly: a request for documents alone (FI-2) is told its
	// decision date and the Openness Act's rule, not the GDPR's.
	DocumentsOnly bool
	// Late, Extension: as the receipt letter (receiptFit): a request
	// entered after its due date is told so with the remedies (DL-1); the
	// extension is explained only while it can be decided (DL-5).
	Late, Extension bool
	// DocLate: the document request's decision date had passed (FI-2).
	DocLate bool
}

func (s *Service) queueReceipt(ctx context.Context, tx pgx.Tx, org store.Org, c store.Case, to string) error {
	// IN-1, issue 18: a paper requester's receipt goes to the print queue.
	if err := s.queuePaperLetter(ctx, store.New(tx), org, c, pdf.KindReceipt, time.Time{}, ActorSystem); err != nil {
		return err
	}
	if to == "" {
		return nil
	}
	d := receiptMail{Lang: c.Lang, Receipt: c.Receipt, OrgName: org.Name(c.Lang),
		Received: FormatDateTime(c.ReceivedAt, c.Lang), LegalDue: FormatDate(dateOf(c.LegalDue), c.Lang),
		Rights: c.Rights, Delivery: c.Delivery, DocumentsOnly: DocumentsOnly(c)}
	if d.Delivery == "" {
		d.Delivery = "electronic"
	}
	d.StatusURL = s.BaseURL + "/" + c.Lang + "/o/" + org.Slug + "/status"
	notConsent, err := ConsentNotApplicable(ctx, store.New(tx), c)
	if err != nil {
		return err
	}
	for _, r := range notConsent {
		d.ConsentNot = append(d.ConsentNot, r.Name)
	}
	fit := receiptFitOf(c, DueOf(c, CalendarFor(org), s.Now()))
	d.Late, d.Extension, d.DocLate = fit.Late, fit.Extension, fit.DocLate
	d.Next = "mail.receipt.next"
	if len(notConsent) > 0 && slices.Equal(c.Rights, []string{string(RightWithdrawConsent)}) {
		chosen, err := store.New(tx).CaseRegisterIDs(ctx, c.ID)
		if err != nil {
			return err
		}
		if len(chosen) == len(notConsent) {
			d.Next = "mail.receipt.next_consent_not"
		}
	}
	if fit.IdentityKnown { // ID-2: shown at the counter, not confirmed "next"
		d.Next += "_identified"
	}
	if c.DocDue != nil {
		d.DocDue = FormatDate(datePtr(c.DocDue), c.Lang)
	}
	m := Mail{OrgID: org.ID, CaseID: c.ID, Kind: "receipt", To: to, Lang: c.Lang, Data: d}
	if c.Channel == "email" { // the receipt answers the request's own message (issue 17)
		id, err := store.New(tx).InboundMessageIDOfCase(ctx, org.ID, c.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		m.InReplyTo = id
	}
	return s.queueMail(ctx, tx, m)
}

// FormatDate writes a date the way readers of lang expect: 7.4.2026 in
// Finnish and Swedish, 7 April 2026 in English (i18n.Date).
func FormatDate(d Date, lang string) string {
	if d.IsZero() {
		return ""
	}
	return i18n.Date(lang, d.Year, d.Month, d.Day)
}

// FormatDateTime writes an instant in Helsinki time as people write it
// (terms.md, i18n.DateTime): fi "2.12.2026 klo 14.05", sv "2.12.2026 kl.
// 14.05", en "2 December 2026, 14:05".
func FormatDateTime(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	return i18n.DateTime(lang, t.In(Helsinki()))
}

// PurgeUnconfirmed deletes web submissions whose code was never confirmed
// within 24 hours (issue 5); returns how many.
func (s *Service) PurgeUnconfirmed(ctx context.Context) (int, error) {
	n, err := store.New(s.Pool).DeleteUnconfirmed(ctx, s.Now().Add(-unconfirmedTTL))
	if err != nil {
		return 0, fmt.Errorf("purging unconfirmed submissions: %w", err)
	}
	if n > 0 {
		s.Logger.Info("purged unconfirmed submissions", "count", n)
	}
	return int(n), nil
}
