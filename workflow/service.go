package workflow

import (
	"context"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"rightsdesk/internal/i18n"
	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
)

// Service runs the use cases: each one a transaction in which the state
// change, its audit event, its outbox rows and its jobs commit together.
type Service struct {
	Pool         *pgxpool.Pool
	River        *river.Client[pgx.Tx] // used to InsertTx jobs; need not be started
	Keys         *secret.Keys
	Catalog      *i18n.Catalog
	Logger       *slog.Logger
	Now          func() time.Time // D-16: time is injected
	BaseURL      string
	MailFrom     string
	ReminderDays []int
	TaskLinkTTL  time.Duration
	// CodeTTL is how long an emailed one-time code is valid.
	CodeTTL time.Duration
	// Fast sends intake code mails right after their commit (issue 21);
	// nil: every mail goes through River.
	Fast *FastMail
	mail *composer
	// intakeIDs hands out new requests' ids in blocks (issue 21); set by Init.
	intakeIDs *store.IntakeIDBlock
	// stats remembers suppressed statistics (stats_cache.go); set by Init.
	stats *statsCache
}

// Init checks the service's wiring and loads the mail templates.
func (s *Service) Init() error {
	if s.Pool == nil || s.River == nil || s.Keys == nil || s.Catalog == nil {
		return fmt.Errorf("workflow: Pool, River, Keys and Catalog are required")
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.TaskLinkTTL == 0 {
		s.TaskLinkTTL = 60 * 24 * time.Hour
	}
	if s.CodeTTL == 0 {
		s.CodeTTL = 30 * time.Minute
	}
	if s.ReminderDays == nil {
		s.ReminderDays = []int{5, 2}
	}
	c, err := newComposer(s.Catalog)
	if err != nil {
		return err
	}
	s.mail = c
	s.intakeIDs = &store.IntakeIDBlock{}
	s.stats = &statsCache{}
	return nil
}

// tx runs fn in one transaction with a store bound to it.
func (s *Service) tx(ctx context.Context, fn func(tx pgx.Tx, q *store.Q) error) error {
	return store.Tx(ctx, s.Pool, func(tx pgx.Tx) error { return fn(tx, store.New(tx)) })
}

// CalendarFor returns the deadline calendar of an organisation (DL-9) for
// a request received now.
func CalendarFor(o store.Org) Calendar {
	return Calendar{EvesNonWorking: o.EvesNonWorking}
}

// CaseCalendar is the calendar a case was received under: a later change of
// its organisation's eves_non_working does not move its dates (D-30).
func CaseCalendar(c store.Case) Calendar {
	return Calendar{EvesNonWorking: c.EvesNonWorking}
}

// Mail is one email to queue.
type Mail struct {
	OrgID  int64
	CaseID int64
	TaskID int64
	Kind   string // template name under templates/mail
	To     string
	Lang   string
	Data   any
	// CodeHash names the one-time code the mail carries (its stored keyed
	// hash) and CodeTTL its validity, counted from when the mail is sent
	// (issue 17); a mail whose code was replaced is not sent.
	CodeHash []byte
	CodeTTL  time.Duration
	// InReplyTo is the Message-ID the mail answers (the receipt for an
	// emailed request threads to it).
	InReplyTo string
	// LinkRenewal: the mail gives a new link for a delivered letter
	// (RenewAnswerLink); its acceptance delivers no answer again (D-29).
	LinkRenewal bool
}

// residentKinds are the mails to a requester (and the request forwarded
// to another controller): they carry Reply-To with the organisation's
// privacy address, so a reply reaches the DPO, not the no-reply sender
// (issue 17). The pause's question, which asks for a reply, had none.
var residentKinds = map[string]bool{"code": true, "receipt": true, "extended": true, "refused": true, "status_code": true,
	"answer_link": true, "answer_code": true, "letter_link": true, "doc_delivered": true,
	"pause_asked": true, "doc_decided": true, "doc_extended": true, "forward_told": true, "forwarded": true}

// composeMail renders a mail into its outbox row. org is the mail's
// organisation, needed for a resident's mail (its Reply-To).
func (s *Service) composeMail(m Mail, org *store.Org) (store.OutboxRow, error) {
	subj, text, html, err := s.mail.render(m.Kind, m.Lang, m.Data)
	if err != nil {
		return store.OutboxRow{}, fmt.Errorf("composing %s mail: %w", m.Kind, err)
	}
	// Issue 16 item 3 (ID-3): no mail carries a henkilötunnus in full, even
	// one typed into free text (a reason, a name) that a template
	// interpolates; masking the rendered mail covers every template.
	subj, text, html = MaskHetuInText(subj), MaskHetuInText(text), MaskHetuInText(html)
	row := store.OutboxRow{
		OrgID: m.OrgID, CaseID: m.CaseID, TaskID: m.TaskID, Kind: m.Kind, To: m.To, Lang: m.Lang,
		Subject: subj, Text: text, HTML: html, CodeHash: m.CodeHash, CodeTTLSecs: int(m.CodeTTL / time.Second),
		InReplyTo: m.InReplyTo, LinkRenewal: m.LinkRenewal,
	}
	if residentKinds[m.Kind] && m.OrgID != 0 {
		if org == nil || org.ID != m.OrgID {
			return row, fmt.Errorf("composing %s mail: its organisation is needed for Reply-To", m.Kind)
		}
		row.ReplyTo = org.PrivacyEmail
	}
	return row, nil
}

// MailDomain is the right-hand side of every Message-ID: the domain of
// MAIL_FROM, else BASE_URL's host (issue 17: "@rightsdesk" is not a domain).
func (s *Service) MailDomain() string {
	if a, err := netmail.ParseAddress(s.MailFrom); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
			return d
		}
	}
	if u, err := url.Parse(s.BaseURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "rightsdesk.invalid"
}

// queueMail writes the outbox row and inserts its delivery job in tx
// (D-14): no mail for a change that rolled back, no change without its mail.
func (s *Service) queueMail(ctx context.Context, tx pgx.Tx, m Mail) error {
	var org *store.Org
	if residentKinds[m.Kind] && m.OrgID != 0 {
		o, err := store.New(tx).OrgByID(ctx, m.OrgID)
		if err != nil {
			return err
		}
		org = &o
	}
	row, err := s.composeMail(m, org)
	if err != nil {
		return err
	}
	id, err := store.New(tx).InsertOutbox(ctx, row, s.MailDomain())
	if err != nil {
		return err
	}
	if _, err := s.River.InsertTx(ctx, tx, jobargs.DeliverMail{OutboxID: id}, jobOpts(s.Now(), nil)); err != nil {
		return fmt.Errorf("queueing mail %d: %w", id, err)
	}
	return nil
}
