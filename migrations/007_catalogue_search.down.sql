-- The extension stays: other objects of the database may use pg_trgm.
DROP INDEX registers_search_trgm;
ALTER TABLE registers DROP COLUMN search_text;
