-- Intake cost (issue 21): indexes on cases that no query reads any more.
-- Every intake inserted a leaf tuple into each of them (WAL and CPU).
-- Checked (branch intake3): no query in the code filters or orders cases by
-- legal_due alone or by urgent_due alone; every read by organisation and
-- state, or by organisation and urgency, has cases_org_state_urgent (same
-- leading columns, org_id, state) or cases_needing_triage; under
-- auto_explain the api, workflow, store and jobs test packages never chose
-- any of these three; the digest (CasesDueBy) and the metrics read
-- (OpenCasesByDue) read cases_org_state_urgent on 6,000 seeded cases
-- (store.TestExplainCaseReadsWithoutDueIndexes), as the dashboard does.
--  * cases_org_state_due (org_id, state, legal_due, id): the dashboard's
--    index before 019_legal (urgency order) and 032_bands.
--  * cases_org_due (org_id, legal_due, id): no reader.
--  * cases_org_urgent (org_id, urgent_due, id) WHERE urgent_due IS NOT NULL:
--    every open case has an urgent_due, so every intake inserted into it;
--    the digest and counts it was made for read cases_org_state_urgent.
DROP INDEX cases_org_state_due;
DROP INDEX cases_org_due;
DROP INDEX cases_org_urgent;

-- Not done here: a composite (case_id, org_id) -> cases (id, org_id) key in
-- place of requesters' key to organisations. It needs a new unique index
-- on cases (id, org_id), i.e. one more leaf insert per intake (+60-90 bytes
-- of WAL per intake measured, no CPU gain at 1 or 8 clients), the cases
-- insert still locks the organisation row, and only requesters qualify
-- (audit_events, audit_heads, outbox and api_idempotency hold rows with no
-- case). The planner also took that index for organisation-wide scans.
