-- The case's assignee (issue 21: the dashboard filters by it). Staff
-- accounts are disabled, never deleted (DisableStaffUser keeps them for the
-- audit trail), so ON DELETE SET NULL only covers a manual clean-up.
ALTER TABLE cases ADD COLUMN assigned_to bigint REFERENCES staff_users (id) ON DELETE SET NULL;

-- The assignee filter within the dashboard's per (organisation, state)
-- ranges: `assigned_to = $n` pins the range and the index gives it in the
-- dashboard's order (cases_org_state_urgent's key). Partial: new cases are
-- unassigned, so intake writes no entry here; the "unassigned" view walks
-- cases_org_state_urgent, where most open cases are.
CREATE INDEX cases_org_state_assignee_urgent ON cases
    (org_id, state, assigned_to, (coalesce(urgent_due, extended_due, legal_due)), id)
    WHERE assigned_to IS NOT NULL;
