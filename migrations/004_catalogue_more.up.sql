-- Catalogue imports (issue 4). missing_since records when a re-import of a
-- register's source document first no longer listed it (the register is
-- kept: tasks reference it); the index serves that re-import, which looks
-- up an organisation's registers by source document.

ALTER TABLE registers ADD COLUMN missing_since timestamptz;
UPDATE registers SET missing_since = updated_at WHERE missing_from_source;
CREATE INDEX registers_org_source ON registers (org_id, source_file);
