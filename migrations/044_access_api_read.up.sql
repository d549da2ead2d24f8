-- D-20: an API token's use is recorded on the case it reads. A read of
-- where a request stands through /api/v1 is an access log entry
-- 'api_read', its actor the token ('token:NAME'), like a staff member's
-- read of the case page.
ALTER TABLE case_access_log DROP CONSTRAINT case_access_log_what_check;
ALTER TABLE case_access_log ADD CONSTRAINT case_access_log_what_check
    CHECK (what IN ('case_viewed', 'task_viewed', 'file_downloaded', 'email_viewed', 'letter_downloaded', 'person_searched', 'api_read'));
