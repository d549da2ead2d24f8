-- Issue 16 (privacy and security). The lead renumbers this file at merge.
--
-- Item 6: sign-in limits held in the database (D-24), so several
-- instances agree and parallel attempts cannot race past them. Every
-- attempt reserves its failure before the password is hashed; a success
-- removes the reservation.
--
-- login_locks counts failures in a row per typed email address (a hash of
-- the normalised address, known account or not, so a lock tells nothing
-- about an account's existence).
CREATE TABLE login_locks (
    email_hash   bytea PRIMARY KEY,
    failures     integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX login_locks_updated_at ON login_locks (updated_at);

-- A reservation in login_failures is removed again when its sign-in
-- succeeds (or when the address was already blocked): it needs an id.
ALTER TABLE login_failures ADD COLUMN id bigserial PRIMARY KEY;

-- Item 8: Idempotency-Key on POST /api/v1/requests. A retry with the same
-- key (per organisation) gets the first answer; the same key with another
-- body is refused. Rows go with their case.
CREATE TABLE api_idempotency (
    org_id       bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    idem_key     text NOT NULL,
    request_hash bytea NOT NULL,
    case_id      bigint REFERENCES cases (id) ON DELETE CASCADE,
    status       integer NOT NULL,
    response     text NOT NULL, -- the first answer byte for byte
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (org_id, idem_key)
);
CREATE INDEX api_idempotency_created_at ON api_idempotency (created_at);
