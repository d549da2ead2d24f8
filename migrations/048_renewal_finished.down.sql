DROP INDEX cases_org_state_finished;
ALTER TABLE cases DROP COLUMN ended_at;
ALTER TABLE outbox DROP COLUMN link_renewal;
