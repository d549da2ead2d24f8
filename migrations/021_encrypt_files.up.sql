-- Issue 16 item 4, second part: owners' extracts and answer texts, their
-- files, emailed requests (raw message, sender, subject, files) and the
-- answer PDFs are sealed like the rest (see 014's comment). A message
-- not yet linked to a case is sealed under the keyring, and re-sealed
-- with the case key when it makes a case.

ALTER TABLE tasks ALTER COLUMN extract_text DROP DEFAULT;
ALTER TABLE tasks ALTER COLUMN extract_text TYPE bytea USING CASE WHEN extract_text = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(extract_text, 'UTF8') END;
ALTER TABLE tasks ALTER COLUMN extract_text SET DEFAULT ''::bytea;
ALTER TABLE tasks ALTER COLUMN answer_comment DROP DEFAULT;
ALTER TABLE tasks ALTER COLUMN answer_comment TYPE bytea USING CASE WHEN answer_comment = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(answer_comment, 'UTF8') END;
ALTER TABLE tasks ALTER COLUMN answer_comment SET DEFAULT ''::bytea;
ALTER TABLE tasks ALTER COLUMN answer_changes DROP DEFAULT;
ALTER TABLE tasks ALTER COLUMN answer_changes TYPE bytea USING CASE WHEN answer_changes = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(answer_changes, 'UTF8') END;
ALTER TABLE tasks ALTER COLUMN answer_changes SET DEFAULT ''::bytea;
ALTER TABLE task_attachments ALTER COLUMN filename DROP DEFAULT;
ALTER TABLE task_attachments ALTER COLUMN filename TYPE bytea USING CASE WHEN filename = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(filename, 'UTF8') END;
ALTER TABLE task_attachments ALTER COLUMN filename SET DEFAULT ''::bytea;
ALTER TABLE inbound_messages ALTER COLUMN from_addr DROP DEFAULT;
ALTER TABLE inbound_messages ALTER COLUMN from_addr TYPE bytea USING CASE WHEN from_addr = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(from_addr, 'UTF8') END;
ALTER TABLE inbound_messages ALTER COLUMN from_addr SET DEFAULT ''::bytea;
ALTER TABLE inbound_messages ALTER COLUMN subject DROP DEFAULT;
ALTER TABLE inbound_messages ALTER COLUMN subject TYPE bytea USING CASE WHEN subject = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(subject, 'UTF8') END;
ALTER TABLE inbound_messages ALTER COLUMN subject SET DEFAULT ''::bytea;
ALTER TABLE inbound_files ALTER COLUMN filename DROP DEFAULT;
ALTER TABLE inbound_files ALTER COLUMN filename TYPE bytea USING CASE WHEN filename = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(filename, 'UTF8') END;
ALTER TABLE inbound_files ALTER COLUMN filename SET DEFAULT ''::bytea;
UPDATE task_attachments SET data = '\x00'::bytea || data WHERE length(data) > 0;
UPDATE inbound_messages SET raw = '\x00'::bytea || raw WHERE length(raw) > 0;
UPDATE inbound_files SET data = '\x00'::bytea || data WHERE length(data) > 0;
UPDATE answer_deliveries SET pdf = '\x00'::bytea || pdf WHERE length(pdf) > 0;
