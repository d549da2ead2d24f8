-- Issue 22, retention (D-25, D-27, D-28): a closed case is purged
-- retention_years after closing. The case row stays (its audit chain
-- hangs on it) with every personal value gone and its key destroyed; the
-- tombstone keeps what statistics need and nothing personal. reported_at
-- is set when a DPO digest counted the purge.
CREATE TABLE purged_cases (
    case_id     bigint PRIMARY KEY,
    org_id      bigint NOT NULL REFERENCES organisations (id),
    receipt     text NOT NULL,
    rights      text[] NOT NULL,
    channel     text NOT NULL,
    received_at timestamptz NOT NULL,
    answered_at timestamptz,
    closed_at   timestamptz NOT NULL,
    on_time     boolean,
    outcome     text NOT NULL,
    purged_at   timestamptz NOT NULL,
    reported_at timestamptz
);
CREATE INDEX purged_cases_unreported ON purged_cases (org_id) WHERE reported_at IS NULL;
-- The purge looks for closed cases by closing date.
CREATE INDEX cases_closed ON cases (closed_at) WHERE closed_at IS NOT NULL;
