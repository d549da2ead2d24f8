// Package jobargs holds the River job argument types and nothing else, so
// workflow can insert jobs in its transactions and the workers in jobs can
// call workflow without an import cycle (D-15).
package jobargs

import (
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// DeliverMail sends one outbox row (D-14).
type DeliverMail struct {
	OutboxID int64 `json:"outbox_id"`
}

func (DeliverMail) Kind() string { return "deliver_mail" }

// InsertOpts: mail retries with backoff for about a day before the row is
// failed visibly on the DPO side.
func (DeliverMail) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMail, MaxAttempts: 20}
}

// Heartbeat records that periodic jobs run (shown on /readyz).
type Heartbeat struct{}

func (Heartbeat) Kind() string { return "heartbeat" }

// PurgeUnconfirmed deletes web submissions whose email code was never
// confirmed within 24 hours (issue 5).
type PurgeUnconfirmed struct{}

func (PurgeUnconfirmed) Kind() string { return "purge_unconfirmed" }

// TaskReminder reminds an owner N working days before the safe target.
// Due is in the args so the job is unique per deadline: when the deadline
// moves, a new reminder is scheduled and the old one finds itself stale.
type TaskReminder struct {
	TaskID  int64     `json:"task_id"`
	Due     string    `json:"due"` // safe target the reminder counts back from
	DaysBef int       `json:"days_before"`
	At      time.Time `json:"-"`
}

func (TaskReminder) Kind() string { return "task_reminder" }

// TaskEscalation tells the DPO that a task passed its safe target unanswered.
type TaskEscalation struct {
	TaskID int64  `json:"task_id"`
	Due    string `json:"due"`
}

func (TaskEscalation) Kind() string { return "task_escalation" }

// DailyDigest sends each DPO the cases due this week. Day (YYYY-MM-DD,
// Helsinki) is in the args so the job is unique per day: two instances,
// a new leader or a restart never send a day's digest twice.
type DailyDigest struct {
	Day string `json:"day"`
}

func (DailyDigest) Kind() string { return "daily_digest" }

// InsertOpts: unique by day, also against a completed run.
func (DailyDigest) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{
		ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
			rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateCompleted},
	}}
}

// Sweep repairs what a crashed process left behind: pending outbox rows
// without a job, open tasks without reminders.
type Sweep struct{}

func (Sweep) Kind() string { return "sweep" }

// MailBackstop queues delivery for pending mail that has neither a job
// nor a live claim: an intake's code mail whose process ended before
// sending it (issue 21: the fast path writes no job per mail).
type MailBackstop struct{}

func (MailBackstop) Kind() string { return "mail_backstop" }

// Queues.
const (
	QueueMail = "mail"
)

// AuditCheckpoint verifies the audit chains that moved and records a
// signed checkpoint of their heads (issue 16).
type AuditCheckpoint struct{}

func (AuditCheckpoint) Kind() string { return "audit_checkpoint" }

// BreachReminder reminds an organisation's DPOs of a breach's 72-hour
// limit (Art 33(1)) HoursBefore hours before it (24, 6, or 0: at the
// limit). It carries ids only; Due (the limit as Unix seconds) makes the
// job unique per deadline, so a corrected aware_at schedules new
// reminders and the old ones find themselves stale.
type BreachReminder struct {
	BreachID    int64 `json:"breach_id"`
	HoursBefore int   `json:"hours_before"`
	Due         int64 `json:"due"`
}

func (BreachReminder) Kind() string { return "breach_reminder" }

// PasswordReset mails a reset link if an account has the address of a
// "forgot password" request (issue 19); the request path does the same
// work whether or not one has.
type PasswordReset struct {
	RequestID int64 `json:"request_id"`
}

func (PasswordReset) Kind() string { return "password_reset" }

// InsertOpts: the link mail itself is retried by its deliver_mail job.
func (PasswordReset) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

// RetentionPurge purges closed cases whose organisation's retention
// period has ended (issue 22, D-28), a batch a run.
type RetentionPurge struct{}

func (RetentionPurge) Kind() string { return "retention_purge" }

// RefreshStats recomputes the recent months of every organisation's
// monthly statistics (issue 21); periodic, idempotent.
type RefreshStats struct{}

func (RefreshStats) Kind() string { return "refresh_stats" }

// RenderAnswer renders an approved answer's letters and delivers them
// (issue 18): a failed render is retried, each try counted on its
// answer_renders row for the DPO to see.
type RenderAnswer struct {
	RenderID int64 `json:"render_id"`
}

func (RenderAnswer) Kind() string { return "render_answer" }

// InsertOpts: a handful of tries over about an hour (a transient database
// or disk fault); a letter that cannot render fails visibly sooner.
func (RenderAnswer) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 8} }
