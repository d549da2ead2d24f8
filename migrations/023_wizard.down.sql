ALTER TABLE registers DROP COLUMN aliases;
DROP TABLE import_drafts;
