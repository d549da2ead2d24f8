package jobs

import (
	"context"

	"github.com/riverqueue/river"

	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// DailyDigestWorker mails each DPO the cases overdue or due this week.
type DailyDigestWorker struct {
	river.WorkerDefaults[jobargs.DailyDigest]
	d Deps
}

func (w *DailyDigestWorker) Work(ctx context.Context, j *river.Job[jobargs.DailyDigest]) error {
	day := workflow.DigestDay(w.d.Workflow.Now())
	if j.Args.Day != "" {
		var err error
		if day, err = workflow.ParseDate(j.Args.Day); err != nil {
			return river.JobCancel(err) // malformed args never get better
		}
	}
	n, err := w.d.Workflow.SendDigests(ctx, day)
	if w.d.Logger != nil && n > 0 {
		w.d.Logger.Info("daily digest queued", "day", day.String(), "mails", n)
	}
	return err
}
