package store

import (
	"context"
	"time"
)

// The few aggregate reads behind /metrics (issue 22). Each is cheap enough
// to run at every scrape (the metrics package caches them briefly): open
// cases are read per organisation through cases_org_state_urgent, never by a
// scan of closed history; the outbox and audit reads use partial indexes.

// OpenDueCount is how many open cases of an organisation share an
// effective due date (D-13).
type OpenDueCount struct {
	OrgSlug string
	Due     time.Time
	Count   int64
}

// openCasesByDueSQL: LATERAL per organisation; (org_id, state) lead
// cases_org_state_urgent, so only the open cases are read.
const openCasesByDueSQL = `
		SELECT o.slug, d.due, coalesce(d.n, 0)
		FROM organisations o
		LEFT JOIN LATERAL (
			SELECT ` + effectiveDue + ` AS due, count(*) AS n
			FROM cases c
			WHERE c.org_id = o.id AND c.state = ANY($1)
			  AND (c.confirmed_at IS NOT NULL OR c.needs_triage)
			GROUP BY 1
		) d ON true
		ORDER BY o.slug, d.due`

// OpenCasesByDue counts the cases the dashboard lists as open (OpenStates,
// confirmed or waiting for triage) per organisation and effective due date.
// Every organisation appears at least once (a zero Due and Count when it
// has no open case), so its series exist at zero.
func (q *Q) OpenCasesByDue(ctx context.Context) ([]OpenDueCount, error) {
	rows, err := q.db.Query(ctx, openCasesByDueSQL, OpenStates)
	if err != nil {
		return nil, mapErr(err, "open cases")
	}
	defer rows.Close()
	var out []OpenDueCount
	for rows.Next() {
		var r OpenDueCount
		var due *time.Time
		if err := rows.Scan(&r.OrgSlug, &due, &r.Count); err != nil {
			return nil, mapErr(err, "open cases")
		}
		if due != nil {
			r.Due = *due
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err(), "open cases")
}

// JobCount is how many River jobs of a kind are in a state.
type JobCount struct {
	Kind, State string
	Count       int64
}

// JobCounts counts River's jobs by kind and state. River prunes finished
// jobs (completed and cancelled after a day, discarded after a week), so
// the table stays bounded.
func (q *Q) JobCounts(ctx context.Context) ([]JobCount, error) {
	rows, err := q.db.Query(ctx, `SELECT kind, state::text, count(*) FROM river_job GROUP BY 1, 2 ORDER BY 1, 2`)
	if err != nil {
		return nil, mapErr(err, "job counts")
	}
	defer rows.Close()
	var out []JobCount
	for rows.Next() {
		var r JobCount
		if err := rows.Scan(&r.Kind, &r.State, &r.Count); err != nil {
			return nil, mapErr(err, "job counts")
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err(), "job counts")
}

// OutboxHealth is the state of outgoing mail.
type OutboxHealth struct {
	Pending int64 // not yet accepted by the mail server
	// Retrying are pending rows that have failed temporarily at least once.
	Retrying int64
	// OldestPending is when the oldest pending row was written (nil: none).
	OldestPending *time.Time
	Failed        int64 // given up on (permanent failure); shown to the DPO
}

// OutboxHealth reads the outbox's backlog and failures through its partial
// indexes (outbox_pending, outbox_org_failed).
func (q *Q) OutboxHealth(ctx context.Context) (OutboxHealth, error) {
	var h OutboxHealth
	err := q.db.QueryRow(ctx, `
		SELECT
			(SELECT count(*) FROM outbox WHERE state = 'pending'),
			(SELECT count(*) FROM outbox WHERE state = 'pending' AND first_failed_at IS NOT NULL),
			(SELECT min(created_at) FROM outbox WHERE state = 'pending'),
			(SELECT count(*) FROM outbox WHERE state = 'failed')`).
		Scan(&h.Pending, &h.Retrying, &h.OldestPending, &h.Failed)
	return h, mapErr(err, "outbox health")
}

// AuditHealth is what the audit trail's own bookkeeping says.
type AuditHealth struct {
	// BrokenChains were found broken by the last verification of each.
	BrokenChains int64
	// LastCheckpoint is the time of the newest signed checkpoint (nil: none).
	LastCheckpoint *time.Time
}

// AuditHealth reads the broken chains (audit_heads_broken) and the newest
// checkpoint.
func (q *Q) AuditHealth(ctx context.Context) (AuditHealth, error) {
	var h AuditHealth
	err := q.db.QueryRow(ctx, `
		SELECT
			(SELECT count(*) FROM audit_heads WHERE broken_seq <> 0),
			(SELECT at FROM audit_checkpoints ORDER BY id DESC LIMIT 1)`).
		Scan(&h.BrokenChains, &h.LastCheckpoint)
	return h, mapErr(err, "audit health")
}

// Heartbeats returns when each periodic job last ran.
func (q *Q) Heartbeats(ctx context.Context) (map[string]time.Time, error) {
	rows, err := q.db.Query(ctx, `SELECT name, last_run_at FROM heartbeats`)
	if err != nil {
		return nil, mapErr(err, "heartbeats")
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var name string
		var at time.Time
		if err := rows.Scan(&name, &at); err != nil {
			return nil, mapErr(err, "heartbeats")
		}
		out[name] = at
	}
	return out, mapErr(rows.Err(), "heartbeats")
}

// DatabaseSize is the size of the current database on disk, in bytes.
func (q *Q) DatabaseSize(ctx context.Context) (int64, error) {
	var n int64
	err := q.db.QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&n)
	return n, mapErr(err, "database size")
}
