package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// BreachReminderWorker reminds the DPOs of a breach's 72-hour limit
// (Art 33(1)): 24 h and 6 h before it and at it.
type BreachReminderWorker struct {
	river.WorkerDefaults[jobargs.BreachReminder]
	d Deps
}

func (w *BreachReminderWorker) Work(ctx context.Context, j *river.Job[jobargs.BreachReminder]) error {
	out, err := w.d.Workflow.SendBreachReminder(ctx, j.Args)
	if err == nil && out == workflow.OutcomeEarly {
		// Run before its time (a clock ahead of the scheduler's): wait.
		return river.JobSnooze(max(workflow.BreachReminderAt(j.Args).Sub(w.d.Workflow.Now()), time.Second))
	}
	return finish(w.d, "breach_reminder", out, err)
}
