package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// Monthly statistics (issue 21): stats_monthly and stats_monthly_days are
// filled from the view stats_source by RefreshStats (a periodic River
// job); the statistics page reads them only.

// StatsRow is one (month, dimension, value) cell group of stats_monthly.
type StatsRow struct {
	Month     time.Time `db:"month"`
	Dimension string    `db:"dimension"`
	Value     string    `db:"value"`
	Received  int       `db:"received"`
	Answered  int       `db:"answered"`
	OnTime    int       `db:"on_time"`
}

// StatsDays is how many requests of a month were answered in Days days.
type StatsDays struct {
	Month time.Time `db:"month"`
	Days  int       `db:"days"`
	N     int       `db:"n"`
}

// RefreshStats recomputes the organisation's months from `from` on (a
// month's first day): delete and insert, so running it twice gives the
// same rows (idempotent) and months before `from` keep their figures after
// the cases they count are purged. Call it on a Q of a transaction.
func (q *Q) RefreshStats(ctx context.Context, orgID int64, from time.Time, at time.Time) error {
	tx := q.db
	{
		for _, sql := range []string{
			`DELETE FROM stats_monthly WHERE org_id = $1 AND month >= $2`,
			`DELETE FROM stats_monthly_days WHERE org_id = $1 AND month >= $2`,
			// Received by month of receipt; answered by month of answer.
			`WITH src AS (SELECT * FROM stats_source WHERE org_id = $1 AND (month_received >= $2 OR month_answered >= $2)),
			dims AS (
				SELECT month_received, month_answered, on_time, 'all' AS dimension, '' AS value FROM src
				UNION ALL SELECT month_received, month_answered, on_time, 'right', r FROM src, unnest(src.rights) AS r
				UNION ALL SELECT month_received, month_answered, on_time, 'channel', channel FROM src
				-- Outcome so far of the month's requests ('open' while they run).
				UNION ALL SELECT month_received, month_answered, on_time, 'outcome', coalesce(nullif(outcome, ''), 'open') FROM src),
			rec AS (SELECT month_received AS month, dimension, value, count(*) AS n FROM dims
				WHERE month_received >= $2 GROUP BY 1, 2, 3),
			ans AS (SELECT month_answered AS month, dimension, value, count(*) AS n, count(*) FILTER (WHERE on_time) AS ok FROM dims
				WHERE month_answered >= $2 GROUP BY 1, 2, 3)
			INSERT INTO stats_monthly (org_id, month, dimension, value, received, answered, on_time)
			SELECT $1, month, dimension, value, coalesce(rec.n, 0), coalesce(ans.n, 0), coalesce(ans.ok, 0)
			FROM rec FULL JOIN ans USING (month, dimension, value)`,
			`INSERT INTO stats_monthly_days (org_id, month, days, n)
			SELECT $1, month_answered, days, count(*) FROM stats_source
			WHERE org_id = $1 AND month_answered >= $2 GROUP BY 2, 3`,
		} {
			if _, err := tx.Exec(ctx, sql, orgID, from); err != nil {
				return mapErr(err, "refreshing statistics")
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO stats_refreshed (org_id, refreshed_at, from_month) VALUES ($1, $2, $3)
			ON CONFLICT (org_id) DO UPDATE SET refreshed_at = $2, from_month = $3`, orgID, at, from)
		return mapErr(err, "refreshing statistics")
	}
}

// StatsChangedSince is the first month (a month's first day, Helsinki)
// of the organisation's requests changed after t, and false when none
// was: a late answer or a refusal of an old request changes its month's
// outcome counts, so the refresh recomputes from there. One pass over
// the organisation's cases (no index on updated_at: intake stays lean).
func (q *Q) StatsChangedSince(ctx context.Context, orgID int64, t time.Time) (time.Time, bool, error) {
	var m *time.Time
	err := q.db.QueryRow(ctx, `SELECT date_trunc('month', min(received_at) AT TIME ZONE 'Europe/Helsinki')::date
		FROM cases WHERE org_id = $1 AND updated_at > $2`, orgID, t).Scan(&m)
	if err != nil {
		return time.Time{}, false, mapErr(err, "statistics: changed requests")
	}
	if m == nil {
		return time.Time{}, false, nil
	}
	return *m, true, nil
}

// StatsRefreshedAt is when the organisation's statistics were last
// refreshed (zero: never, the first refresh recomputes everything).
func (q *Q) StatsRefreshedAt(ctx context.Context, orgID int64) (time.Time, error) {
	var at time.Time
	err := q.db.QueryRow(ctx, `SELECT refreshed_at FROM stats_refreshed WHERE org_id = $1`, orgID).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	return at, mapErr(err, "statistics refreshed")
}

// StatsMonths returns the organisation's rows of months in [from, to).
func (q *Q) StatsMonths(ctx context.Context, orgID int64, from, to time.Time) ([]StatsRow, []StatsDays, error) {
	rows, err := q.db.Query(ctx, `SELECT month, dimension, value, received, answered, on_time FROM stats_monthly
		WHERE org_id = $1 AND month >= $2 AND month < $3 ORDER BY month, dimension, value`, orgID, from, to)
	if err != nil {
		return nil, nil, mapErr(err, "statistics")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[StatsRow])
	if err != nil {
		return nil, nil, mapErr(err, "statistics")
	}
	rows, err = q.db.Query(ctx, `SELECT month, days, n FROM stats_monthly_days
		WHERE org_id = $1 AND month >= $2 AND month < $3 ORDER BY month, days`, orgID, from, to)
	if err != nil {
		return nil, nil, mapErr(err, "statistics")
	}
	days, err := pgx.CollectRows(rows, pgx.RowToStructByName[StatsDays])
	return out, days, mapErr(err, "statistics")
}

// UnitCount is how many tasks of a unit's registers are open.
type UnitCount struct {
	Unit string `db:"unit"`
	Open int    `db:"open"`
}

// OpenTasksByUnit counts the organisation's waiting and open tasks by the
// unit of their register ("" for registers with no unit), largest first.
// It sums open_task_counts (issue 21: maintained per register by a trigger
// on tasks), never the tasks themselves; the unit is joined here, so a
// register moved to another unit counts there at once.
func (q *Q) OpenTasksByUnit(ctx context.Context, orgID int64) ([]UnitCount, error) {
	return q.openTasksByUnit(ctx, `SELECT c.register_id, c.n FROM open_task_counts c WHERE c.org_id = $1`, orgID)
}

// OpenTasksByUnitScan counts as OpenTasksByUnit does, from the tasks (the
// tests hold open_task_counts to it).
func (q *Q) OpenTasksByUnitScan(ctx context.Context, orgID int64) ([]UnitCount, error) {
	return q.openTasksByUnit(ctx, `SELECT t.register_id, 1 AS n FROM tasks t
		WHERE t.org_id = $1 AND t.state IN ('waiting', 'open')`, orgID)
}

func (q *Q) openTasksByUnit(ctx context.Context, source string, orgID int64) ([]UnitCount, error) {
	rows, err := q.db.Query(ctx, `SELECT coalesce(u.name, '') AS unit, sum(x.n)::int AS open
		FROM (`+source+`) x JOIN registers r ON r.id = x.register_id LEFT JOIN units u ON u.id = r.unit_id
		GROUP BY 1 HAVING sum(x.n) <> 0 ORDER BY 2 DESC, 1`, orgID)
	if err != nil {
		return nil, mapErr(err, "open tasks by unit")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[UnitCount])
	return out, mapErr(err, "open tasks by unit")
}

// ForgetStatsRefresh drops the record of orgID's last statistics refresh,
// so the next refresh recomputes every month (the demo's cases carry past
// dates that an incremental refresh would not see as changed).
func (q *Q) ForgetStatsRefresh(ctx context.Context, orgID int64) error {
	_, err := q.db.Exec(ctx, `DELETE FROM stats_refreshed WHERE org_id = $1`, orgID)
	return err
}
