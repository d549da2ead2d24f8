package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"rightsdesk/internal/config"
	"rightsdesk/internal/i18n"
	"rightsdesk/internal/mail"
	"rightsdesk/internal/pgembed"
	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
	"rightsdesk/jobs"
	"rightsdesk/migrations"
	"rightsdesk/templates"
	"rightsdesk/workflow"
)

// app is the wired product: database, keys, River, workflow, mail.
type app struct {
	cfg     config.Config
	log     *slog.Logger
	cluster *pgembed.Cluster
	pool    *pgxpool.Pool
	keys    *secret.Keys
	catalog *i18n.Catalog
	river   *river.Client[pgx.Tx]
	wf      *workflow.Service
	catcher *mail.Catcher
	inbound string // the inbound SMTP listener's address, when SMTP_LISTEN is set
	closers []func()
}

func newLogger(cfg config.Config, env *Env) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl, ReplaceAttr: workflow.MaskHetuAttr} // last line of defence (issue 16 item 3)
	if cfg.LogJSON {
		return slog.New(slog.NewJSONHandler(env.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(env.Stderr, opts))
}

// openDB connects as the schema's owner: MIGRATE_DATABASE_URL when set,
// else DATABASE_URL, or starts the embedded cluster (its superuser).
// setup then moves the server to the application role (useAppRole).
// attach: beside a running serve, commands share its embedded server.
func openDB(ctx context.Context, cfg config.Config, log *slog.Logger, attach bool) (*pgxpool.Pool, *pgembed.Cluster, error) {
	dsn := cfg.DatabaseURL
	if cfg.MigrateDatabaseURL != "" {
		dsn = cfg.MigrateDatabaseURL
	}
	var cluster *pgembed.Cluster
	if cfg.Embedded() {
		dir, err := filepath.Abs(filepath.Join(cfg.DataDir, "pg"))
		if err != nil {
			return nil, nil, err
		}
		cluster, err = pgembed.Start(ctx, pgembed.Options{DataDir: dir, Logger: log, Fsync: true, Attach: attach})
		if err != nil {
			return nil, nil, fmt.Errorf("embedded PostgreSQL: %w", err)
		}
		if err := cluster.EnsureDatabase(ctx, "rightsdesk"); err != nil {
			cluster.Stop(context.Background())
			return nil, nil, err
		}
		dsn = cluster.DSN("rightsdesk")
	}
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		if cluster != nil {
			cluster.Stop(context.Background())
		}
		return nil, nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		pcfg.MaxConns = 20 // the default 4 starves River (stack notes)
	}
	pool, err := connectPool(ctx, pcfg)
	if err != nil {
		if cluster != nil {
			cluster.Stop(context.Background())
		}
		return nil, nil, err
	}
	return pool, cluster, nil
}

