package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Maintained counts (issue 21, docs/scale.md section 6): tables of delta
// rows kept by row triggers, so the dashboard's band counts and the
// statistics page's open tasks by unit sum a few hundred rows instead of
// counting the open backlog on each request.
//
//   - open_due_counts (org, state, channel, due): the open cases the
//     dashboard lists, by urgency date.
//   - open_right_counts (org, right, state, channel, due): the same cases,
//     one row per distinct right of the case (the right filter).
//   - open_unit_counts (org, unit, right, state, channel, due): the same
//     cases with a task in a register of the unit, once per (case, unit);
//     right '' counts every such case, one row more per right of the case
//     (the unit filter, alone or with a right). Kept by triggers on tasks,
//     cases (updates and deletes, not inserts) and registers' unit
//     (migration unitcounts).
//   - open_task_counts (org, register): waiting and open tasks; the unit is
//     joined at read time.
//
// The triggers only INSERT (+1/-1 rows, no unique key), so concurrent
// writers of one organisation share no row lock. The sweep folds the
// deltas (CompactMaintainedCounts); RebuildMaintainedCounts recomputes an
// organisation's rows from the source tables (after a load with triggers
// off, or to repair). Both take the organisation's maintenanceLock, so a
// rebuild never deletes deltas a concurrent compaction has already folded
// into rows its snapshot cannot see.

// maintenanceLock is the advisory lock class (with the organisation id)
// that serialises an organisation's compactions and rebuilds. Intakes do
// not take it.
const maintenanceLock = 7263

// maintainedTable is one maintained count table: its key columns, the
// statement that recomputes an organisation's rows from the source tables
// ($1 organisation; $2 the open states when openStates), and a name for
// errors.
type maintainedTable struct {
	table, key, name string
	define           string
	openStates       bool // define reads the open states as $2
	// fold is the key as compactSQL groups it with a fold day ($2): a due
	// date before the day becomes -infinity (empty: no due column).
	fold string
}

// foldDue is the due column of a folded key: every date before the fold
// day ($2) is one key, -infinity (see CompactMaintainedCountsAt).
const foldDue = `CASE WHEN due < $2::date THEN '-infinity'::date ELSE due END`

var maintainedTables = []maintainedTable{
	{table: "open_due_counts", key: "org_id, state, channel, due", name: "band counts",
		define: `SELECT org_id, state, channel, coalesce(urgent_due, extended_due, legal_due), count(*)
			FROM cases WHERE org_id = $1 AND state = ANY($2) AND (confirmed_at IS NOT NULL OR needs_triage)
			GROUP BY 1, 2, 3, 4`, openStates: true,
		fold: "org_id, state, channel, " + foldDue},
	{table: "open_right_counts", key: `org_id, "right", state, channel, due`, name: "band counts by right",
		define: `SELECT org_id, r, state, channel, due, count(*) FROM (
				SELECT DISTINCT c.id, c.org_id, r, c.state, c.channel, coalesce(c.urgent_due, c.extended_due, c.legal_due) AS due
				FROM cases c, unnest(c.rights) r
				WHERE c.org_id = $1 AND c.state = ANY($2) AND (c.confirmed_at IS NOT NULL OR c.needs_triage) AND r IS NOT NULL) x
			GROUP BY 1, 2, 3, 4, 5`, openStates: true,
		fold: `org_id, "right", state, channel, ` + foldDue},
	{table: "open_unit_counts", key: `org_id, unit_id, "right", state, channel, due`, name: "band counts by unit",
		define: `SELECT c.org_id, u.unit_id, r.r, c.state, c.channel, coalesce(c.urgent_due, c.extended_due, c.legal_due), count(*)
			FROM cases c
			CROSS JOIN LATERAL (SELECT DISTINCT g.unit_id FROM tasks t JOIN registers g ON g.id = t.register_id AND g.org_id = t.org_id
				WHERE t.case_id = c.id AND t.org_id = c.org_id AND g.unit_id IS NOT NULL) u
			CROSS JOIN LATERAL (SELECT '' UNION SELECT x FROM unnest(c.rights) x WHERE x IS NOT NULL) AS r(r)
			WHERE c.org_id = $1 AND c.state = ANY($2) AND (c.confirmed_at IS NOT NULL OR c.needs_triage)
			GROUP BY 1, 2, 3, 4, 5, 6`, openStates: true,
		fold: `org_id, unit_id, "right", state, channel, ` + foldDue},
	{table: "open_task_counts", key: "org_id, register_id", name: "open task counts",
		define: `SELECT org_id, register_id, count(*) FROM tasks
			WHERE org_id = $1 AND state IN ('waiting', 'open')
			GROUP BY 1, 2`},
}

// compactSQL folds the organisation's deltas into one row per key (keys
// summing to zero dropped) in one statement: the sums do not change, and
// rows of uncommitted writers are outside its snapshot and stay. With
// byDay (tables with a due column; $2 the fold day) every due date before
// the day is folded into one key with due = -infinity.
func (m maintainedTable) compactSQL(byDay bool) string {
	group := m.key
	if byDay {
		group = m.fold
	}
	return `WITH d AS (DELETE FROM ` + m.table + ` WHERE org_id = $1 RETURNING ` + m.key + `, n)
		INSERT INTO ` + m.table + ` (` + m.key + `, n)
		SELECT ` + group + `, sum(n) FROM d GROUP BY ` + group + ` HAVING sum(n) <> 0`
}

