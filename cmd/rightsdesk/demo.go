package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/demo"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// runDemo adds synthetic cases to an organisation (issue 21): beside a
// running server (it attaches to the embedded PostgreSQL, or uses
// DATABASE_URL) or alone. The cases are sealed like real ones.
func runDemo(ctx context.Context, env *Env, args []string) error {
	var slug, indexes string
	var cases, years int
	// --seed is the random seed here; the configuration's own --seed
	// (load seed data) means nothing to demo, so it is taken out first.
	seed, args, err := takeSeed(args)
	if err != nil {
		return err
	}
	cfg, _, err := parseConfig(env, "demo", args, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "org", "", "organisation slug (may be left out when there is only one)")
		fs.IntVar(&cases, "cases", 0, "how many cases to add (required)")
		fs.IntVar(&years, "years", 0, "received over this many years up to now (default: the organisation's retention, so that its purge takes none of them, D-28)")
		fs.StringVar(&indexes, "indexes", "auto", "secondary indexes during the load: auto (rebuild when the load at least doubles the cases and no other client is connected), rebuild, keep")
	})
	if err != nil {
		return err
	}
	if cases <= 0 {
		return errors.New("--cases: how many cases to add, e.g. --cases 10000 (usage: rightsdesk demo --org SLUG --cases N [--years N] [--seed 1] [--indexes auto|rebuild|keep])")
	}
	if years < 0 {
		return errors.New("--years: a number of years (leave it out to spread the cases over the organisation's retention)")
	}
	mode, err := demo.ParseIndexMode(indexes)
	if err != nil {
		return err
	}
	cfg.Seed = false
	a, err := setup(ctx, cfg, env, false, false)
	if err != nil {
		return err
	}
	defer a.close()
	// PPROF_LISTEN profiles the load too (issue 21: where its minutes go).
	if _, err := a.servePprof(); err != nil {
		return err
	}
	if slug == "" {
		// The issue's own first try is `rightsdesk demo --cases 1000000`:
		// with one organisation that is unambiguous, with several the
		// answer names them.
		if slug, err = onlyOrg(ctx, a.pool); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "demo: --org left out: adding to %s, the only organisation\n", slug)
	}
	org, err := store.New(a.pool).OrgBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return unknownOrg(ctx, a.pool, slug)
	}
	if err != nil {
		return err
	}
	// The load is the operator's bulk tool, not the application: it runs
	// as the schema's owner, which may skip the row triggers (a superuser)
	// and drop and rebuild indexes. The application role's connections
	// are closed first so that --indexes auto counts only other clients.
	owner, err := a.ownerPool(ctx)
	if err != nil {
		return err
	}
	defer owner.Close()
	a.pool.Reset()
	// The batches are short-lived garbage (a fifth of the loader's CPU
	// went to the collector at the default): collect less often.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	if years <= 0 {
		fmt.Fprintf(env.Stderr, "demo: cases received over the last %d years, %s's retention of closed requests (D-28; --years N for another spread)\n",
			max(org.RetentionYears, workflow.MinRetentionYears), org.Slug)
	} else if org.RetentionYears > 0 && years > org.RetentionYears {
		// D-28: the server's retention purge removes closed cases older
		// than this, 200 at a time, as soon as it runs (docs/scale.md 17).
		fmt.Fprintf(env.Stderr, "demo: note: %s keeps closed requests %d years; the server's retention purge will purge the demo's cases closed before that (use --years %d to keep them all)\n",
			org.Slug, org.RetentionYears, org.RetentionYears)
	}
	rep, err := demo.Generate(ctx, owner, a.keys, org, demo.Options{Cases: cases, Years: years, Seed: seed, Indexes: mode, Progress: env.Stderr})
	if err != nil {
		return err
	}
	// The demo's cases carry past dates (updated_at too), which the hourly
	// refresh would not see as changed: forget the organisation's refresh
	// and recompute its statistics now, so the stats page shows them.
	statsFrom := time.Now()
	fmt.Fprint(env.Stderr, "demo: refreshing statistics...")
	if err := store.New(a.pool).ForgetStatsRefresh(ctx, org.ID); err != nil {
		return fmt.Errorf("statistics: %w", err)
	}
	if err := a.wf.RefreshOrgStats(ctx, org.ID, a.wf.Now()); err != nil {
		return fmt.Errorf("statistics: %w", err)
	}
	stats := time.Since(statsFrom)
	fmt.Fprintf(env.Stderr, "\rdemo: statistics refreshed in %s\n", stats.Round(100*time.Millisecond))
	// The time a user waits: the load and the statistics after it.
	fmt.Fprintf(env.Stdout, "added %d demo cases to %s (%d tasks, %d audit events) in %s\n",
		rep.Cases, slug, rep.Tasks, rep.Events, (rep.Elapsed + stats).Round(100*time.Millisecond))
	return nil
}

// takeSeed removes --seed N (or -seed N, --seed=N) from args: the random
// seed, 1 by default.
func takeSeed(args []string) (uint64, []string, error) {
	seed, out := uint64(1), make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "seed" {
			out = append(out, a)
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return 0, nil, errors.New("--seed needs a number")
			}
			i++
			val = args[i]
		}
		n, err := strconv.ParseUint(val, 10, 64)
		if err != nil {
			return 0, nil, fmt.Errorf("--seed: %q is not a number", val)
		}
		seed = n
	}
	return seed, out, nil
}

// ownerPool connects as the schema's owner, as openDB did before setup
// moved a.pool to the application role: the embedded cluster's superuser,
// else MIGRATE_DATABASE_URL, else DATABASE_URL.
func (a *app) ownerPool(ctx context.Context) (*pgxpool.Pool, error) {
	dsn := a.cfg.DatabaseURL
	if a.cfg.MigrateDatabaseURL != "" {
		dsn = a.cfg.MigrateDatabaseURL
	}
	if a.cluster != nil {
		dsn = a.cluster.DSN("rightsdesk")
	}
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		pcfg.MaxConns = 8
	}
	return connectPool(ctx, pcfg)
}
