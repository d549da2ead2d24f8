-- Issue 16 item 4, last part: the personal fields still in plaintext are
-- sealed like the rest (version-0 envelopes here, sealed by EncryptLegacy
-- at the next start): the owner's reason for withholding, a queued
-- letter's PDF, the document request's extension reason, and the mail
-- server's error text (it may quote the address).

ALTER TABLE answer_withheld ALTER COLUMN reason TYPE bytea USING CASE WHEN reason = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(reason, 'UTF8') END;
ALTER TABLE cases ALTER COLUMN doc_extension_reason DROP DEFAULT;
ALTER TABLE cases ALTER COLUMN doc_extension_reason TYPE bytea USING CASE WHEN doc_extension_reason = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(doc_extension_reason, 'UTF8') END;
ALTER TABLE cases ALTER COLUMN doc_extension_reason SET DEFAULT ''::bytea;
ALTER TABLE outbox ALTER COLUMN last_error DROP DEFAULT;
ALTER TABLE outbox ALTER COLUMN last_error TYPE bytea USING CASE WHEN last_error = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(last_error, 'UTF8') END;
ALTER TABLE outbox ALTER COLUMN last_error SET DEFAULT ''::bytea;
UPDATE letter_queue SET pdf = '\x00'::bytea || pdf WHERE length(pdf) > 0;
