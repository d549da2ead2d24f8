-- Issue 19, the import wizard: a DPO's import in progress is kept as a
-- draft between the steps (parsed registers, the DPO's renames, drops,
-- merges and owners), and a merge keeps the merged names as aliases.

CREATE TABLE import_drafts (
    id           bigserial PRIMARY KEY,
    org_id       bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    staff_id     bigint,
    data         jsonb NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    published_at timestamptz
);
CREATE INDEX import_drafts_org ON import_drafts (org_id, id);

ALTER TABLE registers ADD COLUMN aliases text[] NOT NULL DEFAULT '{}';
