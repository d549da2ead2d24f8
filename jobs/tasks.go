package jobs

import "github.com/riverqueue/river"

// addTaskWorkers registers the owner-task deadline workers (reminders,
// escalations, digest).
func addTaskWorkers(r *registry, d Deps) {}

// taskPeriodic lists the periodic jobs of owner tasks.
func taskPeriodic() []*river.PeriodicJob { return nil }
