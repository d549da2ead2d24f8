DROP TABLE IF EXISTS stats_refreshed;
DROP TABLE IF EXISTS stats_monthly_days;
DROP TABLE IF EXISTS stats_monthly;
DROP VIEW IF EXISTS stats_source;
DROP INDEX IF EXISTS registers_unit;
DROP INDEX IF EXISTS case_access_log_org;
DELETE FROM case_access_log WHERE what = 'person_searched' OR case_id IS NULL;
ALTER TABLE case_access_log DROP CONSTRAINT case_access_log_what_check;
ALTER TABLE case_access_log ADD CONSTRAINT case_access_log_what_check
    CHECK (what IN ('case_viewed', 'task_viewed', 'file_downloaded', 'email_viewed', 'letter_downloaded'));
ALTER TABLE case_access_log ALTER COLUMN case_id SET NOT NULL;
