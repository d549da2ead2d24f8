-- D-29: a new link for a delivered answer (workflow.RenewAnswerLink) is
-- an answer link mail as the first one was, and the server's acceptance
-- of it recorded "answer delivered" on the timeline a second time. The
-- row says it is a new link, so its acceptance says so instead. A
-- constant default: no rewrite of the table.
ALTER TABLE outbox ADD COLUMN link_renewal boolean NOT NULL DEFAULT false;

-- The dashboard's views of finished requests (answered, closed, refused,
-- withdrawn) list the most recently finished first: the DPO looks there
-- for what was just done, not for requests of years ago. A request is
-- finished when it was answered (answered_at, D-29) or, unanswered, when
-- it was refused or withdrawn: ended_at, set by the transition (the
-- case row kept no date of it, only its event). Filled in here from the
-- events, as the page read them (store.endedAt). A request with neither
-- (none in use; synthetic data may have them) sorts by its arrival.
ALTER TABLE cases ADD COLUMN ended_at timestamptz;
UPDATE cases c SET ended_at = e.at
FROM (SELECT case_id, org_id, max(at) AS at FROM audit_events
      WHERE case_id IS NOT NULL AND action IN ('refuse', 'withdraw') GROUP BY case_id, org_id) e
WHERE e.case_id = c.id AND e.org_id = c.org_id AND c.state IN ('refused', 'withdrawn', 'closed');
-- One ordered range per (organisation, finished state), read backwards
-- for a page or a CSV batch from its keyset cursor, as
-- cases_org_state_urgent serves the open views. Partial: the open cases,
-- which intake writes, are not in it; the dashboard's finished ranges
-- name the same state list, so the planner proves the predicate.
CREATE INDEX cases_org_state_finished ON cases (org_id, state, (coalesce(answered_at, ended_at, received_at)), id)
    WHERE state IN ('answered', 'closed', 'refused', 'withdrawn');
