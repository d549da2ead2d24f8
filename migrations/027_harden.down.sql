DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM answer_withheld WHERE length(reason) > 0 AND get_byte(reason, 0) <> 0)
        OR EXISTS (SELECT 1 FROM cases WHERE length(doc_extension_reason) > 0 AND get_byte(doc_extension_reason, 0) <> 0)
        OR EXISTS (SELECT 1 FROM outbox WHERE length(last_error) > 0 AND get_byte(last_error, 0) <> 0)
        OR EXISTS (SELECT 1 FROM letter_queue WHERE length(pdf) > 0 AND get_byte(pdf, 0) <> 0) THEN
        RAISE EXCEPTION 'encrypted personal data exists: it cannot be turned back into plaintext by a migration';
    END IF;
END $$;
UPDATE letter_queue SET pdf = substring(pdf FROM 2) WHERE length(pdf) > 0;
ALTER TABLE outbox ALTER COLUMN last_error DROP DEFAULT;
ALTER TABLE outbox ALTER COLUMN last_error TYPE text USING CASE WHEN length(last_error) = 0 THEN '' ELSE convert_from(substring(last_error FROM 2), 'UTF8') END;
ALTER TABLE outbox ALTER COLUMN last_error SET DEFAULT '';
ALTER TABLE cases ALTER COLUMN doc_extension_reason DROP DEFAULT;
ALTER TABLE cases ALTER COLUMN doc_extension_reason TYPE text USING CASE WHEN length(doc_extension_reason) = 0 THEN '' ELSE convert_from(substring(doc_extension_reason FROM 2), 'UTF8') END;
ALTER TABLE cases ALTER COLUMN doc_extension_reason SET DEFAULT '';
ALTER TABLE answer_withheld ALTER COLUMN reason TYPE text USING CASE WHEN length(reason) = 0 THEN '' ELSE convert_from(substring(reason FROM 2), 'UTF8') END;
