package jobs

import (
	"context"

	"github.com/riverqueue/river"

	"rightsdesk/jobs/jobargs"
)

// AuditCheckpointWorker records a signed checkpoint of the audit chains'
// heads; the DPO's daily digest quotes the latest one.
type AuditCheckpointWorker struct {
	river.WorkerDefaults[jobargs.AuditCheckpoint]
	d Deps
}

func (w *AuditCheckpointWorker) Work(ctx context.Context, j *river.Job[jobargs.AuditCheckpoint]) error {
	res, err := w.d.Workflow.Checkpoint(ctx)
	if err != nil {
		return err
	}
	if w.d.Logger != nil && res.ID != 0 {
		w.d.Logger.Info("audit checkpoint", "id", res.ID, "chains", res.Chains, "broken", len(res.Broken))
	}
	return nil
}
