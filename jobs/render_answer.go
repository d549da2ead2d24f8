package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// RenderAnswerWorker renders an approved answer's letters and delivers
// them (issue 18, workflow.RenderAnswer).
type RenderAnswerWorker struct {
	river.WorkerDefaults[jobargs.RenderAnswer]
	d Deps
}

// Timeout bounds one render: a long access answer takes seconds.
func (w *RenderAnswerWorker) Timeout(*river.Job[jobargs.RenderAnswer]) time.Duration {
	return 5 * time.Minute
}

func (w *RenderAnswerWorker) Work(ctx context.Context, j *river.Job[jobargs.RenderAnswer]) error {
	err := w.d.Workflow.RenderAnswer(ctx, j.Args.RenderID, j.Attempt >= j.MaxAttempts)
	if errors.Is(err, workflow.ErrRenderPermanent) {
		return river.JobCancel(err) // failed on the row, shown to the DPO
	}
	return err
}

// NextRetry: soon at first, then backing off to ten minutes, on the
// service's clock (D-16).
func (w *RenderAnswerWorker) NextRetry(j *river.Job[jobargs.RenderAnswer]) time.Time {
	d := time.Duration(1<<min(j.Attempt, 10)) * 15 * time.Second
	return w.d.Workflow.Now().Add(min(d, 10*time.Minute))
}
