package jobs

import (
	"context"

	"github.com/riverqueue/river"

	"rightsdesk/jobs/jobargs"
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
