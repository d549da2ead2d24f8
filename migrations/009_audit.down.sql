DROP TABLE case_notes;
DROP TABLE audit_checkpoint_heads;
DROP TABLE audit_checkpoints;
DROP TABLE audit_heads;
DROP TRIGGER audit_events_no_truncate ON audit_events;
DROP TRIGGER audit_events_no_change ON audit_events;
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END $$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
DROP INDEX audit_events_org_seq;
ALTER TABLE audit_events DROP COLUMN key_id;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_case_id_fkey
    FOREIGN KEY (case_id) REFERENCES cases (id) ON DELETE CASCADE NOT VALID;
