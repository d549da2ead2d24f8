-- Issue 18, secure delivery: the access answer as sent to the resident.
-- One row per "send the answer": the PDF as it went out (bytes, so a later
-- change of a task does not change what the link serves), the keyed hash
-- of the link's random token (the token itself is only in the mail), the
-- link's expiry, and the one-time code the download page mails to the same
-- address (only its hash). Rows go with their case.
CREATE TABLE answer_deliveries (
    id              bigserial PRIMARY KEY,
    org_id          bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    case_id         bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    token_hash      bytea NOT NULL UNIQUE,
    lang            text NOT NULL,
    filename        text NOT NULL,
    pdf             bytea NOT NULL,
    expires_at      timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    code_hash       bytea,
    code_expires_at timestamptz,
    code_attempts   integer NOT NULL DEFAULT 0,
    downloads       integer NOT NULL DEFAULT 0
);
CREATE INDEX answer_deliveries_case ON answer_deliveries (org_id, case_id);
