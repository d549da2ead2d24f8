package demo

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// IndexMode says what a load does with the secondary indexes of the tables
// it fills (issue 21).
type IndexMode string

const (
	// IndexesAuto rebuilds when the load is at least as large as what is
	// there and no other client is connected to the database, else keeps.
	IndexesAuto IndexMode = "auto"
	// IndexesRebuild drops them before the load and rebuilds them after.
	IndexesRebuild IndexMode = "rebuild"
	// IndexesKeep keeps them during the load.
	IndexesKeep IndexMode = "keep"
)

// ParseIndexMode reads --indexes.
func ParseIndexMode(s string) (IndexMode, error) {
	switch m := IndexMode(s); m {
	case IndexesAuto, IndexesRebuild, IndexesKeep:
		return m, nil
	}
	return "", fmt.Errorf("--indexes: %q is not auto, rebuild or keep", s)
}

// bulkTables are the tables the loader fills with COPY.
var bulkTables = []string{"cases", "case_keys", "requesters", "tasks", "case_registers", "case_notes", "audit_events", "audit_heads"}

// decideIndexes says whether to drop the bulk tables' secondary indexes,
// and why, in words for the progress line. Dropping them beside a running
// server would make its queries scan whole tables, so auto drops only
// when nothing else is connected and the load at least doubles the cases.
func decideIndexes(ctx context.Context, pool *pgxpool.Pool, mode IndexMode, cases int) (bool, string, error) {
	switch mode {
	case IndexesKeep:
		return false, "indexes kept (--indexes keep)", nil
	case IndexesRebuild:
		return true, "indexes rebuilt after the load (--indexes rebuild)", nil
	}
	var existing int64
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM cases`).Scan(&existing); err != nil {
		return false, "", fmt.Errorf("demo: counting cases: %w", err)
	}
	if int64(cases) < existing {
		return false, fmt.Sprintf("indexes kept: %d cases are fewer than the %d there", cases, existing), nil
	}
	var owner bool
	if err := pool.QueryRow(ctx, `SELECT bool_and(pg_has_role(current_user, c.relowner, 'USAGE')) FROM pg_class c
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY($1)`, bulkTables).Scan(&owner); err != nil {
		return false, "", fmt.Errorf("demo: table owner: %w", err)
	}
	if !owner {
		return false, "indexes kept: the database role does not own the tables", nil
	}
	others, err := otherClients(ctx, pool)
	if err != nil {
		return false, "", err
	}
	if others > 0 {
		return false, fmt.Sprintf("indexes kept: %d other client connection(s) to the database", others), nil
	}
	return true, fmt.Sprintf("indexes rebuilt after the load (%d cases there, no other client)", existing), nil
}

// otherClients counts the client connections to this database that are
// not this pool's own (all of which are idle before the load starts).
func otherClients(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	conns := pool.AcquireAllIdle(ctx)
	own := make([]uint32, 0, len(conns))
	for _, c := range conns {
		own = append(own, c.Conn().PgConn().PID())
	}
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	var n int
	err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND backend_type = 'client backend'
		AND pid <> pg_backend_pid() AND pid <> ALL($1::int[])`, own).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("demo: connected clients: %w", err)
	}
	return n, nil
}

// keptPartial are partial indexes that the demo's rows (almost) never
// enter: a web case is always confirmed, no chain is an organisation's,
// none is broken, no requester has a henkilötunnus; one event of about
// ten has on_time (an answer's); few cases wait for triage, are closed,
// or have a task with no owner.
// Keeping one costs the load a predicate test per row, while rebuilding it
// reads its whole table again (audit_events_org alone: 3 s at 1M).
// TestGenerateKeepsPartialIndexes holds the demo's rows to this.
var keptPartial = []string{"audit_events_org", "audit_events_on_time", "audit_heads_broken", "requesters_hetu",
	"requesters_subject_hetu", "cases_unconfirmed", "cases_needing_triage", "cases_closed", "tasks_dpo_queue"}

// dropIndexes drops the bulk tables' secondary indexes: those that are
// valid, neither unique nor a constraint's (the load relies on the
// primary keys and unique checks, and their keys mostly ascend, so they
// cost little), nor in keptPartial. Their definitions come from pg_indexes, so indexes later
// migrations add are covered, and are saved in demo_dropped_indexes in the
// same transaction: a load killed before its rebuild leaves them for the
// next run (restoreIndexes).
func dropIndexes(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// Never wait behind another session's long transaction.
		if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '5s'`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT x.indexname, x.tablename, x.indexdef
			FROM pg_indexes x
			JOIN pg_index i ON i.indexrelid = format('%I.%I', x.schemaname, x.indexname)::regclass
			WHERE x.schemaname = current_schema() AND x.tablename = ANY($1)
			  AND NOT i.indisunique AND NOT i.indisprimary AND i.indisvalid
			  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
			  AND NOT (i.indpred IS NOT NULL AND x.indexname = ANY($2))
			ORDER BY x.tablename, x.indexname`, bulkTables, keptPartial)
		if err != nil {
			return err
		}
		type def struct{ name, table, sql string }
		defs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (def, error) {
			var d def
			return d, r.Scan(&d.name, &d.table, &d.sql)
		})
		if err != nil {
			return err
		}
		for _, d := range defs {
			if _, err := tx.Exec(ctx, `INSERT INTO demo_dropped_indexes (index_name, table_name, def) VALUES ($1, $2, $3)`,
				d.name, d.table, d.sql); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DROP INDEX `+pgx.Identifier{d.name}.Sanitize()); err != nil {
				return err
			}
		}
		n = len(defs)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("demo: dropping indexes: %w", err)
	}
	return n, nil
}

// restoreIndexes builds every index saved in demo_dropped_indexes, two at
// a time (one per core), and forgets each once built. It runs whatever
// happened to the load: callers pass a context that an interrupt does not
// cancel.
func restoreIndexes(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	rows, err := pool.Query(ctx, `SELECT index_name, def FROM demo_dropped_indexes ORDER BY table_name, index_name`)
	if err != nil {
		return 0, fmt.Errorf("demo: saved indexes: %w", err)
	}
	type def struct{ name, sql string }
	defs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (def, error) {
		var d def
		return d, r.Scan(&d.name, &d.sql)
	})
	if err != nil {
		return 0, fmt.Errorf("demo: saved indexes: %w", err)
	}
	work := make(chan def)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range work {
				if err := buildIndex(ctx, pool, d.name, d.sql); err != nil && errs[w] == nil {
					errs[w] = err
				}
			}
		}()
	}
	for _, d := range defs {
		work <- d
	}
	close(work)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return 0, err
		}
	}
	return len(defs), nil
}

func buildIndex(ctx context.Context, pool *pgxpool.Pool, name, def string) error {
	// The saved definitions are of plain (non-unique) indexes; IF NOT
	// EXISTS lets a restore that was itself interrupted run again.
	if rest, ok := strings.CutPrefix(def, "CREATE INDEX "); ok {
		def = "CREATE INDEX IF NOT EXISTS " + rest
	}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// One build per core: sorting in memory is what makes it fast.
		if _, err := tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SET LOCAL max_parallel_maintenance_workers = 0`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, def); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM demo_dropped_indexes WHERE index_name = $1`, name)
		return err
	})
	if err != nil {
		return fmt.Errorf("demo: rebuilding index %s: %w", name, err)
	}
	return nil
}

// since formats an elapsed time for the progress line.
func since(t time.Time) string { return time.Since(t).Round(100 * time.Millisecond).String() }
