// Package testenv builds a real rightsdesk for tests: a fresh migrated
// PostgreSQL database (internal/pgtest), keys, the workflow service with a
// controllable clock, a River client, an HTTP server, and a real SMTP
// catcher on 127.0.0.1. Use it from external test packages (package x_test);
// test binaries must call pgtest.Main from TestMain.
package testenv

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"rightsdesk/api"
	"rightsdesk/internal/config"
	"rightsdesk/internal/i18n"
	"rightsdesk/internal/mail"
	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
	"rightsdesk/jobs"
	"rightsdesk/templates"
	"rightsdesk/workflow"
)

// Clock is a settable clock (D-16: no sleeping tests).
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Env is one test's rightsdesk.
type Env struct {
	T        testing.TB
	Ctx      context.Context
	Pool     *pgxpool.Pool
	Keys     *secret.Keys
	Catalog  *i18n.Catalog
	Clock    *Clock
	River    *river.Client[pgx.Tx]
	Workflow *workflow.Service
	Catcher  *mail.Catcher
	Sender   *mail.Sender
	Config   config.Config
	Logger   *slog.Logger
	server   *api.Server
}

// Quiet is a logger that discards everything (tests assert, not read logs).
func Quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// New builds an Env with the clock at 2026-03-03 10:00 Helsinki time.
func New(t testing.TB) *Env {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	keys, err := secret.New(make32(t))
	if err != nil {
		t.Fatal(err)
	}
	store.UseKeys(keys) // personal data at rest (issue 16 item 4)
	cat, err := i18n.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	clock := &Clock{t: time.Date(2026, 3, 3, 10, 0, 0, 0, workflow.Helsinki())}
	cfg, _, err := config.Parse("test", nil, func(k string) string {
		switch k {
		case "ARGON2_MEMORY_KIB":
			return "64" // light hashing in tests only (stack notes)
		case "ARGON2_TIME":
			return "1"
		case "BASE_URL":
			return "http://rightsdesk.test"
		case "API_RATE":
			return "0" // the clock stands still in tests: a bucket would never refill (TestAPIRate sets one)
		}
		return ""
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{T: t, Ctx: ctx, Pool: pool, Keys: keys, Catalog: cat, Clock: clock, Config: cfg, Logger: Quiet()}
	e.Catcher = mail.NewCatcher(e.Logger)
	addr, err := e.Catcher.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Catcher.Close() })
	mc, err := mail.ParseURL("smtp://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	e.Sender = mail.NewSender(mc)
	e.Workflow = &workflow.Service{
		Pool: pool, Keys: keys, Catalog: cat, Logger: e.Logger, Now: clock.Now,
		BaseURL: cfg.BaseURL, MailFrom: "rightsdesk <no-reply@rightsdesk.test>",
		ReminderDays: []int{5, 2}, TaskLinkTTL: 60 * 24 * time.Hour,
	}
	// An insert-only client: tests run jobs explicitly (WorkAll) or assert
	// them with rivertest.
	e.River, err = jobs.NewClient(pool, nil, jobs.Options{}, e.Logger)
	if err != nil {
		t.Fatal(err)
	}
	e.Workflow.River = e.River
	if err := e.Workflow.Init(); err != nil {
		t.Fatal(err)
	}
	return e
}

func make32(t testing.TB) []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = byte(i*7 + 3)
	}
	return k
}

// Server returns the HTTP server of this Env (built once).
func (e *Env) Server() *api.Server {
	e.T.Helper()
	if e.server == nil {
		s, err := api.New(api.Deps{
			Config: e.Config, Pool: e.Pool, Logger: e.Logger, Catalog: e.Catalog, Keys: e.Keys,
			Workflow: e.Workflow, Catcher: e.Catcher, Now: e.Clock.Now,
		})
		if err != nil {
			e.T.Fatal(err)
		}
		e.server = s
	}
	return e.server
}

// HTTP starts a real listener for the server (for cookie jars and browsers).
func (e *Env) HTTP() *httptest.Server {
	ts := httptest.NewServer(e.Server().Handler())
	e.T.Cleanup(ts.Close)
	return ts
}

// Client is an http.Client with a cookie jar that does not follow redirects.
func Client() *http.Client {
	jar, _ := newJar()
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Org creates an organisation and returns it.
func (e *Env) Org(slug, nameFI, nameSV, lang string) store.Org {
	e.T.Helper()
	o := store.Org{Slug: slug, NameFI: nameFI, NameSV: nameSV, PrimaryLang: lang, DPOEmail: "dpo@" + slug + ".test", DPOName: "DPO " + slug, PrivacyEmail: "privacy@" + slug + ".test"}
	id, err := store.New(e.Pool).UpsertOrg(e.Ctx, o)
	if err != nil {
		e.T.Fatal(err)
	}
	o.ID = id
	return o
}

// Register inserts a catalogue register directly (tests that are not about
// importing). Returns its id.
func (e *Env) Register(orgID int64, name, basis, ownerEmail string) int64 {
	e.T.Helper()
	var id int64
	err := e.Pool.QueryRow(e.Ctx, `INSERT INTO registers (org_id, norm_name, name, language, legal_basis, owner_email, owner_name, purpose, sector)
		VALUES ($1, lower($2), $2, 'fi', $3, $4, CASE WHEN $4 = '' THEN '' ELSE 'Owner of ' || $2 END, 'Purpose of ' || $2, 'Sector')
		RETURNING id`, orgID, name, basis, ownerEmail).Scan(&id)
	if err != nil {
		e.T.Fatal(err)
	}
	return id
}

// WorkAll runs every available job of the given kinds now, synchronously,
// with real workers (mail goes to the Env's catcher), until none is left.
// Scheduled jobs whose time has come by the Env clock are made available.
func (e *Env) WorkAll(kinds ...string) int {
	e.T.Helper()
	return workAll(e, kinds)
}
