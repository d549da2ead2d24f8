package testenv

import (
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"rightsdesk/jobs"
)

// workAll runs due jobs (scheduled_at <= the Env clock) of the given kinds
// (all kinds when none is given) until no untried due job is left. A job
// that fails stays for a later call, as River would retry it; a cancelled
// one is cancelled. It returns how many jobs completed.
func workAll(e *Env, kinds []string) int {
	dispatch := jobs.Dispatcher(jobs.Deps{Workflow: e.Workflow, Sender: e.Sender, Logger: e.Logger})
	tried := map[int64]bool{}
	done := 0
	for {
		rows, err := e.Pool.Query(e.Ctx, `
			SELECT id, kind, args, attempt, max_attempts FROM river_job
			WHERE state IN ('available', 'scheduled', 'retryable') AND scheduled_at <= $1
			  AND (coalesce(cardinality($2::text[]), 0) = 0 OR kind = ANY($2))
			ORDER BY scheduled_at, id`, e.Clock.Now(), kinds)
		if err != nil {
			e.T.Fatal(err)
		}
		var batch []*rivertype.JobRow
		for rows.Next() {
			r := &rivertype.JobRow{}
			if err := rows.Scan(&r.ID, &r.Kind, &r.EncodedArgs, &r.Attempt, &r.MaxAttempts); err != nil {
				e.T.Fatal(err)
			}
			if !tried[r.ID] {
				batch = append(batch, r)
			}
		}
		rows.Close()
		if len(batch) == 0 {
			return done
		}
		for _, r := range batch {
			tried[r.ID] = true
			r.Attempt++
			err := dispatch(e.Ctx, r)
			state := "completed"
			var cancel *river.JobCancelError
			var snooze *river.JobSnoozeError
			switch {
			case err == nil:
				done++
			case errors.As(err, &cancel):
				state = "cancelled"
			case errors.As(err, &snooze):
				state = "scheduled"
			default:
				state = "retryable"
			}
			if r.Attempt >= r.MaxAttempts && state == "retryable" {
				state = "discarded"
			}
			var errs []string
			if err != nil {
				errs = []string{err.Error()}
			}
			_, uerr := e.Pool.Exec(e.Ctx, `UPDATE river_job SET state = $2::text::river_job_state, attempt = $3::int, attempted_at = $4::timestamptz,
				finalized_at = CASE WHEN $2::text IN ('completed', 'cancelled', 'discarded') THEN $4::timestamptz ELSE NULL END,
				errors = CASE WHEN cardinality($5::text[]) > 0 THEN coalesce(errors, '{}') || jsonb_build_object('error', $5::text[][1], 'at', $4::timestamptz, 'attempt', $3::int) ELSE errors END
				WHERE id = $1`, r.ID, state, r.Attempt, e.Clock.Now().Add(time.Millisecond), errs)
			if uerr != nil {
				e.T.Fatal(uerr)
			}
		}
	}
}
