DROP INDEX cases_needing_triage;
DROP INDEX tasks_dpo_queue;
DROP TRIGGER cases_case_due ON cases;
DROP FUNCTION cases_case_due_follow();
DROP TRIGGER tasks_case_due ON tasks;
DROP FUNCTION tasks_case_due_set();
ALTER TABLE tasks DROP COLUMN case_due;