// rebuildSQL deletes the organisation's visible rows and inserts the
// aggregate of the source tables, both of one snapshot (one statement):
// a writer that commits later adds its deltas on top of the rebuilt rows,
// one still uncommitted has neither its rows deleted nor its change
// counted, so the sums stay right beside concurrent writers.
func (m maintainedTable) rebuildSQL() string {
	return `WITH d AS (DELETE FROM ` + m.table + ` WHERE org_id = $1)
		INSERT INTO ` + m.table + ` (` + m.key + `, n) ` + m.define
}

// maintenance runs fn in a transaction (a savepoint inside one) that holds
// the organisation's maintenanceLock. The statements after the lock take
// their snapshots after it (READ COMMITTED), so they see what an earlier
// compaction or rebuild committed.
func (q *Q) maintenance(ctx context.Context, orgID int64, fn func(DB) error) error {
	b, ok := q.db.(interface {
		Begin(context.Context) (pgx.Tx, error)
	})
	if !ok {
		return fmt.Errorf("maintained counts: %T cannot begin a transaction", q.db)
	}
	return markConnLost(pgx.BeginFunc(ctx, b, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2::int)`, int32(maintenanceLock), int32(orgID%(1<<31))); err != nil {
			return err
		}
		return fn(tx)
	}))
}

// CompactOpenDueCounts folds the organisation's open_due_counts deltas
// into one row per key (dropping keys that sum to zero); the sums do not
// change. It returns the rows left.
func (q *Q) CompactOpenDueCounts(ctx context.Context, orgID int64) (int64, error) {
	var left int64
	err := q.maintenance(ctx, orgID, func(db DB) error {
		tag, err := db.Exec(ctx, maintainedTables[0].compactSQL(false), orgID)
		left = tag.RowsAffected()
		return err
	})
	return left, mapErr(err, "compact band counts")
}

// CompactMaintainedCounts folds the deltas of every maintained count table
// of the organisation into one row per key and returns the rows left per
// table. The sweep uses CompactMaintainedCountsAt.
func (q *Q) CompactMaintainedCounts(ctx context.Context, orgID int64) (map[string]int64, error) {
	return q.compactMaintained(ctx, orgID, time.Time{}, "")
}

// CompactMaintainedCountsAt is CompactMaintainedCounts that also folds,
// in open_due_counts and open_right_counts, every key whose due date is
// before today (the Europe/Helsinki date of the sweep) into one row per
// (organisation, state, channel[, right]) with due = -infinity, so the
// rows an organisation keeps no longer grow with the number of distinct
// overdue dates (issue 21: band counts at 1M cases). A date before today
// stays overdue on every later day, so the band sums of any reading day
// >= today do not change; a later -1 delta of a folded case still carries
// its exact old date (also overdue), so a key may be negative until the
// next fold (CHECK n <> 0 allows it). Readers must sum per band with a
// day >= the last fold day (CountDashboard compares due < today); nothing
// may read these tables per exact due date before that day.
func (q *Q) CompactMaintainedCountsAt(ctx context.Context, orgID int64, today time.Time) (map[string]int64, error) {
	if today.IsZero() {
		return nil, fmt.Errorf("compact maintained counts: no fold day")
	}
	return q.compactMaintained(ctx, orgID, today, "")
}

// compactMaintained folds the tables' deltas (only: that table alone),
// with the day fold when today is set.
func (q *Q) compactMaintained(ctx context.Context, orgID int64, today time.Time, only string) (map[string]int64, error) {
	left := map[string]int64{}
	err := q.maintenance(ctx, orgID, func(db DB) error {
		for _, m := range maintainedTables {
			if only != "" && m.table != only {
				continue
			}
			args := []any{orgID}
			byDay := !today.IsZero() && m.fold != ""
			if byDay {
				args = append(args, today)
			}
			tag, err := db.Exec(ctx, m.compactSQL(byDay), args...)
			if err != nil {
				return fmt.Errorf("compact %s: %w", m.name, err)
			}
			left[m.table] = tag.RowsAffected()
		}
		return nil
	})
	if err != nil {
		return nil, mapErr(err, "compact maintained counts")
	}
	return left, nil
}

// RebuildMaintainedCounts recomputes the organisation's rows of every
// maintained count table from cases and tasks, one statement per table
// (see rebuildSQL), and leaves one row per key. Run it after loading cases
// or tasks with triggers off (session_replication_role = replica), or to
// repair. Call it on a pool or a READ COMMITTED transaction.
func (q *Q) RebuildMaintainedCounts(ctx context.Context, orgID int64) error {
	err := q.maintenance(ctx, orgID, func(db DB) error {
		for _, m := range maintainedTables {
			args := []any{orgID}
			if m.openStates {
				args = append(args, OpenStates)
			}
			if _, err := db.Exec(ctx, m.rebuildSQL(), args...); err != nil {
				return fmt.Errorf("rebuild %s: %w", m.name, err)
			}
		}
		return nil
	})
	return mapErr(err, "rebuild maintained counts")
}
