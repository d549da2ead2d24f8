package workflow

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/store"
)

// StatsRecentMonths is how many months before the current one each refresh
// recomputes: late answers and state changes of recent requests land
// there; older months are final, and keep their figures after the
// retention purge of their cases (issue 21).
const StatsRecentMonths = 2

// RefreshStats recomputes the monthly statistics of every organisation:
// everything on an organisation's first refresh, then the recent months.
// Idempotent: a second run gives the same rows.
func (s *Service) RefreshStats(ctx context.Context) error {
	orgs, err := store.New(s.Pool).Orgs(ctx)
	if err != nil {
		return err
	}
	now := s.Now()
	for _, o := range orgs {
		if err := s.RefreshOrgStats(ctx, o.ID, now); err != nil {
			return err
		}
	}
	return nil
}

// RefreshOrgStats refreshes one organisation's statistics.
func (s *Service) RefreshOrgStats(ctx context.Context, orgID int64, now time.Time) error {
	return s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		last, err := q.StatsRefreshedAt(ctx, orgID)
		if err != nil {
			return err
		}
		from := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
		if !last.IsZero() {
			d := HelsinkiDate(now)
			from = time.Date(d.Year, d.Month, 1, 0, 0, 0, 0, time.UTC).AddDate(0, -StatsRecentMonths, 0)
			// An older request answered, refused or withdrawn since
			// changes its month's outcome counts.
			changed, ok, err := q.StatsChangedSince(ctx, orgID, last)
			if err != nil {
				return err
			}
			if ok && changed.Before(from) {
				from = changed
			}
		}
		return q.RefreshStats(ctx, orgID, from, now)
	})
}
