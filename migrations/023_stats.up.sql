-- Issue 21, dashboard and statistics.
--
-- A search of the dashboard by person (email or henkilötunnus through
-- their blind indexes) is a processing of that person's data: it is
-- recorded as 'person_searched' on every case it found, and once per
-- organisation searched with no case (case_id NULL), so a search that
-- found nothing is on record too. The searched value never is (D-25).
ALTER TABLE case_access_log ALTER COLUMN case_id DROP NOT NULL;
ALTER TABLE case_access_log DROP CONSTRAINT case_access_log_what_check;
ALTER TABLE case_access_log ADD CONSTRAINT case_access_log_what_check
    CHECK (what IN ('case_viewed', 'task_viewed', 'file_downloaded', 'email_viewed', 'letter_downloaded', 'person_searched'));
CREATE INDEX case_access_log_org ON case_access_log (org_id, at DESC) WHERE case_id IS NULL;

-- The dashboard's unit filter: a case belongs to the units of the
-- registers its tasks are in.
CREATE INDEX registers_unit ON registers (unit_id) WHERE unit_id IS NOT NULL;
