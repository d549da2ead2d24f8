-- Issue 16 item 4, third part: the staff's free-text reasons on a case
-- (extension, pause, refusal) may name people: sealed like the details.

ALTER TABLE cases ALTER COLUMN extension_reason DROP DEFAULT;
ALTER TABLE cases ALTER COLUMN extension_reason TYPE bytea USING CASE WHEN extension_reason = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(extension_reason, 'UTF8') END;
ALTER TABLE cases ALTER COLUMN extension_reason SET DEFAULT ''::bytea;
ALTER TABLE cases ALTER COLUMN pause_reason DROP DEFAULT;
ALTER TABLE cases ALTER COLUMN pause_reason TYPE bytea USING CASE WHEN pause_reason = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(pause_reason, 'UTF8') END;
ALTER TABLE cases ALTER COLUMN pause_reason SET DEFAULT ''::bytea;
ALTER TABLE cases ALTER COLUMN refusal_reason DROP DEFAULT;
ALTER TABLE cases ALTER COLUMN refusal_reason TYPE bytea USING CASE WHEN refusal_reason = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(refusal_reason, 'UTF8') END;
ALTER TABLE cases ALTER COLUMN refusal_reason SET DEFAULT ''::bytea;
