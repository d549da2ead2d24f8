DROP INDEX registers_org_source;
ALTER TABLE registers DROP COLUMN missing_since;
