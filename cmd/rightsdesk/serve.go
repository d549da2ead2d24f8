package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/api"
	"rightsdesk/internal/config"
	"rightsdesk/internal/pgembed"
	"rightsdesk/internal/seed"
	"rightsdesk/internal/store"
	"rightsdesk/registers"
)

func runServe(ctx context.Context, env *Env, args []string) error {
	cfg, _, err := parseConfig(env, "serve", args, nil)
	if err != nil {
		return err
	}
	// Listen first: with port 0 the system picks a free port, which the
	// base URL and the "serving" log line then name (tests rely on it).
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.ListenAddr, err)
	}
	defer ln.Close()
	if port := ":" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port); strings.HasSuffix(cfg.BaseURL, ":0") {
		cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, ":0") + port
	}
	a, err := setup(ctx, cfg, env, true, true)
	if err != nil {
		return err
	}
	defer a.close()
	var health func() error
	if a.cluster != nil {
		// Issue 22: the embedded server is restarted when it dies; /healthz
		// fails when it cannot come back.
		a.cluster.Supervise(pgembed.SuperviseOptions{})
		health = a.cluster.Healthy
	}
	setMemoryLimit(cfg, env, a)

	var demo []seed.Credential
	if cfg.Seed {
		res, err := seed.Run(ctx, seed.Deps{Pool: a.pool, Workflow: a.wf, Logger: a.log, Argon2Memory: cfg.Argon2Memory, Argon2Time: cfg.Argon2Time})
		if err != nil {
			return fmt.Errorf("seeding: %w", err)
		}
		demo = res.Credentials
	}
	if err := a.startInbound(ctx); err != nil {
		return err
	}
	m := a.newMetrics()
	if _, err := a.serveMetrics(m); err != nil {
		return err
	}
	if _, err := a.servePprof(); err != nil {
		return err
	}
	srv, err := api.New(api.Deps{
		Config: cfg, Pool: a.pool, Logger: a.log, Catalog: a.catalog, Keys: a.keys,
		Workflow: a.wf, Catcher: a.catcher, Health: health, Metrics: m,
	})
	if err != nil {
		return err
	}
	if err := a.startRiver(ctx); err != nil {
		return err
	}
	noAdmin, err := noPlatformAdmin(ctx, a.pool)
	if err != nil {
		return err
	}
	printWelcome(env, cfg.BaseURL, a.catcher != nil, a.inbound, demo, noAdmin)
	if err := registers.CheckPDFTool(""); err != nil {
		// Issue 19: the import wizard reads PDFs with poppler's pdftotext;
		// the server runs without it, but says so once, plainly.
		fmt.Fprintln(env.Stdout, "PDF import is not available: "+err.Error())
		a.log.Warn("pdf import unavailable: pdftotext not found")
	}
	a.log.Info("serving", "addr", ln.Addr().String())
	return srv.ServeListener(ctx, ln)
}

// noPlatformAdmin reports whether no active account is a platform
// administrator.
func noPlatformAdmin(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	us, err := store.New(pool).StaffUsers(ctx)
	if err != nil {
		return false, err
	}
	for _, u := range us {
		if u.PlatformAdmin && u.DisabledAt == nil {
			return false, nil
		}
	}
	return true, nil
}

func printWelcome(env *Env, base string, devMail bool, inbound string, demo []seed.Credential, noAdmin bool) {
	w := env.Stdout
	fmt.Fprintf(w, "\nrightsdesk is running at %s/\n\n", base)
	fmt.Fprintf(w, "  Resident form (fi)   %s/fi/\n", base)
	fmt.Fprintf(w, "  Resident form (sv)   %s/sv/\n", base)
	fmt.Fprintf(w, "  Resident form (en)   %s/en/\n", base)
	fmt.Fprintf(w, "  Staff sign-in        %s/staff/login\n", base)
	if devMail {
		fmt.Fprintf(w, "  Mail catcher         %s/staff/mail (owners' task links arrive here)\n", base)
	}
	if inbound != "" {
		fmt.Fprintf(w, "  Requests by email    smtp://%s (to an organisation's privacy address)\n", inbound)
	}
	if len(demo) > 0 {
		fmt.Fprintln(w, "\n  Demo DPO accounts (shown once; stored only as hashes):")
		for _, c := range demo {
			fmt.Fprintf(w, "    %-12s %-32s %s\n", c.Org, c.Email, c.Password)
		}
	}
	if noAdmin {
		// Issue 19, D-29: the web UI's organisation pages need a platform
		// administrator; nothing creates one but this command, run beside
		// the server (it shares the embedded database).
		email := "E"
		if len(demo) > 0 {
			email = demo[0].Email
		}
		fmt.Fprintf(w, "\n  No platform administrator yet. To create organisations in the web UI,\n"+
			"  make a staff account one (beside the server):\n    %s user platform-admin --email %s\n", commandName(), email)
	}
	fmt.Fprintln(w, "\nStop with Ctrl-C.")
}

// commandName is how this binary was started when that names rightsdesk
// (bin/rightsdesk under make run), so a printed command can be pasted.
func commandName() string {
	if len(os.Args) > 0 && filepath.Base(os.Args[0]) == "rightsdesk" {
		return os.Args[0]
	}
	return "rightsdesk"
}

// setMemoryLimit gives the Go runtime a soft memory limit (unless GOMEMLIMIT
// sets one) of the password hashes' budget plus serveRestMiB for the rest, so
// the buffers of finished argon2 hashes are collected and reused instead
// of doubling the heap before the next collection (issue 16, item 6: 100
// parallel sign-ins stay under 300 MB with the defaults). It is soft: a
// larger live heap is allowed, at the price of more frequent collection.
//
// Under that limit the collector runs at GOGC 300 (unless GOGC is set)
// instead of Go's 100: an intake's garbage is short-lived, and at 100 the
// collector took about a sixth of the server's CPU during an intake burst
// (issue 21, docs/scale.md 19). The limit still bounds the heap.
func setMemoryLimit(cfg config.Config, env *Env, a *app) {
	if env.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	if env.Getenv("GOMEMLIMIT") != "" {
		return
	}
	limit := (int64(cfg.HashMemoryMiB) + serveRestMiB) << 20
	debug.SetMemoryLimit(limit)
	a.log.Debug("soft memory limit", "mib", limit>>20)
}

// serveGCPercent is the server's GOGC when the environment sets none.
const serveGCPercent = 300

// serveRestMiB is the soft memory limit beyond the hash budget. The
// process's RSS also holds what the limit does not count (the binary's
// mapped pages among them) and the two hashes' live buffers push the heap
// to the limit: at 128 MiB, 100 parallel sign-ins on a fresh embedded
// server peaked at 307 MiB (343 MiB at GOGC 300) against issue 16's
// 300 MiB; at 64, 243-246 MiB in three runs (make bench's loginload,
// docs/scale.md 19). An intake burst's live heap is a few tens of MiB.
const serveRestMiB = 64
