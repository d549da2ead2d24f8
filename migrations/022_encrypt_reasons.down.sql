DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM cases WHERE length(extension_reason) > 0 AND get_byte(extension_reason, 0) <> 0) OR EXISTS (SELECT 1 FROM cases WHERE length(pause_reason) > 0 AND get_byte(pause_reason, 0) <> 0) OR EXISTS (SELECT 1 FROM cases WHERE length(refusal_reason) > 0 AND get_byte(refusal_reason, 0) <> 0) THEN
        RAISE EXCEPTION 'encrypted personal data exists: it cannot be turned back into plaintext by a migration';
    END IF;
END $$;
ALTER TABLE cases ALTER COLUMN extension_reason DROP DEFAULT;
ALTER TABLE cases ALTER COLUMN extension_reason TYPE text USING CASE WHEN length(extension_reason) = 0 THEN '' ELSE convert_from(substring(extension_reason FROM 2), 'UTF8') END;
ALTER TABLE cases ALTER COLUMN extension_reason SET DEFAULT '';
ALTER TABLE cases ALTER COLUMN pause_reason DROP DEFAULT;
ALTER TABLE cases ALTER COLUMN pause_reason TYPE text USING CASE WHEN length(pause_reason) = 0 THEN '' ELSE convert_from(substring(pause_reason FROM 2), 'UTF8') END;
ALTER TABLE cases ALTER COLUMN pause_reason SET DEFAULT '';
ALTER TABLE cases ALTER COLUMN refusal_reason DROP DEFAULT;
ALTER TABLE cases ALTER COLUMN refusal_reason TYPE text USING CASE WHEN length(refusal_reason) = 0 THEN '' ELSE convert_from(substring(refusal_reason FROM 2), 'UTF8') END;
ALTER TABLE cases ALTER COLUMN refusal_reason SET DEFAULT '';
