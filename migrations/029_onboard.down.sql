ALTER TABLE registers DROP COLUMN data_store;
