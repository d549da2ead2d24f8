ALTER TABLE tasks DROP COLUMN recipients_none;
ALTER TABLE tasks DROP COLUMN recipients_told;
