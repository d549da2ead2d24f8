-- The audit trail holds against the database's own superuser (issue 16,
-- D-25, D-26):
--  * audit_events is append-only for everyone who goes through triggers:
--    UPDATE, DELETE and TRUNCATE raise. (session_replication_role =
--    replica skips triggers, which is why the hashes are keyed and the
--    chains anchored by signed checkpoints.)
--  * a purged case keeps its events: no foreign key cascades into the
--    trail any more.
--  * each event's hash is an HMAC under a keyring key whose id is stored
--    beside it; key_id '' marks a plain SHA-256 link written before this
--    migration (accepted only before a chain's first keyed event).
--  * audit_heads holds each chain's head, so an append finds its previous
--    link by primary key (issue 21) and the checkpoint job finds the chains
--    that moved since the last checkpoint.
--  * free text (notes, reasons, names) lives in case_notes; events refer
--    to it by id.

ALTER TABLE audit_events DROP CONSTRAINT IF EXISTS audit_events_case_id_fkey;
ALTER TABLE audit_events ADD COLUMN key_id text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX audit_events_org_seq ON audit_events (org_id, seq) WHERE case_id IS NULL;

CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP;
END $$;
DROP TRIGGER audit_events_no_update ON audit_events;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- One row per chain (case_id 0: the organisation's own chain). A cache
-- the verifier never trusts: it recomputes from audit_events.
CREATE TABLE audit_heads (
    org_id        bigint NOT NULL REFERENCES organisations (id),
    case_id       bigint NOT NULL DEFAULT 0,
    seq           integer NOT NULL,
    hash          bytea NOT NULL,
    -- the head the latest checkpoint recorded (0: none yet)
    anchored_seq  integer NOT NULL DEFAULT 0,
    -- the last verification of this chain, shown on the case page
    verified_at   timestamptz,
    verified_seq  integer NOT NULL DEFAULT 0,
    broken_seq    integer NOT NULL DEFAULT 0,
    broken_reason text NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, case_id)
);
CREATE INDEX audit_heads_unanchored ON audit_heads (org_id, case_id) WHERE seq <> anchored_seq AND broken_seq = 0;
INSERT INTO audit_heads (org_id, case_id, seq, hash)
    SELECT DISTINCT ON (org_id, coalesce(case_id, 0)) org_id, coalesce(case_id, 0), seq, hash
    FROM audit_events ORDER BY org_id, coalesce(case_id, 0), seq DESC;

-- Signed checkpoints: each records the heads that moved since the one
-- before it, and chains to it through prev_digest, so the latest digest
-- (mailed to the DPOs daily) commits to every head ever recorded.
CREATE TABLE audit_checkpoints (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL,
    prev_digest bytea NOT NULL,
    chains      integer NOT NULL,
    digest      bytea NOT NULL,
    key_id      text NOT NULL,
    signature   bytea NOT NULL
);
CREATE TABLE audit_checkpoint_heads (
    checkpoint_id bigint NOT NULL REFERENCES audit_checkpoints (id),
    org_id        bigint NOT NULL,
    case_id       bigint NOT NULL,
    seq           integer NOT NULL,
    hash          bytea NOT NULL,
    PRIMARY KEY (checkpoint_id, org_id, case_id)
);
CREATE INDEX audit_checkpoint_heads_chain ON audit_checkpoint_heads (org_id, case_id, checkpoint_id DESC);

CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_checkpoint_heads_no_change BEFORE UPDATE OR DELETE ON audit_checkpoint_heads
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_checkpoint_heads_no_truncate BEFORE TRUNCATE ON audit_checkpoint_heads
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- Free text of a case's events (D-25): the event holds the id.
CREATE TABLE case_notes (
    id         bigserial PRIMARY KEY,
    org_id     bigint NOT NULL REFERENCES organisations (id),
    case_id    bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind       text NOT NULL,
    body       text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id);
