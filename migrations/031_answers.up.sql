-- Issue 18, Art 19: after a rectification, erasure or restriction the
-- register owner records which recipients were told (the person is told
-- who they were). The list is sealed with the case key like the other
-- answer fields; "no recipients to tell" is a flag, not personal data.
ALTER TABLE tasks ADD COLUMN recipients_told bytea NOT NULL DEFAULT ''::bytea;
ALTER TABLE tasks ADD COLUMN recipients_none boolean NOT NULL DEFAULT false;

-- Issue 18, delivery: approving an answer renders its letters in a River
-- job, not in the HTTP request. One row per approval: pending until the
-- job has stored the letters (and queued the link mail, or put them in
-- the print queue), failed when its tries ran out or the case moved on.
-- A failure is shown to the DPO on the case page and the dashboard; its
-- text never holds personal data (the cause goes to the log with ids).
CREATE TABLE answer_renders (
    id          bigserial PRIMARY KEY,
    org_id      bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    case_id     bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    state       text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts    integer NOT NULL DEFAULT 0,
    failure     text NOT NULL DEFAULT '',
    approved_by text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX answer_renders_case ON answer_renders (org_id, case_id);
-- One approval at a time per case.
CREATE UNIQUE INDEX answer_renders_pending ON answer_renders (case_id) WHERE state = 'pending';

-- Which letter a link delivers (the resident's HTML page and the cover
-- note tell them apart); rows before this were access answers or named
-- their kind in the file name.
ALTER TABLE answer_deliveries ADD COLUMN kind text NOT NULL DEFAULT 'access';
UPDATE answer_deliveries SET kind = substring(filename FROM '-(confirmation|refusal|extension|receipt)-[a-z]{2}\.pdf$')
WHERE filename ~ '-(confirmation|refusal|extension|receipt)-[a-z]{2}\.pdf$';
