// Package jobs holds the River workers, one file per job kind. Workers are
// thin: they decode their arguments and call workflow.
package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// Deps are what the workers need.
type Deps struct {
	Workflow *workflow.Service
	Sender   workflow.MailSender
	Logger   *slog.Logger
}

// Options tune the River client.
type Options struct {
	Workers       int
	FetchCooldown time.Duration
	// Periodic enables the periodic jobs (heartbeat, purge, sweep, digest).
	Periodic bool
}

// registry collects workers for River and, by kind, for Work.
type registry struct {
	w      *river.Workers
	byKind map[string]func(ctx context.Context, row *rivertype.JobRow) error
}

func add[T river.JobArgs](r *registry, w river.Worker[T]) {
	river.AddWorker(r.w, w)
	var zero T
	r.byKind[zero.Kind()] = func(ctx context.Context, row *rivertype.JobRow) error {
		var args T
		if err := json.Unmarshal(row.EncodedArgs, &args); err != nil {
			return err
		}
		return w.Work(ctx, &river.Job[T]{JobRow: row, Args: args})
	}
}

func build(d Deps) *registry {
	r := &registry{w: river.NewWorkers(), byKind: map[string]func(context.Context, *rivertype.JobRow) error{}}
	add(r, &DeliverMailWorker{d: d})
	add(r, &HeartbeatWorker{d: d})
	add(r, &PurgeUnconfirmedWorker{d: d})
	add(r, &SweepWorker{d: d})
	add(r, &MailBackstopWorker{d: d})
	add(r, &AuditCheckpointWorker{d: d})
	add(r, &PasswordResetWorker{d: d})
	addTaskWorkers(r, d)
	add(r, &BreachReminderWorker{d: d})
	add(r, &RetentionPurgeWorker{d: d})
	add(r, &RefreshStatsWorker{d: d}) // issue 21
	add(r, &RenderAnswerWorker{d: d}) // issue 18
	return r
}

// Workers registers every worker.
func Workers(d Deps) *river.Workers { return build(d).w }

// Dispatcher runs one job row with the worker of its kind, synchronously,
// outside River's executor: tests use it to run due jobs on a simulated
// clock (D-16) with the very same worker code.
func Dispatcher(d Deps) func(ctx context.Context, row *rivertype.JobRow) error {
	r := build(d)
	return func(ctx context.Context, row *rivertype.JobRow) error {
		f, ok := r.byKind[row.Kind]
		if !ok {
			return fmt.Errorf("no worker for job kind %q", row.Kind)
		}
		return f(ctx, row)
	}
}

// MailBackstopEvery is how often pending mail without a job or a claim
// is looked for: a code mail whose process ended unsent goes out at most
// this long after its claim ran out.
const MailBackstopEvery = 30 * time.Second

// Periodic lists the periodic jobs; River's elected leader enqueues them,
// so N instances run each once.
func Periodic() []*river.PeriodicJob {
	every := func(d time.Duration, id string, args river.JobArgs) *river.PeriodicJob {
		return river.NewPeriodicJob(river.PeriodicInterval(d),
			func() (river.JobArgs, *river.InsertOpts) { return args, nil },
			&river.PeriodicJobOpts{RunOnStart: true, ID: id})
	}
	return append([]*river.PeriodicJob{
		every(time.Minute, "heartbeat", jobargs.Heartbeat{}),
		every(15*time.Minute, "purge_unconfirmed", jobargs.PurgeUnconfirmed{}),
		every(5*time.Minute, "sweep", jobargs.Sweep{}),
		// An intake's code mail has no job of its own (issue 21): a
		// process that ended before sending it leaves it to this, once
		// its claim has run out (workflow.FastMail).
		every(MailBackstopEvery, "mail_backstop", jobargs.MailBackstop{}),
		every(15*time.Minute, "audit_checkpoint", jobargs.AuditCheckpoint{}),
		retentionPeriodic(),
		every(time.Hour, "refresh_stats", jobargs.RefreshStats{}), // issue 21
	}, taskPeriodic()...)
}

// NewClient builds a River client. With workers == nil it can only insert
// (what the workflow service needs in a process that runs no jobs).
func NewClient(pool *pgxpool.Pool, workers *river.Workers, o Options, logger *slog.Logger) (*river.Client[pgx.Tx], error) {
	cfg := &river.Config{Logger: logger}
	if workers != nil {
		n := max(o.Workers, 1)
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: n},
			jobargs.QueueMail:  {MaxWorkers: max(n/2, 2)},
		}
		if o.FetchCooldown > 0 {
			cfg.FetchCooldown = o.FetchCooldown
			cfg.FetchPollInterval = max(o.FetchCooldown*10, time.Second)
		}
		// A mail job running when its process died is retried soon after
		// the mail job's own timeout, not River's default hour (issue 17).
		cfg.RescueStuckJobsAfter = workflow.MailRescueAfter
		if o.Periodic {
			cfg.PeriodicJobs = Periodic()
		}
	}
	return river.NewClient(riverpgxv5.New(pool), cfg)
}

// HeartbeatWorker proves the job path: it records its last run.
type HeartbeatWorker struct {
	river.WorkerDefaults[jobargs.Heartbeat]
	d Deps
}

func (w *HeartbeatWorker) Work(ctx context.Context, j *river.Job[jobargs.Heartbeat]) error {
	return w.d.Workflow.Heartbeat(ctx, "heartbeat")
}
