DROP INDEX IF EXISTS cases_org_state_assignee_urgent;
ALTER TABLE cases DROP COLUMN IF EXISTS assigned_to;
