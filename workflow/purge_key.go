package workflow

import (
	"context"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/store"
)

// DestroyCaseKey destroys a case's data key (D-25): every personal value
// of the case (requester, details, notes, extracts, files, its emailed
// message and its mails) becomes unreadable for ever, and reading it
// answers store.ErrPurged. The case row, its dates and its audit events
// stay. The retention purge (issue 22) calls it; it writes no event of
// its own, the purge records its tombstone.
func (s *Service) DestroyCaseKey(ctx context.Context, caseID int64) error {
	return s.tx(ctx, func(_ pgx.Tx, q *store.Q) error { return q.DestroyCaseKey(ctx, caseID) })
}
