-- Cases, requesters, tasks, the audit trail and the mail outbox: the
-- request spine (issues 5, 6, 12). Every row carries org_id so every query
-- can be scoped to the organisation.

CREATE SEQUENCE case_receipt_seq;

CREATE TABLE cases (
    id                bigserial PRIMARY KEY,
    org_id            bigint NOT NULL REFERENCES organisations (id),
    -- Readable on the phone: RD-2026-000123.
    receipt           text NOT NULL UNIQUE,
    gdpr              boolean NOT NULL DEFAULT true,
    -- FI-2: also (or only) a document request under the Openness Act.
    document_request  boolean NOT NULL DEFAULT false,
    rights            text[] NOT NULL,
    all_registers     boolean NOT NULL DEFAULT true,
    details           text NOT NULL DEFAULT '',
    -- IN-1: all of it (NULLs) or a period.
    period_from       date,
    period_to         date,
    delivery          text NOT NULL DEFAULT 'electronic' CHECK (delivery IN ('electronic', 'paper', 'on_site')),
    lang              text NOT NULL CHECK (lang IN ('fi', 'sv', 'en')),
    channel           text NOT NULL CHECK (channel IN ('web', 'email', 'paper', 'phone', 'counter', 'api')),
    state             text NOT NULL,
    -- Email arrivals wait for the DPO to set rights and registers.
    needs_triage      boolean NOT NULL DEFAULT false,
    -- DL-4 / D-8: receipt is submission (web), arrival (email) or the
    -- stamped date (paper); confirmed_at is when the email code came back.
    received_at       timestamptz NOT NULL,
    confirmed_at      timestamptz,
    -- DL-7: all deadline fields are stored.
    raw_end           date NOT NULL,
    legal_due         date NOT NULL,
    safe_target       date NOT NULL,
    extended_due      date,
    extension_reason  text NOT NULL DEFAULT '',
    doc_due           date,
    doc_extended_due  date,
    -- DL-8: pauses add calendar days; the paused due date is derived.
    paused_at         timestamptz,
    paused_from_state text NOT NULL DEFAULT '',
    pause_reason      text NOT NULL DEFAULT '',
    paused_days       integer NOT NULL DEFAULT 0,
    -- ID-1 / ID-2.
    email_verified_at timestamptz,
    identity_verified_at timestamptz,
    identity_method   text NOT NULL DEFAULT '',
    refusal_ground    text NOT NULL DEFAULT '',
    refusal_reason    text NOT NULL DEFAULT '',
    duplicate_of      bigint REFERENCES cases (id) ON DELETE SET NULL,
    -- ID-2: the one-time email code (hash only), its expiry and tries.
    code_hash         bytea,
    code_expires_at   timestamptz,
    code_attempts     integer NOT NULL DEFAULT 0,
    codes_sent        integer NOT NULL DEFAULT 0,
    answered_at       timestamptz,
    closed_at         timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
-- The dashboard query: open cases of an organisation by due date.
CREATE INDEX cases_org_state_due ON cases (org_id, state, legal_due, id);
CREATE INDEX cases_org_due ON cases (org_id, legal_due, id);
CREATE INDEX cases_unconfirmed ON cases (received_at) WHERE confirmed_at IS NULL AND channel = 'web';

CREATE TABLE requesters (
    case_id          bigint PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
    org_id           bigint NOT NULL REFERENCES organisations (id),
    name             text NOT NULL,
    email            text NOT NULL DEFAULT '',
    phone            text NOT NULL DEFAULT '',
    address          text NOT NULL DEFAULT '',
    -- ID-4: AES-GCM ciphertext, keyed-hash blind index, and the mask.
    hetu_enc         bytea,
    hetu_index       bytea,
    hetu_mask        text NOT NULL DEFAULT '',
    hetu_temporary   boolean NOT NULL DEFAULT false,
    -- ID-5: a request on behalf of someone else.
    on_behalf        boolean NOT NULL DEFAULT false,
    relation         text NOT NULL DEFAULT '' CHECK (relation IN ('', 'guardian', 'court_guardian', 'power_of_attorney', 'other')),
    subject_name     text NOT NULL DEFAULT '',
    subject_hetu_enc   bytea,
    subject_hetu_index bytea,
    subject_hetu_mask  text NOT NULL DEFAULT ''
);
CREATE INDEX requesters_email ON requesters (org_id, lower(email));
CREATE INDEX requesters_hetu ON requesters (org_id, hetu_index) WHERE hetu_index IS NOT NULL;

CREATE TABLE case_registers (
    case_id     bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    register_id bigint NOT NULL REFERENCES registers (id),
    PRIMARY KEY (case_id, register_id)
);

CREATE TABLE tasks (
    id              bigserial PRIMARY KEY,
    org_id          bigint NOT NULL REFERENCES organisations (id),
    case_id         bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    register_id     bigint NOT NULL REFERENCES registers (id),
    "right"         text NOT NULL,
    state           text NOT NULL CHECK (state IN ('waiting', 'open', 'answered', 'cancelled')),
    legal_basis     text NOT NULL,
    allowed_answers text[] NOT NULL,
    -- Empty owner_email: the task sits in the DPO's queue (D-11).
    owner_name      text NOT NULL DEFAULT '',
    owner_email     text NOT NULL DEFAULT '',
    -- The signed link's token, hashed; single-purpose and revocable.
    token_hash      bytea UNIQUE,
    token_expires_at timestamptz,
    answer          text NOT NULL DEFAULT '',
    answer_ground   text NOT NULL DEFAULT '',
    answer_comment  text NOT NULL DEFAULT '',
    -- What was rectified, or the typed extract (a table as TSV).
    answer_changes  text NOT NULL DEFAULT '',
    extract_text    text NOT NULL DEFAULT '',
    guardian_restricted boolean NOT NULL DEFAULT false,
    answered_at     timestamptz,
    answered_by     text NOT NULL DEFAULT '',
    opened_at       timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (case_id, register_id, "right")
);
CREATE INDEX tasks_case ON tasks (case_id);
CREATE INDEX tasks_org_state ON tasks (org_id, state);

CREATE TABLE task_attachments (
    id           bigserial PRIMARY KEY,
    org_id       bigint NOT NULL REFERENCES organisations (id),
    task_id      bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    filename     text NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL,
    data         bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX task_attachments_task ON task_attachments (task_id);

-- Browsers that proved, by an emailed code, that they may open a task link.
CREATE TABLE task_browsers (
    task_id      bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    browser_hash bytea NOT NULL,
    verified_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (task_id, browser_hash)
);
CREATE TABLE task_codes (
    task_id    bigint PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
    code_hash  bytea NOT NULL,
    expires_at timestamptz NOT NULL,
    attempts   integer NOT NULL DEFAULT 0
);

-- Append-only, hash-chained per case (architecture: data rules).
CREATE TABLE audit_events (
    id        bigserial PRIMARY KEY,
    org_id    bigint NOT NULL REFERENCES organisations (id),
    case_id   bigint REFERENCES cases (id) ON DELETE CASCADE,
    seq       integer NOT NULL,
    at        timestamptz NOT NULL,
    actor     text NOT NULL,
    action    text NOT NULL,
    data      jsonb NOT NULL DEFAULT '{}',
    prev_hash bytea NOT NULL,
    hash      bytea NOT NULL
);
CREATE UNIQUE INDEX audit_events_case_seq ON audit_events (case_id, seq) WHERE case_id IS NOT NULL;
CREATE INDEX audit_events_org ON audit_events (org_id, at) WHERE case_id IS NULL;

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END $$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

-- Every email is a row written with the change that causes it (D-14);
-- the deliver_mail job sends it.
CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,
    org_id      bigint REFERENCES organisations (id),
    case_id     bigint REFERENCES cases (id) ON DELETE SET NULL,
    task_id     bigint REFERENCES tasks (id) ON DELETE SET NULL,
    kind        text NOT NULL,
    to_addr     text NOT NULL,
    lang        text NOT NULL,
    subject     text NOT NULL,
    text_body   text NOT NULL,
    html_body   text NOT NULL,
    message_id  text NOT NULL UNIQUE,
    state       text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text NOT NULL DEFAULT '',
    sent_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_pending ON outbox (created_at) WHERE state = 'pending';
CREATE INDEX outbox_org_failed ON outbox (org_id) WHERE state = 'failed';

-- Requests that arrived by email, kept raw (issue 6).
CREATE TABLE inbound_messages (
    id          bigserial PRIMARY KEY,
    org_id      bigint NOT NULL REFERENCES organisations (id),
    case_id     bigint REFERENCES cases (id) ON DELETE CASCADE,
    from_addr   text NOT NULL,
    to_addr     text NOT NULL,
    subject     text NOT NULL DEFAULT '',
    raw         bytea NOT NULL,
    received_at timestamptz NOT NULL
);

-- Periodic jobs record their last run here; /readyz shows it.
CREATE TABLE heartbeats (
    name        text PRIMARY KEY,
    last_run_at timestamptz NOT NULL
);
