package jobs

import (
	"context"

	"github.com/riverqueue/river"

	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// PurgeUnconfirmedWorker deletes web submissions never confirmed in 24 h.
type PurgeUnconfirmedWorker struct {
	river.WorkerDefaults[jobargs.PurgeUnconfirmed]
	d Deps
}

func (w *PurgeUnconfirmedWorker) Work(ctx context.Context, j *river.Job[jobargs.PurgeUnconfirmed]) error {
	_, err := w.d.Workflow.PurgeUnconfirmed(ctx)
	return err
}

// SweepWorker repairs what a crashed process or a lost job left behind.
type SweepWorker struct {
	river.WorkerDefaults[jobargs.Sweep]
	d Deps
}

func (w *SweepWorker) Work(ctx context.Context, j *river.Job[jobargs.Sweep]) error {
	return w.d.Workflow.Sweep(ctx)
}

// MailBackstopWorker sends what a process ended before sending: pending
// mail whose claim ran out without a job (workflow.RequeueMail).
type MailBackstopWorker struct {
	river.WorkerDefaults[jobargs.MailBackstop]
	d Deps
}

func (w *MailBackstopWorker) Work(ctx context.Context, j *river.Job[jobargs.MailBackstop]) error {
	_, err := w.d.Workflow.RequeueMail(ctx)
	return err
}

// RetentionPurgeWorker purges closed cases past their retention period
// (issue 22), at most workflow.PurgeBatch a run.
type RetentionPurgeWorker struct {
	river.WorkerDefaults[jobargs.RetentionPurge]
	d Deps
}

func (w *RetentionPurgeWorker) Work(ctx context.Context, j *river.Job[jobargs.RetentionPurge]) error {
	_, err := w.d.Workflow.PurgeExpired(ctx, workflow.PurgeBatch)
	return err
}

// retentionPeriodic: the purge runs daily at PurgeHour, Helsinki time (and
// on start; a second run finds nothing more to purge).
func retentionPeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(dailyAt{hour: workflow.PurgeHour},
		func() (river.JobArgs, *river.InsertOpts) { return jobargs.RetentionPurge{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "retention_purge"})
}
