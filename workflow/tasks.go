package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/store"
)

// sweepTasks re-creates the reminder and escalation jobs an open task is
// missing for its current owner target (issue 6: a job deleted or
// discarded by hand, or lost with a restored backup of River's tables).
// Jobs are written with the change that needs them, so normally nothing
// is missing; scheduleTaskJobs is unique by args, so a race with a
// transition inserts nothing twice, and a task already escalated for its
// target is left alone.
func (s *Service) sweepTasks(ctx context.Context) error {
	orgs, err := store.New(s.Pool).Orgs(ctx)
	if err != nil {
		return err
	}
	repaired := 0
	var errs []error
	for _, org := range orgs {
		n, err := s.sweepOrgTasks(ctx, org)
		repaired += n
		if err != nil {
			errs = append(errs, fmt.Errorf("sweep tasks of %s: %w", org.Slug, err))
		}
	}
	if repaired > 0 {
		s.Logger.Info("sweep rescheduled task jobs", "tasks", repaired)
	}
	return errors.Join(errs...)
}

func (s *Service) sweepOrgTasks(ctx context.Context, org store.Org) (int, error) {
	rows, err := store.New(s.Pool).OpenTasksWithJobs(ctx, org.ID)
	if err != nil {
		return 0, err
	}
	cal, n := CalendarFor(org), 0
	for _, r := range rows {
		fixed := false
		err := s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
			t, err := q.TaskForUpdate(ctx, org.ID, r.TaskID)
			if err != nil {
				return err
			}
			c, err := q.CaseForUpdate(ctx, org.ID, t.CaseID)
			if err != nil {
				return err
			}
			if t.State != "open" || t.OwnerEmail == "" || State(c.State) != StateInProgress {
				return nil // changed since the list was read
			}
			due := DueOf(c, cal, s.Now())
			target := due.OwnerTarget.String()
			if slices.Contains(r.JobDues, target) || slices.Contains(r.EscalatedDues, target) {
				return nil
			}
			fixed = true
			return s.scheduleTaskJobs(ctx, tx, t, due)
		})
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return n, fmt.Errorf("task %d: %w", r.TaskID, err)
		}
		if fixed {
			n++
		}
	}
	return n, nil
}
