package jobs

import (
	"context"

	"github.com/riverqueue/river"

	"rightsdesk/jobs/jobargs"
)

// RefreshStatsWorker refreshes the monthly statistics (issue 21): the
// statistics page reads the table it fills, never the cases.
type RefreshStatsWorker struct {
	river.WorkerDefaults[jobargs.RefreshStats]
	d Deps
}

func (w *RefreshStatsWorker) Work(ctx context.Context, j *river.Job[jobargs.RefreshStats]) error {
	return w.d.Workflow.RefreshStats(ctx)
}
