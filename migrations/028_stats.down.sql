DROP INDEX IF EXISTS purged_cases_org_received;
DROP VIEW IF EXISTS stats_source;
CREATE VIEW stats_source AS
SELECT c.org_id,
       date_trunc('month', c.received_at AT TIME ZONE 'Europe/Helsinki')::date AS month_received,
       date_trunc('month', c.answered_at AT TIME ZONE 'Europe/Helsinki')::date AS month_answered,
       c.rights, c.channel,
       CASE WHEN c.answered_at IS NULL THEN '' ELSE c.state END AS outcome,
       (c.answered_at AT TIME ZONE 'Europe/Helsinki')::date <= coalesce(c.extended_due, c.legal_due) AS on_time,
       ((c.answered_at AT TIME ZONE 'Europe/Helsinki')::date - (c.received_at AT TIME ZONE 'Europe/Helsinki')::date) AS days
FROM cases c
WHERE c.confirmed_at IS NOT NULL OR c.needs_triage;
