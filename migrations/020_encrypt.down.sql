DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM requesters WHERE length(name) > 0 AND get_byte(name, 0) <> 0) OR EXISTS (SELECT 1 FROM requesters WHERE length(email) > 0 AND get_byte(email, 0) <> 0) OR EXISTS (SELECT 1 FROM requesters WHERE length(phone) > 0 AND get_byte(phone, 0) <> 0) OR EXISTS (SELECT 1 FROM requesters WHERE length(address) > 0 AND get_byte(address, 0) <> 0) OR EXISTS (SELECT 1 FROM requesters WHERE length(subject_name) > 0 AND get_byte(subject_name, 0) <> 0) OR EXISTS (SELECT 1 FROM cases WHERE length(details) > 0 AND get_byte(details, 0) <> 0) OR EXISTS (SELECT 1 FROM case_notes WHERE length(body) > 0 AND get_byte(body, 0) <> 0) OR EXISTS (SELECT 1 FROM outbox WHERE length(to_addr) > 0 AND get_byte(to_addr, 0) <> 0) OR EXISTS (SELECT 1 FROM outbox WHERE length(subject) > 0 AND get_byte(subject, 0) <> 0) OR EXISTS (SELECT 1 FROM outbox WHERE length(text_body) > 0 AND get_byte(text_body, 0) <> 0) OR EXISTS (SELECT 1 FROM outbox WHERE length(html_body) > 0 AND get_byte(html_body, 0) <> 0) OR EXISTS (SELECT 1 FROM requesters WHERE length(hetu_enc) > 0 AND get_byte(hetu_enc, 0) <> 0) OR EXISTS (SELECT 1 FROM requesters WHERE length(subject_hetu_enc) > 0 AND get_byte(subject_hetu_enc, 0) <> 0) THEN
        RAISE EXCEPTION 'encrypted personal data exists: it cannot be turned back into plaintext by a migration';
    END IF;
END $$;
ALTER TABLE requesters ALTER COLUMN name DROP DEFAULT;
ALTER TABLE requesters ALTER COLUMN name TYPE text USING CASE WHEN length(name) = 0 THEN '' ELSE convert_from(substring(name FROM 2), 'UTF8') END;
ALTER TABLE requesters ALTER COLUMN name SET DEFAULT '';
ALTER TABLE requesters ALTER COLUMN email DROP DEFAULT;
ALTER TABLE requesters ALTER COLUMN email TYPE text USING CASE WHEN length(email) = 0 THEN '' ELSE convert_from(substring(email FROM 2), 'UTF8') END;
ALTER TABLE requesters ALTER COLUMN email SET DEFAULT '';
ALTER TABLE requesters ALTER COLUMN phone DROP DEFAULT;
ALTER TABLE requesters ALTER COLUMN phone TYPE text USING CASE WHEN length(phone) = 0 THEN '' ELSE convert_from(substring(phone FROM 2), 'UTF8') END;
ALTER TABLE requesters ALTER COLUMN phone SET DEFAULT '';
ALTER TABLE requesters ALTER COLUMN address DROP DEFAULT;
ALTER TABLE requesters ALTER COLUMN address TYPE text USING CASE WHEN length(address) = 0 THEN '' ELSE convert_from(substring(address FROM 2), 'UTF8') END;
ALTER TABLE requesters ALTER COLUMN address SET DEFAULT '';
ALTER TABLE requesters ALTER COLUMN subject_name DROP DEFAULT;
ALTER TABLE requesters ALTER COLUMN subject_name TYPE text USING CASE WHEN length(subject_name) = 0 THEN '' ELSE convert_from(substring(subject_name FROM 2), 'UTF8') END;
ALTER TABLE requesters ALTER COLUMN subject_name SET DEFAULT '';
ALTER TABLE cases ALTER COLUMN details DROP DEFAULT;
ALTER TABLE cases ALTER COLUMN details TYPE text USING CASE WHEN length(details) = 0 THEN '' ELSE convert_from(substring(details FROM 2), 'UTF8') END;
ALTER TABLE cases ALTER COLUMN details SET DEFAULT '';
ALTER TABLE case_notes ALTER COLUMN body DROP DEFAULT;
ALTER TABLE case_notes ALTER COLUMN body TYPE text USING CASE WHEN length(body) = 0 THEN '' ELSE convert_from(substring(body FROM 2), 'UTF8') END;
ALTER TABLE case_notes ALTER COLUMN body SET DEFAULT '';
ALTER TABLE outbox ALTER COLUMN to_addr DROP DEFAULT;
ALTER TABLE outbox ALTER COLUMN to_addr TYPE text USING CASE WHEN length(to_addr) = 0 THEN '' ELSE convert_from(substring(to_addr FROM 2), 'UTF8') END;
ALTER TABLE outbox ALTER COLUMN to_addr SET DEFAULT '';
ALTER TABLE outbox ALTER COLUMN subject DROP DEFAULT;
ALTER TABLE outbox ALTER COLUMN subject TYPE text USING CASE WHEN length(subject) = 0 THEN '' ELSE convert_from(substring(subject FROM 2), 'UTF8') END;
ALTER TABLE outbox ALTER COLUMN subject SET DEFAULT '';
ALTER TABLE outbox ALTER COLUMN text_body DROP DEFAULT;
ALTER TABLE outbox ALTER COLUMN text_body TYPE text USING CASE WHEN length(text_body) = 0 THEN '' ELSE convert_from(substring(text_body FROM 2), 'UTF8') END;
ALTER TABLE outbox ALTER COLUMN text_body SET DEFAULT '';
ALTER TABLE outbox ALTER COLUMN html_body DROP DEFAULT;
ALTER TABLE outbox ALTER COLUMN html_body TYPE text USING CASE WHEN length(html_body) = 0 THEN '' ELSE convert_from(substring(html_body FROM 2), 'UTF8') END;
ALTER TABLE outbox ALTER COLUMN html_body SET DEFAULT '';
UPDATE requesters SET hetu_enc = substring(hetu_enc FROM 2) WHERE length(hetu_enc) > 0;
UPDATE requesters SET subject_hetu_enc = substring(subject_hetu_enc FROM 2) WHERE length(subject_hetu_enc) > 0;
DROP INDEX requesters_email_index;
ALTER TABLE requesters DROP COLUMN email_index, DROP COLUMN email_index_key, DROP COLUMN hetu_index_key,
    DROP COLUMN subject_hetu_index_key;
CREATE INDEX requesters_email ON requesters (org_id, lower(email));
DROP TABLE case_keys;
