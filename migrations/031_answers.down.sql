ALTER TABLE answer_deliveries DROP COLUMN kind;
DROP TABLE answer_renders;
ALTER TABLE tasks DROP COLUMN recipients_none;
ALTER TABLE tasks DROP COLUMN recipients_told;
