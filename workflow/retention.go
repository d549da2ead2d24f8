package workflow

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/store"
)

// PurgeBatch is how many cases one run of the retention purge handles at
// most; the next daily run takes the rest.
const PurgeBatch = 200

// PurgeHour is the hour (Helsinki) the daily retention purge runs.
const PurgeHour = 3

// PurgeExpired purges up to limit closed cases whose organisation's
// retention period (retention_years after closing, D-28) has ended: each
// in its own transaction, its key destroyed, its personal data, files,
// generated PDFs, mails, raw messages and job arguments deleted, a
// tombstone kept and `case.purged` audited on the case's chain (D-25:
// the chain stays whole). Running it again purges nothing more. It
// returns how many cases it purged.
func (s *Service) PurgeExpired(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = PurgeBatch
	}
	now := s.Now()
	ids, err := store.New(s.Pool).CasesDueForPurge(ctx, now, limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		err := s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
			t, done, err := q.PurgeCase(ctx, id, now)
			if err != nil || !done {
				return err
			}
			n++
			return s.audit(ctx, q, t.OrgID, t.CaseID, ActorSystem, "case.purged",
				map[string]any{"closed_at": t.ClosedAt.UTC().Format("2006-01-02"), "outcome": t.Outcome})
		})
		if err != nil {
			return n, fmt.Errorf("purging case %d: %w", id, err)
		}
	}
	if n > 0 {
		s.Logger.Info("retention purge", "cases", n)
	}
	return n, nil
}
