-- Mail in and out as a municipality's mail server sees it (issue 17).

-- Files that came attached to an emailed request (nested forwards
-- included), each a case file the DPO can download. The raw message stays
-- in inbound_messages; these are its decoded parts.
CREATE TABLE inbound_files (
    id           bigserial PRIMARY KEY,
    org_id       bigint NOT NULL REFERENCES organisations (id),
    inbound_id   bigint NOT NULL REFERENCES inbound_messages (id) ON DELETE CASCADE,
    case_id      bigint REFERENCES cases (id) ON DELETE CASCADE,
    filename     text NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL,
    data         bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inbound_files_case ON inbound_files (case_id);

-- Outgoing mail:
-- * claimed_until: a delivery claims its row, sends with no transaction
--   open, then records the outcome; a claim that outlives its worker
--   (crash) simply expires.
-- * first_failed_at: when temporary failures began; a row still pending
--   15 minutes later is shown on the dashboard with "send again".
-- * code_hash / code_ttl_secs: a mail carrying a one-time code names the code
--   (its keyed hash) so the code's validity counts from when the mail was
--   actually sent, and a mail whose code was replaced is not sent.
-- * reply_to / in_reply_to: Reply-To with the organisation's privacy
--   address; the receipt for an emailed request threads to it.
-- * cancelled: a code mail whose code was replaced or used before it
--   could be sent.
ALTER TABLE outbox
    ADD COLUMN claimed_until   timestamptz,
    ADD COLUMN first_failed_at timestamptz,
    ADD COLUMN code_hash       bytea,
    ADD COLUMN code_ttl_secs   integer,
    ADD COLUMN reply_to        text NOT NULL DEFAULT '',
    ADD COLUMN in_reply_to     text NOT NULL DEFAULT '';
ALTER TABLE outbox DROP CONSTRAINT outbox_state_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_state_check CHECK (state IN ('pending', 'sent', 'failed', 'cancelled'));
CREATE INDEX outbox_org_stuck ON outbox (org_id, first_failed_at) WHERE state = 'pending' AND first_failed_at IS NOT NULL;
