package workflow

import (
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// uniqueByArgs: a second insert of the same job args while one is pending
// is skipped, so a restart or a second instance never doubles an email.
var uniqueByArgs = river.UniqueOpts{
	ByArgs: true,
	ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
		rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateCompleted},
}

// jobOpts schedules a job at the service clock's time (D-16): jobs to run
// "now" carry an explicit time too, so a simulated clock drives them all.
func jobOpts(at time.Time, unique *river.UniqueOpts) *river.InsertOpts {
	o := &river.InsertOpts{ScheduledAt: at}
	if unique != nil {
		o.UniqueOpts = *unique
	}
	return o
}
