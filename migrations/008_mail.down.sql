DROP INDEX outbox_org_stuck;
UPDATE outbox SET state = 'failed' WHERE state = 'cancelled';
ALTER TABLE outbox DROP CONSTRAINT outbox_state_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_state_check CHECK (state IN ('pending', 'sent', 'failed'));
ALTER TABLE outbox
    DROP COLUMN claimed_until,
    DROP COLUMN first_failed_at,
    DROP COLUMN code_hash,
    DROP COLUMN code_ttl_secs,
    DROP COLUMN reply_to,
    DROP COLUMN in_reply_to;
DROP TABLE inbound_files;
