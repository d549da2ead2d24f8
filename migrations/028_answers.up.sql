-- Issue 18, Art 19: after a rectification, erasure or restriction the
-- register owner records which recipients were told (the person is told
-- who they were). The list is sealed with the case key like the other
-- answer fields; "no recipients to tell" is a flag, not personal data.
ALTER TABLE tasks ADD COLUMN recipients_told bytea NOT NULL DEFAULT ''::bytea;
ALTER TABLE tasks ADD COLUMN recipients_none boolean NOT NULL DEFAULT false;
