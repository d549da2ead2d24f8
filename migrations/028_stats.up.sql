-- Issue 21, statistics that survive the retention purge.
--
-- stats_source becomes the union of the live (not purged) cases and the
-- purged_cases tombstones, both giving the same columns computed the same
-- way, so recomputing any month after a purge gives the figures it gave
-- before (a purged case row stays, blanked, but is read from its
-- tombstone). outcome is the request's outcome so far: answered, refused,
-- withdrawn, or '' while it runs. on_time is what the answer's event
-- recorded (it knows pauses), else the answer's date against the
-- effective due date; the purge stores the same value in the tombstone.
DROP VIEW IF EXISTS stats_source;
CREATE VIEW stats_source AS
SELECT c.org_id, c.id AS case_id,
       date_trunc('month', c.received_at AT TIME ZONE 'Europe/Helsinki')::date AS month_received,
       date_trunc('month', c.answered_at AT TIME ZONE 'Europe/Helsinki')::date AS month_answered,
       c.rights, c.channel,
       CASE WHEN c.answered_at IS NOT NULL THEN 'answered'
            WHEN c.state = 'refused' OR (c.state = 'closed' AND c.refusal_ground <> '') THEN 'refused'
            WHEN c.state IN ('withdrawn', 'closed') THEN 'withdrawn'
            ELSE '' END AS outcome,
       CASE WHEN c.answered_at IS NULL THEN NULL
            ELSE coalesce((SELECT (e.data->>'on_time')::boolean FROM audit_events e
                           WHERE e.case_id = c.id AND e.data ? 'on_time' ORDER BY e.seq DESC LIMIT 1),
                          (c.answered_at AT TIME ZONE 'Europe/Helsinki')::date <= coalesce(c.extended_due, c.legal_due)) END AS on_time,
       ((c.answered_at AT TIME ZONE 'Europe/Helsinki')::date - (c.received_at AT TIME ZONE 'Europe/Helsinki')::date) AS days
FROM cases c
WHERE (c.confirmed_at IS NOT NULL OR c.needs_triage)
  AND NOT EXISTS (SELECT 1 FROM purged_cases p WHERE p.case_id = c.id)
UNION ALL
SELECT p.org_id, p.case_id,
       date_trunc('month', p.received_at AT TIME ZONE 'Europe/Helsinki')::date,
       date_trunc('month', p.answered_at AT TIME ZONE 'Europe/Helsinki')::date,
       p.rights, p.channel, p.outcome,
       CASE WHEN p.answered_at IS NULL THEN NULL ELSE coalesce(p.on_time, false) END,
       ((p.answered_at AT TIME ZONE 'Europe/Helsinki')::date - (p.received_at AT TIME ZONE 'Europe/Helsinki')::date)
FROM purged_cases p;

-- Tombstones by organisation and month (the refresh's second half).
CREATE INDEX purged_cases_org_received ON purged_cases (org_id, received_at);

-- Outcomes are now counted by month of receipt: forget what was refreshed,
-- so the next refresh_stats run recomputes every month the new way (no
-- operator step after the upgrade).
DELETE FROM stats_refreshed;
