package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// TaskReminderWorker reminds a register owner before the owner target.
type TaskReminderWorker struct {
	river.WorkerDefaults[jobargs.TaskReminder]
	d Deps
}

func (w *TaskReminderWorker) Work(ctx context.Context, j *river.Job[jobargs.TaskReminder]) error {
	out, err := w.d.Workflow.SendReminder(ctx, j.Args)
	return finish(w.d, "task_reminder", out, err)
}

// pausedRetry is how long a deadline job waits while its case is paused
// and its target has not moved yet.
const pausedRetry = time.Hour

// finish turns a deadline job's outcome into River's terms: a paused
// case snoozes the job (it does not use up an attempt), anything else
// completes it.
func finish(d Deps, kind string, out workflow.JobOutcome, err error) error {
	if err != nil {
		return err
	}
	if d.Logger != nil {
		d.Logger.Debug("deadline job", "kind", kind, "outcome", string(out))
	}
	if out == workflow.OutcomePaused {
		return river.JobSnooze(pausedRetry)
	}
	return nil
}
