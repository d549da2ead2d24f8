-- Issue 16 item 4 (D-25, D-26): personal data at rest is encrypted with a
-- per-case data key, wrapped under the keyring (key id beside it). The
-- personal columns become bytea envelopes (internal/secret/envelope.go):
-- existing values are kept as version-0 envelopes (0x00 || plaintext) and
-- encrypted by the Go step that runs after migrations
-- (store.EncryptLegacy, run by 'serve' and 'migrate up'). A destroyed key
-- keeps its row with wrapped NULL (a tombstone: never re-created).
CREATE TABLE case_keys (
    case_id      bigint PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
    key_id       text NOT NULL,
    wrapped      bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    destroyed_at timestamptz
);
CREATE INDEX case_keys_key_id ON case_keys (key_id) WHERE wrapped IS NOT NULL;

DROP INDEX requesters_email;
ALTER TABLE requesters
    ADD COLUMN email_index            bytea,
    ADD COLUMN email_index_key        text NOT NULL DEFAULT '',
    ADD COLUMN hetu_index_key         text NOT NULL DEFAULT '',
    ADD COLUMN subject_hetu_index_key text NOT NULL DEFAULT '';
CREATE INDEX requesters_email_index ON requesters (org_id, email_index) WHERE email_index IS NOT NULL;

ALTER TABLE requesters ALTER COLUMN name DROP DEFAULT;
ALTER TABLE requesters ALTER COLUMN name TYPE bytea USING CASE WHEN name = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(name, 'UTF8') END;
ALTER TABLE requesters ALTER COLUMN name SET DEFAULT ''::bytea;
ALTER TABLE requesters ALTER COLUMN email DROP DEFAULT;
ALTER TABLE requesters ALTER COLUMN email TYPE bytea USING CASE WHEN email = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(email, 'UTF8') END;
ALTER TABLE requesters ALTER COLUMN email SET DEFAULT ''::bytea;
ALTER TABLE requesters ALTER COLUMN phone DROP DEFAULT;
ALTER TABLE requesters ALTER COLUMN phone TYPE bytea USING CASE WHEN phone = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(phone, 'UTF8') END;
ALTER TABLE requesters ALTER COLUMN phone SET DEFAULT ''::bytea;
ALTER TABLE requesters ALTER COLUMN address DROP DEFAULT;
ALTER TABLE requesters ALTER COLUMN address TYPE bytea USING CASE WHEN address = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(address, 'UTF8') END;
ALTER TABLE requesters ALTER COLUMN address SET DEFAULT ''::bytea;
ALTER TABLE requesters ALTER COLUMN subject_name DROP DEFAULT;
ALTER TABLE requesters ALTER COLUMN subject_name TYPE bytea USING CASE WHEN subject_name = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(subject_name, 'UTF8') END;
ALTER TABLE requesters ALTER COLUMN subject_name SET DEFAULT ''::bytea;
ALTER TABLE cases ALTER COLUMN details DROP DEFAULT;
ALTER TABLE cases ALTER COLUMN details TYPE bytea USING CASE WHEN details = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(details, 'UTF8') END;
ALTER TABLE cases ALTER COLUMN details SET DEFAULT ''::bytea;
ALTER TABLE case_notes ALTER COLUMN body DROP DEFAULT;
ALTER TABLE case_notes ALTER COLUMN body TYPE bytea USING CASE WHEN body = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(body, 'UTF8') END;
ALTER TABLE case_notes ALTER COLUMN body SET DEFAULT ''::bytea;
ALTER TABLE outbox ALTER COLUMN to_addr DROP DEFAULT;
ALTER TABLE outbox ALTER COLUMN to_addr TYPE bytea USING CASE WHEN to_addr = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(to_addr, 'UTF8') END;
ALTER TABLE outbox ALTER COLUMN to_addr SET DEFAULT ''::bytea;
ALTER TABLE outbox ALTER COLUMN subject DROP DEFAULT;
ALTER TABLE outbox ALTER COLUMN subject TYPE bytea USING CASE WHEN subject = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(subject, 'UTF8') END;
ALTER TABLE outbox ALTER COLUMN subject SET DEFAULT ''::bytea;
ALTER TABLE outbox ALTER COLUMN text_body DROP DEFAULT;
ALTER TABLE outbox ALTER COLUMN text_body TYPE bytea USING CASE WHEN text_body = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(text_body, 'UTF8') END;
ALTER TABLE outbox ALTER COLUMN text_body SET DEFAULT ''::bytea;
ALTER TABLE outbox ALTER COLUMN html_body DROP DEFAULT;
ALTER TABLE outbox ALTER COLUMN html_body TYPE bytea USING CASE WHEN html_body = '' THEN ''::bytea ELSE '\x00'::bytea || convert_to(html_body, 'UTF8') END;
ALTER TABLE outbox ALTER COLUMN html_body SET DEFAULT ''::bytea;
UPDATE requesters SET hetu_enc = '\x00'::bytea || hetu_enc WHERE length(hetu_enc) > 0;
UPDATE requesters SET subject_hetu_enc = '\x00'::bytea || subject_hetu_enc WHERE length(subject_hetu_enc) > 0;
