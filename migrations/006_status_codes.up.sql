-- Requester status page (/{lang}/o/{org}/status): the emailed one-time
-- code that shows where a request stands. One row per (organisation,
-- typed receipt number), keyed by a keyed hash of the number. A number
-- that matches no case (or a case without an email address) gets a row
-- too, with case_id NULL and a code nobody was sent: the page then
-- behaves the same whether the number exists or not. Only keyed hashes
-- are stored; rows are short-lived (15 minutes) and purged as new ones
-- are written.

CREATE TABLE status_codes (
    org_id       bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    receipt_hash bytea NOT NULL,
    case_id      bigint REFERENCES cases (id) ON DELETE CASCADE,
    code_hash    bytea NOT NULL,
    expires_at   timestamptz NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (org_id, receipt_hash)
);
CREATE INDEX status_codes_expires_at ON status_codes (expires_at);
