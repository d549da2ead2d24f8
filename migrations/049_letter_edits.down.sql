ALTER TABLE tasks DROP COLUMN letter_edited_at;
ALTER TABLE tasks DROP COLUMN letter_edited_by;
ALTER TABLE tasks DROP COLUMN letter_told;
ALTER TABLE tasks DROP COLUMN letter_changes;
ALTER TABLE tasks DROP COLUMN letter_comment;
