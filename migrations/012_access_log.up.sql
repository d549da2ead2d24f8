-- Issue 16 item 11: who read a case's personal data, and when (GDPR
-- accountability for the data rightsdesk itself holds). One row per case
-- page view, task data view and file download, written with one INSERT.
-- Rows hold ids and codes only (D-25): the actor ("staff:12",
-- "owner:34"), what was read, and the task or file id. They go with
-- their case.
CREATE TABLE case_access_log (
    id      bigserial PRIMARY KEY,
    org_id  bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    case_id bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    actor   text NOT NULL,
    what    text NOT NULL CHECK (what IN ('case_viewed', 'task_viewed', 'file_downloaded', 'email_viewed', 'letter_downloaded')),
    ref     bigint,
    at      timestamptz NOT NULL
);
CREATE INDEX case_access_log_case ON case_access_log (case_id, at DESC);
