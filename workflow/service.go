package workflow

import (
	"context"
	"fmt"
	"log/slog"
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
	mail    *composer
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
	return nil
}

// tx runs fn in one transaction with a store bound to it.
func (s *Service) tx(ctx context.Context, fn func(tx pgx.Tx, q *store.Q) error) error {
	return store.Tx(ctx, s.Pool, func(tx pgx.Tx) error { return fn(tx, store.New(tx)) })
}

// Calendar returns the deadline calendar of an organisation (DL-9).
func CalendarFor(o store.Org) Calendar {
	return Calendar{EvesNonWorking: o.EvesNonWorking}
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
}

// queueMail writes the outbox row and inserts its delivery job in tx
// (D-14): no mail for a change that rolled back, no change without its mail.
func (s *Service) queueMail(ctx context.Context, tx pgx.Tx, m Mail) error {
	subj, text, html, err := s.mail.render(m.Kind, m.Lang, m.Data)
	if err != nil {
		return fmt.Errorf("composing %s mail: %w", m.Kind, err)
	}
	id, err := store.New(tx).InsertOutbox(ctx, store.OutboxRow{
		OrgID: m.OrgID, CaseID: m.CaseID, TaskID: m.TaskID, Kind: m.Kind, To: m.To, Lang: m.Lang,
		Subject: subj, Text: text, HTML: html,
	})
	if err != nil {
		return err
	}
	if _, err := s.River.InsertTx(ctx, tx, jobargs.DeliverMail{OutboxID: id}, jobOpts(s.Now(), nil)); err != nil {
		return fmt.Errorf("queueing mail %d: %w", id, err)
	}
	return nil
}
