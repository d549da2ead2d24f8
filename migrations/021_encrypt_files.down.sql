DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM tasks WHERE length(extract_text) > 0 AND get_byte(extract_text, 0) <> 0) OR EXISTS (SELECT 1 FROM tasks WHERE length(answer_comment) > 0 AND get_byte(answer_comment, 0) <> 0) OR EXISTS (SELECT 1 FROM tasks WHERE length(answer_changes) > 0 AND get_byte(answer_changes, 0) <> 0) OR EXISTS (SELECT 1 FROM task_attachments WHERE length(filename) > 0 AND get_byte(filename, 0) <> 0) OR EXISTS (SELECT 1 FROM inbound_messages WHERE length(from_addr) > 0 AND get_byte(from_addr, 0) <> 0) OR EXISTS (SELECT 1 FROM inbound_messages WHERE length(subject) > 0 AND get_byte(subject, 0) <> 0) OR EXISTS (SELECT 1 FROM inbound_files WHERE length(filename) > 0 AND get_byte(filename, 0) <> 0) OR EXISTS (SELECT 1 FROM task_attachments WHERE length(data) > 0 AND get_byte(data, 0) <> 0) OR EXISTS (SELECT 1 FROM inbound_messages WHERE length(raw) > 0 AND get_byte(raw, 0) <> 0) OR EXISTS (SELECT 1 FROM inbound_files WHERE length(data) > 0 AND get_byte(data, 0) <> 0) OR EXISTS (SELECT 1 FROM answer_deliveries WHERE length(pdf) > 0 AND get_byte(pdf, 0) <> 0) THEN
        RAISE EXCEPTION 'encrypted personal data exists: it cannot be turned back into plaintext by a migration';
    END IF;
END $$;
ALTER TABLE tasks ALTER COLUMN extract_text DROP DEFAULT;
ALTER TABLE tasks ALTER COLUMN extract_text TYPE text USING CASE WHEN length(extract_text) = 0 THEN '' ELSE convert_from(substring(extract_text FROM 2), 'UTF8') END;
ALTER TABLE tasks ALTER COLUMN extract_text SET DEFAULT '';
ALTER TABLE tasks ALTER COLUMN answer_comment DROP DEFAULT;
ALTER TABLE tasks ALTER COLUMN answer_comment TYPE text USING CASE WHEN length(answer_comment) = 0 THEN '' ELSE convert_from(substring(answer_comment FROM 2), 'UTF8') END;
ALTER TABLE tasks ALTER COLUMN answer_comment SET DEFAULT '';
ALTER TABLE tasks ALTER COLUMN answer_changes DROP DEFAULT;
ALTER TABLE tasks ALTER COLUMN answer_changes TYPE text USING CASE WHEN length(answer_changes) = 0 THEN '' ELSE convert_from(substring(answer_changes FROM 2), 'UTF8') END;
ALTER TABLE tasks ALTER COLUMN answer_changes SET DEFAULT '';
ALTER TABLE task_attachments ALTER COLUMN filename DROP DEFAULT;
ALTER TABLE task_attachments ALTER COLUMN filename TYPE text USING CASE WHEN length(filename) = 0 THEN '' ELSE convert_from(substring(filename FROM 2), 'UTF8') END;
ALTER TABLE task_attachments ALTER COLUMN filename SET DEFAULT '';
ALTER TABLE inbound_messages ALTER COLUMN from_addr DROP DEFAULT;
ALTER TABLE inbound_messages ALTER COLUMN from_addr TYPE text USING CASE WHEN length(from_addr) = 0 THEN '' ELSE convert_from(substring(from_addr FROM 2), 'UTF8') END;
ALTER TABLE inbound_messages ALTER COLUMN from_addr SET DEFAULT '';
ALTER TABLE inbound_messages ALTER COLUMN subject DROP DEFAULT;
ALTER TABLE inbound_messages ALTER COLUMN subject TYPE text USING CASE WHEN length(subject) = 0 THEN '' ELSE convert_from(substring(subject FROM 2), 'UTF8') END;
ALTER TABLE inbound_messages ALTER COLUMN subject SET DEFAULT '';
ALTER TABLE inbound_files ALTER COLUMN filename DROP DEFAULT;
ALTER TABLE inbound_files ALTER COLUMN filename TYPE text USING CASE WHEN length(filename) = 0 THEN '' ELSE convert_from(substring(filename FROM 2), 'UTF8') END;
ALTER TABLE inbound_files ALTER COLUMN filename SET DEFAULT '';
UPDATE task_attachments SET data = substring(data FROM 2) WHERE length(data) > 0;
UPDATE inbound_messages SET raw = substring(raw FROM 2) WHERE length(raw) > 0;
UPDATE inbound_files SET data = substring(data FROM 2) WHERE length(data) > 0;
UPDATE answer_deliveries SET pdf = substring(pdf FROM 2) WHERE length(pdf) > 0;
