package jobs

import (
	"time"

	"github.com/riverqueue/river"

	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// addTaskWorkers registers the owner-task deadline workers (reminders,
// escalations, digest).
func addTaskWorkers(r *registry, d Deps) {
	add(r, &TaskReminderWorker{d: d})
	add(r, &TaskEscalationWorker{d: d})
	add(r, &DailyDigestWorker{d: d})
}

// taskPeriodic lists the periodic jobs of owner tasks: the DPOs' daily
// digest at DigestHour, Helsinki time. The job carries its day and is
// unique by it, so a restart (RunOnStart), a new leader or a second
// instance never sends a day's digest twice; a process started after
// DigestHour sends the day's digest if nobody did.
func taskPeriodic() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(dailyAt{hour: workflow.DigestHour},
			func() (river.JobArgs, *river.InsertOpts) {
				return jobargs.DailyDigest{Day: workflow.DigestDay(time.Now()).String()}, nil
			},
			&river.PeriodicJobOpts{RunOnStart: true, ID: "daily_digest"}),
	}
}

// dailyAt is a River schedule: every day at hour:00 Europe/Helsinki,
// following daylight saving time (a fixed 24 h interval would drift by
// an hour twice a year and restart with every deploy).
type dailyAt struct{ hour int }

// Next returns the first hour:00 Helsinki strictly after current.
func (s dailyAt) Next(current time.Time) time.Time {
	local := current.In(workflow.Helsinki())
	y, m, d := local.Date()
	next := time.Date(y, m, d, s.hour, 0, 0, 0, workflow.Helsinki())
	if !next.After(current) {
		next = time.Date(y, m, d+1, s.hour, 0, 0, 0, workflow.Helsinki())
	}
	return next
}
