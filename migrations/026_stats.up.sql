-- Issue 21, dashboard and statistics.
--
-- A search of the dashboard by person (email or henkilötunnus through
-- their blind indexes) is a processing of that person's data: it is
-- recorded as 'person_searched' on every case it found, and once per
-- organisation searched with no case (case_id NULL), so a search that
-- found nothing is on record too. The searched value never is (D-25).
ALTER TABLE case_access_log ALTER COLUMN case_id DROP NOT NULL;
ALTER TABLE case_access_log DROP CONSTRAINT case_access_log_what_check;
ALTER TABLE case_access_log ADD CONSTRAINT case_access_log_what_check
    CHECK (what IN ('case_viewed', 'task_viewed', 'file_downloaded', 'email_viewed', 'letter_downloaded', 'person_searched'));
CREATE INDEX case_access_log_org ON case_access_log (org_id, at DESC) WHERE case_id IS NULL;

-- The dashboard's unit filter: a case belongs to the units of the
-- registers its tasks are in.
CREATE INDEX registers_unit ON registers (unit_id) WHERE unit_id IS NOT NULL;

-- Monthly statistics per organisation (issue 21). The statistics page and
-- its CSV read these rows only; the periodic refresh job recomputes the
-- recent months from stats_source, so no request scans all history, and
-- months no longer recomputed keep their figures after the retention
-- purge of the cases they count.
--
-- stats_source is the one place the refresh reads: one row per request.
-- Purged cases come back into it when their tombstones exist: replace the
-- view with `... UNION ALL SELECT <same columns> FROM case_tombstones`.
-- month_received/month_answered are Helsinki months; outcome is the
-- final state of an answered case ('' while open).
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

-- One row per (organisation, month, dimension, value): dimension 'all'
-- (value ''), 'right', 'channel' or 'outcome'. received counts by month
-- of receipt, answered/on_time/days by month of answer.
CREATE TABLE stats_monthly (
    org_id    bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    month     date NOT NULL,
    dimension text NOT NULL CHECK (dimension IN ('all', 'right', 'channel', 'outcome')),
    value     text NOT NULL,
    received  int NOT NULL DEFAULT 0,
    answered  int NOT NULL DEFAULT 0,
    on_time   int NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, month, dimension, value)
);
-- Days to answer as a histogram, for medians over any span of months.
CREATE TABLE stats_monthly_days (
    org_id    bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    month     date NOT NULL,
    days      int NOT NULL,
    n         int NOT NULL,
    PRIMARY KEY (org_id, month, days)
);
CREATE TABLE stats_refreshed (
    org_id       bigint PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    refreshed_at timestamptz NOT NULL,
    from_month   date NOT NULL
);
