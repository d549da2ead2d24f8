package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
)

// Heartbeat records that the named periodic job ran.
func (s *Service) Heartbeat(ctx context.Context, name string) error {
	return store.New(s.Pool).Heartbeat(ctx, name)
}

// RequeueMail queues delivery for pending mail that has no job and no
// live claim: an intake's code mail whose process ended before sending it
// (the fast path writes no job, issue 21), or a mail whose job was deleted
// or discarded by an operator. It returns how many it queued.
func (s *Service) RequeueMail(ctx context.Context) (int, error) {
	ids, err := store.New(s.Pool).OutboxPendingWithoutJob(ctx, s.Now())
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		err := s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
			_, err := s.River.InsertTx(ctx, tx, jobargs.DeliverMail{OutboxID: id}, jobOpts(s.Now(), nil))
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("requeue outbox %d: %w", id, err)
		}
	}
	if len(ids) > 0 {
		s.Logger.Info("mail without a job requeued", "count", len(ids))
	}
	return len(ids), nil
}

// Sweep repairs what a crashed process or a lost job left behind: mail
// without a job (as RequeueMail, which also runs on its own every
// jobs.MailBackstopEvery), old sessions, rate-limit windows, the
// maintained counts' deltas, open tasks' reminders, and requests for
// documents alone decided but left open (settleDecidedDocuments).
func (s *Service) Sweep(ctx context.Context) error {
	if _, err := s.RequeueMail(ctx); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	// Old login failures and ended sessions are kept no longer than needed.
	if err := (&StaffAuth{Pool: s.Pool, Now: s.Now}).Prune(ctx); err != nil {
		return fmt.Errorf("sweep: pruning sessions: %w", err)
	}
	// Ended rate-limit windows of the public pages (issue 22) count nothing.
	if _, err := store.New(s.Pool).PruneRateLimits(ctx, s.Now()); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	// The dashboard's band counts and the open tasks by unit (issue 21)
	// are delta rows: fold them, and fold the overdue due dates of the
	// band counts into one key. The fold day is yesterday (Helsinki): a
	// dashboard request that took its "today" just before midnight, or an
	// instance whose clock lags, still reads with a day >= the fold day.
	foldDay := HelsinkiDate(s.Now()).AddDays(-1).In(time.UTC)
	orgs, err := store.New(s.Pool).Orgs(ctx)
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	for _, org := range orgs {
		if _, err := store.New(s.Pool).CompactMaintainedCountsAt(ctx, org.ID, foldDay); err != nil {
			return fmt.Errorf("sweep: maintained counts of %s: %w", org.Slug, err)
		}
		// FI-2: requests for documents alone left open after their decision.
		if n, err := s.settleDecidedDocuments(ctx, org); err != nil {
			return fmt.Errorf("sweep: %s: %w", org.Slug, err)
		} else if n > 0 {
			s.Logger.Info("sweep answered decided document requests", "org", org.Slug, "count", n)
		}
	}
	return s.sweepTasks(ctx)
}
