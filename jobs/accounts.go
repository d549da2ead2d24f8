package jobs

import (
	"context"

	"github.com/riverqueue/river"

	"rightsdesk/jobs/jobargs"
)

// PasswordResetWorker mails a reset link for a "forgot password" request
// when an account has its address (issue 19).
type PasswordResetWorker struct {
	river.WorkerDefaults[jobargs.PasswordReset]
	d Deps
}

func (w *PasswordResetWorker) Work(ctx context.Context, job *river.Job[jobargs.PasswordReset]) error {
	return w.d.Workflow.SendPasswordReset(ctx, job.Args.RequestID)
}
