CREATE INDEX cases_org_urgent ON cases (org_id, urgent_due, id) WHERE urgent_due IS NOT NULL;
CREATE INDEX cases_org_due ON cases (org_id, legal_due, id);
CREATE INDEX cases_org_state_due ON cases (org_id, state, legal_due, id);
