package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// DeliverMailWorker sends one outbox row.
type DeliverMailWorker struct {
	river.WorkerDefaults[jobargs.DeliverMail]
	d Deps
}

// Timeout bounds one delivery, so a hung server can't hold a worker; a
// killed one is rescued soon after (River's RescueStuckJobsAfter is
// derived from it: workflow.MailRescueAfter).
func (w *DeliverMailWorker) Timeout(*river.Job[jobargs.DeliverMail]) time.Duration {
	return workflow.MailJobTimeout
}

func (w *DeliverMailWorker) Work(ctx context.Context, j *river.Job[jobargs.DeliverMail]) error {
	err := w.d.Workflow.DeliverMail(ctx, j.Args.OutboxID, w.d.Sender, j.Attempt >= j.MaxAttempts)
	var busy *workflow.MailBusyError
	switch {
	case errors.Is(err, workflow.ErrMailPermanent):
		return river.JobCancel(err) // the row is failed and shown to the DPO
	case errors.As(err, &busy): // another delivery holds the row
		return river.JobSnooze(max(busy.Until.Sub(w.d.Workflow.Now()), time.Second))
	case err != nil && !errors.Is(err, workflow.ErrMailSend):
		// Not the server's answer (logged by DeliverMail): a database or
		// key error. River logs job errors below warn, so say it here
		// (ids and the store's error text only, D-18).
		w.d.Workflow.Logger.Warn("mail delivery: will retry", "outbox", j.Args.OutboxID, "attempt", j.Attempt, "err", err)
	}
	return err
}

// NextRetry: quick first retries (a catcher restarting), then backing off
// to at most five minutes: codes in these mails live for 15 to 30 minutes,
// so an hour's wait after an outage would deliver dead codes (issue 17).
// The service's clock, like every deadline, so simulated time drives it.
func (w *DeliverMailWorker) NextRetry(j *river.Job[jobargs.DeliverMail]) time.Time {
	d := time.Duration(1<<min(j.Attempt, 12)) * time.Second
	return w.d.Workflow.Now().Add(min(d, mailMaxBackoff))
}

const mailMaxBackoff = 5 * time.Minute
