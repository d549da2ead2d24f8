-- Every reference to a case or a task leads an index
-- (TestCaseReferencesAreIndexed). Without one, reading a case's rows
-- scanned the whole table, and so did deleting a case (the hourly purge of
-- unconfirmed web requests, the retention purge): the database looks in
-- every referencing table for the deleted case's rows, by case_id alone.
-- The case page read every mail ever sent to list one case's; the demo
-- writes no mails, so the 1M-case benchmarks could not see it.
CREATE INDEX outbox_case ON outbox (case_id);
CREATE INDEX outbox_task ON outbox (task_id) WHERE task_id IS NOT NULL;
CREATE INDEX cases_duplicate_of ON cases (duplicate_of) WHERE duplicate_of IS NOT NULL;
CREATE INDEX inbound_messages_case ON inbound_messages (case_id);
CREATE INDEX status_codes_case ON status_codes (case_id);
-- These led with org_id, which a case or task id already decides: led by
-- the id they serve the same lookups and the reference too.
DROP INDEX answer_deliveries_case;
CREATE INDEX answer_deliveries_case ON answer_deliveries (case_id);
DROP INDEX answer_withheld_task;
CREATE INDEX answer_withheld_task ON answer_withheld (task_id);
DROP INDEX answer_withheld_case;
CREATE INDEX answer_withheld_case ON answer_withheld (case_id);
DROP INDEX letter_queue_case;
CREATE INDEX letter_queue_case ON letter_queue (case_id);
-- The idempotency rows go with their case and are never looked up by
-- age: the case index replaces the unused one on created_at, so an API
-- intake writes no more index entries than before.
DROP INDEX api_idempotency_created_at;
CREATE INDEX api_idempotency_case ON api_idempotency (case_id);
