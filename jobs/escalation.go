package jobs

import (
	"context"

	"github.com/riverqueue/river"

	"rightsdesk/jobs/jobargs"
)

// TaskEscalationWorker tells the DPO that a task passed its owner target
// unanswered.
type TaskEscalationWorker struct {
	river.WorkerDefaults[jobargs.TaskEscalation]
	d Deps
}

func (w *TaskEscalationWorker) Work(ctx context.Context, j *river.Job[jobargs.TaskEscalation]) error {
	out, err := w.d.Workflow.Escalate(ctx, j.Args)
	return finish(w.d, "task_escalation", out, err)
}
