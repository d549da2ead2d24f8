-- Issue 20, "Talking with the requester while the clock waits" (DL-8,
-- ID-5): what the DPO asked the requester for when pausing, and what the
-- requester answered on the status page, with files. Every personal
-- value (the question, the answer, a file's name and contents) is sealed
-- with the case key like case_notes and task_attachments.

CREATE TABLE case_asks (
    id         bigserial PRIMARY KEY,
    org_id     bigint NOT NULL REFERENCES organisations (id),
    case_id    bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    needed     bytea NOT NULL,
    reply_by   date NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX case_asks_case ON case_asks (case_id);

CREATE TABLE case_replies (
    id         bigserial PRIMARY KEY,
    org_id     bigint NOT NULL REFERENCES organisations (id),
    case_id    bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    body       bytea NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX case_replies_case ON case_replies (case_id);

CREATE TABLE case_reply_files (
    id           bigserial PRIMARY KEY,
    org_id       bigint NOT NULL REFERENCES organisations (id),
    case_id      bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    reply_id     bigint NOT NULL REFERENCES case_replies (id) ON DELETE CASCADE,
    filename     bytea NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL,
    data         bytea NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX case_reply_files_case ON case_reply_files (case_id);
