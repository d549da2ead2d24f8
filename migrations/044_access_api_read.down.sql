DELETE FROM case_access_log WHERE what = 'api_read';
ALTER TABLE case_access_log DROP CONSTRAINT case_access_log_what_check;
ALTER TABLE case_access_log ADD CONSTRAINT case_access_log_what_check
    CHECK (what IN ('case_viewed', 'task_viewed', 'file_downloaded', 'email_viewed', 'letter_downloaded', 'person_searched'));