// connectPool opens and checks a pool. JIT compilation is off unless the
// URL sets jit: the application's statements are short index walks, and
// PostgreSQL 15's JIT took 0.2-0.8 s compiling some of them at 1M cases
// (docs/scale.md 14.4), far more than they run.
func connectPool(ctx context.Context, pcfg *pgxpool.Config) (*pgxpool.Pool, error) {
	if _, set := pcfg.ConnConfig.RuntimeParams["jit"]; !set {
		pcfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err == nil {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = pool.Ping(pctx)
		cancel()
		if err != nil {
			pool.Close()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("connecting to the database: %w", err)
	}
	return pool, nil
}

// useAppRole moves a.pool from the schema's owner to the application's
// own role, which can append to the audit trail but not change it (issue
// 16): in the embedded default the role rightsdesk_app, created here; with
// MIGRATE_DATABASE_URL the role of DATABASE_URL. With DATABASE_URL alone
// the server goes on as the owner and says so once.
func (a *app) useAppRole(ctx context.Context) error {
	owner := a.pool
	var pcfg *pgxpool.Config
	var err error
	create := false
	switch {
	case a.cluster != nil:
		if pcfg, err = pgxpool.ParseConfig(a.cluster.DSN("rightsdesk")); err != nil {
			return err
		}
		pcfg.ConnConfig.User = migrations.AppRole
		create = true
	case a.cfg.MigrateDatabaseURL != "":
		if pcfg, err = pgxpool.ParseConfig(a.cfg.DatabaseURL); err != nil {
			return fmt.Errorf("DATABASE_URL: %w", err)
		}
	default:
		if owns, err := migrations.OwnsSchema(ctx, owner); err != nil {
			return err
		} else if owns {
			a.log.Warn("the application's database role owns the schema (or is a superuser), so it could change the audit trail: set MIGRATE_DATABASE_URL to the owner and DATABASE_URL to a role of its own (docs/operations.md)")
		}
		return nil
	}
	if !strings.Contains(a.cfg.DatabaseURL, "pool_max_conns") {
		pcfg.MaxConns = 20
	}
	if err := migrations.GrantApp(ctx, owner, pcfg.ConnConfig.User, create); err != nil {
		return err
	}
	pool, err := connectPool(ctx, pcfg)
	if err != nil {
		return fmt.Errorf("as the application role: %w", err)
	}
	a.closers = append(a.closers, pool.Close)
	a.pool = pool
	owner.Close()
	return nil
}

// setup wires everything serve and worker share. withWorkers adds the River
// workers (and the mail sender they need).
// serving: the serve command owns the embedded server; others attach to it.
func setup(ctx context.Context, cfg config.Config, env *Env, withWorkers, serving bool) (*app, error) {
	a := &app{cfg: cfg, log: newLogger(cfg, env)}
	ok := false
	defer func() {
		if !ok {
			a.close()
		}
	}()
	if err := cfg.CheckSecret(); err != nil {
		return nil, err
	}
	if withWorkers {
		if err := cfg.CheckMail(); err != nil {
			return nil, err
		}
	}
	var err error
	a.pool, a.cluster, err = openDB(ctx, cfg, a.log, !serving)
	if err != nil {
		return nil, err
	}
	if a.cluster != nil {
		a.closers = append(a.closers, func() {
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := a.cluster.Stop(sctx); err != nil {
				a.log.Error("stopping embedded PostgreSQL", "err", err)
			}
		})
	}
	a.closers = append(a.closers, a.pool.Close)
	if cfg.Migrate {
		if err := migrations.Up(ctx, a.pool); err != nil {
			return nil, err
		}
	}
	if a.keys, err = loadKeys(ctx, cfg, a.log, a.pool); err != nil {
		return nil, err
	}
	if cfg.Migrate {
		// Rows written before personal data was encrypted at rest are
		// sealed now (issue 16 item 4); idempotent, nothing to do after
		// the first run.
		rep, err := store.EncryptLegacy(ctx, a.pool, a.keys)
		if err != nil {
			return nil, fmt.Errorf("encrypting existing personal data: %w", err)
		}
		if rep != (store.LegacyReport{}) {
			a.log.Info("encrypted existing personal data", "values", rep.Sealed, "case_keys", rep.CaseKeys,
				"email_indexes", rep.EmailIndexed, "purged_wiped", rep.Wiped)
		}
	}
	if err := a.useAppRole(ctx); err != nil {
		return nil, err
	}
	if withWorkers || serving {
		a.watchKeyFile() // learn a key 'keys rotate' adds (issue 22)
	}
	if a.catalog, err = i18n.Load(templates.FS); err != nil {
		return nil, err
	}
	a.wf = &workflow.Service{
		Pool: a.pool, Keys: a.keys, Catalog: a.catalog, Logger: a.log, Now: time.Now,
		BaseURL: cfg.BaseURL, MailFrom: cfg.MailFrom, ReminderDays: cfg.ReminderDays, TaskLinkTTL: cfg.TaskLinkTTL,
	}
	var workers *river.Workers
	if withWorkers {
		sender, err := a.mailSender()
		if err != nil {
			return nil, err
		}
		workers = jobs.Workers(jobs.Deps{Workflow: a.wf, Sender: sender, Logger: a.log})
		if serving && cfg.MailFast > 0 {
			// Intake code mails right after their commit (issue 21); closed
			// after the HTTP server stops taking requests (closers run in
			// reverse), before the pool.
			a.wf.Fast = a.wf.StartFastMail(sender, workflow.FastMailOptions{Senders: cfg.MailFast})
			a.closers = append(a.closers, func() {
				sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				a.wf.Fast.Close(sctx)
			})
		}
	}
	// River reports job counts every few seconds at info: keep its log to
	// warnings unless debugging.
	riverLog := a.log
	if cfg.LogLevel != "debug" {
		riverLog = newLogger(config.Config{LogLevel: "warn", LogJSON: cfg.LogJSON}, env)
	}
	a.river, err = jobs.NewClient(a.pool, workers, jobs.Options{Workers: cfg.Workers, FetchCooldown: cfg.FetchCooldown, Periodic: true}, riverLog)
	if err != nil {
		return nil, err
	}
	a.wf.River = a.river
	if err := a.wf.Init(); err != nil {
		return nil, err
	}
	ok = true
	return a, nil
}

// loadKeys builds the keyring (D-26) from SECRET_KEY and OLD_SECRET_KEYS,
// or from the key file (SECRET_KEY_FILE, or DATA_DIR's generated key in
// the embedded default, D-17; issue 22: the file holds the whole ring).
func loadKeys(ctx context.Context, cfg config.Config, log *slog.Logger, pool *pgxpool.Pool) (*secret.Keys, error) {
	if err := cfg.CheckSecret(); err != nil {
		return nil, err
	}
	current, old, err := readRing(cfg, log, func() (bool, error) { return store.New(pool).HoldsKeyedData(ctx) })
	if err != nil {
		return nil, err
	}
	k, err := secret.NewRing(current, append(old, cfg.OldSecretKeys...))
	if err != nil {
		return nil, fmt.Errorf("SECRET_KEY / OLD_SECRET_KEYS: %w", err)
	}
	store.UseKeys(k) // the store seals personal data with it (issue 16 item 4)
	return k, nil
}

// mailSender is SMTP_URL's server, or the in-process catcher (embedded
// default, or SMTP_URL=catcher; CheckMail refuses the rest).
func (a *app) mailSender() (workflow.MailSender, error) {
	if !a.cfg.MailCatcher() {
		mc, err := mail.ParseURL(a.cfg.SMTPURL)
		if err != nil {
			return nil, fmt.Errorf("SMTP_URL: %w", err)
		}
		return a.mailPool(mc), nil
	}
	a.catcher = mail.NewCatcher(a.log)
	addr, err := a.catcher.Start("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the mail catcher: %w", err)
	}
	a.closers = append(a.closers, func() { a.catcher.Close() })
	mc, err := mail.ParseURL("smtp://" + addr)
	if err != nil {
		return nil, err
	}
	return a.mailPool(mc), nil
}

// mailPool sends over kept SMTP connections (issue 21), closed at exit.
func (a *app) mailPool(mc mail.Config) *mail.Pool {
	p := mail.NewPool(mail.NewSender(mc), 8)
	a.closers = append(a.closers, p.Close)
	return p
}

// close releases in reverse order of acquisition.
func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

// startRiver starts the workers and registers their graceful stop.
func (a *app) startRiver(ctx context.Context) error {
	if err := a.river.Start(ctx); err != nil {
		return fmt.Errorf("starting River: %w", err)
	}
	a.closers = append(a.closers, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := a.river.Stop(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			a.log.Error("stopping River", "err", err)
		}
	})
	return nil
}

func runWorker(ctx context.Context, env *Env, args []string) error {
	cfg, _, err := parseConfig(env, "worker", args, nil)
	if err != nil {
		return err
	}
	cfg.Seed = false
	if cfg.MailCatcher() {
		// The catcher lives in a process and shows what it caught at that
		// process's /staff/mail: a worker's would catch mail nobody reads.
		return errors.New("worker: the in-process mail catcher is serve's; a separate worker needs a real --smtp-url (SMTP_URL), or run serve alone, which runs the workers too")
	}
	a, err := setup(ctx, cfg, env, true, false)
	if err != nil {
		return err
	}
	defer a.close()
	if _, err := a.serveMetrics(a.newMetrics()); err != nil {
		return err
	}
	if err := a.startRiver(ctx); err != nil {
		return err
	}
	a.log.Info("worker running")
	<-ctx.Done()
	return nil
}
