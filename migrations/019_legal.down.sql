DROP INDEX IF EXISTS requesters_subject_hetu;
ALTER TABLE cases DROP COLUMN subject_hetu_temporary, DROP COLUMN authority_at, DROP COLUMN authority;
DROP INDEX IF EXISTS cases_org_urgent;
DROP INDEX IF EXISTS cases_org_state_urgent;
ALTER TABLE cases DROP COLUMN urgent_clock, DROP COLUMN urgent_due;
ALTER TABLE cases DROP COLUMN doc_extension_reason, DROP COLUMN doc_extended_at,
    DROP COLUMN doc_decision, DROP COLUMN doc_decided_at;
